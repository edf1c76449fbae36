"""CreateImage (instance), CopyImage, DeregisterImage, CreateTags, DeleteTags: pure translation."""

from __future__ import annotations

import pytest

from osc_shim.errors import Ec2Error

from lifecycle_fakes import Fake, image, oapi_error

CREATED = {"Image": {"ImageId": "ami-0000aaaa", "BlockDeviceMappings": [
    {"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": "snap-0000bbbb"}}]}}


def _refused(operation, params, member):
    with pytest.raises(Ec2Error) as e:
        Fake().run(operation, params)
    assert e.value.code == "InvalidParameter" and member in e.value.message
    return e.value


# -- CreateImage ---------------------------------------------------------------------------

def test_create_image_from_instance_with_tags():
    f = Fake({"CreateImage": CREATED})
    out = f.run("CreateImage", {
        "InstanceId": "i-12345678", "Name": "web (v1)", "Description": "d", "NoReboot": True,
        "TagSpecifications": [{"ResourceType": "image", "Tags": [{"Key": "Env", "Value": "prod"}]},
                              {"ResourceType": "snapshot", "Tags": [{"Key": "Kind", "Value": "root"}]}]})
    assert out == {"ImageId": "ami-0000aaaa"}
    assert f.calls[0].body == {"VmId": "i-12345678", "ImageName": "web (v1)", "Description": "d", "NoReboot": True}
    assert not f.calls[0].idempotent  # a create is never re-sent blindly
    assert f.bodies("CreateTags") == [
        {"ResourceIds": ["ami-0000aaaa"], "Tags": [{"Key": "Env", "Value": "prod"}]},
        {"ResourceIds": ["snap-0000bbbb"], "Tags": [{"Key": "Kind", "Value": "root"}]}]


def test_create_image_checks_before_sending():
    with pytest.raises(Ec2Error) as e:
        Fake().run("CreateImage", {"InstanceId": "vm-1", "Name": "abc"})
    assert (e.value.code, e.value.message) == ("InvalidInstanceID.Malformed", 'Invalid id: "vm-1" (expecting "i-...")')
    with pytest.raises(Ec2Error) as e:
        Fake().run("CreateImage", {"InstanceId": "i-12345678", "Name": "bad@name"})
    assert e.value.code == "InvalidAMIName.Malformed"
    _refused("CreateImage", {"InstanceId": "i-12345678", "Name": "abc",
                             "BlockDeviceMappings": [{"DeviceName": "/dev/sdb", "NoDevice": ""}]}, "BlockDeviceMappings")
    _refused("CreateImage", {"InstanceId": "i-12345678", "Name": "abc", "SnapshotLocation": "local"}, "SnapshotLocation")
    Fake({"CreateImage": CREATED}).run("CreateImage", {"InstanceId": "i-12345678", "Name": "abc",
                                                       "SnapshotLocation": "regional"})
    with pytest.raises(Ec2Error) as e:
        Fake().run("CreateImage", {"InstanceId": "i-12345678", "Name": "abc",
                                   "TagSpecifications": [{"ResourceType": "volume", "Tags": [{"Key": "a"}]}]})
    assert e.value.code == "InvalidParameterValue"


def test_create_image_unknown_instance_is_worded_as_ec2():
    f = Fake({"CreateImage": oapi_error("5063", details="no such VM")})
    with pytest.raises(Ec2Error) as e:
        f.run("CreateImage", {"InstanceId": "i-12345678", "Name": "abc"})
    assert (e.value.code, e.value.message) == ("InvalidInstanceID.NotFound", "The instance ID 'i-12345678' does not exist")


def test_create_image_dry_run():
    f = Fake()
    with pytest.raises(Ec2Error) as e:
        f.run("CreateImage", {"InstanceId": "i-12345678", "Name": "abc", "DryRun": True})
    assert e.value.code == "DryRunOperation"
    assert f.calls[0].body["DryRun"] is True and f.actions == ["CreateImage"]


def test_tagging_failure_keeps_the_image_id():
    f = Fake({"CreateImage": CREATED, "CreateTags": oapi_error("10041", "TooManyResources", "too many")})
    with pytest.raises(Ec2Error) as e:
        f.run("CreateImage", {"InstanceId": "i-12345678", "Name": "abc",
                              "TagSpecifications": [{"ResourceType": "image", "Tags": [{"Key": "a", "Value": "b"}]}]})
    assert e.value.code == "TagLimitExceeded" and "ami-0000aaaa" in e.value.message


# -- CopyImage -----------------------------------------------------------------------------

def test_copy_image_in_the_same_region():
    f = Fake({"CreateImage": CREATED})
    out = f.run("CopyImage", {"SourceImageId": "ami-12345678", "SourceRegion": "eu-west-2", "Name": "copy",
                              "Description": "d", "ClientToken": "b0d1e-token", "Encrypted": False})
    assert out == {"ImageId": "ami-0000aaaa"}
    assert f.calls == [f.calls[0]] and f.calls[0].action == "CreateImage"
    assert f.calls[0].body == {"SourceImageId": "ami-12345678", "ImageName": "copy", "Description": "d",
                               "SourceRegionName": "eu-west-2"}


def test_copy_image_from_another_region_says_why_not():
    with pytest.raises(Ec2Error) as e:
        Fake(region="eu-west-2").run("CopyImage", {"SourceImageId": "ami-12345678", "SourceRegion": "us-east-2",
                                                   "Name": "copy"})
    assert e.value.code == "InvalidParameterValue"
    assert "only within your own region (eu-west-2)" in e.value.message and "export-image" in e.value.message


@pytest.mark.parametrize("member,value", [("Encrypted", True), ("KmsKeyId", "k"),
                                          ("DestinationOutpostArn", "arn"), ("SnapshotCopyCompletionDurationMinutes", 5),
                                          ("DestinationAvailabilityZone", "eu-west-2a")])
def test_copy_image_refuses_by_name(member, value):
    _refused("CopyImage", {"SourceImageId": "ami-12345678", "SourceRegion": "eu-west-2", "Name": "copy",
                           member: value}, member)


def test_copy_image_tags():
    src = image(Tags=[{"Key": "Env", "Value": "prod"}, {"Key": "Team", "Value": "a"}])
    f = Fake({"ReadImages": {"Images": [src]}, "CreateImage": CREATED})
    f.run("CopyImage", {"SourceImageId": "ami-12345678", "SourceRegion": "eu-west-2", "Name": "copy",
                        "CopyImageTags": True,
                        "TagSpecifications": [{"ResourceType": "image", "Tags": [{"Key": "Team", "Value": "b"}]}]})
    assert f.actions == ["ReadImages", "CreateImage", "CreateTags"]
    assert f.bodies("CreateTags") == [{"ResourceIds": ["ami-0000aaaa"], "Tags": [
        {"Key": "Env", "Value": "prod"}, {"Key": "Team", "Value": "b"}]}]


def test_copy_of_an_unknown_image():
    f = Fake({"CreateImage": oapi_error("5023", details="image not found")})
    with pytest.raises(Ec2Error) as e:
        f.run("CopyImage", {"SourceImageId": "ami-12345678", "SourceRegion": "eu-west-2", "Name": "copy"})
    assert (e.value.code, e.value.message) == ("InvalidAMIID.NotFound", "The image id '[ami-12345678]' does not exist")


# -- DeregisterImage -----------------------------------------------------------------------

def test_deregister_image():
    f = Fake({"DeleteImage": {}})
    assert f.run("DeregisterImage", {"ImageId": "ami-12345678"}) == {"Return": True}
    assert f.calls[0].body == {"ImageId": "ami-12345678"}
    f = Fake({"DeleteImage": oapi_error("5023")})
    with pytest.raises(Ec2Error) as e:
        f.run("DeregisterImage", {"ImageId": "ami-12345678"})
    assert e.value.message == "The image id '[ami-12345678]' does not exist"
    with pytest.raises(Ec2Error) as e:
        Fake().run("DeregisterImage", {"ImageId": "img-1"})
    assert e.value.code == "InvalidAMIID.Malformed"
    _refused("DeregisterImage", {"ImageId": "ami-12345678", "DeleteAssociatedSnapshots": True},
             "DeleteAssociatedSnapshots")
    assert Fake().run("DeregisterImage", {"ImageId": "ami-12345678", "DeleteAssociatedSnapshots": False})


# -- CreateTags / DeleteTags ---------------------------------------------------------------

def test_create_tags_fills_empty_values():
    f = Fake()
    assert f.run("CreateTags", {"Resources": ["ami-12345678", "snap-12345678"],
                                "Tags": [{"Key": "Env", "Value": "prod"}, {"Key": "Flag"}]}) == {}
    assert f.calls[0].body == {"ResourceIds": ["ami-12345678", "snap-12345678"],
                               "Tags": [{"Key": "Env", "Value": "prod"}, {"Key": "Flag", "Value": ""}]}
    with pytest.raises(Ec2Error) as e:
        Fake().run("CreateTags", {"Resources": ["ami-12345678"], "Tags": [{"Key": "aws:x", "Value": "1"}]})
    assert e.value.code == "InvalidParameterValue"


def test_delete_tags_exact_and_any_value():
    current = {"Tags": [{"ResourceId": "ami-12345678", "ResourceType": "image", "Key": "Env", "Value": "prod"},
                        {"ResourceId": "snap-12345678", "ResourceType": "snapshot", "Key": "Env", "Value": "dev"}]}
    f = Fake({"ReadTags": current})
    f.run("DeleteTags", {"Resources": ["ami-12345678", "snap-12345678"],
                         "Tags": [{"Key": "Env"}, {"Key": "Team", "Value": "a"}]})
    assert f.bodies("ReadTags") == [{"Filters": {"ResourceIds": ["ami-12345678", "snap-12345678"], "Keys": ["Env"]}}]
    assert f.bodies("DeleteTags") == [{"ResourceIds": ["ami-12345678", "snap-12345678"], "Tags": [
        {"Key": "Team", "Value": "a"}, {"Key": "Env", "Value": "prod"}, {"Key": "Env", "Value": "dev"}]}]


def test_delete_tags_exact_only_needs_no_read():
    f = Fake()
    f.run("DeleteTags", {"Resources": ["ami-12345678"], "Tags": [{"Key": "Env", "Value": "prod"}]})
    assert f.actions == ["DeleteTags"]


def test_delete_all_tags():
    f = Fake({"ReadTags": [{"Tags": [{"ResourceId": "ami-12345678", "Key": "A", "Value": "1"}], "NextPageToken": "p2"},
                           {"Tags": [{"ResourceId": "ami-12345678", "Key": "B", "Value": "2"}]}]})
    f.run("DeleteTags", {"Resources": ["ami-12345678"]})
    assert f.bodies("ReadTags")[1]["NextPageToken"] == "p2"
    assert f.bodies("DeleteTags") == [{"ResourceIds": ["ami-12345678"], "Tags": [
        {"Key": "A", "Value": "1"}, {"Key": "B", "Value": "2"}]}]
    f = Fake({"ReadTags": {"Tags": []}})
    assert f.run("DeleteTags", {"Resources": ["ami-12345678"]}) == {}
    assert f.actions == ["ReadTags"]  # nothing to delete, nothing sent


def test_tags_dry_run():
    for op in ("CreateTags", "DeleteTags"):
        f = Fake()
        with pytest.raises(Ec2Error) as e:
            f.run(op, {"Resources": ["ami-12345678"], "Tags": [{"Key": "a", "Value": "b"}], "DryRun": True})
        assert e.value.code == "DryRunOperation" and f.calls[-1].body["DryRun"] is True
