"""What ``osc-shim demo`` runs (the command: osc_shim.cli.demo): OUTSCALE's "Importing an OMI from
a Bucket" page, for real, offline.

It starts the embedded emulator on loopback, stores an exported OMI's manifest
in the emulated OOS bucket, enables the plugin in a temporary AWS config with
the README's own line, and runs the documentation's ``aws ec2 register-image``
through the real ``aws`` binary.  Nothing outside a temporary directory is read
or written: HOME, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE all point there.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DOC_EXPIRED_URL = ("https://oos.eu-west-2.outscale.com/bucket/object?AWSAccessKeyId=A1BC2DE3FGHIJ4LMN567"
                   "&Expires=1493971940&Signature=%2FR63JOJcFzNGubLEXckKGVIi8kk%3D")
ENDPOINT = "https://fcu.eu-west-2.outscale.com"
PROFILE = "YOUR_PROFILE"
BLOCK_DEVICE_MAPPING = '[{"DeviceName":"/dev/sda1","Ebs":{"VolumeSize":10,"VolumeType":"standard"}}]'


def find_aws(explicit=None) -> str:
    """The ``aws`` beside this Python (the venv's v1), else the one on PATH."""
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "aws"
    return str(beside) if beside.exists() else (shutil.which("aws") or "aws")


def sandbox_env(home: Path, **extra) -> dict:
    """The environment minus every AWS_/OSC_ variable, with HOME and config files in ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OSC_"))}
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"), **extra)
    return env
