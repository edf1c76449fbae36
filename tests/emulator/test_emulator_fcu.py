"""The emulator's FCU face: boto3 over HTTP, signed with the emulator's keys, one cloud with the OAPI face."""

from __future__ import annotations

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError
from emulator_helpers import OTHER_ACCOUNT, Client

from osc_emulator import fcu

PUBLIC_IMAGE = "ami-0b0c0a01"


def _ec2(emu, access_key=None, secret_key=None):
    return boto3.client("ec2", endpoint_url=emu.fcu_url, region_name=emu.region,
                        aws_access_key_id=access_key or emu.access_key,
                        aws_secret_access_key=secret_key or emu.secret_key,
                        config=botocore.config.Config(retries={"max_attempts": 1}))


@pytest.fixture
def ec2(emu):
    return _ec2(emu)


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value.response["Error"]["Code"]


def _run(ec2, **extra):
    answer = ec2.run_instances(ImageId=PUBLIC_IMAGE, MinCount=1, MaxCount=1, **extra)
    return answer["Instances"][0]["InstanceId"]


def test_instance_lifecycle_with_waiters(ec2):
    iid = _run(ec2, InstanceType="t2.micro",
               TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}])
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 0.1})
    inst = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    assert (inst["State"]["Name"], inst["InstanceType"], inst["ImageId"]) == ("running", "t2.micro", PUBLIC_IMAGE)
    assert inst["Tags"] == [{"Key": "Name", "Value": "web"}]
    assert inst["BlockDeviceMappings"][0]["DeviceName"] == "/dev/sda1"
    assert ec2.stop_instances(InstanceIds=[iid])["StoppingInstances"][0]["CurrentState"]["Name"] == "stopping"
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid], WaiterConfig={"Delay": 0.1})
    assert ec2.start_instances(InstanceIds=[iid])["StartingInstances"][0]["CurrentState"]["Name"] == "pending"
    ec2.terminate_instances(InstanceIds=[iid])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig={"Delay": 0.1})
    found = ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["terminated"]}])
    assert [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]] == [iid]
    assert _code(ec2.start_instances, InstanceIds=[iid]) == "IncorrectInstanceState"


def test_instance_started_through_fcu_is_imaged_through_oapi(emu, ec2):
    iid = _run(ec2)
    image = Client(emu).ok("CreateImage", {"VmId": iid, "ImageName": "from-fcu"})["Image"]
    snap_id = image["BlockDeviceMappings"][0]["Bsu"]["SnapshotId"]
    # the snapshot OAPI made is visible through FCU, and in use by the image
    listed = ec2.describe_snapshots(SnapshotIds=[snap_id])["Snapshots"][0]
    assert listed["OwnerId"] == "123456789012" and listed["State"] == "completed"
    assert _code(ec2.delete_snapshot, SnapshotId=snap_id) == "InvalidSnapshot.InUse"
    # a terminated VM is gone for OAPI
    ec2.terminate_instances(InstanceIds=[iid])
    assert Client(emu).error("CreateImage", {"VmId": iid, "ImageName": "too-late"}) == (400, "5063")


def test_tags_written_by_either_face_are_read_by_both(emu, ec2):
    api = Client(emu)
    snap = api.ok("CreateSnapshot", {"VolumeId": emu.cloud.vms[next(iter(emu.cloud.vms))].volume_ids[0]})["Snapshot"]
    api.ok("CreateTags", {"ResourceIds": [snap["SnapshotId"]], "Tags": [{"Key": "team", "Value": "a"}]})
    ec2.create_tags(Resources=[snap["SnapshotId"]], Tags=[{"Key": "env", "Value": "prod"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [snap["SnapshotId"]]}])["Tags"]
    assert sorted((t["Key"], t["Value"], t["ResourceType"]) for t in tags) == [
        ("env", "prod", "snapshot"), ("team", "a", "snapshot")]
    read = api.ok("ReadTags", {"Filters": {"ResourceIds": [snap["SnapshotId"]]}})["Tags"]
    assert sorted(t["Key"] for t in read) == ["env", "team"]
    ec2.delete_tags(Resources=[snap["SnapshotId"]], Tags=[{"Key": "team"}])
    assert [t["Key"] for t in api.ok("ReadTags", {"Filters": {"ResourceIds": [snap["SnapshotId"]]}})["Tags"]] == ["env"]


def test_volumes_attach_detach_and_snapshot_sharing(emu, ec2):
    iid = _run(ec2)
    vol = ec2.create_volume(Size=4, AvailabilityZone=f"{emu.region}a")
    assert vol["State"] == "creating"
    ec2.get_waiter("volume_available").wait(VolumeIds=[vol["VolumeId"]], WaiterConfig={"Delay": 0.1})
    ec2.attach_volume(VolumeId=vol["VolumeId"], InstanceId=iid, Device="/dev/sdb")
    assert ec2.describe_volumes(VolumeIds=[vol["VolumeId"]])["Volumes"][0]["Attachments"][0]["InstanceId"] == iid
    assert _code(ec2.delete_volume, VolumeId=vol["VolumeId"]) == "VolumeInUse"
    snap = ec2.create_snapshot(VolumeId=vol["VolumeId"], Description="data")
    ec2.modify_snapshot_attribute(SnapshotId=snap["SnapshotId"], Attribute="createVolumePermission",
                                  OperationType="add", UserIds=[OTHER_ACCOUNT[2]])
    perms = ec2.describe_snapshot_attribute(SnapshotId=snap["SnapshotId"], Attribute="createVolumePermission")
    assert perms["CreateVolumePermissions"] == [{"UserId": OTHER_ACCOUNT[2]}]
    other = _ec2(emu, *OTHER_ACCOUNT[:2])
    assert other.describe_snapshots(RestorableByUserIds=["self"])["Snapshots"][0]["SnapshotId"] == snap["SnapshotId"]
    # OAPI reads the same permission
    assert Client(emu).ok("ReadSnapshots", {"Filters": {"SnapshotIds": [snap["SnapshotId"]]}})["Snapshots"][0][
        "PermissionsToCreateVolume"]["AccountIds"] == [OTHER_ACCOUNT[2]]
    ec2.reset_snapshot_attribute(SnapshotId=snap["SnapshotId"], Attribute="createVolumePermission")
    assert other.describe_snapshots(RestorableByUserIds=["self"])["Snapshots"] == []
    ec2.detach_volume(VolumeId=vol["VolumeId"])
    ec2.delete_volume(VolumeId=vol["VolumeId"])
    assert _code(ec2.describe_volumes, VolumeIds=[vol["VolumeId"]]) == "InvalidVolume.NotFound"


def test_regions_zones_and_pages(emu, ec2):
    assert emu.region in [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    assert zones[0] == f"{emu.region}a"
    for _ in range(6):
        ec2.create_snapshot(VolumeId=emu.cloud.vms[next(iter(emu.cloud.vms))].volume_ids[0])
    pages = list(ec2.get_paginator("describe_snapshots").paginate(OwnerIds=["self"], PaginationConfig={"PageSize": 5}))
    assert [len(p["Snapshots"]) for p in pages] == [5, 1]


def test_errors_are_ec2_errors_never_tracebacks(emu, ec2):
    assert _code(ec2.describe_vpcs) == "UnsupportedOperation"
    assert _code(ec2.describe_instances, InstanceIds=["i-12345678"]) == "InvalidInstanceID.NotFound"
    assert _code(ec2.describe_instances, InstanceIds=["nope"]) == "InvalidInstanceID.Malformed"
    assert _code(ec2.run_instances, ImageId=PUBLIC_IMAGE, MinCount=1, MaxCount=1, DryRun=True) == "DryRunOperation"
    assert _code(ec2.run_instances, ImageId="ami-12345678", MinCount=1, MaxCount=1) == "InvalidAMIID.NotFound"
    assert _code(ec2.describe_instances, Filters=[{"Name": "bogus", "Values": ["x"]}]) == "InvalidParameterValue"
    assert _code(_ec2(emu, secret_key="wrong").describe_regions) == "AuthFailure"
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    conn.request("POST", "/", body=b"Action=NoSuchThing&Version=2016-11-15",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    answer = conn.getresponse()
    assert answer.status == 401 and b"<Code>AuthFailure</Code>" in answer.read()  # unsigned: refused first
    assert "RunInstances" in fcu.actions() and "DescribeTags" in fcu.actions()


def test_an_action_outside_ec2s_model_is_invalid_action(emu):
    """Signed, well-formed, but no such EC2 action: EC2's InvalidAction document, HTTP 400."""
    import http.client

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = "Action=LaunchRockets&Version=2016-11-15"
    request = AWSRequest("POST", emu.fcu_url + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(emu.access_key, emu.secret_key), "ec2", emu.region).add_auth(request)
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    conn.request("POST", "/", body=body, headers=dict(request.headers))
    answer = conn.getresponse()
    text = answer.read().decode()
    assert answer.status == 400 and "<Code>InvalidAction</Code>" in text and "LaunchRockets" in text
    assert emu.app.fcu.calls[-1] == ("-", "InvalidAction")
