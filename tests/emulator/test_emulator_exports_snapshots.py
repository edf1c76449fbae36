"""Image export tasks (and the round trip back through CreateImage), snapshots."""

import json

from emulator_helpers import Client, snapshot, vm_of


def available_image(api, emu, name="exportable"):
    image_id = api.ok("CreateImage", {"VmId": vm_of(emu), "ImageName": name})["Image"]["ImageId"]
    api.ok("ReadImages", {"Filters": {"ImageIds": [image_id]}})
    return image_id


def export(api, image_id, bucket="exports", prefix="omi/", fmt="qcow2"):
    return api.ok("CreateImageExportTask", {"ImageId": image_id, "OsuExport": {
        "DiskImageFormat": fmt, "OsuBucket": bucket, "OsuPrefix": prefix}})["ImageExportTask"]


def read_task(api, task_id):
    return api.ok("ReadImageExportTasks", {"Filters": {"TaskIds": [task_id]}})["ImageExportTasks"][0]


def test_export_progresses_and_writes_a_manifest(emu, api):
    emu.cloud.create_bucket("exports")
    image_id = available_image(api, emu)
    task = export(api, image_id)
    assert task["TaskId"].startswith("image-export-") and task["State"] == "pending/queued"
    assert task["Progress"] == 0 and task["OsuExport"] == {"DiskImageFormat": "qcow2", "OsuBucket": "exports",
                                                           "OsuPrefix": "omi/"}
    assert [read_task(api, task["TaskId"])["State"] for _ in range(2)] == ["pending/queued", "pending"]
    done = read_task(api, task["TaskId"])
    assert done["State"] == "completed" and done["Progress"] == 100
    url = done["OsuExport"]["OsuManifestUrl"]
    assert url.startswith("https://oos.eu-west-2.outscale.com/exports/omi/") and "Expires=" in url
    manifest = json.loads(emu.cloud.get_object("exports", f"omi/{image_id}.manifest.json"))
    assert manifest["Version"] == 1 and manifest["Image"]["Name"] == "exportable"
    [snap] = manifest["Image"]["Snapshots"]
    assert snap["Device"] == "/dev/sda1" and snap["Size"] == 10 * 2**30
    assert emu.cloud.get_object("exports", "omi/" + snap["Filename"]) is not None
    assert emu.secret_key not in url and emu.secret_key not in json.dumps(manifest)


def test_exported_manifest_imports_into_another_account(emu, api, other):
    emu.cloud.create_bucket("exports")
    task = export(api, available_image(api, emu, "golden"))
    for _ in range(3):
        done = read_task(api, task["TaskId"])
    image = other.ok("CreateImage", {"FileLocation": done["OsuExport"]["OsuManifestUrl"]})["Image"]
    assert (image["AccountId"], image["ImageName"]) == ("210987654321", "golden")


def test_exported_manifest_is_obsolete_after_seven_days(emu, api, clock):
    emu.cloud.create_bucket("exports")
    task = export(api, available_image(api, emu))
    for _ in range(3):
        done = read_task(api, task["TaskId"])
    clock.advance(7 * 86400 + 1)
    assert api.error("CreateImage", {"FileLocation": done["OsuExport"]["OsuManifestUrl"],
                                     "ImageName": "too-late"}) == (400, "4040")


def test_export_on_the_clock(make_emulator, clock):
    emu = make_emulator(export_reads=100, export_seconds=3600)
    api = Client(emu)
    emu.cloud.create_bucket("exports")
    task = export(api, available_image(api, emu))
    assert read_task(api, task["TaskId"])["State"] == "pending/queued"
    clock.advance(3600)
    assert read_task(api, task["TaskId"])["State"] == "completed"


def test_export_refusals(emu, api, other):
    image_id = available_image(api, emu)
    assert api.error("CreateImageExportTask", {"ImageId": image_id, "OsuExport": {
        "DiskImageFormat": "qcow2", "OsuBucket": "nowhere"}}) == (400, "4002")
    emu.cloud.create_bucket("exports")
    assert api.error("CreateImageExportTask", {"ImageId": image_id, "OsuExport": {
        "DiskImageFormat": "vmdk", "OsuBucket": "exports"}}) == (400, "4047")
    assert api.error("CreateImageExportTask", {"ImageId": "ami-0b0c0a01", "OsuExport": {
        "DiskImageFormat": "qcow2", "OsuBucket": "exports"}}) == (400, "4047")  # public, not ours
    assert other.error("CreateImageExportTask", {"ImageId": image_id, "OsuExport": {
        "DiskImageFormat": "qcow2", "OsuBucket": "exports"}}) == (400, "5023")
    pending = api.ok("CreateImage", {"VmId": vm_of(emu), "ImageName": "pending"})["Image"]["ImageId"]
    assert api.error("CreateImageExportTask", {"ImageId": pending, "OsuExport": {
        "DiskImageFormat": "raw", "OsuBucket": "exports"}}) == (400, "6001")


def test_delete_export_task_cancels_a_pending_one_only(emu, api):
    emu.cloud.create_bucket("exports")
    image_id = available_image(api, emu)
    task = export(api, image_id)
    api.ok("DeleteExportTask", {"ExportTaskId": task["TaskId"]})
    assert read_task(api, task["TaskId"])["State"] == "cancelled"
    assert api.error("DeleteExportTask", {"ExportTaskId": task["TaskId"]}) == (400, "6003")
    assert api.error("DeleteExportTask", {"ExportTaskId": "image-export-00000000"}) == (400, "5058")
    assert api.ok("ReadImageExportTasks", {"Filters": {"ImageIds": [image_id]}})["ImageExportTasks"][0]["TaskId"] \
        == task["TaskId"]


def test_export_of_a_deleted_image_fails(emu, api):
    emu.cloud.create_bucket("exports")
    image_id = available_image(api, emu)
    task = export(api, image_id)
    api.ok("DeleteImage", {"ImageId": image_id})
    for _ in range(3):
        last = read_task(api, task["TaskId"])
    assert last["State"] == "failed" and "deleted" in last["Comment"]


# -- snapshots ---------------------------------------------------------------------------
def test_create_snapshot_three_ways(emu, api):
    vol = emu.cloud.vms[vm_of(emu)].volume_ids[0]
    from_volume = api.ok("CreateSnapshot", {"VolumeId": vol, "Description": "root"})["Snapshot"]
    assert (from_volume["VolumeId"], from_volume["VolumeSize"], from_volume["State"]) == (vol, 10, "completed")
    copy = api.ok("CreateSnapshot", {"SourceSnapshotId": from_volume["SnapshotId"],
                                     "SourceRegionName": "eu-west-2"})["Snapshot"]
    assert copy["SnapshotId"] != from_volume["SnapshotId"] and copy["Description"] == "root"
    emu.cloud.put_object("imports", "disk.raw", b"\0" * 16)
    url = emu.cloud.presign("imports", "disk.raw")
    imported = api.ok("CreateSnapshot", {"FileLocation": url, "SnapshotSize": 3 * 2**30 + 1,
                                         "ClientToken": "once"})["Snapshot"]
    assert imported["VolumeSize"] == 4 and imported["Progress"] == 100
    again = api.ok("CreateSnapshot", {"FileLocation": url, "SnapshotSize": 3 * 2**30 + 1, "ClientToken": "once"})
    assert again["Snapshot"]["SnapshotId"] == imported["SnapshotId"]


def test_create_snapshot_refusals(emu, api):
    assert api.error("CreateSnapshot", {"VolumeId": "vol-00000000"}) == (400, "5064")
    assert api.error("CreateSnapshot", {"VolumeId": "vol-1", "SourceSnapshotId": "snap-1"}) == (400, "3002")
    assert api.error("CreateSnapshot", {}) == (400, "7000")
    assert api.error("CreateSnapshot", {"FileLocation": "https://oos.eu-west-2.outscale.com/b/k"}) == (400, "7000")
    assert api.error("CreateSnapshot", {"SourceSnapshotId": "snap-00000000", "SourceRegionName": "eu-west-2"}) \
        == (400, "5054")
    assert api.error("CreateSnapshot", {"SourceSnapshotId": snapshot(emu), "SourceRegionName": "us-west-1"}) \
        == (400, "4047")
    assert api.error("CreateSnapshot", {"FileLocation": "https://oos.eu-west-2.outscale.com/nob/k",
                                        "SnapshotSize": 10}) == (400, "4002")


def test_read_update_delete_snapshots(emu, api, other):
    mine = snapshot(emu, 10)
    answer = api.ok("ReadSnapshots", {"Filters": {"AccountIds": ["123456789012"], "VolumeSizes": [10]}})
    assert [s["SnapshotId"] for s in answer["Snapshots"]] == [mine]
    assert other.ok("ReadSnapshots", {"Filters": {"SnapshotIds": [mine]}})["Snapshots"] == []
    api.ok("UpdateSnapshot", {"SnapshotId": mine, "PermissionsToCreateVolume": {"Additions": {"GlobalPermission": True}}})
    assert len(other.ok("ReadSnapshots", {"Filters": {"SnapshotIds": [mine]}})["Snapshots"]) == 1
    assert other.error("DeleteSnapshot", {"SnapshotId": mine}) == (400, "5054")
    api.ok("CreateImage", {"ImageName": "uses-it", "RootDeviceName": "/dev/sda1",
                           "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": mine}}]})
    assert api.error("DeleteSnapshot", {"SnapshotId": mine}) == (409, "9002")
    spare = snapshot(emu, 5)
    api.ok("DeleteSnapshot", {"SnapshotId": spare})
    assert spare not in emu.cloud.snapshots
    dated = api.ok("ReadSnapshots", {"Filters": {"FromCreationDate": "2026-11-27T00:00:00Z",
                                                 "ToCreationDate": "2026-11-28T00:00:00.000Z"}})
    assert mine in [s["SnapshotId"] for s in dated["Snapshots"]]
