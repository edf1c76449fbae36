"""Injected faults through the real ``aws`` v1 binary with the plugin (temporary config, never ~/.aws).

A success prints the ImageId and exits 0; a failure prints EC2's one-line error and exits non-zero,
within the configured time, without a traceback -- and exactly one image exists, or none and the
error says so.
"""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from fault_matrix import CASES, SHORT, SNAPSHOT_CREATES, Case, created_id, run_case, spread
from reliability_env import ACCESS_KEY, AWS, FAST, FAST_BOUND, SECRET_KEY, clean_env, images_named, snapshot

CLI_BOUND = FAST_BOUND + 6  # the aws process's own start-up on top
ERROR_RE = re.compile(r"An error occurred \((?P<code>[^)]+)\) when calling the (?P<op>\w+) operation: (?P<msg>.*)")
CLI_CASES = SHORT + tuple(c for c in CASES if c.label in ("stall", "not-json", "reset-after + lookups fail"))


class Aws:
    def __init__(self, home, emu, **env):
        home.mkdir(parents=True, exist_ok=True)
        self.env = clean_env(home, **{"OSC_ENDPOINT_API": emu.api_url, **FAST, **env})
        (home / "aws-config").write_text("[plugins]\noutscale = awscli_plugin_outscale\n\n"
                                         "[default]\nregion = eu-west-2\noutscale = true\noutput = json\n")
        (home / "aws-credentials").write_text(
            f"[default]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")

    def __call__(self, *args, timeout=60, env=None):
        return subprocess.run([str(AWS), *args], env={**self.env, **(env or {})}, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)


CLI_ARGS = {
    "RegisterImage": lambda p: ["register-image", "--name", p["Name"], "--root-device-name", "/dev/sda1",
                                "--architecture", "x86_64", "--block-device-mappings",
                                json.dumps(p["BlockDeviceMappings"])],
    "CreateImage": lambda p: ["create-image", "--instance-id", p["InstanceId"], "--name", p["Name"]],
    "CopyImage": lambda p: ["copy-image", "--source-image-id", p["SourceImageId"], "--source-region",
                            p["SourceRegion"], "--name", p["Name"]],
    "CreateSnapshot": lambda p: ["create-snapshot", "--volume-id", p["VolumeId"], "--description", p["Description"]],
    "CopySnapshot": lambda p: ["copy-snapshot", "--source-snapshot-id", p["SourceSnapshotId"], "--source-region",
                               p["SourceRegion"]],
    "ImportSnapshot": lambda p: ["import-snapshot", "--disk-container", json.dumps(p["DiskContainer"]),
                                 "--client-data", json.dumps(p["ClientData"]), "--description", p["Description"]],
}


def cli_driver(aws):
    def run(operation, params):
        done = aws("ec2", *CLI_ARGS[operation](params))
        assert "Traceback" not in done.stderr, done.stderr
        if done.returncode == 0:
            return True, created_id(json.loads(done.stdout)), "", ""
        assert done.stdout == "", done.stdout
        match = ERROR_RE.search(done.stderr)
        assert match, f"not EC2's error line (exit {done.returncode}): {done.stderr}"
        assert match["op"] == operation
        return False, None, match["code"], match["msg"]
    return run


@pytest.fixture
def aws(aws_binary, emu, tmp_path):
    return Aws(tmp_path / "aws-home", emu)


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c.label)
def test_register_image_under_faults(emu, aws, case):
    outcome = run_case(emu, "RegisterImage", case, cli_driver(aws), bound=CLI_BOUND)
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("case", [c for c in CLI_CASES if c.label in ("http-500", "reset-before", "reset-after",
                                                                       "truncated", "reset-after + lookups fail")],
                         ids=lambda c: c.label)
def test_register_image_never_takes_an_older_image(emu, aws, case):
    outcome = run_case(emu, "RegisterImage", case, cli_driver(aws), bound=CLI_BOUND, older=True)
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("operation,case", [("CreateImage", Case("reset-after", "reset-after")),
                                            ("CopyImage", Case("timeout", "timeout", 1, (("delay", 2.0),))),
                                            ("CopyImage", Case("http-503 always", "http-503", None))])
def test_other_creates_under_faults(emu, aws, operation, case):
    outcome = run_case(emu, operation, case, cli_driver(aws), bound=CLI_BOUND)
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("older", [False, True], ids=["alone", "older same source"])
@pytest.mark.parametrize("operation,case", spread(CLI_CASES, SNAPSHOT_CREATES), ids=lambda v: getattr(v, "label", v))
def test_snapshot_creates_under_faults(emu, aws, operation, case, older):
    """Every fault kind of the CLI's list once, the three snapshot creates in turn, with and without an older
    snapshot of the same volume / source / file and description: never its ID, never two new ones."""
    outcome = run_case(emu, operation, case, cli_driver(aws), bound=CLI_BOUND, older=older)
    assert outcome.problems == [], outcome


def test_the_cli_never_hangs(emu, aws):
    """Requests held far past every timeout: the command still ends within the configured total."""
    emu.inject("stall", "CreateImage", times=None, delay=6)
    emu.inject("stall", "ReadImages", times=None, delay=6)
    started = time.monotonic()
    done = aws("ec2", *CLI_ARGS["RegisterImage"]({"Name": "never hangs", "BlockDeviceMappings": [
        {"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot(emu.cloud)}}]}), env={"OSC_SHIM_MAX_TOTAL": "4"})
    elapsed = time.monotonic() - started
    emu.clear_faults()
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert elapsed < 4 + 6, elapsed
    assert ERROR_RE.search(done.stderr), done.stderr
    assert "could not be checked" in done.stderr and "describe-images" in done.stderr, done.stderr


def test_cli_read_timeout_is_honoured(emu, aws):
    """--cli-read-timeout (the AWS CLI's own flag) bounds each OAPI attempt too."""
    emu.inject("timeout", "CreateImage", delay=3)
    started = time.monotonic()
    done = aws("ec2", "--cli-read-timeout", "1", *CLI_ARGS["RegisterImage"]({
        "Name": "cli read timeout", "BlockDeviceMappings": [
            {"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot(emu.cloud)}}]}),
        env={"OSC_SHIM_READ_TIMEOUT": "20", "OSC_SHIM_MAX_TOTAL": "30"})
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 1 + 6
    assert images_named(emu.cloud, "cli read timeout") == [json.loads(done.stdout)["ImageId"]]
    assert "was found" in done.stderr  # the user is told the answer was lost and the image found


def test_unreachable_endpoint_is_a_clear_error(aws_binary, emu, tmp_path):
    """Nothing listens: a few quick attempts, then an error saying nothing was created."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    aws = Aws(tmp_path / "home-unreachable", emu, OSC_ENDPOINT_API=f"http://127.0.0.1:{port}/api/v1")
    done = aws("ec2", *CLI_ARGS["RegisterImage"]({"Name": "unreachable", "BlockDeviceMappings": [
        {"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-12345678"}}]}))
    assert done.returncode != 0
    match = ERROR_RE.search(done.stderr)
    assert match and match["code"] == "Unavailable", done.stderr
    assert "could not be reached" in match["msg"] and "no image named 'unreachable' was created" in match["msg"]
    assert f"127.0.0.1:{port}" in match["msg"]
