"""CreateImage: its four uses, and the errors each refusal earns."""

import pytest
from emulator_helpers import snapshot, vm_of

from osc_emulator import make_manifest, presigned_url

ROOT = "/dev/sda1"


def bdm(snap_id, device=ROOT, **bsu):
    return {"DeviceName": device, "Bsu": dict({"SnapshotId": snap_id}, **bsu)}


def from_snapshot(snap_id, name="from-snap", **extra):
    return dict({"ImageName": name, "RootDeviceName": ROOT, "BlockDeviceMappings": [bdm(snap_id)]}, **extra)


# -- the four uses -------------------------------------------------------------
def test_from_vm(emu, api):
    image = api.ok("CreateImage", {"VmId": vm_of(emu), "ImageName": "from-vm", "NoReboot": True})["Image"]
    assert image["State"] == "pending" and image["ImageId"].startswith("ami-") and len(image["ImageId"]) == 12
    assert image["AccountId"] == "123456789012" and image["RootDeviceType"] == "bsu"
    assert image["FileLocation"] == "123456789012/from-vm"
    assert image["PermissionsToLaunch"] == {"GlobalPermission": False, "AccountIds": []}
    assert image["ProductCodes"] == ["0001"] and image["ImageType"] == "machine" and image["StateComment"] == {}
    [mapping] = image["BlockDeviceMappings"]
    assert mapping["DeviceName"] == ROOT
    assert mapping["Bsu"]["SnapshotId"] in emu.cloud.snapshots
    assert mapping["Bsu"] == {"DeleteOnVmDeletion": True, "SnapshotId": mapping["Bsu"]["SnapshotId"],
                              "VolumeSize": 10, "VolumeType": "standard"}
    assert image["CreationDate"] == "2026-11-27T10:00:00.000Z"


def test_from_vm_unknown_or_malformed(api, emu):
    assert api.error("CreateImage", {"VmId": "i-00000000", "ImageName": "x-vm"}) == (400, "5063")
    assert api.error("CreateImage", {"VmId": "vm-1234", "ImageName": "x-vm"}) == (400, "4104")
    # another account's VM does not exist for the caller
    assert api.error("CreateImage", {"VmId": vm_of(emu, "210987654321"), "ImageName": "x-vm"}) == (400, "5063")


def test_copy(emu, api):
    copy = api.ok("CreateImage", {"SourceImageId": "ami-0b0c0a01", "SourceRegionName": "eu-west-2",
                                  "ImageName": "my-ubuntu", "Description": "copied"})["Image"]
    assert copy["AccountId"] == "123456789012" and copy["Description"] == "copied"
    new_snap = copy["BlockDeviceMappings"][0]["Bsu"]["SnapshotId"]
    assert new_snap != "snap-0b0c0a01" and emu.cloud.snapshots[new_snap].account_id == "123456789012"


def test_copy_of_an_image_shared_with_the_caller(emu, api, other):
    theirs = other.ok("CreateImage", {"VmId": vm_of(emu, "210987654321"), "ImageName": "theirs"})["Image"]["ImageId"]
    other.ok("ReadImages", {"Filters": {"ImageIds": [theirs]}})  # now available
    copy = {"SourceImageId": theirs, "SourceRegionName": "eu-west-2", "ImageName": "mine-now"}
    assert api.error("CreateImage", copy) == (400, "5023")
    other.ok("UpdateImage", {"ImageId": theirs, "PermissionsToLaunch": {"Additions": {"AccountIds": ["123456789012"]}}})
    image = api.ok("CreateImage", copy)["Image"]
    assert image["AccountId"] == "123456789012" and image["PermissionsToLaunch"]["AccountIds"] == []


def test_copy_refusals(emu, api):
    assert api.error("CreateImage", {"SourceImageId": "ami-0b0c0a01", "SourceRegionName": "us-east-2",
                                     "ImageName": "far"}) == (400, "4047")
    assert api.error("CreateImage", {"SourceImageId": "ami-0b0c0a01", "ImageName": "far"}) == (400, "7000")
    assert api.error("CreateImage", {"SourceImageId": "ami-99999999", "SourceRegionName": "eu-west-2",
                                     "ImageName": "far"}) == (400, "5023")
    pending = api.ok("CreateImage", {"VmId": vm_of(emu), "ImageName": "still-pending"})["Image"]["ImageId"]
    assert api.error("CreateImage", {"SourceImageId": pending, "SourceRegionName": "eu-west-2",
                                     "ImageName": "copy-of-pending"}) == (400, "6001")
    assert api.error("CreateImage", {"SourceImageId": "ami-0b0c0a01", "SourceRegionName": "eu-west-2",
                                     "ImageName": "arch", "Architecture": "i386"}) == (400, "3002")


def test_from_snapshots(emu, api):
    root, data = snapshot(emu, 10), snapshot(emu, 20)
    image = api.ok("CreateImage", {
        "ImageName": "from-snaps", "RootDeviceName": ROOT, "Architecture": "i386", "BootModes": ["uefi"],
        "TpmMandatory": True, "Description": "d",
        "BlockDeviceMappings": [bdm(root), bdm(data, "/dev/xvdb", VolumeSize=30, VolumeType="io1", Iops=900,
                                                DeleteOnVmDeletion=False),
                                {"DeviceName": "/dev/sdc", "VirtualDeviceName": "ephemeral0"},
                                {"DeviceName": "/dev/sdda", "Bsu": {"VolumeSize": 5, "VolumeType": "gp2"}}],
    })["Image"]
    assert image["Architecture"] == "i386" and image["BootModes"] == ["uefi"] and image["TpmMandatory"] is True
    assert image["BlockDeviceMappings"] == [
        {"DeviceName": ROOT, "Bsu": {"DeleteOnVmDeletion": True, "SnapshotId": root, "VolumeSize": 10,
                                     "VolumeType": "standard"}},
        {"DeviceName": "/dev/xvdb", "Bsu": {"DeleteOnVmDeletion": False, "SnapshotId": data, "VolumeSize": 30,
                                            "VolumeType": "io1", "Iops": 900}},
        {"DeviceName": "/dev/sdc", "VirtualDeviceName": "ephemeral0"},
        {"DeviceName": "/dev/sdda", "Bsu": {"DeleteOnVmDeletion": True, "VolumeSize": 5, "VolumeType": "gp2"}},
    ]


def test_architecture_defaults_to_x86_64_as_the_spec_says(emu, api):
    image = api.ok("CreateImage", from_snapshot(snapshot(emu)))["Image"]
    assert image["Architecture"] == "x86_64"


@pytest.mark.parametrize("mappings, root, code", [
    ([bdm("snap-99999999")], ROOT, "5054"),
    ([bdm("vol-12345678")], ROOT, "4104"),
    ([bdm("SNAP")], "/dev/xvda", "4057"),                        # root must be /dev/sda1
    ([bdm("SNAP", "/dev/sdb")], ROOT, "4057"),                   # no mapping for the root
    ([bdm("SNAP"), bdm("SNAP", "/dev/sda")], ROOT, "4019"),       # second letter range b-z
    ([bdm("SNAP"), bdm("SNAP", "/dev/hdb")], ROOT, "4019"),
    ([bdm("SNAP"), bdm("SNAP", "/dev/sdb"), bdm("SNAP", "/dev/sdb")], ROOT, "4011"),
    ([{"DeviceName": ROOT}], ROOT, "4011"),                        # neither Bsu nor virtual
    ([bdm("SNAP"), {"DeviceName": "/dev/sdb", "VirtualDeviceName": "swap"}], ROOT, "4076"),
    ([bdm("SNAP", Iops=100)], ROOT, "4045"),                      # Iops without io1
    ([bdm("SNAP", VolumeType="io1")], ROOT, "7000"),              # io1 without Iops
    ([bdm("SNAP", VolumeType="io1", Iops=5000)], ROOT, "4029"),    # over 300 IOPS per GiB (10 GiB)
    ([bdm("SNAP", VolumeType="gp3")], ROOT, "4073"),
    ([bdm("SNAP", VolumeSize=5)], ROOT, "4078"),                  # under the snapshot's 10 GiB
    ([bdm("SNAP", VolumeSize=20000)], ROOT, "4078"),
    ([{"DeviceName": ROOT, "Bsu": {"VolumeSize": 10}}], ROOT, "7000"),  # root needs a snapshot
])
def test_block_device_mapping_refusals(emu, api, mappings, root, code):
    snap = snapshot(emu, 10)
    fixed = [dict(m, Bsu=dict(m["Bsu"], SnapshotId=snap)) if m.get("Bsu", {}).get("SnapshotId") == "SNAP" else m
             for m in mappings]
    assert api.error("CreateImage", {"ImageName": "bdm-test", "RootDeviceName": root,
                                     "BlockDeviceMappings": fixed}) == (400, code)


def test_another_accounts_snapshot_is_not_found_until_shared(emu, api, other):
    theirs = snapshot(emu, account_id="210987654321")
    assert api.error("CreateImage", from_snapshot(theirs)) == (400, "5054")
    other.ok("UpdateSnapshot", {"SnapshotId": theirs,
                                "PermissionsToCreateVolume": {"Additions": {"AccountIds": ["123456789012"]}}})
    api.ok("CreateImage", from_snapshot(theirs))


@pytest.mark.parametrize("name, code", [
    ("ab", "4026"), ("x" * 129, "4026"), ("bad[name]", "4026"), ("it's", "4026"), ("a@b", "4026"),
    ("ok (name)/v1.0_-x", None), ("x" * 128, None),
])
def test_image_name_rules(emu, api, name, code):
    body = from_snapshot(snapshot(emu), name=name)
    if code:
        assert api.error("CreateImage", body) == (400, code)
    else:
        api.ok("CreateImage", body)


def test_duplicate_name_in_the_same_account_is_a_conflict(emu, api, other):
    api.ok("CreateImage", from_snapshot(snapshot(emu), name="twice"))
    assert api.error("CreateImage", from_snapshot(snapshot(emu), name="twice")) == (409, "9015")
    # names are unique per account only
    other.ok("CreateImage", {"VmId": vm_of(emu, "210987654321"), "ImageName": "twice"})


def test_architecture_must_be_known(emu, api):
    assert api.error("CreateImage", from_snapshot(snapshot(emu), Architecture="arm64")) == (400, "4001")


@pytest.mark.parametrize("body", [
    {"VmId": "i-12345678", "SourceImageId": "ami-12345678"},
    {"VmId": "i-12345678", "BlockDeviceMappings": []},
    {"SourceImageId": "ami-12345678", "FileLocation": "https://oos.eu-west-2.outscale.com/b/k"},
    {"NoReboot": True, "RootDeviceName": ROOT},
])
def test_mixing_two_uses_is_refused(api, body):
    assert api.error("CreateImage", dict(body, ImageName="mixed")) == (400, "3002")


def test_no_use_at_all_is_a_missing_parameter(api):
    assert api.error("CreateImage", {"ImageName": "nothing"}) == (400, "7000")


def test_refused_calls_leave_no_snapshot_behind(emu, api):
    before = set(emu.cloud.snapshots)
    api.ok("CreateImage", {"VmId": vm_of(emu), "ImageName": "taken"})
    after_first = set(emu.cloud.snapshots)
    url = emu.cloud.put_manifest("b", "m.json", make_manifest("taken"))
    assert api.error("CreateImage", {"FileLocation": url}) == (409, "9015")  # name from the manifest
    assert set(emu.cloud.snapshots) == after_first != before


# -- from a bucket, with a manifest ------------------------------------------------
def test_from_bucket_with_manifest(emu, api):
    manifest = make_manifest("exported-web", "i386", description="web server", snapshots=[
        {"Device": ROOT, "Size": 12 * 2**30}, {"Device": "/dev/sdb", "Size": 2**20, "VolumeType": "io1", "Iops": 100,
                                               "DeleteOnTermination": False}])
    url = emu.cloud.put_manifest("exports", "web/manifest.json", manifest)
    image = api.ok("CreateImage", {"FileLocation": url})["Image"]
    assert (image["ImageName"], image["Architecture"], image["Description"]) == ("exported-web", "i386", "web server")
    assert image["FileLocation"] == url and image["RootDeviceName"] == ROOT
    root, data = image["BlockDeviceMappings"]
    assert root["Bsu"]["VolumeSize"] == 12 and root["Bsu"]["VolumeType"] == "standard"
    assert data["Bsu"] == {"DeleteOnVmDeletion": False, "SnapshotId": data["Bsu"]["SnapshotId"], "VolumeSize": 1,
                           "VolumeType": "io1", "Iops": 100}
    for m in (root, data):
        assert emu.cloud.snapshots[m["Bsu"]["SnapshotId"]].account_id == "123456789012"
    renamed = api.ok("CreateImage", {"FileLocation": url, "ImageName": "imported", "Description": "mine"})["Image"]
    assert (renamed["ImageName"], renamed["Description"]) == ("imported", "mine")


def test_manifest_architecture_may_be_repeated_but_not_contradicted(emu, api):
    url = emu.cloud.put_manifest("exports", "m.json", make_manifest("arch-check", "x86_64"))
    assert api.error("CreateImage", {"FileLocation": url, "Architecture": "i386"}) == (400, "4001")
    api.ok("CreateImage", {"FileLocation": url, "Architecture": "x86_64"})


@pytest.mark.parametrize("style", ["v2", "v4"])
def test_expired_manifest_url_is_refused(emu, api, clock, style):
    emu.cloud.put_object("exports", "m.json", b"{}")
    url = presigned_url("eu-west-2", "exports", "m.json", expires_in=3600, now=clock() - 7200, style=style)
    status, answer = api.call("CreateImage", {"FileLocation": url})
    assert (status, answer["Errors"][0]["Code"]) == (400, "4040")
    assert "expired" in answer["Errors"][0]["Details"]


def test_manifest_is_obsolete_once_its_snapshot_urls_expire(emu, api, clock):
    manifest = make_manifest("old-export", now=clock() - 8 * 86400)
    url = emu.cloud.put_manifest("exports", "old.json", manifest)  # the manifest URL itself is fresh
    assert api.error("CreateImage", {"FileLocation": url}) == (400, "4040")


def test_missing_or_malformed_manifests(emu, api):
    cloud = emu.cloud
    assert api.error("CreateImage", {"FileLocation": cloud.presign("exports", "none.json")}) == (400, "5031")
    cloud.put_object("exports", "junk", b"not json")
    assert api.error("CreateImage", {"FileLocation": cloud.presign("exports", "junk")}) == (400, "4041")
    v2 = dict(make_manifest("future"), Version=2)
    assert api.error("CreateImage", {"FileLocation": cloud.put_manifest("exports", "v2", v2)}) == (400, "4094")
    assert api.error("CreateImage", {"FileLocation": "ftp://oos.eu-west-2.outscale.com/b/k"}) == (400, "4075")
    assert api.error("CreateImage", {"FileLocation": "https://example.com/b/k"}) == (400, "4074")
    assert api.error("CreateImage", {"FileLocation": "https://oos.eu-west-2.outscale.com/only-bucket"}) == (400, "4075")


def test_virtual_hosted_and_other_region_urls_name_the_same_store(emu, api):
    url = emu.cloud.put_manifest("exports", "vh.json", make_manifest("vhost"))
    vhost = url.replace("https://oos.eu-west-2.outscale.com/exports/", "https://exports.oos.us-east-2.outscale.com/")
    assert api.ok("CreateImage", {"FileLocation": vhost})["Image"]["ImageName"] == "vhost"


# -- from a bucket, without a manifest ---------------------------------------------
def test_from_bucket_without_manifest(emu, api):
    emu.cloud.put_object("images", "disk.qcow2", b"QFI\xfb")
    location = "https://oos.eu-west-2.outscale.com/images/disk.qcow2"
    image = api.ok("CreateImage", {"FileLocation": location, "ImageName": "raw-import", "Architecture": "i386",
                                   "RootDeviceName": ROOT,
                                   "BlockDeviceMappings": [{"DeviceName": ROOT, "Bsu": {"VolumeSize": 8}}]})["Image"]
    assert image["FileLocation"] == location and image["Architecture"] == "i386"
    snap_id = image["BlockDeviceMappings"][0]["Bsu"]["SnapshotId"]
    assert emu.cloud.snapshots[snap_id].volume_size == 8


def test_from_bucket_without_manifest_refusals(emu, api):
    body = {"ImageName": "raw-import", "RootDeviceName": ROOT,
            "BlockDeviceMappings": [{"DeviceName": ROOT, "Bsu": {"VolumeSize": 8}}]}
    assert api.error("CreateImage", dict(body, FileLocation="https://oos.eu-west-2.outscale.com/nobucket/k")) == (400, "4002")
    emu.cloud.create_bucket("images")
    assert api.error("CreateImage", dict(body, FileLocation="https://oos.eu-west-2.outscale.com/images/k")) == (400, "5037")
    emu.cloud.put_object("images", "k", b"x")
    assert api.error("CreateImage", {"FileLocation": "https://oos.eu-west-2.outscale.com/images/k",
                                     "ImageName": "raw-import", "BlockDeviceMappings": body["BlockDeviceMappings"]}) \
        == (400, "7000")
