"""ReadImages (lifecycle, filters, pages, visibility), UpdateImage, DeleteImage, tags."""

import pytest
from emulator_helpers import Client, snapshot, vm_of

MINE = {"AccountIds": ["123456789012"]}


def create(api, emu, name, **extra):
    body = dict({"ImageName": name, "RootDeviceName": "/dev/sda1",
                 "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": snapshot(emu)}}]}, **extra)
    return api.ok("CreateImage", body)["Image"]["ImageId"]


def states(api, image_id):
    return [i["State"] for i in api.ok("ReadImages", {"Filters": {"ImageIds": [image_id]}})["Images"]]


def test_pending_until_read_once_by_default(emu, api):
    image_id = create(api, emu, "lifecycle")
    assert states(api, image_id) == ["pending"]
    assert states(api, image_id) == ["available"]


def test_pending_reads_is_configurable(make_emulator):
    emu = make_emulator(pending_reads=3)
    api = Client(emu)
    image_id = create(api, emu, "slow")
    assert [states(api, image_id)[0] for _ in range(4)] == ["pending"] * 3 + ["available"]


def test_reads_that_do_not_return_the_image_do_not_count(emu, api):
    image_id = create(api, emu, "unseen")
    api.ok("ReadImages", {"Filters": {"ImageIds": ["ami-00000000"]}})
    assert states(api, image_id) == ["pending"]


def test_pending_seconds_settles_on_the_clock(make_emulator, clock):
    emu = make_emulator(pending_reads=100, pending_seconds=60)
    api = Client(emu)
    image_id = create(api, emu, "timed")
    assert states(api, image_id) == ["pending"]
    clock.advance(61)
    assert states(api, image_id) == ["available"]


def test_unknown_ids_give_an_empty_list(api):
    assert api.ok("ReadImages", {"Filters": {"ImageIds": ["ami-00000000"]}})["Images"] == []


def test_filters(emu, api):
    a = create(api, emu, "web-1", Architecture="i386", Description="alpha")
    b = create(api, emu, "web-2", BootModes=["uefi"])
    c = api.ok("CreateImage", {"VmId": vm_of(emu), "ImageName": "db-1"})["Image"]["ImageId"]
    api.ok("CreateTags", {"ResourceIds": [a, b], "Tags": [{"Key": "env", "Value": "prod"}]})
    api.ok("CreateTags", {"ResourceIds": [c], "Tags": [{"Key": "env", "Value": "dev"}]})

    def ids(**filters):
        return sorted(i["ImageId"] for i in api.ok("ReadImages", {"Filters": filters})["Images"])

    assert ids(States=["pending"], **MINE) == sorted([a, b, c])
    assert ids(ImageNames=["web-*"]) == sorted([a, b])
    assert ids(ImageNames=["web-?"], Architectures=["i386"]) == [a]
    assert ids(ImageNames=["*-1"], **MINE) == sorted([a, c])
    assert ids(ImageNames=["web"]) == []
    assert ids(Tags=["env=prod"]) == sorted([a, b])
    assert ids(TagKeys=["env"], TagValues=["dev"]) == [c]
    assert ids(Descriptions=["alpha"]) == [a]
    assert ids(BootModes=["uefi"]) == [b]
    assert ids(AccountAliases=["Outscale"]) == ["ami-0b0c0a01"]
    assert ids(PermissionsToLaunchGlobalPermission=True) == ["ami-0b0c0a01"]
    assert ids(RootDeviceTypes=["bsu"], **MINE) == sorted([a, b, c])
    assert ids(BlockDeviceMappingVolumeSizes=[10], BlockDeviceMappingVolumeTypes=["standard"],
               BlockDeviceMappingDeviceNames=["/dev/sda1"], BlockDeviceMappingDeleteOnVmDeletion=True,
               **MINE) == sorted([a, b, c])
    snap_of_c = emu.cloud.images[c].block_device_mappings[0]["Bsu"]["SnapshotId"]
    assert ids(BlockDeviceMappingSnapshotIds=[snap_of_c]) == [c]
    assert ids(FileLocations=["123456789012/db-1"]) == [c]
    assert ids(ProductCodes=["0001"], Hypervisors=["xen"], VirtualizationTypes=["hvm"], **MINE) == sorted([a, b, c])
    assert ids(States=["available"], **MINE) == sorted([a, b, c])  # each was returned pending once
    assert ids(SecureBoot=False, TpmMandatory=False, ImageIds=[a]) == [a]


def test_pagination(emu, api):
    made = [create(api, emu, f"page-{n:02d}") for n in range(5)]
    seen, token, pages = [], None, 0
    while True:
        body = {"Filters": MINE, "ResultsPerPage": 2}
        if token:
            body["NextPageToken"] = token
        answer = api.ok("ReadImages", body)
        seen += [i["ImageId"] for i in answer["Images"]]
        pages += 1
        token = answer.get("NextPageToken")
        if not token:
            break
    assert seen == made and pages == 3


def test_pagination_refusals(api):
    assert api.error("ReadImages", {"ResultsPerPage": 0}) == (400, "4110")
    assert api.error("ReadImages", {"ResultsPerPage": 1001}) == (400, "4110")
    assert api.error("ReadImages", {"NextPageToken": "bm90IGEgdG9rZW4="}) == (400, "4110")
    token = api.ok("ReadImages", {"ResultsPerPage": 1, "Filters": {}})
    assert "NextPageToken" not in token  # only the public image: one page


def test_visibility_and_launch_permissions(emu, api, other):
    image_id = create(api, emu, "shared")
    theirs = {"Filters": {"ImageIds": [image_id]}}
    assert other.ok("ReadImages", theirs)["Images"] == []
    image = api.ok("UpdateImage", {"ImageId": image_id, "PermissionsToLaunch": {
        "Additions": {"AccountIds": ["210987654321"]}}})["Image"]
    assert image["PermissionsToLaunch"] == {"GlobalPermission": False, "AccountIds": ["210987654321"]}
    assert [i["ImageId"] for i in other.ok("ReadImages", theirs)["Images"]] == [image_id]
    assert [i["ImageId"] for i in other.ok("ReadImages", {"Filters": {
        "PermissionsToLaunchAccountIds": ["210987654321"]}})["Images"]] == [image_id]
    # shared is not owned: the other account cannot change or delete it
    assert other.error("UpdateImage", {"ImageId": image_id, "Description": "mine now"}) == (400, "5023")
    assert other.error("DeleteImage", {"ImageId": image_id}) == (400, "5023")
    api.ok("UpdateImage", {"ImageId": image_id, "PermissionsToLaunch": {"Removals": {"AccountIds": ["210987654321"]}}})
    assert other.ok("ReadImages", theirs)["Images"] == []
    api.ok("UpdateImage", {"ImageId": image_id, "PermissionsToLaunch": {"Additions": {"GlobalPermission": True}}})
    assert other.ok("ReadImages", theirs)["Images"][0]["PermissionsToLaunch"]["GlobalPermission"] is True
    api.ok("UpdateImage", {"ImageId": image_id, "PermissionsToLaunch": {"Removals": {"GlobalPermission": True}}})
    assert other.ok("ReadImages", theirs)["Images"] == []


def test_update_image_fields_and_refusals(emu, api):
    image_id = create(api, emu, "updatable")
    image = api.ok("UpdateImage", {"ImageId": image_id, "Description": "new", "ProductCodes": ["0002", "0003"]})["Image"]
    assert (image["Description"], image["ProductCodes"]) == ("new", ["0002", "0003"])
    both = {"Additions": {"GlobalPermission": True}, "Removals": {"AccountIds": ["210987654321"]}}
    assert api.error("UpdateImage", {"ImageId": image_id, "PermissionsToLaunch": both}) == (400, "3002")
    assert api.error("UpdateImage", {"ImageId": image_id, "PermissionsToLaunch": {
        "Additions": {"AccountIds": ["12"]}}}) == (400, "4047")
    assert api.error("UpdateImage", {"ImageId": image_id}) == (400, "7000")
    assert api.error("UpdateImage", {"ImageId": "ami-00000000", "Description": "x"}) == (400, "5023")
    assert api.error("UpdateImage", {"ImageId": "snap-00000000", "Description": "x"}) == (400, "4104")


def test_delete_image(emu, api):
    image_id = create(api, emu, "doomed")
    api.ok("CreateTags", {"ResourceIds": [image_id], "Tags": [{"Key": "k", "Value": "v"}]})
    assert list(api.ok("DeleteImage", {"ImageId": image_id})) == ["ResponseContext"]
    assert api.ok("ReadImages", {"Filters": {"ImageIds": [image_id]}})["Images"] == []
    assert image_id not in emu.cloud.tags
    assert api.error("DeleteImage", {"ImageId": image_id}) == (400, "5023")
    assert api.error("DeleteImage", {"ImageId": "ami-0b0c0a01"}) == (400, "5023")  # public, not ours


def test_tags_on_images_and_snapshots(emu, api):
    image_id = create(api, emu, "tagged")
    snap_id = emu.cloud.images[image_id].block_device_mappings[0]["Bsu"]["SnapshotId"]
    api.ok("CreateTags", {"ResourceIds": [image_id, snap_id],
                          "Tags": [{"Key": "Name", "Value": "web"}, {"Key": "team", "Value": "ops"}]})
    image = api.ok("ReadImages", {"Filters": {"ImageIds": [image_id]}})["Images"][0]
    assert image["Tags"] == [{"Key": "Name", "Value": "web"}, {"Key": "team", "Value": "ops"}]
    api.ok("DeleteTags", {"ResourceIds": [image_id], "Tags": [{"Key": "Name", "Value": "other"}]})  # no match
    api.ok("DeleteTags", {"ResourceIds": [image_id], "Tags": [{"Key": "team", "Value": ""}]})     # any value
    image = api.ok("ReadImages", {"Filters": {"ImageIds": [image_id]}})["Images"][0]
    assert image["Tags"] == [{"Key": "Name", "Value": "web"}]
    snap = api.ok("ReadSnapshots", {"Filters": {"TagKeys": ["team"]}})["Snapshots"]
    assert [s["SnapshotId"] for s in snap] == [snap_id]


@pytest.mark.parametrize("resource, tags, code", [
    ("ami-00000000", [{"Key": "k", "Value": "v"}], "5023"),
    ("snap-00000000", [{"Key": "k", "Value": "v"}], "5054"),
    ("ami-0b0c0a01", [{"Key": "k", "Value": "v"}], "5023"),   # public but not ours
    ("sg-12345678", [{"Key": "k", "Value": "v"}], "4104"),
    ("MINE", [{"Key": "", "Value": "v"}], "4069"),
    ("MINE", [{"Key": "aws:name", "Value": "v"}], "4069"),
    ("MINE", [{"Key": "k", "Value": "v" * 256}], "4071"),
    ("MINE", [{"Key": f"k{n}", "Value": ""} for n in range(51)], "10041"),
    ("MINE", [], "7000"),
])
def test_tag_refusals(emu, api, resource, tags, code):
    mine = create(api, emu, "tag-target")
    rid = mine if resource == "MINE" else resource
    assert api.error("CreateTags", {"ResourceIds": [rid], "Tags": tags})[1] == code
