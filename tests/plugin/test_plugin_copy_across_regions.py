"""``aws ec2 copy-image --source-region A --region B`` on OUTSCALE, end to end: the real aws v1 (and v2),
the plugin, the shim and one emulator serving both regions and OOS (export, pre-signed manifest,
import, snapshots copied along, transfer objects removed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.emulator_process import emulator_fixture

from plugin_sandbox import REPO, clean_env

emulator = pytest.importorskip("osc_emulator")
pytest.importorskip("waitress")

ACCESS_KEY, SECRET_KEY, ACCOUNT = "AKIDEXAMPLE", "SECRETEXAMPLE", "123456789012"
AWS_V2 = Path("/usr/bin/aws")


emu = emulator_fixture(accounts={ACCESS_KEY: (SECRET_KEY, ACCOUNT)}, buckets=["transfer"])


def _source(emu, name="golden", tags=None):
    cloud = emu.cloud
    snap = cloud.add_snapshot(ACCOUNT, 12, "root")
    img = cloud.add_image(account_id=ACCOUNT, name=name, architecture="x86_64", state="available",
                          description="the golden image", block_device_mappings=[{"DeviceName": "/dev/sda1", "Bsu": {
                              "DeleteOnVmDeletion": True, "SnapshotId": snap.snapshot_id, "VolumeSize": 12,
                              "VolumeType": "standard"}}])
    cloud.tags[img.image_id] = dict(tags or {})
    return img.image_id


def _cli(make_cli, emu, bucket="transfer", **env):
    cli = make_cli(plugin=True, OSC_ENDPOINT_API=emu.api_url_template, OSC_ENDPOINT_OOS=emu.url + "/oos/{region}",
                   OSC_SHIM_POLL_SECONDS="0.02", **env)
    cli.add_credentials("osc", ACCESS_KEY, SECRET_KEY)
    cli.add_config("[profile osc]\noutscale = true\nregion = eu-west-2\n"
                   + (f"outscale_transfer_bucket = {bucket}\n" if bucket else ""))
    return cli


def _copy(cli, source, *extra, name="golden-copy"):
    return cli.run("ec2", "copy-image", "--profile", "osc", "--source-region", "eu-west-2", "--region",
                   "us-east-2", "--source-image-id", source, "--name", name, *extra)


def test_copy_to_another_region_gives_an_available_image_there(make_cli, emu):
    source = _source(emu, tags={"team": "infra"})
    done = _copy(_cli(make_cli, emu), source, "--copy-image-tags", "--description", "moved",
                 "--tag-specifications", "ResourceType=snapshot,Tags=[{Key=kind,Value=copy}]")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert list(answer) == ["ImageId"]
    east = emu.cloud_for("us-east-2")
    copy = east.images[answer["ImageId"]]
    assert (copy.state, copy.name, copy.description, copy.account_id) == ("available", "golden-copy", "moved", ACCOUNT)
    snap = copy.block_device_mappings[0]["Bsu"]["SnapshotId"]
    assert snap in east.snapshots and east.snapshots[snap].volume_size == 12
    assert east.tags[snap] == {"kind": "copy"}
    assert east.tags[copy.image_id]["team"] == "infra"
    assert east.tags[copy.image_id]["osc-shim:copied-from"] == f"eu-west-2/{source}"
    # the source region is untouched but for the finished export; the transfer objects are gone
    assert set(emu.cloud.images) >= {source} and answer["ImageId"] not in emu.cloud.images
    assert [t.state for t in emu.cloud.export_tasks.values()] == ["completed"]
    assert emu.cloud.buckets["transfer"] == {}
    assert "copy-image: exporting" in done.stderr and "copy-image: done 100%" in done.stderr
    assert "Traceback" not in done.stderr


def test_same_token_same_image_and_kept_objects(make_cli, emu):
    source = _source(emu)
    cli = _cli(make_cli, emu, OSC_KEEP_TRANSFER_OBJECTS="1")
    first = _copy(cli, source, "--client-token", "tok-1")
    again = _copy(cli, source, "--client-token", "tok-1")
    assert first.returncode == again.returncode == 0, (first.stderr, again.stderr)
    assert json.loads(first.stdout) == json.loads(again.stdout)
    assert len(emu.cloud.export_tasks) == 1 and len(emu.cloud_for("us-east-2").images) == 2  # + the public one
    kept = emu.cloud.buckets["transfer"]
    assert any(k.endswith(".manifest.json") for k in kept) and any(k.endswith(".qcow2.gz") for k in kept)


def test_no_transfer_bucket_is_missing_parameter_naming_both(make_cli, emu):
    done = _copy(_cli(make_cli, emu, bucket=None), _source(emu))
    assert done.returncode == 255 and done.stdout == ""
    assert "(MissingParameter)" in done.stderr
    assert "outscale_transfer_bucket" in done.stderr and "OSC_TRANSFER_BUCKET" in done.stderr
    assert not emu.cloud.export_tasks


def test_dry_run_makes_nothing(make_cli, emu):
    done = _copy(_cli(make_cli, emu), _source(emu), "--dry-run")
    assert done.returncode == 255 and "(DryRunOperation)" in done.stderr
    assert not emu.cloud.export_tasks and len(emu.cloud_for("us-east-2").images) == 1


def test_same_region_copy_stays_the_direct_copy(make_cli, emu):
    source = _source(emu)
    done = _cli(make_cli, emu).run("ec2", "copy-image", "--profile", "osc", "--source-region", "eu-west-2",
                                   "--source-image-id", source, "--name", "here")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ImageId"] in emu.cloud.images and not emu.cloud.export_tasks


# Runs argv[1:] with SIGINT's default disposition (exec keeps it; Python then raises KeyboardInterrupt).
WITH_CTRL_C = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"


def test_ctrl_c_mid_pipeline_then_rerun_resumes_without_a_second_export(make_cli, emu):
    source = _source(emu)
    emu.cloud.export_reads = 10_000  # the export stays pending until the test lets it finish
    cli = _cli(make_cli, emu)
    cli.env["OSC_SHIM_POLL_SECONDS"] = "0.05"
    args = ["ec2", "copy-image", "--profile", "osc", "--source-region", "eu-west-2", "--region", "us-east-2",
            "--source-image-id", source, "--name", "golden-copy"]
    from plugin_sandbox import AWS

    # aws as a terminal starts it, Ctrl-C not ignored: a test run started in the background of a
    # non-interactive shell (`cmd &`) ignores SIGINT, and its children inherit that.
    proc = subprocess.Popen([sys.executable, "-c", WITH_CTRL_C, str(AWS), *args], env=cli.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    deadline = time.time() + 30
    while not emu.cloud.export_tasks and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and out.strip() == ""  # aws itself ends the line on Ctrl-C
    assert "interrupted" in err and "run the same command again to resume" in err
    assert len(emu.cloud.export_tasks) == 1
    emu.cloud.export_reads = 0
    done = cli.run(*args)
    assert done.returncode == 0, done.stderr
    assert len(emu.cloud.export_tasks) == 1, (done.stderr, [(t.state, t.prefix, t.reads) for t in emu.cloud.export_tasks.values()])  # the same export, reused
    image = json.loads(done.stdout)["ImageId"]
    assert [i for i in emu.cloud_for("us-east-2").images.values() if i.name == "golden-copy"][0].image_id == image


def test_copy_across_regions_under_aws_cli_v2(emu, tmp_path):
    if not AWS_V2.exists():
        pytest.skip("Debian's AWS CLI v2 is not installed")
    source = _source(emu)
    env = clean_env(tmp_path, OSC_ENDPOINT_API=emu.api_url_template, OSC_ENDPOINT_OOS=emu.url + "/oos/{region}",
                    OSC_SHIM_POLL_SECONDS="0.02", PYTHONPATH=str(REPO / "shim"), OSC_TRANSFER_BUCKET="transfer",
                    AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    Path(env["AWS_CONFIG_FILE"]).write_text(
        f"[plugins]\ncli_legacy_plugin_path = {REPO / 'plugin'}\noutscale = awscli_plugin_outscale\n"
        "[default]\noutscale = true\n")
    done = subprocess.run([str(AWS_V2), "ec2", "copy-image", "--source-region", "eu-west-2", "--region",
                           "us-east-2", "--source-image-id", source, "--name", "v2-copy", "--output", "text"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in emu.cloud_for("us-east-2").images
    assert emu.cloud.buckets["transfer"] == {}
