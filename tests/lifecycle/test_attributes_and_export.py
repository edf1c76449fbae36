"""Image attributes and exports: pure translation."""

from __future__ import annotations

import botocore.session
import pytest

from osc_shim.errors import Ec2Error
from osc_shim.operations import attributes

from lifecycle_fakes import OTHER, Fake, image, oapi_error

EC2 = botocore.session.get_session().get_service_model("ec2")
IMG = "ami-12345678"


# -- ModifyImageAttribute ------------------------------------------------------------------

def test_share_with_accounts_and_everyone():
    f = Fake()
    f.run("ModifyImageAttribute", {"ImageId": IMG, "LaunchPermission": {
        "Add": [{"UserId": OTHER}, {"Group": "all"}]}})
    assert f.bodies("UpdateImage") == [{"ImageId": IMG, "PermissionsToLaunch": {
        "Additions": {"AccountIds": [OTHER], "GlobalPermission": True}}}]


def test_add_and_remove_become_two_calls():
    f = Fake()
    f.run("ModifyImageAttribute", {"ImageId": IMG, "LaunchPermission": {
        "Add": [{"UserId": OTHER}], "Remove": [{"Group": "all"}]}})
    assert f.bodies("UpdateImage") == [
        {"ImageId": IMG, "PermissionsToLaunch": {"Additions": {"AccountIds": [OTHER]}}},
        {"ImageId": IMG, "PermissionsToLaunch": {"Removals": {"GlobalPermission": True}}}]


@pytest.mark.parametrize("op,key", [("add", "Additions"), ("remove", "Removals")])
def test_flat_launch_permission_form(op, key):
    f = Fake()
    f.run("ModifyImageAttribute", {"ImageId": IMG, "Attribute": "launchPermission", "OperationType": op,
                                   "UserIds": [OTHER], "UserGroups": ["all"]})
    assert f.bodies("UpdateImage") == [{"ImageId": IMG, "PermissionsToLaunch": {
        key: {"AccountIds": [OTHER], "GlobalPermission": True}}}]


def test_description_both_forms():
    f = Fake()
    f.run("ModifyImageAttribute", {"ImageId": IMG, "Description": {"Value": "new"}})
    f.run("ModifyImageAttribute", {"ImageId": IMG, "Attribute": "description", "Value": "newer"})
    assert f.bodies("UpdateImage") == [{"ImageId": IMG, "Description": "new"},
                                       {"ImageId": IMG, "Description": "newer"}]


def test_product_codes_are_added_to_the_current_ones():
    f = Fake({"ReadImages": {"Images": [image(ProductCodes=["0001"])]}})
    f.run("ModifyImageAttribute", {"ImageId": IMG, "ProductCodes": ["0002", "0001"]})
    assert f.bodies("UpdateImage") == [{"ImageId": IMG, "ProductCodes": ["0001", "0002"]}]


@pytest.mark.parametrize("params,code", [
    ({"OperationType": "add"}, "MissingParameter"),
    ({"UserIds": [OTHER]}, "MissingParameter"),
    ({"Attribute": "launchPermission"}, "MissingParameter"),
    ({"Attribute": "description"}, "MissingParameter"),
    ({"Value": "x"}, "InvalidParameterCombination"),
    ({"Attribute": "kernel", "Value": "x"}, "InvalidParameterValue"),
    ({"Attribute": "imdsSupport", "Value": "v2.0"}, "InvalidParameter"),
    ({"ImdsSupport": {"Value": "v2.0"}}, "InvalidParameter"),
    ({"OrganizationArns": ["arn:aws:organizations::1:organization/o-1"]}, "InvalidParameter"),
    ({"LaunchPermission": {"Add": [{"OrganizationArn": "arn"}]}}, "InvalidParameter"),
    ({"LaunchPermission": {"Add": [{"Group": "friends"}]}}, "InvalidAMIAttributeItemValue"),
    ({"LaunchPermission": {"Add": [{"UserId": "not-an-account"}]}}, "InvalidAMIAttributeItemValue"),
    ({"OperationType": "add", "UserIds": ["12345"]}, "InvalidAMIAttributeItemValue"),
    ({"OperationType": "remove", "UserGroups": ["everyone"]}, "InvalidAMIAttributeItemValue"),
    ({}, "MissingParameter"),
])
def test_modify_errors(params, code):
    with pytest.raises(Ec2Error) as e:
        Fake().run("ModifyImageAttribute", dict({"ImageId": IMG}, **params))
    assert e.value.code == code


def test_modify_unknown_image_is_worded_as_ec2():
    f = Fake({"UpdateImage": oapi_error("5023", details="nope")})
    with pytest.raises(Ec2Error) as e:
        f.run("ModifyImageAttribute", {"ImageId": IMG, "Description": {"Value": "x"}})
    assert e.value.message == f"The image id '[{IMG}]' does not exist"


# -- DescribeImageAttribute ----------------------------------------------------------------

@pytest.mark.parametrize("attribute,expected", [
    ("launchPermission", {"LaunchPermissions": [{"UserId": OTHER}, {"Group": "all"}]}),
    ("description", {"Description": {"Value": "hello"}}),
    ("productCodes", {"ProductCodes": [{"ProductCodeId": "0001", "ProductCodeType": "marketplace"}]}),
    ("blockDeviceMapping", {"BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {
        "DeleteOnTermination": True, "SnapshotId": "snap-12345678", "VolumeSize": 10, "VolumeType": "standard"}}]}),
    ("bootMode", {"BootMode": {}}),  # legacy, OUTSCALE's default: no boot mode was set
    ("tpmSupport", {"TpmSupport": {}}),
    ("sriovNetSupport", {"SriovNetSupport": {"Value": "simple"}}),
])
def test_describe_image_attribute(attribute, expected):
    img = image(Description="hello", PermissionsToLaunch={"GlobalPermission": True, "AccountIds": [OTHER]})
    f = Fake({"ReadImages": {"Images": [img]}})
    out = f.run("DescribeImageAttribute", {"ImageId": IMG, "Attribute": attribute})
    assert out == dict({"ImageId": IMG}, **expected)
    assert f.bodies("ReadImages") == [{"Filters": {"ImageIds": [IMG]}}]
    output = EC2.operation_model("DescribeImageAttribute").output_shape
    assert set(out) <= set(output.members)


def test_describe_image_attribute_errors():
    with pytest.raises(Ec2Error) as e:
        Fake({"ReadImages": {"Images": []}}).run("DescribeImageAttribute", {"ImageId": IMG, "Attribute": "description"})
    assert (e.value.code, e.value.message) == ("InvalidAMIID.NotFound", f"The image id '[{IMG}]' does not exist")
    for name in ("kernel", "ramdisk", "uefiData", "imdsSupport", "lastLaunchedTime",
                 "deregistrationProtection"):
        f = Fake()
        with pytest.raises(Ec2Error) as e:
            f.run("DescribeImageAttribute", {"ImageId": IMG, "Attribute": name})
        assert e.value.code == "InvalidParameterValue" and "no OUTSCALE equivalent" in e.value.message
        assert f.calls == []
    with pytest.raises(Ec2Error) as e:
        Fake().run("DescribeImageAttribute", {"ImageId": IMG, "Attribute": "colour"})
    assert e.value.code == "InvalidParameterValue"


def test_every_ec2_attribute_name_has_a_rule():
    names = EC2.shape_for("ImageAttributeName").enum
    assert set(names) == set(attributes.ATTRIBUTES)
    output = EC2.operation_model("DescribeImageAttribute").output_shape
    assert {a.output for a in attributes.ATTRIBUTES.values()} <= set(output.members)


# -- ResetImageAttribute -------------------------------------------------------------------

def test_reset_launch_permission_removes_everyone():
    img = image(PermissionsToLaunch={"GlobalPermission": True, "AccountIds": [OTHER]})
    f = Fake({"ReadImages": {"Images": [img]}})
    assert f.run("ResetImageAttribute", {"ImageId": IMG, "Attribute": "launchPermission"}) == {}
    assert f.bodies("UpdateImage") == [{"ImageId": IMG, "PermissionsToLaunch": {
        "Removals": {"AccountIds": [OTHER], "GlobalPermission": True}}}]
    f = Fake({"ReadImages": {"Images": [image()]}})
    f.run("ResetImageAttribute", {"ImageId": IMG, "Attribute": "launchPermission"})
    assert f.actions == ["ReadImages"]  # private already: nothing to send
    with pytest.raises(Ec2Error) as e:
        Fake().run("ResetImageAttribute", {"ImageId": IMG, "Attribute": "kernel"})
    assert e.value.code == "InvalidParameterValue"


# -- ExportImage / DescribeExportImageTasks / CancelExportTask ---------------------------------

TASK = {"TaskId": "image-export-0000cccc", "ImageId": IMG, "State": "pending/queued", "Progress": 0, "Comment": "",
        "OsuExport": {"DiskImageFormat": "raw", "OsuBucket": "bkt", "OsuPrefix": "exports/"}, "Tags": []}


def test_export_image():
    f = Fake({"CreateImageExportTask": {"ImageExportTask": TASK}})
    out = f.run("ExportImage", {"ImageId": IMG, "DiskImageFormat": "RAW", "ClientToken": "tok",
                                "S3ExportLocation": {"S3Bucket": "bkt", "S3Prefix": "exports/"}})
    assert f.calls[0].body == {"ImageId": IMG, "OsuExport": {"DiskImageFormat": "raw", "OsuBucket": "bkt",
                                                             "OsuPrefix": "exports/"}}
    assert out == {"ExportImageTaskId": "image-export-0000cccc", "ImageId": IMG, "Status": "active",
                   "Progress": "0", "S3ExportLocation": {"S3Bucket": "bkt", "S3Prefix": "exports/"},
                   "StatusMessage": "queued", "DiskImageFormat": "RAW"}
    assert set(out) <= set(EC2.operation_model("ExportImage").output_shape.members)


def test_export_image_qcow2_and_refusals():
    f = Fake({"CreateImageExportTask": {"ImageExportTask": TASK}})
    f.run("ExportImage", {"ImageId": IMG, "DiskImageFormat": "qcow2", "S3ExportLocation": {"S3Bucket": "bkt"},
                          "RoleName": "vmimport", "Description": "nightly"})
    assert f.calls[0].body["OsuExport"] == {"DiskImageFormat": "qcow2", "OsuBucket": "bkt"}
    assert any("--role-name vmimport ignored" in w for w in f.warnings)
    assert any("--description" in w for w in f.warnings)
    for fmt in ("VMDK", "VHD"):
        with pytest.raises(Ec2Error) as e:
            Fake().run("ExportImage", {"ImageId": IMG, "DiskImageFormat": fmt, "S3ExportLocation": {"S3Bucket": "b"}})
        assert e.value.code == "InvalidParameterValue" and "qcow2" in e.value.message


def test_export_image_tags_the_task():
    f = Fake({"CreateImageExportTask": {"ImageExportTask": TASK}})
    out = f.run("ExportImage", {"ImageId": IMG, "DiskImageFormat": "RAW", "S3ExportLocation": {"S3Bucket": "bkt"},
                                "TagSpecifications": [{"ResourceType": "export-image-task",
                                                       "Tags": [{"Key": "Job", "Value": "1"}]}]})
    assert f.bodies("CreateTags") == [{"ResourceIds": ["image-export-0000cccc"], "Tags": [{"Key": "Job", "Value": "1"}]}]
    assert out["Tags"] == [{"Key": "Job", "Value": "1"}]


@pytest.mark.parametrize("state,status,message", [("pending/queued", "active", "queued"),
                                                  ("pending", "active", "exporting"),
                                                  ("completed", "completed", None),
                                                  ("failed", "deleted", "disk unreadable"),
                                                  ("cancelled", "deleted", "cancelled")])
def test_describe_export_image_tasks(state, status, message):
    task = dict(TASK, State=state, Comment="disk unreadable" if state == "failed" else "")
    f = Fake({"ReadImageExportTasks": {"ImageExportTasks": [task]}})
    out = f.run("DescribeExportImageTasks", {"ExportImageTaskIds": ["image-export-0000cccc"]})
    assert f.bodies("ReadImageExportTasks") == [{"Filters": {"TaskIds": ["image-export-0000cccc"]}}]
    (shaped,) = out["ExportImageTasks"]
    assert shaped["Status"] == status and shaped.get("StatusMessage") == message
    assert set(shaped) <= set(EC2.shape_for("ExportImageTask").members)


def test_describe_export_image_tasks_filters_and_pages():
    tasks = [dict(TASK, TaskId="image-export-00000001", State="completed"), dict(TASK, TaskId="image-export-00000002")]
    f = Fake({"ReadImageExportTasks": {"ImageExportTasks": tasks, "NextPageToken": "n"}})
    out = f.run("DescribeExportImageTasks", {"Filters": [{"Name": "task-state", "Values": ["completed"]}],
                                             "MaxResults": 2, "NextToken": "p"})
    assert f.bodies("ReadImageExportTasks") == [{"ResultsPerPage": 2, "NextPageToken": "p"}]
    assert [t["ExportImageTaskId"] for t in out["ExportImageTasks"]] == ["image-export-00000001"]
    assert out["NextToken"] == "n"
    with pytest.raises(Ec2Error):
        Fake().run("DescribeExportImageTasks", {"Filters": [{"Name": "image-id", "Values": [IMG]}]})


def test_cancel_export_task():
    f = Fake()
    assert f.run("CancelExportTask", {"ExportTaskId": "image-export-0000cccc"}) == {}
    assert f.calls[0].body == {"ExportTaskId": "image-export-0000cccc"}
    f = Fake({"DeleteExportTask": oapi_error("5058", details="no such task")})
    with pytest.raises(Ec2Error) as e:
        f.run("CancelExportTask", {"ExportTaskId": "image-export-0000dddd"})
    assert (e.value.code, e.value.message) == ("InvalidExportTaskID.NotFound",
                                               "The export task ID 'image-export-0000dddd' does not exist")
