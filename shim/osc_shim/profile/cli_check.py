"""Before a config file names the plugin: can the ``aws`` it is for actually load it?

A ``[plugins]`` line naming a module the CLI's Python cannot import makes every
``aws`` command fail (``aws --version`` included).  So ``osc-shim configure``
finds the ``aws`` it configures (``--aws``, else the first on PATH), reads which
Python runs it (its ``#!`` line; a pyenv shim is asked ``pyenv which aws``), and
runs it once on a temporary copy of the planned config file with
``aws configure outscale --dry-run``: that command exists only when the CLI
loaded the plugin, and it imports the shim.  Only when it succeeds is the real
file written.  For AWS CLI v2 the probe runs after the plugin was copied into
the directory ``cli_legacy_plugin_path`` names, so it checks that copy.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Optional

PACKAGE = "awscli-plugin-outscale"
_VERSION = re.compile(r"aws-cli/(\d+)\.(\S+)")
PROBE_TIMEOUT = 120


class CliCheckError(Exception):
    """The ``aws`` to configure is missing, of the other major version, or cannot load the plugin."""


@dataclass
class FoundCli:
    path: str
    major: Optional[str]  # "v1", "v2", or None when ``aws --version`` said nothing usable
    version: str  # "1.45.11"; "" when unknown
    python: Optional[str]  # the interpreter running it, when it can be told

    def describe(self) -> str:
        what = f"AWS CLI {self.version}" if self.version else "an `aws` of unknown version"
        python = f"run by {self.python}" if self.python else "its Python could not be read from its first line"
        return f"the `aws` at {self.path} ({what}, {python})"


def _run(argv, environ, timeout=PROBE_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=dict(environ),
                          stdin=subprocess.DEVNULL)


def interpreter(aws: str, environ=os.environ) -> Optional[str]:
    """The Python that runs the ``aws`` script: its ``#!`` line, or pyenv's answer for a pyenv shim."""
    try:
        with open(aws, "rb") as f:
            head = f.read(4096).decode("utf-8", "replace")
    except OSError:
        return None
    first = head.splitlines()[0] if head else ""
    if first.startswith("#!"):
        words = shlex.split(first[2:].strip() or "x")
        if os.path.basename(words[0]) == "env" and len(words) > 1:
            words = [shutil.which(words[-1], path=environ.get("PATH")) or words[-1]]
        if "python" in os.path.basename(words[0]):
            return words[0]
    if "pyenv" in head and shutil.which("pyenv", path=environ.get("PATH")):
        try:
            done = _run(["pyenv", "which", "aws"], environ, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        real = done.stdout.strip()
        if done.returncode == 0 and real and os.path.realpath(real) != os.path.realpath(aws):
            return interpreter(real, environ)
    return None


def locate(aws: Optional[str] = None, environ=os.environ) -> FoundCli:
    """The ``aws`` to configure: ``aws`` as given, else the first on PATH; its version and Python."""
    path = shutil.which(aws, path=environ.get("PATH")) if aws else shutil.which("aws", path=environ.get("PATH"))
    if not path:
        where = f"{aws!r} is not an executable" if aws else "no `aws` on PATH"
        raise CliCheckError(f"{where}: install the AWS CLI first (`pip install awscli` for v1), "
                            "or name the `aws` to configure with --aws PATH")
    # An empty config: one holding cli_legacy_plugin_path makes a v1 `aws` fail before printing.
    try:
        out = _run([path, "--version"], dict(environ, AWS_CONFIG_FILE=os.devnull), timeout=60)
        m = _VERSION.search(out.stdout + out.stderr)
    except (OSError, subprocess.SubprocessError):
        m = None
    return FoundCli(path=os.path.abspath(path), major=f"v{m.group(1)}" if m else None,
                    version=f"{m.group(1)}.{m.group(2)}" if m else "", python=interpreter(path, environ))


def install_hint(found: FoundCli) -> str:
    """How to put the plugin where this ``aws`` imports from."""
    if found.major == "v2":
        return ("AWS CLI v2 imports it from the directory cli_legacy_plugin_path names: "
                "run `osc-shim configure --cli v2` again (it copies the plugin there)")
    py = found.python
    if py and f"{os.sep}pipx{os.sep}venvs{os.sep}" in py:
        return f"it is a pipx-installed CLI: `pipx inject awscli <{PACKAGE} wheel>` (or `pipx inject awscli .` in a clone)"
    if py:
        return (f"Install it into that Python: `{py} -m pip install <{PACKAGE} wheel>` "
                f"(or `{py} -m pip install .` in a clone)")
    return (f"Install {PACKAGE} into the Python that runs that `aws` "
            f"(`pip install <{PACKAGE} wheel>` with that Python's pip)")


def _last_error_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors or lines or ["no output"])[-1]


def probe(found: FoundCli, config_text: str, profile: str, config_file: str, environ=os.environ) -> None:
    """Run ``found`` on a temporary copy of ``config_text``; raise CliCheckError unless it loads the plugin."""
    with tempfile.TemporaryDirectory(prefix="osc-configure-check-") as tmp:
        copy = os.path.join(tmp, "config")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(config_text)
        try:
            done = _run([found.path, "configure", "outscale", "--profile", profile, "--dry-run"],
                        dict(environ, AWS_CONFIG_FILE=copy, AWS_PAGER=""))
        except (OSError, subprocess.SubprocessError) as exc:
            done = subprocess.CompletedProcess([], 1, "", str(exc))
    if done.returncode == 0:
        return
    raise CliCheckError(
        f"{found.describe()} cannot load the OUTSCALE plugin with this configuration: "
        f"{_last_error_line(done.stderr + done.stdout)}\n"
        f"{install_hint(found)}, or name another `aws` with --aws PATH.\n"
        f"{config_file} was left unchanged (a [plugins] line its `aws` cannot import breaks every aws command)."
    )


def check_cli_choice(found: FoundCli, cli: str) -> None:
    """The config is written for ``cli``: the ``aws`` found must be that major version."""
    if found.major and found.major != cli:
        raise CliCheckError(
            f"{found.describe()} is AWS CLI {found.major}, but the configuration asked for is for {cli}"
            + (" (cli_legacy_plugin_path makes every AWS CLI v1 command fail)" if cli == "v2" else "")
            + ": name the `aws` to configure with --aws PATH, or give each CLI its own AWS_CONFIG_FILE")


def check_this_process(cli: str, plugin_dir: Optional[str], packages, config_file: str) -> None:
    """``aws configure outscale``: the CLI running it loaded the plugin; check that the config about to be
    written keeps it loadable (for v2, ``plugin_dir`` must hold every package the plugin imports)."""
    import importlib.util

    if cli == "v2":
        missing = [p for p in packages if not os.path.isfile(os.path.join(plugin_dir, p, "__init__.py"))]
    else:
        missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        where = f"the directory {plugin_dir}" if cli == "v2" else "this AWS CLI's Python"
        raise CliCheckError(f"{', '.join(missing)} cannot be imported from {where}: run "
                            f"`osc-shim configure{' --cli v2' if cli == 'v2' else ''}` to install it; "
                            f"{config_file} was left unchanged.")
