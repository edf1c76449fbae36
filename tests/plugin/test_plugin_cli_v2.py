"""The same plugin under Debian's AWS CLI v2 (``/usr/bin/aws``), when it is installed.

v2 loads plugins only with ``cli_legacy_plugin_path`` (appended to its ``sys.path``) next
to the ``name = module`` line; it runs its own Python, so the shim comes via PYTHONPATH.
v2 never downloads http(s) parameter values and has ``--output yaml``; a service error
exits 254 (v1: 255).
"""

import re
import subprocess
from pathlib import Path

import pytest

from plugin_sandbox import REPO, clean_env

emulator = pytest.importorskip("osc_emulator")
pytest.importorskip("waitress")

AWS_V2 = Path("/usr/bin/aws")
ACCESS_KEY, SECRET_KEY = "AKIDEXAMPLE", "SECRETEXAMPLE"

pytestmark = pytest.mark.awscli_v2


@pytest.fixture(scope="module")
def aws_v2():
    if not AWS_V2.exists():
        pytest.skip("Debian's AWS CLI v2 is not installed (apt-get install awscli)")
    version = subprocess.run([str(AWS_V2), "--version"], capture_output=True, text=True, timeout=60)
    if not version.stdout.startswith("aws-cli/2."):
        pytest.skip(f"{AWS_V2} is not AWS CLI v2: {version.stdout.strip()}")
    return AWS_V2


def test_register_image_under_aws_cli_v2(aws_v2, tmp_path):
    emu = emulator.start_emulator(accounts={ACCESS_KEY: (SECRET_KEY, "123456789012")})
    try:
        location = emu.put_manifest("exports", "v2/manifest.json", emulator.make_manifest("v2", region=emu.region))
        env = clean_env(tmp_path, OSC_ENDPOINT_API=emu.api_url, PYTHONPATH=str(REPO / "shim"),
                        AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        Path(env["AWS_CONFIG_FILE"]).write_text(
            f"[plugins]\ncli_legacy_plugin_path = {REPO / 'plugin'}\noutscale = awscli_plugin_outscale\n")
        command = [str(aws_v2), "ec2", "register-image", "--name", "Test Image", "--image-location", location,
                   "--endpoint", "https://fcu.eu-west-2.outscale.com"]

        done = subprocess.run([*command, "--output", "yaml"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert re.fullmatch(r"ImageId: ami-[0-9a-f]{8}\n", done.stdout)

        again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 254 and again.stdout == ""
        assert "An error occurred (InvalidAMIName.Duplicate) when calling the RegisterImage operation" in again.stderr
    finally:
        emu.stop()


def test_a_retried_call_under_aws_cli_v2(aws_v2, tmp_path):
    """The shim's retries run on the botocore AWS CLI v2 carries (older than the venv's): an OAPI 503 on
    ReadImages is retried after a backoff, and the command answers as if nothing had happened."""
    emu = emulator.start_emulator(accounts={ACCESS_KEY: (SECRET_KEY, "123456789012")})
    try:
        env = clean_env(tmp_path, OSC_ENDPOINT_API=emu.api_url, PYTHONPATH=str(REPO / "shim"),
                        AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                        OSC_SHIM_BACKOFF_BASE="0.01")
        Path(env["AWS_CONFIG_FILE"]).write_text(
            f"[plugins]\ncli_legacy_plugin_path = {REPO / 'plugin'}\noutscale = awscli_plugin_outscale\n")
        emu.inject("http-503", "ReadImages", times=2)
        done = subprocess.run([str(aws_v2), "ec2", "describe-images", "--owners", "self", "--query", "Images",
                               "--endpoint", "https://fcu.eu-west-2.outscale.com"],
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]"
        assert emu.faults.applied == [("ReadImages", "http-503"), ("ReadImages", "http-503")]
    finally:
        emu.stop()
