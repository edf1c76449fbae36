"""Write an OUTSCALE profile into the AWS CLI / SDK shared config file.

One logic for both front ends: ``aws configure outscale`` (the plugin's
command) and ``osc-shim configure`` (for people whose CLI does not load the
plugin yet).  For a profile NAME in region R it writes::

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
through the shim.

The file is edited line by line: comments, blank lines, key order and every
other section survive; a second run changes nothing.  Planning is pure
(:func:`plan`: text in, text out); :func:`apply` performs the I/O and writes
atomically (temporary file in the same directory + ``os.replace``).
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from . import credentials as osc_credentials
from . import regions, routing

PLUGIN_MODULE = "awscli_plugin_outscale"
PLUGIN_NAME = "outscale"  # key of the plugin in [plugins]
MARKER_KEY = routing.PROFILE_MARKER  # profile key the routing decision reads: outscale = true
LEGACY_PLUGIN_PATH = "cli_legacy_plugin_path"
PLUGIN_DIR_NAME = "outscale-plugin"
# Packages the AWS CLI v2 must import from cli_legacy_plugin_path.
V2_PACKAGES = ("awscli_plugin_outscale", "osc_shim")
CLI_CHOICES = ("v1", "v2")


def services_section_name(region: str) -> str:
    return f"osc-{region}"


# --------------------------------------------------------------------------
# A line-based INI editor that reads the file the way botocore does
# (configparser.RawConfigParser + botocore's section naming) and changes
# only the lines it must.

_HEADER = re.compile(r"\[(?P<header>.+)\]")
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")


def _is_comment(line: str) -> bool:
    s = line.strip()
    return s.startswith("#") or s.startswith(";")


def _is_indented(line: str) -> bool:
    return bool(line) and line[0] in " \t"


def _header(line: str) -> Optional[str]:
    if _is_indented(line) or _is_comment(line):
        return None
    m = _HEADER.match(line.strip())
    return m.group("header") if m else None


def _section_parts(header: str) -> Optional[List[str]]:
    try:
        return shlex.split(header)
    except ValueError:
        return None


def profile_matcher(profile: str) -> Callable[[str], bool]:
    """Which section headers botocore reads as profile ``profile``."""

    def match(header: str) -> bool:
        if profile == "default" and header == "default":
            return True
        if header.startswith("profile"):
            parts = _section_parts(header)
            return parts is not None and len(parts) == 2 and parts[1] == profile
        return False

    return match


def services_matcher(name: str) -> Callable[[str], bool]:
    def match(header: str) -> bool:
        if header.startswith("services"):
            parts = _section_parts(header)
            return parts is not None and len(parts) == 2 and parts[1] == name
        return False

    return match


def exact_matcher(name: str) -> Callable[[str], bool]:
    return lambda header: header == name


def profile_header(profile: str) -> str:
    if profile == "default":
        return "default"
    return f"profile {profile}" if re.fullmatch(r"[^\s\"']+", profile) else f'profile "{profile}"'


class IniDocument:
    """An INI text as a list of lines, with the edits an AWS config needs."""

    def __init__(self, text: str = ""):
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.lines: List[str] = text.splitlines()

    def text(self) -> str:
        return self.newline.join(self.lines) + self.newline if self.lines else ""

    # -- structure ---------------------------------------------------------
    def sections(self) -> List[Tuple[str, int, int]]:
        """(header, index of the header line, end index exclusive), in file order."""
        found = []
        for i, line in enumerate(self.lines):
            h = _header(line)
            if h is not None:
                if found:
                    found[-1] = (found[-1][0], found[-1][1], i)
                found.append((h, i, len(self.lines)))
        return found

    def find_section(self, match: Callable[[str], bool]) -> Optional[Tuple[str, int, int]]:
        # botocore keeps the last of several sections naming the same profile.
        hits = [s for s in self.sections() if match(s[0])]
        return hits[-1] if hits else None

    def _options(self, start: int, end: int):
        """(key, first line, end line exclusive) of each option of a section body."""
        out = []
        i = start + 1
        while i < end:
            line = self.lines[i]
            if not line.strip() or _is_comment(line) or _is_indented(line):
                i += 1
                continue
            m = _OPTION.match(line.strip())
            key = m.group("option").strip().lower() if m else line.strip().lower()
            j = i + 1
            last = i
            while j < end:
                nxt = self.lines[j]
                if _is_indented(nxt) and nxt.strip():
                    last = j
                elif nxt.strip() and not _is_comment(nxt):
                    break
                j += 1
            out.append((key, i, last + 1))
            i = last + 1
        return out

    def get(self, match, key: str) -> Optional[str]:
        sec = self.find_section(match)
        if sec is None:
            return None
        for k, a, b in self._options(sec[1], sec[2]):
            if k == key.lower():
                m = _OPTION.match(self.lines[a].strip())
                first = m.group("value").strip() if m else ""
                rest = [l.strip() for l in self.lines[a + 1 : b] if l.strip() and not _is_comment(l)]
                return "\n".join([first] + rest) if rest else first
        return None

    def keys(self, match) -> List[Tuple[str, str]]:
        sec = self.find_section(match)
        if sec is None:
            return []
        return [(k, self.get(match, k)) for k, _, _ in self._options(sec[1], sec[2])]

    # -- edits ---------------------------------------------------------------
    def ensure_section(self, match, header: str) -> Tuple[str, int, int]:
        sec = self.find_section(match)
        if sec is not None:
            return sec
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        if self.lines:
            self.lines.append("")
        self.lines.append(f"[{header}]")
        return (header, len(self.lines) - 1, len(self.lines))

    def _insert_point(self, start: int, end: int) -> int:
        opts = self._options(start, end)
        return opts[-1][2] if opts else start + 1

    def set(self, match, header: str, key: str, value: str) -> None:
        """``key = value`` in the section (created when missing)."""
        self._replace(match, header, key, [f"{key} = {value}"])

    def set_nested(self, match, header: str, key: str, subkey: str, value: str) -> None:
        """``key =`` / ``  subkey = value``; other sub-keys of ``key`` are kept."""
        _, start, end = self.ensure_section(match, header)
        for k, a, b in self._options(start, end):
            if k != key:
                continue
            m = _OPTION.match(self.lines[a].strip())
            if m and m.group("value").strip():  # a flat value: replace it
                break
            for i in range(a + 1, b):
                sm = _OPTION.match(self.lines[i].strip())
                if sm and not _is_comment(self.lines[i]) and sm.group("option").strip().lower() == subkey:
                    indent = self.lines[i][: len(self.lines[i]) - len(self.lines[i].lstrip())]
                    self.lines[i] = f"{indent}{subkey} = {value}"
                    return
            self.lines.insert(b, f"  {subkey} = {value}")
            return
        self._replace(match, header, key, [f"{key} =", f"  {subkey} = {value}"])

    def _replace(self, match, header: str, key: str, new_lines: List[str]) -> None:
        _, start, end = self.ensure_section(match, header)
        for k, a, b in self._options(start, end):
            if k == key.lower():
                self.lines[a:b] = new_lines
                return
        at = self._insert_point(start, end)
        self.lines[at:at] = new_lines

    def remove(self, match, key: str) -> bool:
        sec = self.find_section(match)
        if sec is None:
            return False
        for k, a, b in self._options(sec[1], sec[2]):
            if k == key.lower():
                del self.lines[a:b]
                return True
        return False


# --------------------------------------------------------------------------
# The plan: what an OUTSCALE profile needs, computed without I/O.


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


# --------------------------------------------------------------------------
# I/O: locating files, detecting the CLI, installing the v2 plugin dir,
# writing atomically.


def default_config_file(environ=os.environ) -> str:
    return os.path.expanduser(environ.get("AWS_CONFIG_FILE") or "~/.aws/config")


def default_plugin_dir(config_file: str) -> str:
    """``~/.aws/outscale-plugin`` for ``~/.aws/config``: beside the config file."""
    return os.path.join(os.path.dirname(os.path.abspath(config_file)), PLUGIN_DIR_NAME)


def detect_cli(aws: Optional[str] = None, environ=os.environ) -> str:
    """``v2`` when the ``aws`` on PATH (or ``aws``) reports aws-cli/2, else ``v1``."""
    from .cli_check import CliCheckError, locate

    try:
        return locate(aws, environ).major or "v1"
    except CliCheckError:
        return "v1"


def read_config(path: str) -> Tuple[str, bool]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read(), True
    except FileNotFoundError:
        return "", False
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigureError(f"cannot read {path}: {e}") from None


def write_atomic(path: str, text: str, new_mode: int = 0o600) -> None:
    """Replace ``path`` by ``text`` all at once: a failure leaves the old file intact.

    A symlinked config file stays a symlink (its target is replaced); an
    existing file keeps its permissions, a new one gets ``new_mode`` (private by default).
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = new_mode
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _package_dir(name: str) -> str:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigureError(f"cannot find the installed package {name!r} to copy for AWS CLI v2")
    return list(spec.submodule_search_locations)[0]


def install_plugin_dir(dest: str, packages=V2_PACKAGES) -> List[str]:
    """Copy the plugin and the shim (pure Python) into ``dest`` for AWS CLI v2.

    AWS CLI v2 runs its own Python and only appends cli_legacy_plugin_path to
    ``sys.path``; botocore comes from the CLI itself.  Each package is copied
    next to its final place and swapped in with a rename, so ``dest`` never
    holds half a package.  Re-running refreshes the copy (after an upgrade).
    """
    os.makedirs(dest, exist_ok=True)
    done = []
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")
    for name in packages:
        src = _package_dir(name)
        final = os.path.join(dest, name)
        if os.path.realpath(src) == os.path.realpath(final):
            continue  # running from the plugin dir itself
        tmp = tempfile.mkdtemp(prefix=f".{name}-", dir=dest)
        staged = os.path.join(tmp, name)
        old = None
        try:
            shutil.copytree(src, staged, ignore=ignore)
            if os.path.lexists(final):
                old = os.path.join(tmp, name + ".old")
                os.rename(final, old)
            os.rename(staged, final)
        except BaseException:
            if old and not os.path.lexists(final):
                os.rename(old, final)
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        done.append(final)
    readme = os.path.join(dest, "README.txt")
    if not os.path.exists(readme):
        with open(readme, "w", encoding="utf-8") as f:
            f.write(
                "Written by `osc-shim configure --cli v2`: the AWS CLI v2 imports the OUTSCALE plugin\n"
                "(awscli_plugin_outscale) and the shim (osc_shim) from this directory, named by\n"
                "`cli_legacy_plugin_path` in the [plugins] section of the AWS config file.\n"
                "Run `osc-shim configure --cli v2` again after upgrading awscli-plugin-outscale.\n"
            )
    return done


def apply(p: Plan, *, install: bool = True, check: Optional[Callable[[], None]] = None) -> None:
    """Perform a plan: the v2 plugin dir first (the config only names it once it exists), then
    ``check`` (which raises to leave the config file untouched), then the config file."""
    try:
        if p.cli == "v2" and install:
            install_plugin_dir(p.plugin_dir)
        if check is not None:
            check()
        if p.changed:
            write_atomic(p.config_file, p.new_text)
    except OSError as e:
        raise ConfigureError(f"cannot write {getattr(e, 'filename', None) or p.config_file}: {e.strerror or e}") from None


def credentials_hint(profile: str, config_text: str, environ=os.environ) -> Optional[str]:
    """A next step when the profile has no credentials in the shared files (None when it has)."""
    keys = dict(IniDocument(config_text).keys(profile_matcher(profile)))
    sourced = ("aws_access_key_id", "credential_process", "source_profile", "sso_session", "sso_start_url",
               "web_identity_token_file", "role_arn")
    if any(k in keys for k in sourced) or osc_credentials.found(environ):
        return None
    creds = os.path.expanduser(environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials")
    text, _ = read_config(creds) if os.path.isfile(creds) else ("", False)
    if dict(IniDocument(text).keys(exact_matcher(profile))).get("aws_access_key_id"):
        return None
    opt = "" if profile == "default" else f" --profile {profile}"
    return (
        f"profile {profile!r} has no credentials yet: set your OUTSCALE access key with\n"
        f"  aws configure set aws_access_key_id <ACCESS_KEY>{opt}\n"
        f"  aws configure set aws_secret_access_key <SECRET_KEY>{opt}"
    )


def summary(p: Plan, dry_run: bool = False, copied: bool = True) -> str:
    lines = []
    if not p.changed:
        lines.append(f"{p.config_file}: profile {p.profile!r} already configured for OUTSCALE {p.region}; nothing to change")
    else:
        verb = "would write" if dry_run else "wrote"
        lines.append(
            f"{p.config_file}: {verb} profile {p.profile!r} for OUTSCALE {p.region} "
            f"([services {services_section_name(p.region)}], {MARKER_KEY} = true) and [plugins] for AWS CLI {p.cli}"
        )
    if p.cli == "v2" and copied:
        verb = "would copy" if dry_run else "copied"
        lines.append(f"{p.plugin_dir}: {verb} {' and '.join(V2_PACKAGES)} (cli_legacy_plugin_path)")
    lines.extend(f"note: {n}" for n in p.notes)
    return "\n".join(lines)
