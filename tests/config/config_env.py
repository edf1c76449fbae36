"""Helpers of the configuration tests: temporary HOME and AWS config files only.

Every test gets a HOME, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE under
tmp_path and an environment stripped of the caller's AWS_*/OSC_* variables,
so neither the real ~/.aws nor ~/.osc is ever read or written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.sandbox_env import AWS_V1, AWS_V2, BIN, OSC_SHIM, REPO  # noqa: F401  (re-exported to the tests)
from support.sandbox_env import clean_env as _clean_env


def clean_env(home: Path, **extra) -> dict:
    """The shared sandbox, with the config files where the AWS CLI puts them (~/.aws), and no
    PYTHONPATH: these tests check where the CLI (v2 especially) finds the plugin by itself."""
    env = _clean_env(home, config=home / ".aws" / "config", credentials=home / ".aws" / "credentials",
                     AWS_MAX_ATTEMPTS="1", **extra)
    if "PYTHONPATH" not in extra:
        del env["PYTHONPATH"]
    return env


@dataclass
class Sandbox:
    home: Path
    env: dict

    @property
    def config(self) -> Path:
        return Path(self.env["AWS_CONFIG_FILE"])

    @property
    def credentials(self) -> Path:
        return Path(self.env["AWS_SHARED_CREDENTIALS_FILE"])

    def read(self) -> str:
        return self.config.read_text() if self.config.exists() else ""

    def write(self, text: str) -> None:
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text)

    def run(self, *argv, check=False, env=None, timeout=120) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [str(a) for a in argv],
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            cwd=str(self.home),
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{argv} failed with rc {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def run_many(self, *argvs, env=None, timeout=120):
        """Run several commands at once (the ``aws`` start-up dominates): their CompletedProcess."""
        procs = [
            subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**self.env, **(env or {})}, cwd=str(self.home))
            for argv in argvs
        ]
        done = []
        for argv, proc in zip(argvs, procs):
            out, err = proc.communicate(timeout=timeout)
            done.append(subprocess.CompletedProcess(argv, proc.returncode, out, err))
        return done

    def endpoints_used(self, *argvs):
        """The URL each ``aws ... --debug`` call resolves; each stops at signing (no credentials, no network)."""
        urls = []
        for out in self.run_many(*[[*argv, "--debug"] for argv in argvs]):
            found = re.findall(r"'url': '(https?://[^/']+)", out.stderr)
            assert found, out.stderr[-3000:]
            assert "Unable to locate credentials" in out.stderr, out.stderr[-3000:]
            urls.append(found[-1])
        return urls

    def path_with(self, aws: Path) -> str:
        """A PATH whose ``aws`` is ``aws`` (for ``--cli auto``)."""
        bindir = self.home / "bin"
        bindir.mkdir(exist_ok=True)
        link = bindir / "aws"
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(aws)
        return os.pathsep.join([str(bindir), "/usr/bin", "/bin"])


def require_aws_v2() -> Path:
    """The Debian AWS CLI v2 binary; in CI its absence is a failure, elsewhere a skip."""
    ok = AWS_V2.exists() and shutil.which(str(AWS_V2))
    if ok:
        out = subprocess.run([str(AWS_V2), "--version"], capture_output=True, text=True,
                             env={"AWS_CONFIG_FILE": os.devnull, "PATH": "/usr/bin:/bin"})
        ok = (out.stdout + out.stderr).startswith("aws-cli/2.")
    if not ok:
        msg = f"{AWS_V2} (AWS CLI v2) is missing: run scripts/install-awscli-v2.sh"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return AWS_V2
