"""OAPI Image -> EC2 Image: the shape describe-images prints."""

from osc_shim.operations.image_shape import to_ec2_image

OAPI_IMAGE = {
    "AccountId": "123456789012", "AccountAlias": "", "Architecture": "x86_64", "BootModes": ["uefi", "legacy"],
    "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {"DeleteOnVmDeletion": True, "SnapshotId": "snap-1",
                                                                 "VolumeSize": 10, "VolumeType": "standard"}}],
    "CreationDate": "2026-11-27T10:00:00.123Z", "Description": "", "ImageId": "ami-12345678",
    "FileLocation": "https://oos.eu-west-2.outscale.com/b/k?AWSAccessKeyId=AKSECRETID&Expires=1&Signature=SIGVALUE",
    "ImageName": "n", "ImageType": "machine", "PermissionsToLaunch": {"GlobalPermission": True, "AccountIds": []},
    "ProductCodes": ["0001"], "RootDeviceName": "/dev/sda1", "RootDeviceType": "bsu", "State": "available",
    "StateComment": {}, "Tags": [{"Key": "k", "Value": "v"}], "TpmMandatory": False,
}


def test_ec2_shape():
    image = to_ec2_image(OAPI_IMAGE)
    assert image["RootDeviceType"] == "ebs" and image["OwnerId"] == "123456789012" and image["Public"] is True
    assert image["BlockDeviceMappings"] == [{"DeviceName": "/dev/sda1", "Ebs": {
        "DeleteOnTermination": True, "SnapshotId": "snap-1", "VolumeSize": 10, "VolumeType": "standard"}}]
    assert image["BootMode"] == "uefi-preferred" and image["ProductCodes"][0]["ProductCodeId"] == "0001"
    assert (image["VirtualizationType"], image["Hypervisor"]) == ("hvm", "xen")
    assert image["CreationDate"] == "2026-11-27T10:00:00.123Z"
    assert "Description" not in image and "ImageOwnerAlias" not in image and "TpmSupport" not in image


def test_image_location_is_returned_as_outscale_returns_it():
    # An answer is data: Terraform compares it with the image_location it registered.
    assert to_ec2_image(OAPI_IMAGE)["ImageLocation"] == OAPI_IMAGE["FileLocation"]


def test_boot_mode_only_where_one_was_set():
    # OUTSCALE's default (legacy) is what an image registered without BootMode gets: no BootMode shown.
    assert "BootMode" not in to_ec2_image(dict(OAPI_IMAGE, BootModes=["legacy"]))
    assert "BootMode" not in to_ec2_image(dict(OAPI_IMAGE, BootModes=[]))
    assert to_ec2_image(dict(OAPI_IMAGE, BootModes=["uefi"]))["BootMode"] == "uefi"


def test_every_image_reports_sriov_simple_and_no_ena():
    image = to_ec2_image(OAPI_IMAGE)
    assert image["SriovNetSupport"] == "simple" and "EnaSupport" not in image
