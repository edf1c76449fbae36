"""AWS CLI v2 (Debian's awscli package, /usr/bin/aws): the plugin through cli_legacy_plugin_path.

These tests fail (not skip) when CI=true and /usr/bin/aws is missing: install it with
scripts/install-awscli-v2.sh.
"""

import json
import re

import pytest
from support.emulator_process import emulator_fixture

from osc_shim import profile as cfg

from config_env import AWS_V1, OSC_SHIM

pytestmark = pytest.mark.awscli_v2


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory):
    """The plugin and the shim copied once for the module, as ``osc-shim configure --cli v2`` does."""
    path = tmp_path_factory.mktemp("v2") / "outscale-plugin"
    cfg.install_plugin_dir(str(path))
    return path


@pytest.fixture
def v2(sandbox, aws_v2, plugin_dir):
    """A sandbox whose config loads the plugin in AWS CLI v2 (profile ``osc``, eu-west-2)."""
    cfg.apply(cfg.plan("", profile="osc", region=None, cli="v2", plugin_dir=str(plugin_dir),
                       config_file=str(sandbox.config), existed=False), install=False)
    sandbox.aws = str(aws_v2)
    sandbox.plugin_dir = plugin_dir
    return sandbox


def test_osc_shim_configure_for_v2(sandbox, aws_v2):
    """``osc-shim configure`` detects the v2 ``aws`` on PATH, copies the plugin, and v2 loads it."""
    out = sandbox.run(OSC_SHIM, "configure", "--profile", "osc", env={"PATH": sandbox.path_with(aws_v2)},
                      check=True)
    assert "AWS CLI v2" in out.stdout, out.stdout
    plugin_dir = sandbox.config.parent / "outscale-plugin"
    text = sandbox.read()
    assert f"[plugins]\noutscale = awscli_plugin_outscale\ncli_legacy_plugin_path = {plugin_dir}\n" in text
    assert (plugin_dir / "awscli_plugin_outscale" / "__init__.py").is_file()
    assert (plugin_dir / "osc_shim" / "regions.py").is_file()
    # the v2 binary loads the plugin from there: `aws configure outscale` exists
    again = sandbox.run(aws_v2, "configure", "outscale", "--profile", "osc", check=True)
    assert "nothing to change" in again.stdout and sandbox.read() == text


def test_aws_configure_outscale_on_v2(v2):
    plugin_dir = v2.plugin_dir
    out = v2.run(v2.aws, "configure", "outscale", "--profile", "osc2", "--region", "us-west-1", check=True)
    assert "for OUTSCALE us-west-1" in out.stdout and "AWS CLI v2" in out.stdout
    text = v2.read()
    assert "[profile osc2]\nregion = us-west-1\nservices = osc-us-west-1\noutscale = true\n" in text
    assert "  endpoint_url = https://fcu.us-west-1.outscale.com\n" in text
    # the plugin line and the plugin path are not duplicated
    assert text.count("awscli_plugin_outscale") == 1
    assert text.count("cli_legacy_plugin_path") == 1 and f"= {plugin_dir}\n" in text

    again = v2.run(v2.aws, "configure", "outscale", "--profile", "osc2", check=True)
    assert "nothing to change" in again.stdout and v2.read() == text

    dry = v2.run(v2.aws, "configure", "outscale", "--profile", "osc2", "--region", "us-east-2", "--dry-run",
                 check=True)
    assert "+region = us-east-2" in dry.stdout and v2.read() == text

    bad = v2.run(v2.aws, "configure", "outscale", "--profile", "osc2", "--region", "us-east-1")
    assert bad.returncode == 252, bad.stderr
    assert "Unknown OUTSCALE region 'us-east-1'" in bad.stderr and "Traceback" not in bad.stderr
    assert v2.read() == text

    assert v2.run(v2.aws, "configure", "get", "region", "--profile", "osc2", check=True).stdout.strip() == "us-west-1"


def test_v2_calls_reach_outscale(v2):
    """botocore inside AWS CLI 2.9 predates ``[services]``: the plugin routes from the same profile."""
    assert v2.endpoints_used(
        [v2.aws, "ec2", "describe-regions", "--profile", "osc"],
        [v2.aws, "elb", "describe-load-balancers", "--profile", "osc"],
        [v2.aws, "s3api", "list-buckets", "--profile", "osc"],
    ) == ["https://fcu.eu-west-2.outscale.com", "https://lbu.eu-west-2.outscale.com",
          "https://oos.eu-west-2.outscale.com"]


def test_v2_config_is_never_written_for_v1(v2):
    """Switching the same file back to v1 removes the key that would break it."""
    out = v2.run(OSC_SHIM, "configure", "--profile", "osc", "--cli", "v1", check=True)
    assert "removed [plugins] cli_legacy_plugin_path" in out.stdout
    v2.run(str(AWS_V1), "configure", "list", "--profile", "osc", check=True)


# -- the documentation's register-image, end to end on v2 against the emulator ------------------

ACCESS_KEY, SECRET_KEY, ACCOUNT = "AKIDEXAMPLEV2", "SECRETEXAMPLEV2", "123456789012"
BDM = '[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 10, "VolumeType": "standard"}}]'


emu = emulator_fixture("module", accounts={ACCESS_KEY: (SECRET_KEY, ACCOUNT)})


@pytest.mark.parametrize("form", ["documentation", "configured-profile"])
def test_register_image_on_v2_against_the_emulator(v2, emu, form):
    """OUTSCALE's documented command (with ``--endpoint``), and the same with only the profile."""
    from osc_emulator import make_manifest

    location = emu.put_manifest("exports", f"{form}/manifest.json",
                                make_manifest(f"exported-{form}", architecture="x86_64", region=emu.region))
    v2.credentials.write_text(f"[osc]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
    argv = ["ec2", "register-image", "--profile", "osc", "--name", f"Test Image {form}", "--description", "Test",
            "--architecture", "x86_64", "--image-location", location, "--root-device-name", "/dev/sda1",
            "--block-device-mapping", BDM]
    if form == "documentation":
        argv += ["--endpoint", "https://fcu.eu-west-2.outscale.com"]
    done = v2.run(v2.aws, *argv, env={"OSC_ENDPOINT_API": emu.api_url})
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert list(answer) == ["ImageId"] and re.fullmatch(r"ami-[0-9a-f]{8}", answer["ImageId"])
    image = emu.cloud.images[answer["ImageId"]]
    assert (image.name, image.description, image.account_id) == (f"Test Image {form}", "Test", ACCOUNT)
    assert image.file_location == location
    assert "Traceback" not in done.stderr


def test_install_script_is_idempotent(aws_v2):
    """With v2 present the script only reports it (no apt-get): safe to run on every `make test`."""
    import subprocess

    from config_env import REPO

    out = subprocess.run(["bash", str(REPO / "scripts" / "install-awscli-v2.sh")], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "already installed" in out.stdout and "aws-cli/2." in out.stdout
    assert "apt-get" not in out.stdout
