"""The gateway writes DescribeImages straight from OAPI's images, as converting them would have written.

``query_serialize`` compiles a writer from a conversion table (``operations.conversion``): it reads
each OAPI image by the table's member code and writes the XML without building the EC2 dicts.  Its
answer must be byte for byte the answer of the usual path (``table.convert`` on each image, then the
model's writer), or both must fail: checked on OAPI images generated with what makes a writer go
wrong (text to escape and characters XML cannot carry in every string, members missing, None, empty
lists, values of other types, nested block devices, tags and product codes).
"""

from __future__ import annotations

import random

import pytest

from osc_shim.gateway import query_serialize as qs
from osc_shim.operations.conversion import Unconverted
from osc_shim.operations.ec2_image import IMAGE_TABLE
from osc_shim.operations.snapshots import SNAPSHOT_TABLE

CLEAN = ["", "plain", "é ü 漢字", "ami-12345678", "2026-12-06T21:37:13.497Z", "2026-12-06T21:37:13+02:00", "bsu",
         "legacy", "  spaced  ", "'quotes\""]
NASTY = ["a & b", "<tag>", "x > y", "line\r\nbreak", "nul\x00ctl\x1f", "\ud800half", "\ufffe", "&amp;"]
ODD = [None, "", [], {}, True, False, 0, 7, "true", "False"]


def _text(rng):
    return rng.choice(NASTY if rng.random() < rng.nasty else CLEAN)


def _maybe(rng, value, odd=0.04):
    return rng.choice(ODD) if rng.random() < odd else value


def oapi_image(rng: random.Random) -> dict:
    rng.nasty = rng.choice([0, 0.02, 0.3])  # share of strings with text to escape, per image
    image = {
        "ImageId": _text(rng), "FileLocation": _text(rng), "State": _text(rng),
        "StateComment": {k: _text(rng) for k in ("StateCode", "StateMessage") if rng.random() < 0.5},
        "AccountId": _text(rng), "AccountAlias": _text(rng), "CreationDate": _text(rng),
        "PermissionsToLaunch": {"GlobalPermission": rng.choice([True, False, "true", None]),
                                "AccountIds": [_text(rng) for _ in range(rng.randint(0, 2))]},
        "Architecture": _text(rng), "ImageType": _text(rng), "ImageName": _text(rng), "Description": _text(rng),
        "RootDeviceType": _text(rng), "RootDeviceName": _text(rng),
        "BlockDeviceMappings": [
            {k: v for k, v in {"DeviceName": _text(rng), "VirtualDeviceName": _maybe(rng, _text(rng), 0.5),
                               "Bsu": {k2: _maybe(rng, v2) for k2, v2 in {
                                   "SnapshotId": _text(rng), "VolumeSize": rng.randint(1, 14901),
                                   "VolumeType": _text(rng), "Iops": rng.choice([100, "150"]),
                                   "DeleteOnVmDeletion": rng.choice([True, False, "true"])}.items()
                                   if rng.random() < 0.8}}.items() if rng.random() < 0.8}
            for _ in range(rng.randint(0, 3))],
        "Tags": [{"Key": _text(rng), **({"Value": _text(rng)} if rng.random() < 0.8 else {})}
                 for _ in range(rng.randint(0, 3))],
        "ProductCodes": [_text(rng) for _ in range(rng.randint(0, 2))],
        "BootModes": rng.choice([["legacy"], ["uefi"], ["legacy", "uefi"], ["uefi", "legacy"], [], ["odd"]]),
        "TpmMandatory": rng.choice([True, False]), "SecureBoot": False,
    }
    image = {k: _maybe(rng, v) for k, v in image.items() if rng.random() < 0.9}
    keys = list(image)
    rng.shuffle(keys)  # OAPI's order of members is not the writer's business
    return {k: image[k] for k in keys}


def oapi_snapshot(rng: random.Random) -> dict:
    rng.nasty = rng.choice([0, 0.3])
    snapshot = {"SnapshotId": _text(rng), "VolumeId": _text(rng), "State": rng.choice(["completed", "pending", "odd"]),
                "CreationDate": _text(rng), "Progress": rng.choice([100, 50, "x"]), "AccountId": _text(rng),
                "AccountAlias": _text(rng), "Description": _text(rng), "VolumeSize": rng.choice([10, "20"]),
                "Tags": [{"Key": _text(rng), "Value": _text(rng)} for _ in range(rng.randint(0, 2))]}
    return {k: _maybe(rng, v) for k, v in snapshot.items() if rng.random() < 0.9}


def _usual(operation, member, table, items):
    try:
        return qs.serialize_result(operation, {member: [table.convert(item) for item in items]}, "r-1")
    except Exception:  # noqa: BLE001 - an answer neither path can write: both fail (InternalError)
        return "fails"


def _from_table(operation, member, table, items):
    try:
        return qs.serialize_result(operation, {member: Unconverted(items, table)}, "r-1")
    except Exception:  # noqa: BLE001
        return "fails"


@pytest.mark.parametrize("seed", range(40))
def test_describe_images_written_from_oapi_is_the_usual_answer(seed):
    rng = random.Random(seed)
    for _ in range(25):
        images = [oapi_image(rng) for _ in range(rng.randint(0, 4))]
        assert _from_table("DescribeImages", "Images", IMAGE_TABLE, images) == \
            _usual("DescribeImages", "Images", IMAGE_TABLE, images), images


@pytest.mark.parametrize("seed", range(10))
def test_describe_snapshots_written_from_oapi_is_the_usual_answer(seed):
    rng = random.Random(1000 + seed)
    for _ in range(25):
        snapshots = [oapi_snapshot(rng) for _ in range(rng.randint(0, 4))]
        assert _from_table("DescribeSnapshots", "Snapshots", SNAPSHOT_TABLE, snapshots) == \
            _usual("DescribeSnapshots", "Snapshots", SNAPSHOT_TABLE, snapshots), snapshots


def test_the_cases_reach_both_ways_of_writing():
    """The generated images take the fast path and the escaping way back, and some fail on both paths
    (else the comparison above would prove less than it says)."""
    rng = random.Random(7)
    shape = qs.operation_model("DescribeImages").output_shape.members["Images"].member
    write = qs._compile_from_table(shape, IMAGE_TABLE)
    outcomes = set()
    for _ in range(400):
        try:
            outcomes.add(write([], oapi_image(rng)))
        except Exception:  # noqa: BLE001
            outcomes.add("fails")
    assert outcomes == {True, False, "fails"}


def test_a_clean_image_is_written_without_converting_it():
    """The fast path is taken: with the table's converter made to fail, a clean image is still written,
    and one with text to escape goes the usual way (and meets the failing converter)."""
    from osc_shim.operations.conversion import Table

    table = Table("Image", IMAGE_TABLE.fields, IMAGE_TABLE.constants, IMAGE_TABLE.defaults)

    def convert(item):
        raise LookupError("converted")

    object.__setattr__(table, "convert", convert)
    image = {"ImageId": "ami-12345678", "ImageName": "web", "State": "available", "AccountId": "123456789012",
             "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": "snap-12345678",
                                                                        "VolumeSize": 10}}],
             "Tags": [{"Key": "env", "Value": "prod"}], "ProductCodes": ["0001"]}
    written = qs.serialize_result("DescribeImages", {"Images": Unconverted([image], table)}, "r-1")
    assert written == _usual("DescribeImages", "Images", IMAGE_TABLE, [image])
    assert b"<snapshotId>snap-12345678</snapshotId>" in written and b"<type>marketplace</type>" in written
    with pytest.raises(LookupError):
        qs.serialize_result("DescribeImages", {"Images": Unconverted([dict(image, ImageName="a & b")], table)}, "r-1")
