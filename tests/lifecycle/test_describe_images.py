"""DescribeImages -> ReadImages, driven with scripted OAPI answers."""

from __future__ import annotations

import botocore.session
import pytest

from osc_shim.errors import Ec2Error
from osc_shim.operations import describe_images, filters
from osc_shim.operations.ec2_image import to_ec2_image

from lifecycle_fakes import ACCOUNT, OTHER, Fake, image, oapi_error

EC2 = botocore.session.get_session().get_service_model("ec2")


def _accounts():
    return {"Accounts": [{"AccountId": ACCOUNT}]}


def test_image_shape_is_ec2s():
    img = image(Description="desc", AccountAlias="team", Tags=[{"Key": "Env", "Value": "prod"}],
                PermissionsToLaunch={"GlobalPermission": True, "AccountIds": [OTHER]},
                BootModes=["uefi", "legacy"], TpmMandatory=True, State="failed",
                StateComment={"StateCode": "Server.InternalError", "StateMessage": "boom"},
                CreationDate="2026-11-27T10:00:00.123+00:00")
    out = to_ec2_image(img)
    assert out == {
        "ImageId": "ami-12345678", "ImageLocation": f"{ACCOUNT}/img", "State": "failed",
        "StateReason": {"Code": "Server.InternalError", "Message": "boom"},
        "OwnerId": ACCOUNT, "ImageOwnerAlias": "team", "CreationDate": "2026-11-27T10:00:00.123Z",
        "Public": True, "Architecture": "x86_64", "ImageType": "machine", "Name": "img", "Description": "desc",
        "RootDeviceType": "ebs", "RootDeviceName": "/dev/sda1",
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {
            "DeleteOnTermination": True, "SnapshotId": "snap-12345678", "VolumeSize": 10, "VolumeType": "standard"}}],
        "Tags": [{"Key": "Env", "Value": "prod"}],
        "ProductCodes": [{"ProductCodeId": "0001", "ProductCodeType": "marketplace"}],
        "BootMode": "uefi-preferred", "TpmSupport": "v2.0", "VirtualizationType": "hvm", "Hypervisor": "xen",
        "SriovNetSupport": "simple",
    }
    # Every member exists in botocore's Image shape, with its type.
    shape = EC2.shape_for("Image")
    types = {"string": str, "boolean": bool, "list": list, "structure": dict}
    for name, value in out.items():
        assert name in shape.members, name
        assert isinstance(value, types[shape.members[name].type_name]), name
        enum = getattr(shape.members[name], "enum", None)
        if enum:
            assert value in enum, (name, value)


def test_minimal_image_keeps_always_present_members_and_drops_empty_ones():
    out = to_ec2_image({"ImageId": "ami-12345678", "State": "pending"})
    assert out == {"ImageId": "ami-12345678", "State": "pending", "Public": False, "ImageType": "machine",
                   "VirtualizationType": "hvm", "Hypervisor": "xen", "SriovNetSupport": "simple"}


def test_no_parameters_reads_everything_visible():
    f = Fake({"ReadImages": {"Images": [image()]}})
    out = f.run("DescribeImages", {})
    assert f.bodies("ReadImages") == [{}]
    assert [i["ImageId"] for i in out["Images"]] == ["ami-12345678"]
    assert "NextToken" not in out


def test_unknown_ids_are_not_found_as_ec2_words_it():
    f = Fake({"ReadImages": {"Images": [image()]}})
    with pytest.raises(Ec2Error) as e:
        f.run("DescribeImages", {"ImageIds": ["ami-12345678", "ami-0000beef"]})
    assert e.value.code == "InvalidAMIID.NotFound"
    assert e.value.message == "The image id '[ami-0000beef]' does not exist"
    assert f.bodies("ReadImages") == [{"Filters": {"ImageIds": ["ami-0000beef", "ami-12345678"]}}]
    with pytest.raises(Ec2Error) as e:
        Fake({"ReadImages": {"Images": []}}).run("DescribeImages", {"ImageIds": ["ami-0000beef", "ami-0000cafe"]})
    assert e.value.message == "The image ids '[ami-0000beef, ami-0000cafe]' do not exist"


@pytest.mark.parametrize("bad", ["foo", "ami-XYZ", "snap-12345678", "ami-1234567"])
def test_malformed_ids(bad):
    with pytest.raises(Ec2Error) as e:
        Fake().run("DescribeImages", {"ImageIds": [bad]})
    assert e.value.code == "InvalidAMIID.Malformed"
    assert e.value.message == f'Invalid id: "{bad}" (expecting "ami-...")'


def test_ids_read_every_page_and_other_filters_apply_to_the_answer():
    pages = [{"Images": [image("ami-00000001")], "NextPageToken": "t1"},
             {"Images": [image("ami-00000002", State="pending")]}]
    f = Fake({"ReadImages": pages})
    out = f.run("DescribeImages", {"ImageIds": ["ami-00000001", "ami-00000002"],
                                   "Filters": [{"Name": "state", "Values": ["pending"]}], "MaxResults": 5})
    assert [b.get("NextPageToken") for b in f.bodies("ReadImages")] == [None, "t1"]
    # The state filter is not sent with IDs (an existing image must not become NotFound) ...
    assert all(set(b["Filters"]) == {"ImageIds"} for b in f.bodies("ReadImages"))
    # ... it decides on the answer.
    assert [i["ImageId"] for i in out["Images"]] == ["ami-00000002"]


def test_owners_self_reads_the_account_once():
    f = Fake({"ReadAccounts": _accounts(), "ReadImages": {"Images": [image(), image("ami-22222222", AccountId=OTHER)]}})
    out = f.run("DescribeImages", {"Owners": ["self"]})
    assert f.actions == ["ReadAccounts", "ReadImages"]
    assert f.bodies("ReadImages") == [{"Filters": {"AccountIds": [ACCOUNT]}}]
    assert [i["OwnerId"] for i in out["Images"]] == [ACCOUNT]  # the answer is checked too


def test_owners_alias_and_ids():
    f = Fake({"ReadImages": {"Images": [image(AccountAlias="Outscale", AccountId="000000000001"),
                                        image("ami-22222222", AccountId=OTHER), image("ami-33333333")]}})
    out = f.run("DescribeImages", {"Owners": ["Outscale", OTHER]})
    assert f.bodies("ReadImages") == [{}]  # ids + aliases are ORed: only the answer can say
    assert [i["ImageId"] for i in out["Images"]] == ["ami-12345678", "ami-22222222"]
    f = Fake({"ReadImages": {"Images": []}})
    f.run("DescribeImages", {"Owners": ["Outscale"]})
    assert f.bodies("ReadImages") == [{"Filters": {"AccountAliases": ["Outscale"]}}]


@pytest.mark.parametrize("owner", ["amazon", "aws-marketplace", "aws-backup-vault"])
def test_aws_owner_aliases_are_refused(owner):
    with pytest.raises(Ec2Error) as e:
        Fake().run("DescribeImages", {"Owners": [owner]})
    assert e.value.code == "InvalidParameterValue" and "Outscale" in e.value.message


def test_self_when_read_accounts_fails_says_what_to_do():
    f = Fake({"ReadAccounts": oapi_error("4", "AccessDenied", "not allowed", 403)})
    with pytest.raises(Ec2Error) as e:
        f.run("DescribeImages", {"Owners": ["self"]})
    assert e.value.code == "UnauthorizedOperation"
    assert "account ID instead of self" in e.value.message


def test_executable_users():
    shared = image("ami-22222222", PermissionsToLaunch={"GlobalPermission": False, "AccountIds": [ACCOUNT]})
    public = image("ami-33333333", PermissionsToLaunch={"GlobalPermission": True, "AccountIds": []})
    f = Fake({"ReadAccounts": _accounts(), "ReadImages": {"Images": [image(), shared, public]}})
    out = f.run("DescribeImages", {"ExecutableUsers": ["self"]})
    assert f.bodies("ReadImages") == [{"Filters": {"PermissionsToLaunchAccountIds": [ACCOUNT]}}]
    assert [i["ImageId"] for i in out["Images"]] == ["ami-22222222"]
    f = Fake({"ReadImages": {"Images": [image(), shared, public]}})
    out = f.run("DescribeImages", {"ExecutableUsers": ["all"]})
    assert f.bodies("ReadImages") == [{"Filters": {"PermissionsToLaunchGlobalPermission": True}}]
    assert [i["ImageId"] for i in out["Images"]] == ["ami-33333333"]
    f = Fake({"ReadImages": {"Images": [image(), shared, public]}})
    out = f.run("DescribeImages", {"ExecutableUsers": ["all", ACCOUNT]})
    assert f.bodies("ReadImages") == [{}]
    assert [i["ImageId"] for i in out["Images"]] == ["ami-22222222", "ami-33333333"]


def test_filters_map_onto_oapi_and_decide_on_the_answer():
    imgs = [image("ami-00000001", "web-1", Tags=[{"Key": "Env", "Value": "prod"}]),
            image("ami-00000002", "web-2", Tags=[{"Key": "Env", "Value": "dev"}]),
            image("ami-00000003", "db-1", Tags=[{"Key": "Env", "Value": "prod"}])]
    f = Fake({"ReadImages": {"Images": imgs}})
    out = f.run("DescribeImages", {"Filters": [
        {"Name": "name", "Values": ["web-*"]}, {"Name": "tag:Env", "Values": ["prod"]},
        {"Name": "state", "Values": ["available"]}, {"Name": "architecture", "Values": ["x86_64"]},
        {"Name": "root-device-type", "Values": ["ebs"]}, {"Name": "is-public", "Values": ["false"]},
        {"Name": "block-device-mapping.snapshot-id", "Values": ["snap-12345678"]},
        {"Name": "creation-date", "Values": ["2026-11-27T*"]}]})
    assert f.bodies("ReadImages") == [{"Filters": {
        "ImageNames": ["web-*"], "Tags": ["Env=prod"], "States": ["available"], "Architectures": ["x86_64"],
        "RootDeviceTypes": ["bsu"], "PermissionsToLaunchGlobalPermission": False,
        "BlockDeviceMappingSnapshotIds": ["snap-12345678"]}}]
    assert [i["ImageId"] for i in out["Images"]] == ["ami-00000001"]


def test_values_oapi_could_misread_stay_on_the_answer():
    imgs = [image("ami-00000001", Tags=[{"Key": "Env", "Value": "prod"}]),
            image("ami-00000002", Tags=[{"Key": "Env", "Value": "dev"}]),
            image("ami-00000003", Description="nightly build")]
    f = Fake({"ReadImages": {"Images": imgs}})
    out = f.run("DescribeImages", {"Filters": [{"Name": "tag:Env", "Values": ["prod", "dev"]},
                                               {"Name": "block-device-mapping.volume-size", "Values": ["10", "20"]}]})
    # Several tag values: only the key narrows; several sizes of a many-valued attribute: not sent.
    assert f.bodies("ReadImages") == [{"Filters": {"TagKeys": ["Env"]}}]
    assert [i["ImageId"] for i in out["Images"]] == ["ami-00000001", "ami-00000002"]
    f = Fake({"ReadImages": {"Images": imgs}})
    out = f.run("DescribeImages", {"Filters": [{"Name": "description", "Values": ["*build"]}]})
    assert f.bodies("ReadImages") == [{}]
    assert [i["ImageId"] for i in out["Images"]] == ["ami-00000003"]


def test_wildcards_follow_ec2():
    assert filters.matches(["web-1"], ["web-?"])
    assert not filters.matches(["web-10"], ["web-?"])
    assert filters.matches(["a*b"], ["a\\*b"]) and not filters.matches(["axb"], ["a\\*b"])
    assert not filters.matches(["Web-1"], ["web-*"])  # case-sensitive
    assert filters.matches([True], ["true"]) and filters.matches([10], ["10"])


def test_unknown_filter_is_invalid_and_known_ones_without_meaning_match_nothing():
    with pytest.raises(Ec2Error) as e:
        Fake().run("DescribeImages", {"Filters": [{"Name": "colour", "Values": ["red"]}]})
    assert (e.value.code, e.value.message) == ("InvalidParameterValue", "The filter 'colour' is invalid")
    f = Fake({"ReadImages": {"Images": [image()]}})
    assert f.run("DescribeImages", {"Filters": [{"Name": "kernel-id", "Values": ["*"]}]}) == {"Images": []}
    f = Fake({"ReadImages": {"Images": [image()]}})
    out = f.run("DescribeImages", {"Filters": [{"Name": "block-device-mapping.encrypted", "Values": ["false"]},
                                               {"Name": "virtualization-type", "Values": ["hvm"]},
                                               {"Name": "hypervisor", "Values": ["xen"]}]})
    assert len(out["Images"]) == 1


def test_pagination_maps_both_ways():
    f = Fake({"ReadImages": {"Images": [image()], "NextPageToken": "dG9rZW4="}})
    out = f.run("DescribeImages", {"MaxResults": 5, "NextToken": "cHJldg=="})
    assert f.bodies("ReadImages") == [{"ResultsPerPage": 5, "NextPageToken": "cHJldg=="}]
    assert out["NextToken"] == "dG9rZW4="
    with pytest.raises(Ec2Error) as e:
        Fake().run("DescribeImages", {"MaxResults": 1001})
    assert e.value.code == "InvalidParameterValue"


def test_dry_run():
    f = Fake({"ReadImages": {}})
    with pytest.raises(Ec2Error) as e:
        f.run("DescribeImages", {"DryRun": True, "Owners": [ACCOUNT]})
    assert e.value.code == "DryRunOperation" and e.value.status == 412
    assert f.bodies("ReadImages") == [{"Filters": {"AccountIds": [ACCOUNT]}, "DryRun": True}]


def test_include_deprecated_and_disabled_are_accepted():
    f = Fake({"ReadImages": {"Images": [image()]}})
    assert len(f.run("DescribeImages", {"IncludeDeprecated": True, "IncludeDisabled": True})["Images"]) == 1


def test_oapi_errors_become_ec2_errors():
    f = Fake({"ReadImages": oapi_error("1", "AccessDenied", "bad signature", 401)})
    with pytest.raises(Ec2Error) as e:
        f.run("DescribeImages", {})
    assert e.value.code == "AuthFailure"


def test_filter_table_covers_the_filters_users_use():
    for name in ("image-id", "name", "state", "owner-id", "owner-alias", "architecture", "is-public",
                 "root-device-type", "tag-key", "block-device-mapping.snapshot-id",
                 "block-device-mapping.device-name", "block-device-mapping.volume-type",
                 "block-device-mapping.volume-size", "block-device-mapping.delete-on-termination",
                 "description", "manifest-location", "product-code", "creation-date", "boot-mode"):
        assert name in describe_images.FILTERS
    assert describe_images.filter_for("tag:Name")
    for rule in describe_images.FILTERS.values():
        assert rule.server is None or rule.server.name in _oapi_image_filters()


def _oapi_image_filters():
    from osc_emulator import schema

    return set(schema.spec().schemas["FiltersImage"]["properties"])


@pytest.mark.parametrize("params", [
    {}, {"Owners": ["self"]}, {"Owners": [OTHER]}, {"ExecutableUsers": ["all"]},
    {"Filters": [{"Name": "tag:Env", "Values": ["prod"]}, {"Name": "name", "Values": ["img*"]}]},
    {"Filters": [{"Name": "block-device-mapping.volume-size", "Values": ["10"]}]},
    {"ImageIds": ["ami-00000001", "ami-00000002"], "Filters": [{"Name": "state", "Values": ["available"]}]},
])
def test_a_front_end_writing_the_answer_itself_gets_the_same_images_unconverted(params):
    """``Context.deferred`` (the gateway): the images that pass are handed over as OAPI's, with the table
    that converts them; converted, they are what every other front end gets."""
    from osc_shim.operations.conversion import Unconverted

    images = [image(ImageId="ami-00000001", Tags=[{"Key": "Env", "Value": "prod"}]),
              image(ImageId="ami-00000002", ImageName="other", AccountId=OTHER,
                    PermissionsToLaunch={"GlobalPermission": True, "AccountIds": []}),
              image(ImageId="ami-00000003", State="pending",
                    BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Bsu": {"VolumeSize": 20}}])]

    def fake():
        return Fake({"ReadImages": {"Images": images}, "ReadAccounts": _accounts()})

    usual = fake().run("DescribeImages", params)
    deferred = fake().run("DescribeImages", params, deferred=True)
    assert isinstance(deferred["Images"], Unconverted) and isinstance(usual["Images"], list)
    assert deferred["Images"].converted() == usual["Images"]
    assert {k: v for k, v in deferred.items() if k != "Images"} == {k: v for k, v in usual.items() if k != "Images"}
