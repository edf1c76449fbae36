"""Constants and helpers shared by the gateway tests (imported by conftest and the tests)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SOURCE_PATHS = [str(REPO / "plugin"), str(REPO / "shim")]
for _path in reversed(SOURCE_PATHS):
    if _path not in sys.path:
        sys.path.insert(0, _path)

AK = "AKIAGATEWAYTEST0001"
SK = "gateway/test/secret/key/0123456789abcdef"
REGION = "eu-west-2"


def clean_env(home: Path, **extra) -> dict:
    """A subprocess environment with nothing of the caller's AWS or OUTSCALE settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "OSC_", "BOTO_")) and k not in ("PYTHONPATH", "HOME")}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    env.update({
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        "PYTHONPATH": os.pathsep.join(SOURCE_PATHS),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env
