"""CreateImageExportTask, ReadImageExportTasks, DeleteExportTask.

A task goes ``pending/queued`` -> ``pending`` -> ``completed`` as it is read
(``export_reads``) or as clock time passes (``export_seconds``).  On completion
the emulator writes, in the task's bucket, one object per snapshot
(``<prefix><snapshot id>.<format>.gz``) and the manifest
(``<prefix><image id>.manifest.json``), and the task gets ``OsuManifestUrl``, a
pre-signed URL of it valid seven days, the URL CreateImage reads to import it.

Codes: an image another account owns (public or shared) -> 4047 (OUTSCALE refuses
to export those); an image not available -> 6001; a format outside qcow2|raw ->
4047; a missing bucket -> 4002; cancelling a finished task -> 6003 invalid-state;
an unknown task -> 5058 no-such-task.
"""

from __future__ import annotations

from . import oos
from .errors import ApiError, bad_value
from .filters import EXPORT_TASK_FILTERS, matches, paginate
from .access import launchable_image, owned
from .models import Account, ExportTask
from .store import Cloud
from .views import task_view

DISK_IMAGE_FORMATS = ("qcow2", "raw")
FINISHED = ("completed", "failed", "cancelled")


def manifest_key(task: ExportTask) -> str:
    return f"{task.prefix}{task.image_id}.manifest.json"


def complete(cloud: Cloud, task: ExportTask) -> None:
    """Finish an export: write the snapshot files and the manifest (or fail if the image is gone)."""
    img = cloud.images.get(task.image_id)
    if img is None:
        task.state, task.comment = "failed", f"The image {task.image_id} was deleted during the export."
        return
    if task.bucket not in cloud.buckets:
        task.state, task.comment = "failed", f"The bucket {task.bucket} no longer exists."
        return
    snapshots = []
    for bdm in img.block_device_mappings:
        bsu = bdm.get("Bsu")
        if not bsu:
            continue
        filename = f"{bsu.get('SnapshotId', bdm['DeviceName'].rsplit('/', 1)[1])}.{task.disk_format}.gz"
        key = task.prefix + filename
        cloud.put_object(task.bucket, key, f"emulated {task.disk_format} image of {filename}\n".encode())
        snapshots.append({"Device": bdm["DeviceName"], "Size": bsu["VolumeSize"] * oos.GIB,
                          "VolumeType": bsu.get("VolumeType", "standard"), "Iops": bsu.get("Iops"),
                          "DeleteOnTermination": bsu.get("DeleteOnVmDeletion", True), "Filename": filename,
                          "PreSignedUrl": cloud.presign(task.bucket, key)})
    manifest = oos.make_manifest(img.name, img.architecture, snapshots, img.description, cloud.region,
                                 product_codes=img.product_codes)
    task.manifest_url = cloud.put_manifest(task.bucket, manifest_key(task), manifest)
    task.state, task.progress = "completed", 100


def create_image_export_task(cloud: Cloud, caller: Account, params: dict) -> dict:
    img = launchable_image(cloud, caller.account_id, params["ImageId"])
    if img.account_id != caller.account_id:
        raise bad_value("ImageId", img.image_id, "Public or shared images of other accounts cannot be exported.")
    cloud.settle_image(img)
    if img.state != "available":
        raise ApiError("invalid-image-state", f"The image {img.image_id} is {img.state}: only available images can be exported.")
    export = params["OsuExport"]
    if export["DiskImageFormat"] not in DISK_IMAGE_FORMATS:
        raise bad_value("OsuExport.DiskImageFormat", export["DiskImageFormat"], f"Use {' | '.join(DISK_IMAGE_FORMATS)}.")
    if export["OsuBucket"] not in cloud.buckets:
        raise ApiError("bucket-not-found", f"The bucket {export['OsuBucket']!r} does not exist.")
    task = ExportTask(cloud.new_id("image-export-"), caller.account_id, img.image_id, export["DiskImageFormat"],
                      export["OsuBucket"], export.get("OsuPrefix", ""), cloud.now(),
                      comment=f"Export of {img.image_id} to {export['OsuBucket']}")
    cloud.export_tasks[task.task_id] = task
    cloud.settle_task(task)
    return {"ImageExportTask": task_view(cloud, task)}


def read_image_export_tasks(cloud: Cloud, caller: Account, params: dict) -> dict:
    filters = params.get("Filters") or {}
    found = []
    for task in cloud.export_tasks.values():
        if task.account_id == caller.account_id:
            cloud.settle_task(task)
            view = task_view(cloud, task)
            if matches(view, filters, EXPORT_TASK_FILTERS):
                found.append((task, view))
    page, token = paginate(found, params, ["ReadImageExportTasks", caller.account_id, filters])
    for task, _ in page:
        if task.state not in FINISHED:
            task.reads += 1
    out = {"ImageExportTasks": [view for _, view in page]}
    if token:
        out["NextPageToken"] = token
    return out


def delete_export_task(cloud: Cloud, caller: Account, params: dict) -> dict:
    if params["ExportTaskId"].startswith("snap-export-"):  # a valid kind of task the emulator never makes
        raise ApiError("no-such-task", f"The ExportTaskId '{params['ExportTaskId']}' doesn't exist.")
    task = owned(cloud, caller.account_id, params["ExportTaskId"], "image-export-")
    cloud.settle_task(task)
    if task.state in FINISHED:
        raise ApiError("invalid-state", f"The export task {task.task_id} is {task.state}: only a pending task can be cancelled.")
    task.state, task.comment = "cancelled", "Cancelled by DeleteExportTask."
    return {}


HANDLERS = {
    "CreateImageExportTask": create_image_export_task,
    "ReadImageExportTasks": read_image_export_tasks,
    "DeleteExportTask": delete_export_task,
}
