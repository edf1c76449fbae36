"""End to end, one scenario per command family: the real ``aws`` v1 binary, the plugin, the
shim and the OAPI emulator (loopback).  Answers are checked against botocore's output shapes."""

from __future__ import annotations

import json
import re

import botocore.session

from lifecycle_env import ACCOUNT, BUCKET, OTHER_ACCOUNT

EC2 = botocore.session.get_session().get_service_model("ec2")
AMI_RE = re.compile(r"ami-[0-9a-f]{8}")


def _fits(value, shape, where="") -> None:
    """``value`` has only members botocore's ``shape`` knows, with its types."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), where
        for name, member in value.items():
            assert name in shape.members, f"{where}.{name} is not in {shape.name}"
            _fits(member, shape.members[name], f"{where}.{name}")
    elif kind == "list":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            _fits(item, shape.member, f"{where}[{i}]")
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif kind in ("float", "double"):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), where
    else:
        assert isinstance(value, str), where


def _output(operation, answer):
    _fits(answer, EC2.operation_model(operation).output_shape, operation)
    return answer


def test_describe_images_family(aws, emu, snapshot_image):
    ids = [snapshot_image(f"family-describe-{i}", Tags=[{"Key": "Role", "Value": "web" if i < 3 else "db"}])[0]
           for i in range(4)]
    out = _output("DescribeImages", aws.json("ec2", "describe-images", "--image-ids", ids[0]))
    (image,) = out["Images"]
    assert image["ImageId"] == ids[0] and image["OwnerId"] == ACCOUNT and image["RootDeviceType"] == "ebs"
    assert image["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 10
    assert (image["VirtualizationType"], image["Hypervisor"]) == ("hvm", "xen")

    err = aws.error("ec2", "describe-images", "--image-ids", ids[0], "ami-0000beef")
    assert "An error occurred (InvalidAMIID.NotFound) when calling the DescribeImages operation: " \
           "The image id '[ami-0000beef]' does not exist" in err
    err = aws.error("ec2", "describe-images", "--image-ids", "my-image")
    assert 'An error occurred (InvalidAMIID.Malformed) when calling the DescribeImages operation: ' \
           'Invalid id: "my-image" (expecting "ami-...")' in err

    # Owners self, a wildcard name, a tag, --query/--output text: what scripts do.
    done = aws("ec2", "describe-images", "--owners", "self",
               "--filters", "Name=name,Values=family-describe-*", "Name=tag:Role,Values=web",
               "--query", "sort_by(Images,&Name)[].ImageId", "--output", "text")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ids[:3]

    # Auto-pagination with a small page size, and --max-items with its NextToken.
    all_mine = aws.json("ec2", "describe-images", "--owners", ACCOUNT, "--page-size", "1",
                        "--filters", "Name=name,Values=family-describe-*")
    assert sorted(i["ImageId"] for i in all_mine["Images"]) == sorted(ids)
    first = aws.json("ec2", "describe-images", "--owners", ACCOUNT, "--max-items", "3", "--page-size", "2",
                     "--filters", "Name=name,Values=family-describe-*")
    assert len(first["Images"]) == 3 and first["NextToken"]
    rest = aws.json("ec2", "describe-images", "--owners", ACCOUNT, "--max-items", "3", "--page-size", "2",
                    "--filters", "Name=name,Values=family-describe-*", "--starting-token", first["NextToken"])
    assert sorted(i["ImageId"] for i in first["Images"] + rest["Images"]) == sorted(ids)

    # OUTSCALE's public OMIs by alias; AWS's aliases refused.
    public = aws.json("ec2", "describe-images", "--owners", "Outscale", "--filters", "Name=is-public,Values=true")
    assert public["Images"] and all(i["ImageOwnerAlias"] == "Outscale" and i["Public"] for i in public["Images"])
    assert "(InvalidParameterValue)" in aws.error("ec2", "describe-images", "--owners", "amazon")


def test_create_image_family(aws, emu, vm_id):
    out = _output("CreateImage", aws.json(
        "ec2", "create-image", "--instance-id", vm_id, "--name", "family create (v1)", "--no-reboot",
        "--description", "from the VM",
        "--tag-specifications", "ResourceType=image,Tags=[{Key=Env,Value=prod}]",
        "ResourceType=snapshot,Tags=[{Key=Kind,Value=root}]"))
    image_id = out["ImageId"]
    assert AMI_RE.fullmatch(image_id)
    # image-exists succeeds at once (no 15 s poll): the image is listed, even pending.
    done = aws("ec2", "wait", "image-exists", "--image-ids", image_id)
    assert done.returncode == 0, done.stderr
    img = emu.cloud.images[image_id]
    assert (img.name, img.description) == ("family create (v1)", "from the VM")
    assert emu.cloud.tags[image_id] == {"Env": "prod"}
    snapshot_id = img.block_device_mappings[0]["Bsu"]["SnapshotId"]
    assert emu.cloud.tags[snapshot_id] == {"Kind": "root"}

    err = aws.error("ec2", "create-image", "--instance-id", "i-0000dead", "--name", "nope")
    assert "(InvalidInstanceID.NotFound)" in err and "i-0000dead" in err
    err = aws.error("ec2", "create-image", "--instance-id", vm_id, "--name", "web@1")
    assert "(InvalidAMIName.Malformed)" in err

    assert aws.json("ec2", "deregister-image", "--image-id", image_id) == {"Return": True}
    assert image_id not in emu.cloud.images
    err = aws.error("ec2", "deregister-image", "--image-id", image_id)
    assert f"(InvalidAMIID.NotFound) when calling the DeregisterImage operation: " \
           f"The image id '[{image_id}]' does not exist" in err


def test_copy_image_family(aws, emu, snapshot_image):
    source, _ = snapshot_image("family-copy-source", Tags=[{"Key": "Team", "Value": "a"}])
    out = _output("CopyImage", aws.json("ec2", "copy-image", "--source-image-id", source, "--source-region",
                                        "eu-west-2", "--name", "family-copy", "--copy-image-tags"))
    copy = emu.cloud.images[out["ImageId"]]
    assert copy.name == "family-copy" and emu.cloud.tags[copy.image_id] == {"Team": "a"}

    err = aws.error("ec2", "copy-image", "--source-image-id", source, "--source-region", "us-east-2",
                    "--name", "family-copy-2")
    # another source region is the export/import pipeline (tests/plugin/test_plugin_copy_across_regions.py),
    # which needs a transfer bucket
    assert "(MissingParameter)" in err and "outscale_transfer_bucket" in err and "OSC_TRANSFER_BUCKET" in err
    err = aws.error("ec2", "copy-image", "--source-image-id", source, "--source-region", "eu-west-2",
                    "--name", "family-copy-3", "--encrypted", "--kms-key-id", "k")
    assert "(InvalidParameter)" in err and ("Encrypted" in err or "KmsKeyId" in err)


def test_tags_family(aws, emu, snapshot_image):
    image_id, snapshot_id = snapshot_image("family-tags")
    assert aws("ec2", "create-tags", "--resources", image_id, snapshot_id,
               "--tags", "Key=Env,Value=prod", "Key=Owner,Value=me", "Key=Flag").returncode == 0
    assert emu.cloud.tags[image_id] == emu.cloud.tags[snapshot_id] == {"Env": "prod", "Owner": "me", "Flag": ""}
    # Key only: whatever the value; Key+Value: that value only (Owner=you keeps Owner=me).
    done = aws("ec2", "delete-tags", "--resources", image_id, snapshot_id,
               "--tags", "Key=Env", "Key=Owner,Value=you")
    assert done.returncode == 0, done.stderr
    assert emu.cloud.tags[image_id] == emu.cloud.tags[snapshot_id] == {"Owner": "me", "Flag": ""}
    assert aws("ec2", "delete-tags", "--resources", snapshot_id).returncode == 0
    assert not emu.cloud.tags.get(snapshot_id)
    tags = aws.json("ec2", "describe-images", "--image-ids", image_id, "--query", "Images[0].Tags")
    assert sorted(t["Key"] for t in tags) == ["Flag", "Owner"]


def test_image_attributes_family(aws, emu, snapshot_image):
    image_id, _ = snapshot_image("family-attributes")
    assert aws("ec2", "modify-image-attribute", "--image-id", image_id, "--attribute", "launchPermission",
               "--operation-type", "add", "--user-ids", OTHER_ACCOUNT).returncode == 0
    assert aws("ec2", "modify-image-attribute", "--image-id", image_id,
               "--launch-permission", "Add=[{Group=all}]").returncode == 0
    assert aws("ec2", "modify-image-attribute", "--image-id", image_id,
               "--description", "Value=shared build").returncode == 0
    assert aws("ec2", "modify-image-attribute", "--image-id", image_id, "--product-codes", "0002").returncode == 0
    perms = _output("DescribeImageAttribute", aws.json("ec2", "describe-image-attribute", "--image-id", image_id,
                                                       "--attribute", "launchPermission"))
    assert perms == {"ImageId": image_id, "LaunchPermissions": [{"UserId": OTHER_ACCOUNT}, {"Group": "all"}]}
    assert aws.json("ec2", "describe-image-attribute", "--image-id", image_id, "--attribute", "description",
                    "--query", "Description.Value", "--output", "json") == "shared build"
    codes = aws.json("ec2", "describe-image-attribute", "--image-id", image_id, "--attribute", "productCodes")
    assert [c["ProductCodeId"] for c in codes["ProductCodes"]] == ["0001", "0002"]
    # The other account sees it as shared with it.
    shared = aws.json("ec2", "describe-images", "--profile", "other", "--executable-users", "self",
                      "--query", "Images[].ImageId")
    assert image_id in shared
    err = aws.error("ec2", "describe-image-attribute", "--image-id", image_id, "--attribute", "kernel")
    assert "(InvalidParameterValue)" in err and "no OUTSCALE equivalent" in err

    assert aws("ec2", "reset-image-attribute", "--image-id", image_id, "--attribute", "launchPermission").returncode == 0
    assert aws.json("ec2", "describe-image-attribute", "--image-id", image_id, "--attribute",
                    "launchPermission")["LaunchPermissions"] == []


def test_export_family(aws, emu, snapshot_image):
    image_id, _ = snapshot_image("family-export")
    done = aws("ec2", "export-image", "--image-id", image_id, "--disk-image-format", "RAW",
               "--s3-export-location", f"S3Bucket={BUCKET},S3Prefix=family/", "--role-name", "vmimport")
    assert done.returncode == 0, done.stderr
    assert "aws: [outscale] --role-name vmimport ignored" in done.stderr  # visible, not silent
    task = _output("ExportImage", json.loads(done.stdout))
    assert task["Status"] == "active" and task["DiskImageFormat"] == "RAW"
    assert task["S3ExportLocation"] == {"S3Bucket": BUCKET, "S3Prefix": "family/"}
    tasks = _output("DescribeExportImageTasks", aws.json("ec2", "describe-export-image-tasks",
                                                         "--export-image-task-ids", task["ExportImageTaskId"]))
    assert [t["ExportImageTaskId"] for t in tasks["ExportImageTasks"]] == [task["ExportImageTaskId"]]
    assert aws("ec2", "cancel-export-task", "--export-task-id", task["ExportImageTaskId"]).returncode == 0
    assert emu.cloud.export_tasks[task["ExportImageTaskId"]].state == "cancelled"
    err = aws.error("ec2", "cancel-export-task", "--export-task-id", "image-export-0000dead")
    assert "(InvalidExportTaskID.NotFound)" in err
    err = aws.error("ec2", "export-image", "--image-id", image_id, "--disk-image-format", "VMDK",
                    "--s3-export-location", f"S3Bucket={BUCKET}")
    assert "(InvalidParameterValue)" in err and "qcow2" in err
