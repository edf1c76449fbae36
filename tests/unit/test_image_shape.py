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


def test_presigned_image_location_is_redacted():
    location = to_ec2_image(OAPI_IMAGE)["ImageLocation"]
    assert location.startswith("https://oos.eu-west-2.outscale.com/b/k?")
    assert "SIGVALUE" not in location and "AKSECRETID" not in location and "Expires=1" in location
