"""The other account: ``osc-shim share-image`` on the owner's side prints a pre-signed manifest URL
(alone on stdout), the receiver registers it with the documented ``aws ec2 register-image``; and
``describe-export-image-tasks`` says where each export's manifest is."""

from __future__ import annotations

import json
import subprocess

import pytest
from support.emulator_process import emulator_fixture

from plugin_sandbox import BIN

emulator = pytest.importorskip("osc_emulator")
pytest.importorskip("waitress")

OWNER = ("AKOWNER0000000000001", "owner-secret", "123456789012")
PEER = ("AKPEER00000000000002", "peer-secret", "210987654321")


emu = emulator_fixture(accounts={OWNER[0]: OWNER[1:], PEER[0]: PEER[1:]}, buckets=["shares"])


def test_share_between_two_accounts_and_regions(make_cli, emu):
    snap = emu.cloud.add_snapshot(OWNER[2], 8, "root")
    src = emu.cloud.add_image(account_id=OWNER[2], name="to-share", architecture="x86_64", state="available",
                              block_device_mappings=[{"DeviceName": "/dev/sda1", "Bsu": {
                                  "DeleteOnVmDeletion": True, "SnapshotId": snap.snapshot_id, "VolumeSize": 8,
                                  "VolumeType": "standard"}}]).image_id
    cli = make_cli(plugin=True, OSC_ENDPOINT_API=emu.api_url_template, OSC_SHIM_POLL_SECONDS="0.02")
    cli.add_credentials("owner", *OWNER[:2])
    cli.add_credentials("peer", *PEER[:2])
    cli.add_config("[profile owner]\noutscale = true\nregion = eu-west-2\noutscale_transfer_bucket = shares\n"
                   "[profile peer]\noutscale = true\nregion = us-east-2\n")
    shared = subprocess.run([str(BIN / "osc-shim"), "share-image", "--image-id", src, "--profile", "owner",
                             "--expires-in", "3600"], env=cli.env, capture_output=True, text=True, timeout=60)
    assert shared.returncode == 0, shared.stderr
    url = shared.stdout.strip()
    assert shared.stdout.count("\n") == 1 and url.startswith("https://oos.eu-west-2.outscale.com/shares/")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=3600" in url
    assert "works until" in shared.stderr

    done = cli.run("ec2", "register-image", "--profile", "peer", "--name", "received", "--image-location", url)
    assert done.returncode == 0, done.stderr
    image = emu.cloud_for("us-east-2").images[json.loads(done.stdout)["ImageId"]]
    assert image.account_id == PEER[2]
    copied = image.block_device_mappings[0]["Bsu"]["SnapshotId"]
    assert emu.cloud_for("us-east-2").snapshots[copied].account_id == PEER[2]

    again = subprocess.run([str(BIN / "osc-shim"), "share-image", "--image-id", src, "--profile", "owner"],
                           env=cli.env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and len(emu.cloud.export_tasks) == 1  # the finished export is reused

    tasks = json.loads(cli.run("ec2", "describe-export-image-tasks", "--profile", "owner").stdout)
    message = tasks["ExportImageTasks"][0]["StatusMessage"]
    assert "manifest: https://oos.eu-west-2.outscale.com/shares/osc-shim-transfer/" in message
    assert "Signature" not in message


def test_share_without_bucket_or_with_too_long_expiry_says_so(make_cli, emu):
    cli = make_cli(plugin=True, OSC_ENDPOINT_API=emu.api_url_template)
    cli.add_credentials("owner", *OWNER[:2])
    for extra, words in (([], "OSC_TRANSFER_BUCKET"), (["--expires-in", "604801"], "604801")):
        done = subprocess.run([str(BIN / "osc-shim"), "share-image", "--image-id", "ami-0b0c0a01", "--profile",
                               "owner", *extra], env=cli.env, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and done.stdout == "" and words in done.stderr
