"""What an OUTSCALE profile needs in the AWS config file, computed without I/O (text in, text out).

For a profile NAME in region R :func:`plan` writes::

    [profile NAME]
    region = R
    services = osc-R
    outscale = true

    [services osc-R]
    ec2 =
      endpoint_url = https://fcu.R.outscale.com
    s3 =
      endpoint_url = https://oos.R.outscale.com
    ...                                   (every service of osc_shim.regions)

    [plugins]
    outscale = awscli_plugin_outscale
    cli_legacy_plugin_path = DIR          (AWS CLI v2 only: it breaks v1)

``[services]`` is botocore's own format (botocore >= 1.31, boto3 >= 1.28,
AWS CLI >= 1.29 / 2.13): unchanged boto3 code and other SDKs read it.
``outscale = true`` is the marker the plugin reads to route image calls
through the shim.  A second run changes nothing.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import List, Optional

from .. import regions, routing
from .ini import IniDocument, exact_matcher, profile_header, profile_matcher, services_matcher

PLUGIN_MODULE = "awscli_plugin_outscale"
PLUGIN_NAME = "outscale"  # key of the plugin in [plugins]
MARKER_KEY = routing.PROFILE_MARKER  # profile key the routing decision reads: outscale = true
LEGACY_PLUGIN_PATH = "cli_legacy_plugin_path"
CLI_CHOICES = ("v1", "v2")


def services_section_name(region: str) -> str:
    return f"osc-{region}"


class ConfigureError(Exception):
    """A user-facing failure (bad region, unknown CLI, unwritable file...)."""


@dataclass
class Plan:
    config_file: str
    profile: str
    region: str
    cli: str
    plugin_dir: Optional[str]
    old_text: str
    new_text: str
    existed: bool
    notes: List[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text or not self.existed

    def diff(self) -> str:
        name = self.config_file
        return "".join(
            difflib.unified_diff(
                self.old_text.splitlines(True),
                self.new_text.splitlines(True),
                fromfile=name if self.existed else "/dev/null",
                tofile=name,
            )
        )


def plan(
    old_text: str,
    *,
    profile: str,
    region: Optional[str],
    cli: str,
    plugin_dir: Optional[str] = None,
    config_file: str = "~/.aws/config",
    existed: bool = True,
) -> Plan:
    """Compute the new config text for an OUTSCALE ``profile`` (pure)."""
    if cli not in CLI_CHOICES:
        raise ConfigureError(f"unknown AWS CLI major version {cli!r}; expected one of {', '.join(CLI_CHOICES)}")
    if cli == "v2" and not plugin_dir:
        raise ConfigureError("AWS CLI v2 needs the directory the plugin is importable from (cli_legacy_plugin_path)")
    doc = IniDocument(old_text)
    in_profile = profile_matcher(profile)
    header = profile_header(profile)
    notes: List[str] = []

    try:
        region, region_notes = routing.configure_region(region, doc.get(in_profile, "region"))
    except regions.UnknownRegion as e:
        raise ConfigureError(str(e)) from None
    notes.extend(region_notes)
    if not regions.REGIONS[region].confirmed:
        notes.append(f"region {region} is not confirmed to be served by OUTSCALE any more")

    # The profile.
    services_name = services_section_name(region)
    old_services = doc.get(in_profile, "services")
    if old_services and old_services != services_name:
        notes.append(f"profile {profile!r}: services {old_services} replaced by {services_name}")
    doc.set(in_profile, header, "region", region)
    doc.set(in_profile, header, "services", services_name)
    doc.set(in_profile, header, MARKER_KEY, "true")

    # The [services osc-<region>] section: every OUTSCALE endpoint of the region.
    in_services = services_matcher(services_name)
    for key, url in regions.services_config(region).items():
        doc.set_nested(in_services, f"services {services_name}", key, "endpoint_url", url)

    # [plugins]
    in_plugins = exact_matcher("plugins")
    plugin_keys = [k for k, v in doc.keys(in_plugins) if v == PLUGIN_MODULE and k != LEGACY_PLUGIN_PATH]
    if not plugin_keys:
        existing = doc.get(in_plugins, PLUGIN_NAME)
        if existing and existing != PLUGIN_MODULE:
            notes.append(f"[plugins] {PLUGIN_NAME} = {existing} replaced by {PLUGIN_MODULE}")
        doc.set(in_plugins, "plugins", PLUGIN_NAME, PLUGIN_MODULE)
    legacy = doc.get(in_plugins, LEGACY_PLUGIN_PATH)
    if cli == "v1":
        if legacy is not None:
            doc.remove(in_plugins, LEGACY_PLUGIN_PATH)
            notes.append(
                f"removed [plugins] {LEGACY_PLUGIN_PATH} = {legacy}: AWS CLI v1 fails on every command while it is set"
            )
    else:
        entries = [p for p in (legacy or "").split(os.pathsep) if p.strip()]
        norm = lambda p: os.path.normpath(os.path.expanduser(p.strip()))  # noqa: E731
        if norm(plugin_dir) not in {norm(p) for p in entries}:
            entries.append(plugin_dir)
            notes.append(
                f"{LEGACY_PLUGIN_PATH} makes AWS CLI v1 fail on every command: "
                "do not use this config file with a v1 `aws` (give v1 its own AWS_CONFIG_FILE)"
            )
        doc.set(in_plugins, "plugins", LEGACY_PLUGIN_PATH, os.pathsep.join(e.strip() for e in entries))

    return Plan(
        config_file=config_file,
        profile=profile,
        region=region,
        cli=cli,
        plugin_dir=plugin_dir if cli == "v2" else None,
        old_text=old_text,
        new_text=doc.text(),
        existed=existed,
        notes=notes,
    )
