"""The snapshot operations and DescribeTags with the real ``aws`` v1 binary, the plugin, the shim and the
OAPI emulator: answers in botocore's output shapes, errors as EC2 words them, dry runs, sharing."""

from __future__ import annotations

import pytest
from test_e2e_families import _output

from lifecycle_env import ACCOUNT, BUCKET, OTHER_ACCOUNT


@pytest.fixture(scope="module")
def volume_id(emu):
    from osc_emulator import default_vm_id

    return emu.cloud.vms[default_vm_id(ACCOUNT)].volume_ids[0]


def test_create_describe_copy_delete(aws, emu, volume_id):
    made = _output("CreateSnapshot", aws.json(
        "ec2", "create-snapshot", "--volume-id", volume_id, "--description", "nightly",
        "--tag-specifications", "ResourceType=snapshot,Tags=[{Key=Name,Value=db}]"))
    snap = made["SnapshotId"]
    assert (made["VolumeId"], made["State"], made["Description"], made["OwnerId"]) == (
        volume_id, "completed", "nightly", ACCOUNT)
    assert made["Tags"] == [{"Key": "Name", "Value": "db"}] and made["Encrypted"] is False
    assert emu.cloud.tags[snap] == {"Name": "db"}

    listed = _output("DescribeSnapshots", aws.json("ec2", "describe-snapshots", "--owner-ids", "self",
                                                    "--filters", "Name=tag:Name,Values=d*"))
    assert [s["SnapshotId"] for s in listed["Snapshots"]] == [snap]
    assert listed["Snapshots"][0]["StartTime"].endswith("Z") and listed["Snapshots"][0]["Progress"] == "100%"
    # OUTSCALE's own snapshot (of its public image) is not shared: an alias finds nothing to restore
    assert aws.json("ec2", "describe-snapshots", "--owner-ids", "Outscale")["Snapshots"] == []

    copy = aws.json("ec2", "copy-snapshot", "--source-snapshot-id", snap, "--source-region", "eu-west-2",
                    "--description", "copy")
    assert emu.cloud.snapshots[copy["SnapshotId"]].description == "copy"
    err = aws.error("ec2", "copy-snapshot", "--source-snapshot-id", snap, "--source-region", "us-east-2")
    assert "(InvalidParameterValue)" in err and "SourceRegion" in err
    err = aws.error("ec2", "copy-snapshot", "--source-snapshot-id", snap, "--source-region", "eu-west-2",
                    "--encrypted", "--kms-key-id", "k")
    assert "(InvalidParameter)" in err and "KmsKeyId" in err

    aws.json("ec2", "delete-snapshot", "--snapshot-id", copy["SnapshotId"])
    assert copy["SnapshotId"] not in emu.cloud.snapshots
    err = aws.error("ec2", "describe-snapshots", "--snapshot-ids", copy["SnapshotId"])
    assert f"(InvalidSnapshot.NotFound) when calling the DescribeSnapshots operation: The snapshot " \
           f"'{copy['SnapshotId']}' does not exist." in err
    err = aws.error("ec2", "delete-snapshot", "--snapshot-id", "snap-nope")
    assert "(InvalidSnapshotID.Malformed)" in err
    err = aws.error("ec2", "create-snapshot", "--volume-id", volume_id, "--outpost-arn", "arn:x")
    assert "(InvalidParameter)" in err and "OutpostArn" in err


def test_dry_runs_and_pages(aws, emu, volume_id):
    err = aws.error("ec2", "create-snapshot", "--volume-id", volume_id, "--dry-run")
    assert "(DryRunOperation)" in err
    before = len(emu.cloud.snapshots)
    kept = next(s for s in emu.cloud.snapshots.values() if s.account_id == ACCOUNT).snapshot_id
    assert "(DryRunOperation)" in aws.error("ec2", "delete-snapshot", "--snapshot-id", kept, "--dry-run")
    assert len(emu.cloud.snapshots) == before and kept in emu.cloud.snapshots
    for i in range(6):
        aws.json("ec2", "create-snapshot", "--volume-id", volume_id, "--description", f"page-{i}")
    pages = aws.json("ec2", "describe-snapshots", "--owner-ids", "self", "--filters",
                     "Name=description,Values=page-*", "--page-size", "5")["Snapshots"]
    assert sorted(s["Description"] for s in pages) == [f"page-{i}" for i in range(6)]
    one = aws.json("ec2", "describe-snapshots", "--owner-ids", "self", "--max-items", "2")
    assert len(one["Snapshots"]) == 2 and one["NextToken"]


def test_create_volume_permission_sharing(aws, emu, volume_id):
    snap = aws.json("ec2", "create-snapshot", "--volume-id", volume_id)["SnapshotId"]
    aws.json("ec2", "modify-snapshot-attribute", "--snapshot-id", snap, "--attribute", "createVolumePermission",
             "--operation-type", "add", "--user-ids", OTHER_ACCOUNT)
    assert emu.cloud.snapshots[snap].volume_accounts == [OTHER_ACCOUNT]
    attr = _output("DescribeSnapshotAttribute", aws.json(
        "ec2", "describe-snapshot-attribute", "--snapshot-id", snap, "--attribute", "createVolumePermission"))
    assert attr == {"SnapshotId": snap, "CreateVolumePermissions": [{"UserId": OTHER_ACCOUNT}]}
    shared = aws.json("ec2", "describe-snapshots", "--profile", "other", "--restorable-by-user-ids", "self",
                      "--owner-ids", ACCOUNT)["Snapshots"]
    assert [s["SnapshotId"] for s in shared] == [snap]
    aws.json("ec2", "modify-snapshot-attribute", "--snapshot-id", snap,
             "--create-volume-permission", "Add=[{Group=all}],Remove=[{UserId=" + OTHER_ACCOUNT + "}]")
    assert emu.cloud.snapshots[snap].public and emu.cloud.snapshots[snap].volume_accounts == []
    aws.json("ec2", "reset-snapshot-attribute", "--snapshot-id", snap, "--attribute", "createVolumePermission")
    assert not emu.cloud.snapshots[snap].public
    err = aws.error("ec2", "modify-snapshot-attribute", "--snapshot-id", snap, "--attribute", "productCodes",
                    "--operation-type", "add", "--user-ids", OTHER_ACCOUNT)
    assert "(InvalidParameterValue)" in err


def test_import_snapshot_from_a_bucket(aws, emu):
    emu.cloud.put_object(BUCKET, "disks/data.raw", b"\0" * 1024)
    url = emu.cloud.presign(BUCKET, "disks/data.raw")
    out = _output("ImportSnapshot", aws.json(
        "ec2", "import-snapshot", "--description", "imported", "--disk-container", f"Format=RAW,Url={url}",
        "--client-data", "UploadSize=2"))
    detail = out["SnapshotTaskDetail"]
    assert detail["Status"] == "completed" and out["ImportTaskId"] == f"import-{detail['SnapshotId']}"
    assert emu.cloud.snapshots[detail["SnapshotId"]].volume_size == 2
    err = aws.error("ec2", "import-snapshot", "--disk-container", f"Url={url}")
    assert "(MissingParameter)" in err and "ClientData.UploadSize" in err
    err = aws.error("ec2", "import-snapshot", "--disk-container", "UserBucket={S3Bucket=b,S3Key=k}",
                    "--client-data", "UploadSize=1")
    assert "(InvalidParameter)" in err and "UserBucket" in err
    missing = emu.cloud.presign(BUCKET, "disks/absent.raw")
    err = aws.error("ec2", "import-snapshot", "--disk-container", f"Url={missing}", "--client-data", "UploadSize=1")
    assert "(InvalidManifest)" in err or "does not exist" in err


def test_describe_tags_reads_back_every_resource_type(aws, emu, volume_id, vm_id, snapshot_image):
    image_id, snap = snapshot_image("tags-readback")
    aws.json("ec2", "create-tags", "--resources", image_id, snap, vm_id, volume_id,
             "--tags", "Key=stage,Value=blue")
    tags = _output("DescribeTags", aws.json("ec2", "describe-tags", "--filters", "Name=key,Values=stage"))["Tags"]
    assert sorted((t["ResourceType"], t["ResourceId"]) for t in tags) == sorted(
        [("image", image_id), ("snapshot", snap), ("instance", vm_id), ("volume", volume_id)])
    only = aws.json("ec2", "describe-tags", "--filters", "Name=resource-type,Values=instance",
                    "Name=value,Values=bl*")["Tags"]
    assert [(t["ResourceId"], t["Value"]) for t in only] == [(vm_id, "blue")]
    err = aws.error("ec2", "describe-tags", "--filters", "Name=colour,Values=x")
    assert "(InvalidParameterValue)" in err and "colour" in err
