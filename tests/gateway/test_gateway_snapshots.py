"""The snapshot operations with boto3 through the gateway, in one world: the gateway's FCU is the emulator's
FCU face, so an instance run through FCU and a snapshot made through OAPI meet in the same cloud."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from gateway_testlib import REGION

OTHER = "210987654321"


@pytest.fixture
def emulator(monkeypatch):
    from osc_emulator import start_emulator

    emu = start_emulator(region=REGION, pending_reads=0)
    monkeypatch.setenv("OSC_ENDPOINT_API", emu.api_url)  # the shim core reads it at each call
    yield emu
    emu.stop()


@pytest.fixture
def ec2(start_gateway, emulator):
    gateway = start_gateway(access_key=emulator.access_key, secret_key=emulator.secret_key,
                            fcu_endpoint=emulator.fcu_url)
    return gateway.client(access_key=emulator.access_key, secret_key=emulator.secret_key)


def _code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"]


def test_snapshots_of_an_instance_run_through_fcu(ec2, emulator):
    instance = ec2.run_instances(ImageId="ami-0b0c0a01", MinCount=1, MaxCount=1)["Instances"][0]
    volume = instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    snap = ec2.create_snapshot(VolumeId=volume, Description="root", TagSpecifications=[
        {"ResourceType": "snapshot", "Tags": [{"Key": "team", "Value": "web"}]}])
    assert (snap["VolumeId"], snap["State"], snap["Tags"]) == (volume, "completed", [{"Key": "team", "Value": "web"}])
    assert emulator.cloud.snapshots[snap["SnapshotId"]].volume_id == volume  # made by OAPI CreateSnapshot
    assert ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["snapshot"]}])["Tags"] == [
        {"Key": "team", "Value": "web", "ResourceId": snap["SnapshotId"], "ResourceType": "snapshot"}]

    for i in range(6):
        ec2.create_snapshot(VolumeId=volume, Description=f"page-{i}")
    pages = list(ec2.get_paginator("describe_snapshots").paginate(
        OwnerIds=["self"], Filters=[{"Name": "description", "Values": ["page-*"]}],
        PaginationConfig={"PageSize": 5}))
    assert sum(len(p["Snapshots"]) for p in pages) == 6 and len(pages) >= 2

    copy = ec2.copy_snapshot(SourceSnapshotId=snap["SnapshotId"], SourceRegion=REGION, Description="copy")
    ec2.modify_snapshot_attribute(SnapshotId=copy["SnapshotId"], Attribute="createVolumePermission",
                                  CreateVolumePermission={"Add": [{"UserId": OTHER}, {"Group": "all"}]})
    perms = ec2.describe_snapshot_attribute(SnapshotId=copy["SnapshotId"], Attribute="createVolumePermission")
    assert perms["CreateVolumePermissions"] == [{"UserId": OTHER}, {"Group": "all"}]
    assert [s["SnapshotId"] for s in ec2.describe_snapshots(RestorableByUserIds=["all"])["Snapshots"]] == [
        copy["SnapshotId"]]
    ec2.reset_snapshot_attribute(SnapshotId=copy["SnapshotId"], Attribute="createVolumePermission")
    assert ec2.describe_snapshot_attribute(SnapshotId=copy["SnapshotId"],
                                           Attribute="createVolumePermission")["CreateVolumePermissions"] == []

    image = ec2.create_image(InstanceId=instance["InstanceId"], Name="gw-snapshots")["ImageId"]
    used = ec2.describe_images(ImageIds=[image])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    assert _code(ec2.delete_snapshot, SnapshotId=used) == "InvalidSnapshot.InUse"
    ec2.deregister_image(ImageId=image)
    ec2.delete_snapshot(SnapshotId=used)
    assert _code(ec2.describe_snapshots, SnapshotIds=[used]) == "InvalidSnapshot.NotFound"
    assert _code(ec2.delete_snapshot, SnapshotId=copy["SnapshotId"], DryRun=True) == "DryRunOperation"
    assert copy["SnapshotId"] in emulator.cloud.snapshots


def test_import_snapshot_from_a_bucket(ec2, emulator):
    emulator.cloud.put_object("disks", "root.raw", b"\0" * 4096)
    url = emulator.cloud.presign("disks", "root.raw")
    out = ec2.import_snapshot(DiskContainer={"Url": url, "Format": "RAW"}, ClientData={"UploadSize": 3.0},
                              Description="imported")
    snapshot_id = out["SnapshotTaskDetail"]["SnapshotId"]
    assert out["SnapshotTaskDetail"]["Status"] == "completed"
    assert ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]["VolumeSize"] == 3
    assert _code(ec2.import_snapshot, DiskContainer={"Url": url}) == "MissingParameter"
    assert _code(ec2.import_snapshot, DiskContainer={"Url": url}, ClientData={"UploadSize": 1.0},
                 RoleName="vmimport") == "InvalidParameter"
