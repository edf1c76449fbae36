"""``copy-image --source-region A --region B`` on OUTSCALE: export to a bucket, pre-sign, import.

OAPI copies an image only within its region, so a copy to another region is OUTSCALE's documented
path (importing-an-omi-from-a-bucket): ``CreateImageExportTask`` of the source in A into the transfer
bucket, wait for it, pre-sign the manifest (seven days at most), ``CreateImage`` with ``FileLocation``
in B, wait for the image, remove the transfer objects.  ``pipeline`` plans it as a generator, like
every translator, yielding steps for the runner (``osc_shim.core``) and holding no state of its
own: everything a re-run needs lives in OUTSCALE itself.

* the export goes under the prefix ``osc-shim-transfer/<job>/`` (``job``: a hash of source region,
  image, destination region and name), so a re-run finds the export task it
  made (ReadImageExportTasks) and never starts a second one;
* the image made in B is found again by its ``osc-shim:client-token`` tag, or by its name and a
  ``FileLocation`` under the job's prefix (so even a run stopped between CreateImage and CreateTags
  resumes without a second image);
* the objects under the prefix are deleted once the image is available, unless kept
  (``keep_transfer_objects``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

from ..errors import Ec2Error, invalid_value, missing_parameter
from .engine import Call

TOKEN_TAG = "osc-shim:client-token"
SOURCE_TAG = "osc-shim:copied-from"
PREFIX_ROOT = "osc-shim-transfer"
BUCKET_SETTING, BUCKET_ENV = "outscale_transfer_bucket", "OSC_TRANSFER_BUCKET"
KEEP_SETTING, KEEP_ENV = "outscale_keep_transfer_objects", "OSC_KEEP_TRANSFER_OBJECTS"
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # OOS: a pre-signed URL lives seven days at most
DISK_FORMAT = "qcow2"
DEAD_TASK_STATES = ("failed", "cancelled")


@dataclass(frozen=True)
class Pause:
    """Wait before asking again; ``stage``/``percent`` say where the copy is (for progress)."""

    stage: str
    percent: int
    note: str = ""


@dataclass(frozen=True)
class Presign:
    """A pre-signed GET URL of ``bucket/key`` in ``region``'s OOS (answered with the URL)."""

    region: str
    bucket: str
    key: str
    expires_in: int = MAX_PRESIGN_SECONDS


@dataclass(frozen=True)
class DeleteObjects:
    """Delete ``keys`` of ``bucket`` in ``region``'s OOS (answered with the keys deleted)."""

    region: str
    bucket: str
    keys: tuple


@dataclass(frozen=True)
class Options:
    transfer_bucket: Optional[str] = None
    keep_transfer_objects: bool = False
    resume_note: list = field(default_factory=list)  # what an interruption leaves, for the message


def job_of(params: dict, destination: str) -> str:
    """The copy's name in OUTSCALE: source region and image, destination, name (not the client token:
    the AWS CLI and boto3 make a new one per run, and a re-run after Ctrl-C must find its export)."""
    key = "\0".join((params["SourceRegion"], params["SourceImageId"], destination, params["Name"]))
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def prefix_of(job: str) -> str:
    return f"{PREFIX_ROOT}/{job}/"


def transfer_bucket(options: Options, source: str, destination: str) -> str:
    if not options.transfer_bucket:
        raise missing_parameter(
            "TransferBucket", f"copying an image from {source} (SourceRegion) to {destination} goes through an OOS "
                              f"bucket of {source}: set the profile key {BUCKET_SETTING} (aws configure set {BUCKET_SETTING} "
                              f"BUCKET) or the environment variable {BUCKET_ENV}")
    return options.transfer_bucket


def _within(region: str, call: Call) -> Call:
    return Call(call.action, call.body, call.idempotent, region=region)


def find_copy(params: dict, bucket: str, prefix: str, destination: str):
    """Sub-generator: the image an earlier run made in ``destination``, or None."""
    token = params.get("ClientToken")
    if token:
        answer = yield _within(destination, Call("ReadImages", {"Filters": {"Tags": [f"{TOKEN_TAG}={token}"]}},
                                                 idempotent=True))
        if answer.get("Images"):
            return answer["Images"][0]
    answer = yield _within(destination, Call("ReadImages", {"Filters": {"ImageNames": [params["Name"]]}},
                                             idempotent=True))
    marker = f"/{bucket}/{prefix}"
    for image in answer.get("Images") or []:
        if marker in (image.get("FileLocation") or ""):
            return image
    return None


def find_export(source_region: str, image_id: str, bucket: str, prefix: str):
    """Sub-generator: the export task an earlier run started (not failed or cancelled), or None."""
    answer = yield _within(source_region, Call("ReadImageExportTasks", {"Filters": {"ImageIds": [image_id]}},
                                               idempotent=True))
    for task in answer.get("ImageExportTasks") or []:
        export = task.get("OsuExport") or {}
        if (export.get("OsuBucket") == bucket and export.get("OsuPrefix") == prefix
                and task.get("State") not in DEAD_TASK_STATES):
            return task
    return None


def _export_body(image_id: str, bucket: str, prefix: str) -> dict:
    return {"ImageId": image_id, "OsuExport": {"DiskImageFormat": DISK_FORMAT, "OsuBucket": bucket,
                                               "OsuPrefix": prefix}}


def export_and_wait(source_region: str, image_id: str, bucket: str, prefix: str):
    """Sub-generator: the completed export task of ``image_id`` under ``prefix`` (made if none exists)."""
    task = yield from find_export(source_region, image_id, bucket, prefix)
    if task is None:
        answer = yield _within(source_region, Call("CreateImageExportTask", _export_body(image_id, bucket, prefix)))
        task = answer["ImageExportTask"]
    while task.get("State") != "completed":
        if task.get("State") in DEAD_TASK_STATES:
            raise Ec2Error("IncorrectState", f"The export task {task['TaskId']} of {image_id} is {task['State']}"
                           f" ({task.get('Comment') or 'no reason given'}); run the command again to start a new one.")
        yield Pause("exporting", int(task.get("Progress") or 0), task["TaskId"])
        answer = yield _within(source_region, Call("ReadImageExportTasks", {"Filters": {"TaskIds": [task["TaskId"]]}},
                                                   idempotent=True))
        found = answer.get("ImageExportTasks") or []
        if not found:
            raise Ec2Error("IncorrectState", f"The export task {task['TaskId']} disappeared; run the command again.")
        task = found[0]
    return task


def manifest_key(task: dict) -> str:
    """The manifest's key in the bucket, from ``OsuManifestUrl`` (path style or virtual host)."""
    from urllib.parse import unquote, urlsplit

    export = task["OsuExport"]
    url = export.get("OsuManifestUrl")
    if not url:
        return f"{export.get('OsuPrefix', '')}{task['ImageId']}.manifest.json"
    path = unquote(urlsplit(url).path).lstrip("/")
    bucket = export["OsuBucket"]
    return path[len(bucket) + 1:] if path.startswith(bucket + "/") else path


def wait_available(destination: str, image_id: str):
    """Sub-generator: the image once it is no longer pending (failed: an error naming it)."""
    while True:
        answer = yield _within(destination, Call("ReadImages", {"Filters": {"ImageIds": [image_id]}},
                                                 idempotent=True))
        images = answer.get("Images") or []
        state = images[0].get("State") if images else "pending"
        if state == "available":
            return images[0]
        if state == "failed":
            comment = (images[0].get("StateComment") or {}).get("StateMessage", "")
            raise Ec2Error("IncorrectState", f"The copy {image_id} in {destination} failed: {comment}")
        yield Pause("importing", 50, image_id)


def pipeline(params: dict, destination: str, options: Options, check_params):
    """The whole copy; returns EC2's answer ``{"ImageId"}`` (the available image in ``destination``).

    ``check_params(params)`` -> the TagSpecifications tags (CopyImage's own member checks).
    """
    tags = check_params(params)
    source_region, source_id = params["SourceRegion"], params["SourceImageId"]
    bucket = transfer_bucket(options, source_region, destination)
    job = job_of(params, destination)
    prefix = prefix_of(job)
    if params.get("DryRun"):  # would the export be allowed? (the first call that needs a permission; the
        # engine sends it with DryRun and stops after it: copy_runner drives the pipeline with dry_run)
        yield _within(source_region, Call("CreateImageExportTask", _export_body(source_id, bucket, prefix)))

    image = yield from find_copy(params, bucket, prefix, destination)
    if image is None:
        source_tags = []
        if params.get("CopyImageTags"):
            answer = yield _within(source_region, Call("ReadImages", {"Filters": {"ImageIds": [source_id]}},
                                                       idempotent=True))
            found = answer.get("Images") or []
            if not found:
                raise Ec2Error("InvalidAMIID.NotFound", f"The image id '[{source_id}]' does not exist")
            source_tags = [t for t in found[0].get("Tags") or [] if not t["Key"].startswith("osc-shim:")]
        task = yield from export_and_wait(source_region, source_id, bucket, prefix)
        options.resume_note.append(f"the export {task['TaskId']} of {source_id} is complete in {bucket}/{prefix}")
        url = yield Presign(source_region, bucket, manifest_key(task))
        yield Pause("registering", 40)
        body = {"FileLocation": url, "ImageName": params["Name"]}
        if params.get("Description") is not None:
            body["Description"] = params["Description"]
        answer = yield _within(destination, Call("CreateImage", body))
        image = answer["Image"]
        own = {t["Key"] for t in tags.get("image", [])}
        new_tags = [{"Key": SOURCE_TAG, "Value": f"{source_region}/{source_id}"}]
        if params.get("ClientToken"):
            new_tags.append({"Key": TOKEN_TAG, "Value": params["ClientToken"]})
        new_tags += [t for t in source_tags if t["Key"] not in own] + tags.get("image", [])
        yield _within(destination, Call("CreateTags", {"ResourceIds": [image["ImageId"]], "Tags": new_tags},
                                        idempotent=True))
        snapshot_tags = tags.get("snapshot")
        snapshots = [b["Bsu"]["SnapshotId"] for b in image.get("BlockDeviceMappings") or []
                     if (b.get("Bsu") or {}).get("SnapshotId")]
        if snapshot_tags and snapshots:
            yield _within(destination, Call("CreateTags", {"ResourceIds": snapshots, "Tags": snapshot_tags},
                                            idempotent=True))
    image = yield from wait_available(destination, image["ImageId"])
    if not options.keep_transfer_objects:
        yield Pause("cleaning up", 95)
        yield DeleteObjects(source_region, bucket, (prefix,))
    yield Pause("done", 100, image["ImageId"])
    return {"ImageId": image["ImageId"]}


def share(image_id: str, region: str, options: Options, expires_in: int):
    """Export ``image_id`` (or find its finished share export) and pre-sign its manifest: the URL."""
    bucket = options.transfer_bucket
    if not bucket:
        raise missing_parameter("TransferBucket", f"an image is shared through an OOS bucket of {region}: give "
                                f"--bucket, the profile key {BUCKET_SETTING} or {BUCKET_ENV}")
    if not 1 <= int(expires_in) <= MAX_PRESIGN_SECONDS:
        raise invalid_value("ExpiresIn", expires_in, f"OOS pre-signs URLs for 1 to {MAX_PRESIGN_SECONDS} seconds "
                                                     "(seven days).")
    prefix = f"{PREFIX_ROOT}/share-{hashlib.sha256(f'{region}/{image_id}'.encode()).hexdigest()[:16]}/"
    task = yield from export_and_wait(region, image_id, bucket, prefix)
    url = yield Presign(region, bucket, manifest_key(task), int(expires_in))
    return url

