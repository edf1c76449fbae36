"""The sandboxed ``aws`` binary and the accounts the lifecycle tests use (imported by conftest)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from support.sandbox_env import AWS_V1 as AWS
from support.sandbox_env import REPO, SOURCE_PATHS, clean_env  # noqa: F401  (re-exported to the tests)
ACCESS_KEY, SECRET_KEY, ACCOUNT = "AKIDLIFECYCLE0000001", "lifecycle-secret", "123456789012"
OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT = "AKIDLIFECYCLE0000002", "other-secret", "210987654321"
BUCKET = "exports"


CONFIG = """\
[plugins]
outscale = awscli_plugin_outscale

[default]
region = eu-west-2
outscale = true
output = json

[profile other]
region = eu-west-2
outscale = true
output = json
"""


class Aws:
    """The real ``aws`` binary, sandboxed, with the plugin and an OUTSCALE-marked profile."""

    def __init__(self, home: Path, api_url: str):
        home.mkdir(parents=True, exist_ok=True)
        self.bin_dir = str(AWS.parent)
        self.env = clean_env(home, OSC_ENDPOINT_API=api_url)
        Path(self.env["AWS_CONFIG_FILE"]).write_text(CONFIG)
        Path(self.env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
            f"[default]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n\n"
            f"[other]\naws_access_key_id = {OTHER_KEY}\naws_secret_access_key = {OTHER_SECRET}\n")

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([str(AWS), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def json(self, *args: str, **kw):
        done = self(*args, **kw)
        assert done.returncode == 0, f"aws {' '.join(args)} -> {done.returncode}\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def error(self, *args: str, **kw) -> str:
        """Run a command that must fail as EC2 fails; return its stderr."""
        done = self(*args, **kw)
        assert done.returncode != 0, f"aws {' '.join(args)} succeeded:\n{done.stdout}"
        assert "Traceback" not in done.stderr, done.stderr
        assert done.stdout == ""
        return done.stderr
