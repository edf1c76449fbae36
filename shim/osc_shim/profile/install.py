"""Performing a profile plan: the files, the AWS CLI v2 plugin folder, the atomic write.

:func:`apply` copies the plugin folder first for AWS CLI v2 (the config only names it
once it exists), then runs the check (``cli_check``), then replaces the config file
atomically (temporary file in the same directory + ``os.replace``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Callable, List, Optional, Tuple

from .. import credentials as osc_credentials
from .ini import IniDocument, exact_matcher, profile_matcher
from .planning import MARKER_KEY, ConfigureError, Plan, services_section_name

PLUGIN_DIR_NAME = "outscale-plugin"
# Packages the AWS CLI v2 must import from cli_legacy_plugin_path.
V2_PACKAGES = ("awscli_plugin_outscale", "osc_shim")
# What the plugin never imports, left out of the v2 folder (modules or sub-packages at the package's top):
# the other front ends and the tools that serve them.  tests/config/test_config_plugin_folder.py holds
# this to what the plugin's modules import.
NOT_ON_PLUGIN_PATH = {
    "osc_shim": (
        "gateway",  # the EC2-compatible HTTP gateway (`osc-shim serve`)
        "cli",  # the `osc-shim` click commands
        "translate",  # `osc-shim translate`'s AWS CLI harness and renderers
        "demo",  # `osc-shim demo`
        "rehearse",  # `osc-shim rehearse`
        "docgen",  # the generated docs (a development tool)
    ),
}


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


def _ignored(package_dir: str, left_out) -> Callable[[str, List[str]], List[str]]:
    """A ``copytree`` ignore: compiled files anywhere, the ``left_out`` modules and sub-packages at the top."""
    top = os.path.realpath(package_dir)
    compiled = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")

    def ignore(directory: str, names: List[str]) -> List[str]:
        skipped = set(compiled(directory, names))
        if os.path.realpath(directory) == top:
            skipped.update(n for n in names if n in left_out or (n.endswith(".py") and n[:-3] in left_out))
        return sorted(skipped)

    return ignore


def install_plugin_dir(dest: str, packages=V2_PACKAGES) -> List[str]:
    """Copy the plugin and the shim's plugin path (pure Python) into ``dest`` for AWS CLI v2.

    AWS CLI v2 runs its own Python and only appends cli_legacy_plugin_path to
    ``sys.path``; botocore comes from the CLI itself.  Each package is copied
    next to its final place and swapped in with a rename, so ``dest`` never
    holds half a package.  Re-running refreshes the copy (after an upgrade).
    """
    os.makedirs(dest, exist_ok=True)
    done = []
    for name in packages:
        src = _package_dir(name)
        ignore = _ignored(src, NOT_ON_PLUGIN_PATH.get(name, ()))
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
