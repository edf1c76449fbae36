"""Writing: atomic replacement, CLI detection, the v2 plugin directory, ``osc-shim configure``."""

import os
import stat
import subprocess
import sys

import boto3
import pytest
from click.testing import CliRunner

from osc_shim import profile as cfg
from osc_shim import regions
from osc_shim.cli import main as osc_shim

from config_env import AWS_V1, OSC_SHIM


# -- atomic write -------------------------------------------------------------------------

def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text("[default]\nregion = eu-west-2\n")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cfg.install.os, "replace", boom)
    with pytest.raises(OSError):
        cfg.write_atomic(str(path), "[half")
    assert path.read_text() == "[default]\nregion = eu-west-2\n"
    assert os.listdir(tmp_path) == ["config"]  # no temporary file left behind


def test_write_atomic_keeps_mode_and_symlink(tmp_path):
    real = tmp_path / "dotfiles" / "aws-config"
    real.parent.mkdir()
    real.write_text("old\n")
    os.chmod(real, 0o640)
    link = tmp_path / "config"
    link.symlink_to(real)
    cfg.write_atomic(str(link), "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    fresh = tmp_path / "sub" / "config"
    cfg.write_atomic(str(fresh), "x\n")
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o600


def test_apply_reports_unwritable_file(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    target = blocker / "config"  # its parent is a file: even root cannot write there
    p = cfg.plan("", profile="osc", region="eu-west-2", cli="v1", config_file=str(target))
    with pytest.raises(cfg.ConfigureError, match="cannot write"):
        cfg.apply(p)


# -- which CLI ------------------------------------------------------------------------------

def fake_aws(tmp_path, version_line, stream="stdout"):
    bindir = tmp_path / "fakebin"
    bindir.mkdir(exist_ok=True)
    script = bindir / "aws"
    # A v1 `aws` fails when its config holds cli_legacy_plugin_path: the probe must not read it.
    script.write_text(
        "#!/bin/sh\n"
        'if [ -n "$AWS_CONFIG_FILE" ] && [ -f "$AWS_CONFIG_FILE" ] && grep -q cli_legacy "$AWS_CONFIG_FILE"; '
        "then echo broken >&2; exit 255; fi\n"
        f'echo "{version_line}" {">&2" if stream == "stderr" else ""}\n'
    )
    script.chmod(0o755)
    return str(bindir)


@pytest.mark.parametrize(
    "line, stream, expected",
    [
        ("aws-cli/2.9.19 Python/3.11.2 Linux/6 source/x86_64.debian.12 prompt/off", "stdout", "v2"),
        ("aws-cli/1.46.3 Python/3.11.7 Linux/6 botocore/1.43.3", "stdout", "v1"),
        ("aws-cli/1.18.69 Python/2.7.18 Linux/5 botocore/1.16.19", "stderr", "v1"),
    ],
)
def test_detect_cli(tmp_path, line, stream, expected):
    conf = tmp_path / "config"
    conf.write_text("[plugins]\ncli_legacy_plugin_path = /x\n")
    env = {"PATH": fake_aws(tmp_path, line, stream), "AWS_CONFIG_FILE": str(conf)}
    assert cfg.detect_cli(environ=env) == expected


def test_detect_cli_without_aws(tmp_path):
    assert cfg.detect_cli(environ={"PATH": str(tmp_path)}) == "v1"


def test_detect_cli_real_v1():
    assert cfg.detect_cli(str(AWS_V1)) == "v1"


# -- the v2 plugin directory ------------------------------------------------------------------

def test_install_plugin_dir_is_importable_alone(tmp_path):
    dest = tmp_path / "outscale-plugin"
    cfg.install_plugin_dir(str(dest))
    cfg.install_plugin_dir(str(dest))  # refresh in place
    assert sorted(os.listdir(dest)) == ["README.txt", "awscli_plugin_outscale", "osc_shim"]
    assert not list(dest.rglob("__pycache__"))
    # the copy works from that directory alone: no site-packages, no editable install
    code = (
        "import sys; sys.path.append(sys.argv[1]);"
        "import awscli_plugin_outscale, osc_shim.regions, osc_shim.profile;"
        "assert awscli_plugin_outscale.__file__.startswith(sys.argv[1]), awscli_plugin_outscale.__file__;"
        "print(osc_shim.regions.endpoint('ec2', 'eu-west-2'))"
    )
    out = subprocess.run([sys.executable, "-S", "-c", code, str(dest)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "https://fcu.eu-west-2.outscale.com"


# -- osc-shim configure -------------------------------------------------------------------------

def test_osc_shim_configure_dry_run_writes_nothing(sandbox):
    result = CliRunner().invoke(
        osc_shim, ["configure", "--profile", "osc", "--region", "us-east-2", "--cli", "v1", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert not sandbox.config.exists()
    assert "+[services osc-us-east-2]" in result.stdout
    assert "+  endpoint_url = https://fcu.us-east-2.outscale.com" in result.stdout
    assert "would write" in result.stderr


def test_osc_shim_configure_unknown_region(sandbox):
    result = CliRunner().invoke(osc_shim, ["configure", "--region", "eu-west-1", "--cli", "v1"])
    assert result.exit_code == 1
    assert "eu-west-1" in result.stderr and "cloudgouv-eu-west-1" in result.stderr
    assert not sandbox.config.exists()


@pytest.mark.awscli_v2
def test_osc_shim_configure_v2_copies_plugin(sandbox, aws_v2, monkeypatch):
    plugin_dir = sandbox.home / "pd"
    sandbox.env["PATH"] = sandbox.path_with(aws_v2)  # the v2 `aws` is the one configured (and probed)
    monkeypatch.setenv("PATH", sandbox.env["PATH"])
    result = CliRunner().invoke(
        osc_shim, ["configure", "--profile", "osc", "--cli", "v2", "--plugin-dir", str(plugin_dir)]
    )
    assert result.exit_code == 0, result.output
    assert (plugin_dir / "awscli_plugin_outscale" / "__init__.py").exists()
    assert f"cli_legacy_plugin_path = {plugin_dir}\n" in sandbox.read()
    assert "AWS CLI v1 fail" in result.stdout
    # default plugin dir: beside the config file
    result = CliRunner().invoke(osc_shim, ["configure", "--profile", "osc", "--cli", "v2"])
    assert result.exit_code == 0, result.output
    assert (sandbox.config.parent / "outscale-plugin" / "osc_shim" / "regions.py").exists()


def test_osc_shim_configure_real_binary_then_boto3(sandbox):
    """The installed ``osc-shim`` binary, auto-detecting the v1 ``aws``; then unchanged boto3 code."""
    sandbox.write("# mine\n[profile other]\nregion = us-east-1\n")
    env = {"PATH": sandbox.path_with(AWS_V1)}
    out = sandbox.run(OSC_SHIM, "configure", "--profile", "osc", "--region", "cloudgouv-eu-west-1", env=env,
                      check=True)
    assert "AWS CLI v1" in out.stdout
    assert "no credentials" in out.stderr
    text = sandbox.read()
    assert text.startswith("# mine\n[profile other]\nregion = us-east-1\n\n[profile osc]\n")
    assert "cli_legacy_plugin_path" not in text
    again = sandbox.run(OSC_SHIM, "configure", "--profile", "osc", env=env, check=True)
    assert "nothing to change" in again.stdout and sandbox.read() == text

    sandbox.credentials.write_text("[osc]\naws_access_key_id = AK\naws_secret_access_key = SK\n")
    session = boto3.Session(profile_name="osc")
    assert session.region_name == "cloudgouv-eu-west-1"
    expected = {
        "ec2": "https://fcu.cloudgouv-eu-west-1.outscale.com",
        "s3": "https://oos.cloudgouv-eu-west-1.outscale.com",
        "iam": "https://eim.cloudgouv-eu-west-1.outscale.com",
        "elb": "https://lbu.cloudgouv-eu-west-1.outscale.com",
        "directconnect": "https://directlink.cloudgouv-eu-west-1.outscale.com",
        "kms": "https://kms.cloudgouv-eu-west-1.outscale.com",
    }
    for service, url in expected.items():
        assert session.client(service).meta.endpoint_url == url, service
    assert expected == regions.aws_endpoints("cloudgouv-eu-west-1")
    # the other profile is untouched: still AWS
    assert "amazonaws.com" in boto3.Session(profile_name="other").client("ec2").meta.endpoint_url
    # and no credentials hint once they exist
    quiet = sandbox.run(OSC_SHIM, "configure", "--profile", "osc", env=env, check=True)
    assert "no credentials" not in quiet.stderr


def test_osc_shim_configure_honours_aws_profile_env(sandbox):
    out = sandbox.run(OSC_SHIM, "configure", "--cli", "v1", env={"AWS_PROFILE": "fromenv"}, check=True)
    assert "'fromenv'" in out.stdout
    assert "[profile fromenv]" in sandbox.read()


# -- scripts/install-awscli-v2.sh failure modes (no apt-get is ever really run here) ----------

def run_install_script(tmp_path, fake_apt_rc=None):
    from config_env import REPO

    bindir = tmp_path / "bin"
    bindir.mkdir()
    if fake_apt_rc is not None:
        apt = bindir / "apt-get"
        apt.write_text(f"#!/bin/sh\necho fake apt-get \"$@\"\nexit {fake_apt_rc}\n")
        apt.chmod(0o755)
    env = {"PATH": str(bindir), "AWS_V2": str(tmp_path / "missing-aws")}
    return subprocess.run(["/bin/bash", str(REPO / "scripts" / "install-awscli-v2.sh")], capture_output=True,
                          text=True, env=env, timeout=60)


def test_install_script_without_apt_get_fails_clearly(tmp_path):
    out = run_install_script(tmp_path)
    assert out.returncode != 0
    assert "install-awscli-v2: ERROR:" in out.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="the script needs sudo when not root")
def test_install_script_reports_apt_failure(tmp_path):
    out = run_install_script(tmp_path, fake_apt_rc=100)
    assert out.returncode == 1
    assert "fake apt-get update" in out.stdout
    assert "ERROR: apt-get update failed" in out.stderr
