"""Image exports: ExportImage -> CreateImageExportTask, DescribeExportImageTasks ->
ReadImageExportTasks, CancelExportTask -> DeleteExportTask.

EC2's ``ExportImageTask`` and OAPI's ``ImageExportTask`` differ in words; the
mapping is the tables below (``TASK_STATES``, ``DISK_FORMATS``).
"""

from __future__ import annotations

from ..errors import Ec2Error, OapiError, invalid_value, missing_parameter, to_ec2
from .engine import DRY_RUN, Call, Context, Handled, Map, check_members, require
from .filters import FILTER_MEMBERS, matches
from .ec2_image import call_on, check_id, tags as ec2_tags
from .placeholders import next_page_token, read_answer
from .tags import specification_tables, tag_new_resource, tag_specifications

EXPORT_IMAGE = {
    "ImageId": Map("ImageId"),
    "DiskImageFormat": Handled("OsuExport.DiskImageFormat: RAW -> raw, qcow2 (OUTSCALE's own) accepted, "
                               "VMDK / VHD refused"),
    "S3ExportLocation": Handled("OsuExport.OsuBucket / OsuPrefix"),
    "RoleName": Handled("ignored, with a warning: OUTSCALE has no IAM service role for exports; "
                        "the bucket must let OUTSCALE write the export"),
    "Description": Handled("echoed in the answer, with a warning: OUTSCALE export tasks keep no description"),
    "ClientToken": Handled("accepted (boto3 fills it in): OAPI's CreateImageExportTask takes no idempotency token"),
    "TagSpecifications": Handled("export-image-task -> CreateTags on the new export task"),
    "DryRun": DRY_RUN,
}
S3_EXPORT_LOCATION = {
    "S3Bucket": Map("OsuBucket"),
    "S3Prefix": Map("OsuPrefix"),
}
DESCRIBE_EXPORT_IMAGE_TASKS = {
    "ExportImageTaskIds": Handled("Filters.TaskIds"),
    "Filters": Handled("task-state, applied to the answer (OAPI filters tasks by ID and image only)"),
    "MaxResults": Handled("ResultsPerPage"),
    "NextToken": Handled("NextPageToken"),
    "DryRun": DRY_RUN,
}
CANCEL_EXPORT_TASK = {
    "ExportTaskId": Map("ExportTaskId"),
}

# EC2 DiskImageFormat -> OAPI's; None: refused with the reason.
DISK_FORMATS = {
    "RAW": "raw",
    "raw": "raw",
    "qcow2": "qcow2",
    "QCOW2": "qcow2",
    "VMDK": None,
    "VHD": None,
}
# OAPI task State -> (EC2 Status, StatusMessage when OAPI gives no Comment)
TASK_STATES = {
    "pending/queued": ("active", "queued"),
    "pending": ("active", "exporting"),
    "completed": ("completed", None),
    "failed": ("deleted", "failed"),
    "cancelled": ("deleted", "cancelled"),
}
EXPORT_TASK_FILTERS = {"task-state": lambda task: [task.get("Status")]}
MAX_TASK_RESULTS = 500  # EC2's range for DescribeExportImageTasks


def manifest_location(export: dict):
    """Where an export's manifest is (OAPI's ``OsuManifestUrl`` without any signature): pre-sign it
    (``aws s3 presign``, ``osc-shim share-image``) to let another account or region register it."""
    url = export.get("OsuManifestUrl")
    return url.split("?", 1)[0] if url else None


def to_ec2_task(task, ec2_format=None, description=None, tagged=None) -> dict:
    """OAPI ``ImageExportTask`` -> EC2 ``ExportImageTask`` (plus ExportImage's extra members; ``tagged``: the
    tags ExportImage just put on the task, shown over those of the answer).  A task whose content is not
    known (``osc-shim translate``) is shown member for member as OUTSCALE answers it."""
    return read_answer(task, lambda known: _shaped(known, ec2_format, description, tagged), _unread)


def _unread(task) -> dict:
    return {"ExportImageTaskId": task["TaskId"], "ImageId": task["ImageId"], "Status": task["State"],
            "Progress": task["Progress"], "S3ExportLocation": {"S3Bucket": task["OsuExport"]["OsuBucket"],
                                                              "S3Prefix": task["OsuExport"]["OsuPrefix"]}}


def _shaped(task: dict, ec2_format, description, tagged) -> dict:
    state = task.get("State", "")
    status, default_message = TASK_STATES.get(state, ("active", state or None))
    export = task.get("OsuExport") or {}
    out = {"ExportImageTaskId": task.get("TaskId"), "ImageId": task.get("ImageId"), "Status": status}
    if status == "active" and task.get("Progress") is not None:
        out["Progress"] = str(task["Progress"])
    location = {"S3Bucket": export.get("OsuBucket")}
    if export.get("OsuPrefix"):
        location["S3Prefix"] = export["OsuPrefix"]
    out["S3ExportLocation"] = location
    message = task.get("Comment") or default_message
    manifest = manifest_location(export)
    if manifest:  # EC2's model has no member for it: StatusMessage reaches every client (CLI, SDKs' XML)
        message = f"{message}; manifest: {manifest}" if message else f"manifest: {manifest}"
    if message:
        out["StatusMessage"] = message
    if ec2_format is not None:
        out["DiskImageFormat"] = ec2_format
    if description:
        out["Description"] = description
    tag_list = ec2_tags(task.get("Tags"))
    if tagged:  # the answer may predate the CreateTags that followed it
        merged = {t["Key"]: t["Value"] for t in tag_list or []}
        merged.update({t["Key"]: t["Value"] for t in tagged})
        tag_list = [{"Key": k, "Value": v} for k, v in merged.items()]
    if tag_list:
        out["Tags"] = tag_list
    return out


def export_image(params: dict, ctx: Context):
    check_members("ExportImage", EXPORT_IMAGE, params)
    require(params, "ImageId", "DiskImageFormat", "S3ExportLocation")
    image_id = check_id(params["ImageId"], "ami-")
    ec2_format = params["DiskImageFormat"]
    if ec2_format not in DISK_FORMATS:
        raise invalid_value("DiskImageFormat", ec2_format, "OUTSCALE exports images as RAW (raw) or qcow2.")
    oapi_format = DISK_FORMATS[ec2_format]
    if oapi_format is None:
        raise invalid_value("DiskImageFormat", ec2_format,
                            "OUTSCALE exports images as RAW (raw) or qcow2 only; export as RAW or qcow2 and "
                            f"convert the file afterwards (e.g. qemu-img convert -O {ec2_format.lower()}).")
    location = params["S3ExportLocation"]
    check_members("ExportImage", S3_EXPORT_LOCATION, location, "S3ExportLocation.")
    if not location.get("S3Bucket"):
        raise missing_parameter("S3ExportLocation.S3Bucket")
    tags = tag_specifications(params.get("TagSpecifications"), ("export-image-task",), "ExportImage")
    if params.get("RoleName"):
        ctx.warn(f"--role-name {params['RoleName']} ignored: OUTSCALE has no IAM service role for exports; "
                 f"the bucket {location['S3Bucket']} must let OUTSCALE write the exported image.")
    if params.get("Description"):
        ctx.warn("--description is not kept by OUTSCALE: describe-export-image-tasks will not show it.")

    osu = {"DiskImageFormat": oapi_format}
    osu.update({S3_EXPORT_LOCATION[k].target: v for k, v in location.items() if v is not None})
    body = {"ImageId": image_id, "OsuExport": osu}
    answer = yield from call_on(Call("CreateImageExportTask", body), image_id)
    task = answer["ImageExportTask"]
    yield from tag_new_resource(task["TaskId"], tags.get("export-image-task"), "The export task")
    return to_ec2_task(task, ec2_format, params.get("Description"), tags.get("export-image-task"))


def describe_export_image_tasks(params: dict, ctx: Context):
    check_members("DescribeExportImageTasks", DESCRIBE_EXPORT_IMAGE_TASKS, params)
    filters = []
    for i, f in enumerate(params.get("Filters") or [], 1):
        check_members("DescribeExportImageTasks", FILTER_MEMBERS, f, f"Filter.{i}.")
        name = f.get("Name")
        if name not in EXPORT_TASK_FILTERS:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is invalid")
        values = [str(v) for v in f.get("Values") or []]
        if not values:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' needs at least one value")
        filters.append((EXPORT_TASK_FILTERS[name], values))
    max_results = params.get("MaxResults")
    if max_results is not None and not 1 <= max_results <= MAX_TASK_RESULTS:
        raise invalid_value("MaxResults", max_results, f"Give a value between 1 and {MAX_TASK_RESULTS}.")
    body = {}
    if params.get("ExportImageTaskIds"):
        body["Filters"] = {"TaskIds": list(params["ExportImageTaskIds"])}
    if max_results is not None:
        body["ResultsPerPage"] = max_results
    if params.get("NextToken"):
        body["NextPageToken"] = params["NextToken"]
    answer = yield Call("ReadImageExportTasks", body, idempotent=True)
    tasks = []
    for task in answer.get("ImageExportTasks") or []:
        shaped = to_ec2_task(task)
        if all(matches(read(shaped), values) for read, values in filters):
            tasks.append(shaped)
    result = {"ExportImageTasks": tasks}
    token = next_page_token(answer)
    if token is not None:
        result["NextToken"] = token
    return result


def cancel_export_task(params: dict, ctx: Context):
    check_members("CancelExportTask", CANCEL_EXPORT_TASK, params)
    task_id = params.get("ExportTaskId")
    if not task_id:
        raise missing_parameter("ExportTaskId")
    try:
        yield Call("DeleteExportTask", {"ExportTaskId": task_id}, idempotent=True)
    except OapiError as err:
        if err.code == NO_SUCH_TASK:
            raise Ec2Error("InvalidExportTaskID.NotFound", f"The export task ID '{task_id}' does not exist") from None
        raise to_ec2(err) from None
    return {}


# OAPI's code for an unknown export task (gateway_errors.yaml: 5058).
NO_SUCH_TASK = "5058"


# -- what this module translates (operations/__init__ collects it) ------------------------------

OPERATIONS = {
    "ExportImage": export_image,
    "DescribeExportImageTasks": describe_export_image_tasks,
    "CancelExportTask": cancel_export_task,
}

# EC2 operation -> the OUTSCALE API calls it becomes (`aws ec2 <operation> help` says it).
BECOMES = {
    "ExportImage": "CreateImageExportTask",
    "DescribeExportImageTasks": "ReadImageExportTasks",
    "CancelExportTask": "DeleteExportTask",
}

MEMBER_TABLES = {
    ("ExportImage", ()): EXPORT_IMAGE,
    ("ExportImage", ("S3ExportLocation",)): S3_EXPORT_LOCATION,
    **specification_tables("ExportImage"),
    ("DescribeExportImageTasks", ()): DESCRIBE_EXPORT_IMAGE_TASKS,
    ("DescribeExportImageTasks", ("Filters",)): FILTER_MEMBERS,
    ("CancelExportTask", ()): CANCEL_EXPORT_TASK,
}
