"""EC2's rules as real clients meet them: deregistered images, attribute names in any case,
InvalidID for tags, InvalidAMIAttributeItemValue (Terraform's and Ansible's waiters depend on them)."""

from __future__ import annotations

import pytest
from lifecycle_fakes import OTHER, Fake, image, oapi_error

from osc_shim.deregistered import Deregistered
from osc_shim.errors import Ec2Error

IMG = "ami-12345678"
NOT_FOUND = oapi_error("5023", details=f"The ImageId '{IMG}' doesn't exist.")


@pytest.fixture
def memory():
    return Deregistered().scoped(("http://oapi", "AK"))


def test_a_just_deregistered_image_is_gone_not_unknown(memory):
    Fake({"DeleteImage": {}}, deregistered=memory).run("DeregisterImage", {"ImageId": IMG})
    assert IMG in memory
    after = Fake({"ReadImages": {"Images": []}, "DeleteImage": NOT_FOUND}, deregistered=memory)
    # DescribeImages by ID: an empty list, as EC2 answers (Ansible's state=absent, Terraform's waiter).
    assert after.run("DescribeImages", {"ImageIds": [IMG]}) == {"Images": []}
    # With an ID that never existed: still NotFound, naming only that one.
    with pytest.raises(Ec2Error) as e:
        after.run("DescribeImages", {"ImageIds": [IMG, "ami-0000abcd"]})
    assert (e.value.code, e.value.message) == ("InvalidAMIID.NotFound", "The image id '[ami-0000abcd]' does not exist")
    # Deregistering it again, or touching its attributes: EC2's InvalidAMIID.Unavailable.
    for operation, params in (("DeregisterImage", {"ImageId": IMG}),
                              ("DescribeImageAttribute", {"ImageId": IMG, "Attribute": "description"}),
                              ("ModifyImageAttribute", {"ImageId": IMG, "Description": {"Value": "x"}})):
        with pytest.raises(Ec2Error) as e:
            Fake({"ReadImages": {"Images": []}, "DeleteImage": NOT_FOUND, "UpdateImage": NOT_FOUND},
                 deregistered=memory).run(operation, params)
        assert e.value.code == "InvalidAMIID.Unavailable", operation


def test_without_memory_an_unlisted_id_is_not_found():
    with pytest.raises(Ec2Error) as e:
        Fake({"ReadImages": {"Images": []}}).run("DescribeImages", {"ImageIds": [IMG]})
    assert e.value.code == "InvalidAMIID.NotFound"
    with pytest.raises(Ec2Error) as e:
        Fake({"DeleteImage": NOT_FOUND}).run("DeregisterImage", {"ImageId": IMG})
    assert e.value.code == "InvalidAMIID.NotFound"


def test_memory_is_scoped_bounded_and_forgets():
    now = [0.0]
    memory = Deregistered(window=10, limit=2, clock=lambda: now[0])
    memory.add("a", IMG)
    assert memory.has("a", IMG) and not memory.has("b", IMG)  # another account / endpoint
    memory.add("a", "ami-00000001")
    memory.add("a", "ami-00000002")
    assert not memory.has("a", IMG)  # over the limit: the oldest is forgotten
    now[0] = 11
    assert not memory.has("a", "ami-00000002")  # past the window


@pytest.mark.parametrize("attribute", ["Description", "DESCRIPTION", "description"])
def test_modify_attribute_names_in_any_case(attribute):
    f = Fake({"UpdateImage": {}})
    f.run("ModifyImageAttribute", {"ImageId": IMG, "Attribute": attribute, "Description": {"Value": "new"}})
    assert f.bodies("UpdateImage") == [{"ImageId": IMG, "Description": "new"}]


def test_launch_permission_as_ansible_sends_it():
    f = Fake({"UpdateImage": {}})
    f.run("ModifyImageAttribute", {"ImageId": IMG, "Attribute": "LaunchPermission",
                                   "LaunchPermission": {"Add": [{"UserId": OTHER}], "Remove": []}})
    assert f.bodies("UpdateImage") == [{"ImageId": IMG, "PermissionsToLaunch": {"Additions": {"AccountIds": [OTHER]}}}]


@pytest.mark.parametrize("attribute", ["LaunchPermission", "launchpermission", "Description"])
def test_describe_and_reset_attribute_names_in_any_case(attribute):
    img = image(Description="d", PermissionsToLaunch={"GlobalPermission": False, "AccountIds": [OTHER]})
    out = Fake({"ReadImages": {"Images": [img]}}).run("DescribeImageAttribute", {"ImageId": IMG, "Attribute": attribute})
    assert set(out) == {"ImageId", "LaunchPermissions" if "aunch" in attribute else "Description"}
    if "aunch" in attribute:
        f = Fake({"ReadImages": {"Images": [img]}, "UpdateImage": {}})
        f.run("ResetImageAttribute", {"ImageId": IMG, "Attribute": attribute})
        assert f.bodies("UpdateImage") == [{"ImageId": IMG, "PermissionsToLaunch": {"Removals": {"AccountIds": [OTHER]}}}]


@pytest.mark.parametrize("resources,named", [
    (["blah-blah"], "blah-blah"),
    (["vpc-12345678"], "vpc-12345678"),
    (["ami-zz"], "ami-zz"),
    ([IMG, "blah-blah"], "blah-blah"),
])
def test_create_tags_on_an_id_of_no_taggable_type_is_invalid_id(resources, named):
    # OUTSCALE's text lists the prefixes it knows (ami-, snap-, ...): nothing is read out of it.
    refused = oapi_error("4104", "InvalidParameterValue", "The resource ID has no prefix this API can tag (ami-, snap-).")
    with pytest.raises(Ec2Error) as e:
        Fake({"CreateTags": refused}).run("CreateTags", {"Resources": resources, "Tags": [{"Key": "k", "Value": "v"}]})
    assert (e.value.code, e.value.message) == ("InvalidID", f"The ID '{named}' is not valid")
    with pytest.raises(Ec2Error) as e:
        Fake({"DeleteTags": refused}).run("DeleteTags", {"Resources": resources, "Tags": [{"Key": "k", "Value": "v"}]})
    assert e.value.code == "InvalidID"


def test_create_tags_on_an_unknown_image_is_not_found():
    with pytest.raises(Ec2Error) as e:
        Fake({"CreateTags": NOT_FOUND}).run("CreateTags", {"Resources": [IMG], "Tags": [{"Key": "k"}]})
    assert (e.value.code, e.value.message) == ("InvalidAMIID.NotFound", f"The image id '[{IMG}]' does not exist")


@pytest.mark.parametrize("code", ["9015", "9008"])
def test_duplicate_name_whichever_number(code):
    taken = oapi_error(code, "ResourceConflict", "An image named 'abc' already exists.", status=409)
    bdm = [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-12345678"}}]
    with pytest.raises(Ec2Error) as e:
        Fake({"CreateImage": taken}).run("RegisterImage", {"Name": "abc", "RootDeviceName": "/dev/sda1",
                                                           "BlockDeviceMappings": bdm})
    assert (e.value.code, e.value.status) == ("InvalidAMIName.Duplicate", 400)
