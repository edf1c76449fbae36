"""The AWS SDK for JavaScript v3 (``@aws-sdk/client-ec2`` from npm, pinned by tests/clients/js's lock
file, installed by scripts/install-clients.sh) through the gateway: ``js/lifecycle.mjs`` runs every
translated operation, a waiter, a paginator and the error cases once, and reports each step here."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from clients_env import OTHER_ACCOUNT

from osc_emulator import default_vm_id
from osc_shim.operations import OPERATIONS

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def report(stack):
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH (the JavaScript SDK tests need it)")
    if not (JS / "node_modules" / "@aws-sdk" / "client-ec2").is_dir():
        pytest.fail("@aws-sdk/client-ec2 is not installed: run scripts/install-clients.sh (make test does)")
    cloud = stack.emulator.cloud
    cloud.create_bucket("js-exports")
    cloud.put_object("js-exports", "disk.raw", b"\0" * 4096)
    cfg = {"endpoint": stack.url, "snapshotId": stack.snapshot(), "manifestUrl": stack.manifest_url("js-manifest"),
           "vmId": default_vm_id(stack.account_id), "owner": stack.account_id, "otherAccount": OTHER_ACCOUNT,
           "bucket": "js-exports",
           "diskUrl": cloud.presign("js-exports", "disk.raw")}
    done = subprocess.run(["node", str(JS / "lifecycle.mjs"), json.dumps(cfg)], cwd=JS, env=stack.env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    out = json.loads(done.stdout)
    out["_cfg"] = cfg
    return out


def value(report, name):
    step = report[name]
    assert "error" not in step, f"{name}: {step.get('error')}"
    return step["value"]


def error(report, name):
    step = report[name]
    assert "error" in step, f"{name} succeeded: {step.get('value')}"
    return step["error"]["name"], step["error"]["status"]


def test_every_translated_operation_is_exercised(report):
    exercised = {name.split()[0] for name in report if not name.startswith(("_", "error", "wait", "paginate"))}
    assert set(OPERATIONS) <= exercised, set(OPERATIONS) - exercised


def test_the_snapshot_half(report, stack):
    snap = value(report, "CreateSnapshot")
    assert value(report, "waitUntilSnapshotCompleted") == "SUCCESS"
    copy = value(report, "CopySnapshot")
    imported = value(report, "ImportSnapshot")
    assert imported["Status"] == "completed" and imported["SnapshotId"] in stack.emulator.cloud.snapshots
    assert value(report, "DescribeSnapshots") == sorted([snap, copy])
    assert value(report, "ModifySnapshotAttribute") is True
    assert value(report, "DescribeSnapshotAttribute") == [{"UserId": OTHER_ACCOUNT}]
    assert value(report, "ResetSnapshotAttribute") is True
    assert value(report, "DescribeTags") == [["snapshot", "app", "js"]]
    assert value(report, "DeleteSnapshot") is True and copy not in stack.emulator.cloud.snapshots
    assert error(report, "error DescribeSnapshots deleted") == ("InvalidSnapshot.NotFound", 400)


def test_register_describe_and_wait(report, stack):
    image_id = value(report, "RegisterImage")
    assert value(report, "RegisterImage manifest").startswith("ami-")
    assert value(report, "waitUntilImageAvailable") == "SUCCESS"
    described = value(report, "DescribeImages")
    assert described == {"State": "available", "Name": "js-from-snapshot", "SriovNetSupport": "simple",
                         "BootMode": None, "Tags": [{"Key": "app", "Value": "js"}], "RootDeviceType": "ebs"}
    # The location as OUTSCALE holds it: the pre-signed URL registered, not a redacted copy.
    assert value(report, "DescribeImages manifest location") == [report["_cfg"]["manifestUrl"]]
    assert stack.emulator.cloud.images[image_id].description == "changed by the JS SDK"


def test_create_copy_and_paginate(report):
    assert value(report, "CreateImage").startswith("ami-")
    copy = value(report, "CopyImage")
    pages = value(report, "paginateDescribeImages")
    expected = {value(report, "RegisterImage"), value(report, "RegisterImage manifest"), value(report, "CreateImage"), copy}
    assert set(pages["ids"]) == expected and len(pages["ids"]) == 4 and pages["pages"] >= 4


def test_tags_and_attributes(report):
    assert value(report, "CreateTags") is True and value(report, "DeleteTags") is True
    assert sorted(value(report, "tags after"), key=lambda t: t["Key"]) == [
        {"Key": "app", "Value": "js"}, {"Key": "stage", "Value": "one"}]
    assert value(report, "ModifyImageAttribute") is True
    assert value(report, "DescribeImageAttribute") == {"Description": {"Value": "changed by the JS SDK"},
                                                      "LaunchPermissions": [{"UserId": OTHER_ACCOUNT}]}
    assert value(report, "ResetImageAttribute") == []


def test_export_tasks(report):
    task = value(report, "ExportImage")
    assert task.startswith("image-export-")
    assert value(report, "DescribeExportImageTasks") == [task]
    assert value(report, "CancelExportTask") is True


def test_deregistered_image_is_gone(report):
    assert value(report, "DeregisterImage") is True
    assert value(report, "DescribeImages deregistered") == []
    assert error(report, "error DeregisterImage again") == ("InvalidAMIID.Unavailable", 400)


@pytest.mark.parametrize("step,expected", [
    ("error DescribeImages unknown", ("InvalidAMIID.NotFound", 400)),
    ("error DescribeImages malformed", ("InvalidAMIID.Malformed", 400)),
    ("error CreateTags invalid id", ("InvalidID", 400)),
    ("error RegisterImage duplicate", ("InvalidAMIName.Duplicate", 400)),
    ("error ModifyImageAttribute group", ("InvalidAMIAttributeItemValue", 400)),
    ("error RegisterImage dry run", ("DryRunOperation", 412)),
    ("error RegisterImage ena", ("InvalidParameter", 400)),
])
def test_error_names(report, step, expected):
    assert error(report, step) == expected
