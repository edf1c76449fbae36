"""``aws configure outscale`` on the real AWS CLI v1 binary (awscli from PyPI)."""

import pytest

from config_env import AWS_V1, OSC_SHIM

AWS = str(AWS_V1)


@pytest.fixture
def v1(sandbox):
    """A sandbox whose config loads the plugin, written the AWS CLI's own way."""
    sandbox.run(AWS, "configure", "set", "plugins.outscale", "awscli_plugin_outscale", check=True)
    return sandbox


def test_aws_configure_outscale(v1):
    out = v1.run(AWS, "configure", "outscale", "--profile", "osc", "--region", "us-east-2", check=True)
    assert "for OUTSCALE us-east-2" in out.stdout and "AWS CLI v1" in out.stdout
    text = v1.read()
    assert text.startswith("[plugins]\noutscale = awscli_plugin_outscale\n\n[profile osc]\n")
    assert "region = us-east-2\nservices = osc-us-east-2\noutscale = true\n" in text
    assert "  endpoint_url = https://lbu.us-east-2.outscale.com\n" in text
    assert text.count("awscli_plugin_outscale") == 1
    assert "cli_legacy_plugin_path" not in text

    again = v1.run(AWS, "configure", "outscale", "--profile", "osc", check=True)
    assert "nothing to change" in again.stdout and v1.read() == text

    # the AWS CLI reads back what was written, and its calls go to OUTSCALE
    assert v1.run(AWS, "configure", "get", "outscale", "--profile", "osc", check=True).stdout.strip() == "true"
    assert v1.endpoints_used(
        [AWS, "ec2", "describe-regions", "--profile", "osc"],
        [AWS, "iam", "list-users", "--profile", "osc"],
        [AWS, "s3api", "list-buckets", "--profile", "osc"],
    ) == ["https://fcu.us-east-2.outscale.com", "https://eim.us-east-2.outscale.com",
          "https://oos.us-east-2.outscale.com"]


def test_default_profile_and_region(v1):
    v1.run(AWS, "configure", "outscale", check=True)
    assert "[default]\nregion = eu-west-2\nservices = osc-eu-west-2\noutscale = true\n" in v1.read()


def test_dry_run_and_bad_region(v1):
    before = v1.read()
    out = v1.run(AWS, "configure", "outscale", "--profile", "osc", "--region", "ap-northeast-1", "--dry-run",
                 check=True)
    assert "+region = ap-northeast-1" in out.stdout
    assert "would write" in out.stderr
    assert v1.read() == before

    bad = v1.run(AWS, "configure", "outscale", "--profile", "osc", "--region", "eu-west-3")
    assert bad.returncode != 0
    assert "Unknown OUTSCALE region 'eu-west-3'" in bad.stderr and "cloudgouv-eu-west-1" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert v1.read() == before


def test_legacy_plugin_path_breaks_v1_and_configure_repairs_it(sandbox):
    """Why the v2 line is never written for v1: with it, every v1 command fails."""
    sandbox.write("[plugins]\ncli_legacy_plugin_path = /nowhere\noutscale = awscli_plugin_outscale\n")
    broken = sandbox.run(AWS, "configure", "list")
    assert broken.returncode != 0
    out = sandbox.run(OSC_SHIM, "configure", "--profile", "osc", "--cli", "v1", check=True)
    assert "removed [plugins] cli_legacy_plugin_path" in out.stdout
    assert "cli_legacy_plugin_path" not in sandbox.read()
    sandbox.run(AWS, "configure", "list", "--profile", "osc", check=True)


def test_issue_flow_against_the_emulator(v1):
    """The issue's user story on v1: configure, then image calls with nothing but the profile."""
    emulator = pytest.importorskip("osc_emulator")
    access_key, secret_key = "AKIDEXAMPLEV1", "SECRETEXAMPLEV1"
    with emulator.start_emulator(accounts={access_key: (secret_key, "123456789012")}) as emu:
        location = emu.put_manifest("exports", "flow/manifest.json",
                                    emulator.make_manifest("exported", architecture="x86_64", region=emu.region))
        v1.run(AWS, "configure", "outscale", "--profile", "osc", "--region", "eu-west-2", check=True)
        v1.credentials.write_text(f"[osc]\naws_access_key_id = {access_key}\naws_secret_access_key = {secret_key}\n")
        env = {"OSC_ENDPOINT_API": emu.api_url}
        done = v1.run(AWS, "ec2", "register-image", "--profile", "osc", "--name", "flow-x", "--image-location", location,
                      "--query", "ImageId", "--output", "text", env=env, check=True)
        image_id = done.stdout.strip()
        assert emu.cloud.images[image_id].name == "flow-x"
        seen = v1.run(AWS, "ec2", "describe-images", "--profile", "osc", "--image-ids", image_id,
                      "--query", "Images[0].Name", "--output", "text", env=env, check=True)
        assert seen.stdout.strip() == "flow-x"


def test_command_module_imports_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys, awscli_plugin_outscale.configure_command as c;"
        "heavy = [m for m in ('awscli', 'botocore', 'osc_shim', 'click') if m in sys.modules];"
        "assert not heavy, heavy; assert callable(c.register)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_region_defaults(v1):
    """No region anywhere: eu-west-2 for a marked profile, the endpoint host's region for --endpoint."""
    v1.write(v1.read() + "\n[profile bare]\noutscale = true\n")
    bare, out = v1.run_many([AWS, "ec2", "describe-regions", "--profile", "bare", "--debug"],
                            [AWS, "ec2", "describe-regions", "--endpoint", "https://fcu.us-west-1.outscale.com",
                             "--debug"])
    assert "'url': 'https://fcu.eu-west-2.outscale.com/'" in bare.stderr, bare.stderr[-2000:]
    assert "You must specify a region" not in out.stderr
    assert "'client_region': 'us-west-1'" in out.stderr, out.stderr[-2000:]
