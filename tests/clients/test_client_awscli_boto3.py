"""AWS CLI v2 without the plugin (Debian's ``/usr/bin/aws --endpoint-url`` to the gateway) and boto3,
each through the same image lifecycle: register (from a snapshot and from a pre-signed manifest), wait,
describe, tag, attributes, copy, deregister, and a deregistered image answered as EC2 answers it."""

from __future__ import annotations

import json
import subprocess

import pytest
from botocore.exceptions import ClientError
from clients_env import OTHER_ACCOUNT
from support.sandbox_env import AWS_V2


def aws(stack, *args, ok=True):
    done = subprocess.run([str(AWS_V2), "--endpoint-url", stack.url, "--region", "eu-west-2", "--output", "json",
                           "ec2", *args], env=stack.env(), capture_output=True, text=True, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}
    assert done.returncode != 0, done.stdout
    return done.stderr


@pytest.mark.awscli_v2
def test_awscli_v2_image_lifecycle(stack):
    if not AWS_V2.exists():
        pytest.fail(f"{AWS_V2} is missing: scripts/install-awscli-v2.sh installs it (make test does)")
    snap = stack.snapshot()
    image_id = aws(stack, "register-image", "--name", "v2-from-snapshot", "--architecture", "x86_64",
                   "--root-device-name", "/dev/sda1", "--virtualization-type", "hvm", "--no-ena-support",
                   "--sriov-net-support", "simple",
                   "--block-device-mappings", f"DeviceName=/dev/sda1,Ebs={{SnapshotId={snap},VolumeSize=10}}")["ImageId"]
    url = stack.manifest_url("v2-manifest")
    manifest_image = aws(stack, "register-image", "--name", "v2-from-manifest", "--image-location", url)["ImageId"]
    aws(stack, "wait", "image-available", "--image-ids", image_id, manifest_image)

    images = {i["ImageId"]: i for i in aws(stack, "describe-images", "--image-ids", image_id, manifest_image)["Images"]}
    assert images[image_id]["State"] == "available" and images[image_id]["SriovNetSupport"] == "simple"
    assert "BootMode" not in images[image_id] and images[manifest_image]["ImageLocation"] == url

    # (Debian's 2.9.19 predates register-image --tag-specifications.)
    aws(stack, "create-tags", "--resources", image_id, "--tags", "Key=stage,Value=one", "Key=app,Value=v2")
    tagged = aws(stack, "describe-images", "--owners", "self", "--filters", "Name=tag:stage,Values=one")["Images"]
    assert [i["ImageId"] for i in tagged] == [image_id]
    aws(stack, "delete-tags", "--resources", image_id, "--tags", "Key=stage")
    assert stack.tags_of(image_id) == {"app": "v2"}

    aws(stack, "modify-image-attribute", "--image-id", image_id, "--attribute", "Description", "--value", "via v2")
    aws(stack, "modify-image-attribute", "--image-id", image_id, "--launch-permission",
        f"Add=[{{UserId={OTHER_ACCOUNT}}}]")
    assert aws(stack, "describe-image-attribute", "--image-id", image_id, "--attribute", "description")[
        "Description"] == {"Value": "via v2"}
    assert aws(stack, "describe-image-attribute", "--image-id", image_id, "--attribute", "launchPermission")[
        "LaunchPermissions"] == [{"UserId": OTHER_ACCOUNT}]
    aws(stack, "reset-image-attribute", "--image-id", image_id, "--attribute", "launchPermission")
    err = aws(stack, "modify-image-attribute", "--image-id", image_id, "--launch-permission",
              "Add=[{UserId=not-an-account}]", ok=False)
    assert "InvalidAMIAttributeItemValue" in err

    copy = aws(stack, "copy-image", "--source-image-id", image_id, "--source-region", "eu-west-2",
               "--name", "v2-copy")["ImageId"]
    for gone in (copy, manifest_image):
        aws(stack, "deregister-image", "--image-id", gone)
    assert aws(stack, "describe-images", "--image-ids", copy)["Images"] == []
    assert "InvalidAMIID.Unavailable" in aws(stack, "deregister-image", "--image-id", copy, ok=False)
    assert "InvalidID" in aws(stack, "create-tags", "--resources", "blah-blah", "--tags", "Key=k,Value=v", ok=False)
    aws(stack, "deregister-image", "--image-id", image_id)
    assert not {"v2-from-snapshot", "v2-from-manifest", "v2-copy"} & set(stack.images())


def code_of(call, *args, **kw):
    with pytest.raises(ClientError) as info:
        call(*args, **kw)
    return info.value.response["Error"]["Code"]


def test_boto3_image_lifecycle(stack):
    ec2 = stack.ec2()
    bdm = [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": stack.snapshot(), "VolumeSize": 10}}]
    image_id = ec2.register_image(Name="boto3-from-snapshot", Architecture="x86_64", RootDeviceName="/dev/sda1",
                                  BlockDeviceMappings=bdm, EnaSupport=False, SriovNetSupport="simple",
                                  VirtualizationType="hvm")["ImageId"]
    url = stack.manifest_url("boto3-manifest")
    manifest_image = ec2.register_image(Name="boto3-from-manifest", ImageLocation=url)["ImageId"]
    ec2.get_waiter("image_available").wait(ImageIds=[image_id, manifest_image],
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    images = {i["ImageId"]: i for i in ec2.describe_images(ImageIds=[image_id, manifest_image])["Images"]}
    assert images[manifest_image]["ImageLocation"] == url and "BootMode" not in images[image_id]

    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "stage", "Value": "one"}])
    assert code_of(ec2.create_tags, Resources=["blah-blah"], Tags=[{"Key": "k", "Value": "v"}]) == "InvalidID"
    assert code_of(ec2.create_tags, Resources=["vpc-12345678"], Tags=[{"Key": "k", "Value": "v"}]) == "InvalidID"
    ec2.modify_image_attribute(ImageId=image_id, Attribute="LaunchPermission",
                               LaunchPermission={"Add": [{"UserId": OTHER_ACCOUNT}]})
    assert ec2.describe_image_attribute(ImageId=image_id, Attribute="LaunchPermission")["LaunchPermissions"] == [
        {"UserId": OTHER_ACCOUNT}]
    assert code_of(ec2.modify_image_attribute, ImageId=image_id,
                   LaunchPermission={"Add": [{"Group": "friends"}]}) == "InvalidAMIAttributeItemValue"

    copy = ec2.copy_image(SourceImageId=image_id, SourceRegion="eu-west-2", Name="boto3-copy")["ImageId"]
    ec2.deregister_image(ImageId=copy)
    assert ec2.describe_images(ImageIds=[copy])["Images"] == []
    assert code_of(ec2.deregister_image, ImageId=copy) == "InvalidAMIID.Unavailable"
    assert code_of(ec2.describe_image_attribute, ImageId=copy, Attribute="description") == "InvalidAMIID.Unavailable"
    assert code_of(ec2.describe_images, ImageIds=["ami-0000beef"]) == "InvalidAMIID.NotFound"
    for gone in (image_id, manifest_image):
        ec2.deregister_image(ImageId=gone)
    assert not {"boto3-from-snapshot", "boto3-from-manifest", "boto3-copy"} & set(stack.images())
