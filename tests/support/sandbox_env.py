"""What the end-to-end tests share: where the binaries are, and a sandboxed environment.

Every subprocess (``aws`` v1/v2, ``osc-shim``, gunicorn) runs with a temporary HOME,
AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE and none of the caller's AWS_*, OSC_*
or proxy settings, so the real ~/.aws and ~/.osc are never read or written and all
traffic stays on loopback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AWS_V1 = BIN / "aws"
OSC_SHIM = BIN / "osc-shim"
AWS_V2 = Path("/usr/bin/aws")
# The working tree's packages: subprocesses load this tree's plugin and shim.
SOURCE_PATHS = [str(REPO / "plugin"), str(REPO / "shim"), str(REPO / "emulator"), str(REPO / "serving")]
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def clean_env(home: Path, *, config: Optional[Path] = None, credentials: Optional[Path] = None, **extra) -> dict:
    """A subprocess environment with nothing of the caller's AWS or OUTSCALE settings.

    Config files default to ``home/aws-config`` and ``home/aws-credentials``; ``extra``
    variables are added last (values turned into strings).
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "OSC_", "BOTO_")) and k not in ("PYTHONPATH", "HOME")
           and k not in PROXY_VARIABLES}
    env.update({
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config or home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials or home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
        "PYTHONPATH": os.pathsep.join(SOURCE_PATHS),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def isolate_process(monkeypatch, home: Path, *, config: Optional[Path] = None,
                    credentials: Optional[Path] = None) -> Path:
    """The same sandbox for the test process itself (boto3 and the shim called in-process); config
    files as in ``clean_env``."""
    for key in list(os.environ):
        if key.startswith(("AWS_", "OSC_", "BOTO_")) or key in PROXY_VARIABLES:
            monkeypatch.delenv(key, raising=False)
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config or home / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials or home / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return home


# A profile as `aws configure outscale` writes it (marked, eu-west-2's endpoints in [services]).
OUTSCALE_PROFILE_EU_WEST_2 = """
[profile osc]
outscale = true
region = eu-west-2
services = osc-eu-west-2

[services osc-eu-west-2]
ec2 =
  endpoint_url = https://fcu.eu-west-2.outscale.com
s3 =
  endpoint_url = https://oos.eu-west-2.outscale.com
"""
