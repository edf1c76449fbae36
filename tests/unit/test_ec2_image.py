"""OAPI Image -> EC2 Image: the shape describe-images prints."""

from osc_shim.operations.ec2_image import to_ec2_image

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


def _read_the_table(image) -> dict:
    """IMAGE_FIELDS read field by field, as the table says (what the compiled ``to_ec2_image`` must do)."""
    from osc_shim.operations.ec2_image import CONSTANT_FIELDS, DEFAULTS, IMAGE_FIELDS
    from osc_shim.operations.placeholders import is_symbolic

    out = {}
    for ec2_name, oapi_name, convert in IMAGE_FIELDS:
        value = image
        for part in oapi_name.split("."):
            value = value.get(part) if value is not None else None
        if is_symbolic(value):
            out[ec2_name] = value
        elif value is None:
            if ec2_name in DEFAULTS:
                out[ec2_name] = DEFAULTS[ec2_name]
        else:
            value = convert(value) if convert is not None else value
            if value is not None:
                out[ec2_name] = value
    out.update(CONSTANT_FIELDS)
    return out


def _cases():
    import random

    from osc_shim.operations.placeholders import Symbolic

    rng = random.Random(11)
    cases = [OAPI_IMAGE, {}, {"PermissionsToLaunch": None}, {"PermissionsToLaunch": {}}, Symbolic("ReadImages.Images[*]"),
             {"ImageId": Symbolic("CreateImage.Image.ImageId"), "PermissionsToLaunch": Symbolic("P"), "Tags": []}]
    for _ in range(200):
        cases.append({key: value for key, value in OAPI_IMAGE.items() if rng.random() < 0.6}
                     | {key: rng.choice(["", None, [], {}, "x", True, False]) for key in rng.sample(list(OAPI_IMAGE), 3)
                        if key not in ("BlockDeviceMappings", "Tags", "PermissionsToLaunch", "StateComment",
                                       "BootModes", "ProductCodes", "CreationDate")})
    return cases


def test_the_compiled_conversion_reads_the_table_in_its_order():
    for image in _cases():
        try:
            expected = _read_the_table(image)
        except Exception as exc:  # a value the conversions refuse: refused the same way
            kind = type(exc)
            try:
                to_ec2_image(image)
            except kind:
                continue
            raise AssertionError(f"{image!r} converted, the table refuses it ({exc!r})") from None
        got = to_ec2_image(image)
        assert got == expected and list(got) == list(expected), image


def test_a_view_reads_each_member_as_the_conversion_gives_it():
    """What filters read (``IMAGE_TABLE.view``, one member at a time) is the converted image's member,
    and None for what the converted image leaves out."""
    from osc_shim.operations.ec2_image import IMAGE_TABLE

    names = {name for name, _, _ in IMAGE_TABLE.fields} | set(IMAGE_TABLE.constants)
    for image in _cases():
        try:
            converted = to_ec2_image(image)
        except Exception:  # a value the conversion refuses: not something a view is asked about
            continue
        view = IMAGE_TABLE.view(image)
        assert {name: view.get(name) for name in names} == {name: converted.get(name) for name in names}, image
        assert view.get("NoSuchMember", "default") == "default"
