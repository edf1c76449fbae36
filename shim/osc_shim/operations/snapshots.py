"""The snapshot half of the image family: EC2 snapshot calls -> OAPI CreateSnapshot / ReadSnapshots /
UpdateSnapshot / DeleteSnapshot.

- CreateSnapshot -> CreateSnapshot ``VolumeId``; CopySnapshot -> CreateSnapshot ``SourceSnapshotId`` +
  ``SourceRegionName`` (within your region, as images); ImportSnapshot -> CreateSnapshot ``FileLocation``
  (a pre-signed URL of the object in a bucket) + ``SnapshotSize`` (bytes, from ``ClientData.UploadSize``
  in GiB: OAPI needs the size and EC2's DiskContainer does not carry one).  OAPI's snapshot is complete at
  once for an import, so ImportSnapshot answers the task ``completed`` with its ``SnapshotId``.
- DescribeSnapshots -> ReadSnapshots: IDs, owners (IDs, ``self`` via ReadAccounts, aliases),
  restorable-by, filters (EC2 semantics applied to the answer, plain values also sent to OAPI), pages.
- Modify/Describe/ResetSnapshotAttribute ``createVolumePermission`` <-> ``PermissionsToCreateVolume``
  (``UserId`` <-> ``AccountIds``, ``Group all`` <-> ``GlobalPermission``); UpdateSnapshot takes
  ``Additions`` or ``Removals``, so a request with both is two calls.
"""

from __future__ import annotations

import re

from ..errors import Ec2Error, invalid_value, missing_parameter, unsupported_parameter
from ..presigned import is_url
from .attributes import granted_removals, _merge
from .engine import DRY_RUN, Call, Context, Handled, Map, Refuse, check_members, mapped, require
from .reads import ACCOUNT_ID_RE, own_account_id, read_one, with_next_token
from .filters import FILTER_MEMBERS, Filter, Narrowing, Server, check_filters, passes, server_filter
from .ec2_image import call_on, check_id, ec2_timestamp, tags as ec2_tags
from .conversion import Table
from .placeholders import may_be, missing, next_page_token, read_answer
from .tags import specification_tables, tag_new_resource, tag_specifications

GIB = 1 << 30
NO_VOLUME = "vol-ffffffff"  # EC2's volume ID of a snapshot that was copied or imported
_VOLUME_ID_RE = re.compile(r"^vol-[0-9a-f]{8}(?:[0-9a-f]{9})?$")
NO_OUTPOSTS = "OUTSCALE has no Outposts"

CREATE_SNAPSHOT = {
    "VolumeId": Map("VolumeId"),
    "Description": Map("Description"),
    "TagSpecifications": Handled("snapshot -> CreateTags on the new snapshot"),
    "OutpostArn": Refuse(NO_OUTPOSTS),
    "Location": Handled("regional accepted (OUTSCALE keeps snapshots in the region); local refused"),
    "DryRun": DRY_RUN,
}
COPY_SNAPSHOT = {
    "SourceSnapshotId": Map("SourceSnapshotId"),
    "SourceRegion": Handled("SourceRegionName; must be your own region on OUTSCALE"),
    "Description": Map("Description"),
    "DestinationRegion": Handled("accepted when it is your region (the copy is made there); another refused"),
    "Encrypted": Handled("false accepted; true refused: OUTSCALE snapshots are not encrypted"),
    "KmsKeyId": Refuse("OUTSCALE snapshots are not encrypted with KMS keys"),
    "PresignedUrl": Handled("accepted and not sent: boto3 and the AWS CLI sign one for every copy (with "
                            "DestinationRegion); OUTSCALE copies within the region and needs none"),
    "DestinationOutpostArn": Refuse(NO_OUTPOSTS),
    "TagSpecifications": Handled("snapshot -> CreateTags on the copy"),
    "CompletionDurationMinutes": Refuse("OUTSCALE has no time-based snapshot copies"),
    "DestinationAvailabilityZone": Refuse("an OUTSCALE snapshot belongs to a region, not to a Subregion"),
    "DryRun": DRY_RUN,
}
DELETE_SNAPSHOT = {"SnapshotId": Map("SnapshotId"), "DryRun": DRY_RUN}
DESCRIBE_SNAPSHOTS = {
    "SnapshotIds": Handled("Filters.SnapshotIds; an ID not returned is InvalidSnapshot.NotFound"),
    "OwnerIds": Handled("account IDs -> AccountIds, self -> your account ID (ReadAccounts), other words -> "
                        "AccountAliases; amazon / aws-marketplace / aws-backup-vault refused"),
    "RestorableByUserIds": Handled("account IDs / self: the owner, or PermissionsToCreateVolume.AccountIds, or "
                                   "a public snapshot; all: public snapshots"),
    "Filters": Handled("see SNAPSHOT_FILTERS: OAPI filters where they exist, and always applied to the answer"),
    "MaxResults": Handled("ResultsPerPage"),
    "NextToken": Handled("NextPageToken"),
    "DryRun": DRY_RUN,
}
MODIFY_SNAPSHOT_ATTRIBUTE = {
    "SnapshotId": Map("SnapshotId"),
    "Attribute": Handled("createVolumePermission only (productCodes cannot be modified, as on EC2)"),
    "CreateVolumePermission": Handled("Add / Remove -> PermissionsToCreateVolume Additions / Removals"),
    "OperationType": Handled("add -> Additions, remove -> Removals (with UserIds / GroupNames)"),
    "UserIds": Handled("PermissionsToCreateVolume AccountIds"),
    "GroupNames": Handled("all -> PermissionsToCreateVolume GlobalPermission"),
    "DryRun": DRY_RUN,
}
CREATE_VOLUME_PERMISSION_MODIFICATIONS = {
    "Add": Handled("PermissionsToCreateVolume.Additions"),
    "Remove": Handled("PermissionsToCreateVolume.Removals"),
}
CREATE_VOLUME_PERMISSION = {"UserId": Handled("AccountIds"), "Group": Handled("all -> GlobalPermission")}
DESCRIBE_SNAPSHOT_ATTRIBUTE = {
    "SnapshotId": Handled("ReadSnapshots Filters.SnapshotIds"),
    "Attribute": Handled("createVolumePermission -> PermissionsToCreateVolume; productCodes -> none "
                         "(OUTSCALE snapshots carry no product codes)"),
    "DryRun": DRY_RUN,
}
RESET_SNAPSHOT_ATTRIBUTE = {
    "SnapshotId": Map("SnapshotId"),
    "Attribute": Handled("createVolumePermission: every account and the public permission removed"),
    "DryRun": DRY_RUN,
}
IMPORT_SNAPSHOT = {
    "DiskContainer": Handled("Url -> FileLocation (a pre-signed URL of the object in its bucket)"),
    "ClientData": Handled("UploadSize (GiB) -> SnapshotSize (bytes): OAPI needs the size of the file"),
    "Description": Map("Description"),
    "ClientToken": Map("ClientToken"),
    "TagSpecifications": Handled("import-snapshot-task or snapshot -> CreateTags on the new snapshot"),
    "Encrypted": Handled("false accepted; true refused: OUTSCALE snapshots are not encrypted"),
    "KmsKeyId": Refuse("OUTSCALE snapshots are not encrypted with KMS keys"),
    "RoleName": Refuse("OUTSCALE reads the file through its pre-signed URL: no service role is involved"),
    "DryRun": DRY_RUN,
}
DISK_CONTAINER = {
    "Url": Handled("FileLocation; must be a pre-signed https URL of the object (aws s3 presign)"),
    "UserBucket": Refuse("give DiskContainer.Url, a pre-signed URL of the object (aws s3 presign s3://BUCKET/KEY)"),
    "Format": Handled("RAW / VHD / VMDK accepted: OUTSCALE reads the format from the file"),
    "Description": Handled("Description of the snapshot when Description is not given"),
}
CLIENT_DATA = {
    "UploadSize": Handled("SnapshotSize = UploadSize GiB in bytes"),
    "Comment": Handled("accepted: only kept by EC2 for the client's own records"),
    "UploadStart": Handled("accepted: only kept by EC2 for the client's own records"),
    "UploadEnd": Handled("accepted: only kept by EC2 for the client's own records"),
}

DISK_FORMATS = ("RAW", "VHD", "VMDK")
ATTRIBUTE = "createVolumePermission"
GROUP_ALL = "all"
AWS_OWNER_ALIASES = ("amazon", "aws-marketplace", "aws-backup-vault")
MAX_RESULTS = 1000

# OAPI snapshot State -> EC2 State.
STATES = {"in-queue": "pending", "pending": "pending", "importing": "pending", "completed": "completed",
          "error": "error", "deleting": "pending"}


def _progress(value):
    return f"{value}%" if isinstance(value, int) else value


# EC2 member <- OAPI member, conversion (None: unchanged); as ec2_image.IMAGE_FIELDS.
SNAPSHOT_FIELDS: tuple = (
    ("SnapshotId", "SnapshotId", None),
    ("VolumeId", "VolumeId", None),
    ("State", "State", lambda v: STATES.get(v, v)),
    ("StartTime", "CreationDate", ec2_timestamp),
    ("Progress", "Progress", _progress),
    ("OwnerId", "AccountId", None),
    ("OwnerAlias", "AccountAlias", lambda v: v or None),
    ("Description", "Description", None),
    ("VolumeSize", "VolumeSize", None),
    ("Tags", "Tags", ec2_tags),
)
# What every OUTSCALE snapshot is, and what EC2 shows when OAPI leaves a member out.
SNAPSHOT_CONSTANTS = {"Encrypted": False, "StorageTier": "standard"}
SNAPSHOT_DEFAULTS = {"VolumeId": NO_VOLUME, "Description": ""}


SNAPSHOT_TABLE = Table("Snapshot", SNAPSHOT_FIELDS, SNAPSHOT_CONSTANTS, SNAPSHOT_DEFAULTS)
to_ec2_snapshot = SNAPSHOT_TABLE.convert


def _one(member: str):
    return lambda s: [s.get(member)]


SNAPSHOT_FILTERS = {
    "snapshot-id": Filter(_one("SnapshotId"), Server("SnapshotIds")),
    "volume-id": Filter(_one("VolumeId"), Server("VolumeIds")),
    "status": Filter(_one("State"), None, "answer only (OAPI names the states differently)"),
    "owner-id": Filter(_one("OwnerId"), Server("AccountIds")),
    "owner-alias": Filter(_one("OwnerAlias"), Server("AccountAliases")),
    "description": Filter(_one("Description"), Server("Descriptions")),
    "volume-size": Filter(_one("VolumeSize"), Server("VolumeSizes", convert=lambda v: int(v) if v.isdigit() else None)),
    "progress": Filter(_one("Progress"), None, "answer only"),
    "start-time": Filter(_one("StartTime"), None, "answer only"),
    "encrypted": Filter(_one("Encrypted"), None, "OUTSCALE snapshots are never encrypted: only false matches"),
    "storage-tier": Filter(_one("StorageTier"), None, "always standard"),
    "tag-key": Filter(lambda s: [t.get("Key") for t in s.get("Tags") or []], Server("TagKeys", many=True)),
    **{name: Filter(lambda s: [], None, "OUTSCALE snapshots never have it: nothing matches")
       for name in ("kms-key-id", "outpost-arn", "transfer-type", "sse-type")},
}


def _filter_for(name) -> Filter:
    if isinstance(name, str) and name.startswith("tag:") and len(name) > 4:
        key = name[4:]
        return Filter(lambda s: [t.get("Value") for t in s.get("Tags") or [] if t.get("Key") == key], None, "tag:KEY")
    rule = SNAPSHOT_FILTERS.get(name)
    if rule is None:
        raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is invalid")
    return rule


def _check_volume_id(value) -> str:
    if not isinstance(value, str) or not _VOLUME_ID_RE.match(value):
        raise Ec2Error("InvalidVolumeID.Malformed", f'Invalid id: "{value}" (expecting "vol-...")')
    return value


def _create(body: dict, params: dict, tags: list, resource_id: str):
    """Sub-generator: CreateSnapshot, then its tags; returns the OAPI snapshot."""
    answer = yield from call_on(Call("CreateSnapshot", body), resource_id)
    snapshot = answer["Snapshot"]
    yield from tag_new_resource(snapshot["SnapshotId"], tags, "The snapshot")
    return read_answer(snapshot, lambda made: dict(made, Tags=tags) if tags else made)


# -- creates ---------------------------------------------------------------------------------

def create_snapshot(params: dict, ctx: Context):
    check_members("CreateSnapshot", CREATE_SNAPSHOT, params)
    require(params, "VolumeId")
    _check_volume_id(params["VolumeId"])
    if params.get("Location") not in (None, "regional"):
        raise unsupported_parameter("Location", f"{params['Location']}: OUTSCALE keeps snapshots in the region "
                                    "(only regional exists)")
    tags = tag_specifications(params.get("TagSpecifications"), ("snapshot",), "CreateSnapshot").get("snapshot")
    snapshot = yield from _create(mapped(CREATE_SNAPSHOT, params), params, tags, params["VolumeId"])
    return to_ec2_snapshot(snapshot)


def copy_snapshot(params: dict, ctx: Context):
    check_members("CopySnapshot", COPY_SNAPSHOT, params)
    require(params, "SourceSnapshotId", "SourceRegion")
    check_id(params["SourceSnapshotId"], "snap-")
    if params.get("Encrypted"):
        raise unsupported_parameter("Encrypted", "OUTSCALE snapshots are not encrypted")
    for member in ("SourceRegion", "DestinationRegion"):
        region = params.get(member)
        if region is not None and region != ctx.region:
            raise invalid_value(member, region, f"OUTSCALE copies snapshots only within your own region "
                                f"({ctx.region}). To move a snapshot's data to another region, make an image of it "
                                "and export the image to a bucket (export-image).")
    tags = tag_specifications(params.get("TagSpecifications"), ("snapshot",), "CopySnapshot").get("snapshot")
    body = dict(mapped(COPY_SNAPSHOT, params), SourceRegionName=params["SourceRegion"])
    snapshot = yield from _create(body, params, tags, params["SourceSnapshotId"])
    return {"SnapshotId": snapshot["SnapshotId"], **({"Tags": tags} if tags else {})}


def import_snapshot(params: dict, ctx: Context):
    check_members("ImportSnapshot", IMPORT_SNAPSHOT, params)
    disk = params.get("DiskContainer")
    if not disk:
        raise missing_parameter("DiskContainer", "OUTSCALE imports a snapshot from a pre-signed URL: "
                                "--disk-container Url=https://...")
    check_members("ImportSnapshot", DISK_CONTAINER, disk, "DiskContainer.")
    client = params.get("ClientData") or {}
    check_members("ImportSnapshot", CLIENT_DATA, client, "ClientData.")
    if params.get("Encrypted"):
        raise unsupported_parameter("Encrypted", "OUTSCALE snapshots are not encrypted")
    url = disk.get("Url")
    if not url:
        raise missing_parameter("DiskContainer.Url", "a pre-signed URL of the object (aws s3 presign s3://BUCKET/KEY)")
    if not is_url(url):
        raise invalid_value("DiskContainer.Url", url, "OUTSCALE reads the file through a pre-signed https URL "
                            "(aws s3 presign s3://BUCKET/KEY), not an s3:// location.")
    fmt = disk.get("Format")
    if fmt is not None and fmt.upper() not in DISK_FORMATS:
        raise invalid_value("DiskContainer.Format", fmt, f"Valid values: {' | '.join(DISK_FORMATS)}.")
    size = client.get("UploadSize")
    if size is None:
        raise missing_parameter("ClientData.UploadSize", "OUTSCALE needs the size of the snapshot file "
                                "(CreateSnapshot SnapshotSize): --client-data UploadSize=GIB")
    if not size > 0:
        raise invalid_value("ClientData.UploadSize", size, "The size is in GiB and must be positive.")
    tags = tag_specifications(params.get("TagSpecifications"), ("import-snapshot-task", "snapshot"),
                              "ImportSnapshot")
    tag_list = [t for kind in ("import-snapshot-task", "snapshot") for t in tags.get(kind, [])]
    description = params.get("Description") or disk.get("Description")
    body = {"FileLocation": url, "SnapshotSize": int(round(size * GIB))}
    if description:
        body["Description"] = description
    if params.get("ClientToken"):
        body["ClientToken"] = params["ClientToken"]
    # A ClientToken makes a repeated create answer the same snapshot: safe to re-send.
    answer = yield from call_on(Call("CreateSnapshot", body, idempotent=bool(params.get("ClientToken"))),
                                "")
    snapshot = answer["Snapshot"]
    yield from tag_new_resource(snapshot["SnapshotId"], tag_list, "The snapshot")
    detail = {"SnapshotId": snapshot["SnapshotId"], "Status": "completed", "Progress": "100",
              "DiskImageSize": float(body["SnapshotSize"]), "Url": url, "Encrypted": False}
    if fmt:
        detail["Format"] = fmt.upper()
    if description:
        detail["Description"] = description
    out = {"ImportTaskId": f"import-{snapshot['SnapshotId']}", "SnapshotTaskDetail": detail}
    if description:
        out["Description"] = description
    if tag_list:
        out["Tags"] = tag_list
    return out


# -- reads -----------------------------------------------------------------------------------

def snapshot_not_found(ids) -> Ec2Error:
    ids = list(ids)
    if len(ids) > 1:
        return Ec2Error("InvalidSnapshot.NotFound", f"The snapshots '{', '.join(ids)}' do not exist.")
    return Ec2Error("InvalidSnapshot.NotFound", f"The snapshot '{ids[0]}' does not exist.")


def read_snapshot(snapshot_id: str):
    """Sub-generator: the OAPI snapshot ``snapshot_id`` (ReadSnapshots), or InvalidSnapshot.NotFound."""
    check_id(snapshot_id, "snap-")
    snapshot = yield from read_one("ReadSnapshots", "Snapshots", "SnapshotId", snapshot_id, snapshot_not_found)
    return snapshot


def _who(values, me, what: str, allow_all: bool = False) -> tuple:
    """(account IDs, aliases, all?) of OwnerIds / RestorableByUserIds."""
    ids, aliases, everyone = [], [], False
    for value in values:
        if value == "self":
            ids.append(me)
        elif allow_all and value == GROUP_ALL:
            everyone = True
        elif ACCOUNT_ID_RE.match(value):
            ids.append(value)
        elif value in AWS_OWNER_ALIASES:
            raise invalid_value(what, value, f"OUTSCALE has no '{value}' owner: give account IDs, self, or an "
                                "OUTSCALE account alias.")
        elif value and not allow_all:
            aliases.append(value)
        else:
            raise invalid_value(what, value, "Give account IDs, self" + (" or all." if allow_all else "."))
    return ids, aliases, everyone


def _restorable(snapshot: dict, ids: list, everyone: bool) -> bool:
    return read_answer(snapshot.get("PermissionsToCreateVolume") or {},
                       lambda perms: _grants(perms, snapshot, ids, everyone), lambda perms: True)


def _grants(perms: dict, snapshot: dict, ids: list, everyone: bool) -> bool:
    if everyone and perms.get("GlobalPermission"):
        return True
    return any(i == snapshot.get("AccountId") or i in (perms.get("AccountIds") or []) or perms.get("GlobalPermission")
               for i in ids)


def describe_snapshots(params: dict, ctx: Context):
    check_members("DescribeSnapshots", DESCRIBE_SNAPSHOTS, params)
    ids = list(params.get("SnapshotIds") or [])
    for snapshot_id in ids:
        check_id(snapshot_id, "snap-")
    filters = check_filters("DescribeSnapshots", params.get("Filters"), _filter_for)
    max_results = params.get("MaxResults")
    if max_results is not None and not 5 <= max_results <= MAX_RESULTS:
        raise invalid_value("MaxResults", max_results, f"Give a value between 5 and {MAX_RESULTS}.")
    if max_results is not None and ids:
        raise Ec2Error("InvalidParameterCombination", "MaxResults cannot be given with SnapshotIds.")
    owners = list(params.get("OwnerIds") or [])
    restorable = list(params.get("RestorableByUserIds") or [])
    me = None
    if "self" in owners + restorable:
        me = yield from own_account_id()
    owner_ids, owner_aliases, _ = _who(owners, me, "Owner")
    restore_ids, _, restore_all = _who(restorable, me, "RestorableBy", allow_all=True)

    narrowing = Narrowing()
    if ids:
        narrowing.add("SnapshotIds", sorted(set(ids)))
    if owner_ids and not owner_aliases:
        narrowing.add("AccountIds", list(owner_ids))
    elif owner_aliases and not owner_ids:
        narrowing.add("AccountAliases", list(owner_aliases))
    for name, rule, values in filters:
        if not name.startswith("tag:"):
            server_filter(rule, values, narrowing)
    body = {"Filters": narrowing.filters} if narrowing.filters else {}
    if ctx.dry_run:  # checked with the filters, without paging (the engine stops after this call)
        yield Call("ReadSnapshots", body, idempotent=True)

    def keep(found):
        kept = []
        for snap in found:
            view = SNAPSHOT_TABLE.view(snap)  # only the members the checks read are converted
            if owners and not (may_be(view.get("OwnerId"), owner_ids) or view.get("OwnerAlias") in owner_aliases):
                continue
            if restorable and not _restorable(snap, restore_ids, restore_all):
                continue
            if passes(filters, view, snap):
                kept.append(snap)
        return SNAPSHOT_TABLE.answer(kept, ctx.deferred)

    if ids:  # every page: the IDs bound the answer, and NotFound needs all of it
        found, token = [], None
        while True:
            answer = yield Call("ReadSnapshots", dict(body, **({"NextPageToken": token} if token else {})),
                                idempotent=True)
            found.extend(answer.get("Snapshots") or [])
            token = next_page_token(answer)
            if token is None:
                break
        unseen = missing(ids, found, "SnapshotId")
        if unseen:
            raise snapshot_not_found(unseen)
        return {"Snapshots": keep(found)}
    if max_results is not None:
        body["ResultsPerPage"] = max_results
    if params.get("NextToken"):
        body["NextPageToken"] = params["NextToken"]
    answer = yield Call("ReadSnapshots", body, idempotent=True)
    return with_next_token({"Snapshots": keep(answer.get("Snapshots") or [])}, answer)


# -- delete, attributes ----------------------------------------------------------------------

def delete_snapshot(params: dict, ctx: Context):
    check_members("DeleteSnapshot", DELETE_SNAPSHOT, params)
    require(params, "SnapshotId")
    snapshot_id = check_id(params["SnapshotId"], "snap-")
    try:
        yield from call_on(Call("DeleteSnapshot", mapped(DELETE_SNAPSHOT, params), idempotent=True),
                           snapshot_id)
    except Ec2Error as err:
        if err.status == 409:  # OAPI's 9002 busy: an image still uses the snapshot
            raise Ec2Error("InvalidSnapshot.InUse", f"The snapshot {snapshot_id} is currently in use: "
                           f"{err.message}") from None
        raise
    return {}


def _permissions(items, where: str) -> dict:
    accounts, public = [], False
    for i, item in enumerate(items or [], 1):
        check_members("ModifySnapshotAttribute", CREATE_VOLUME_PERMISSION, item, f"{where}.{i}.")
        user, group = item.get("UserId"), item.get("Group")
        if (user is None) == (group is None):
            raise Ec2Error("InvalidParameterCombination", f"{where}.{i} needs either UserId or Group.")
        if group is not None and group != GROUP_ALL:
            raise invalid_value(f"{where}.{i}.Group", group, "The only group is all.")
        if group is not None:
            public = True
        elif user not in accounts:
            accounts.append(user)
    return {**({"AccountIds": accounts} if accounts else {}), **({"GlobalPermission": True} if public else {})}


def modify_snapshot_attribute(params: dict, ctx: Context):
    check_members("ModifySnapshotAttribute", MODIFY_SNAPSHOT_ATTRIBUTE, params)
    require(params, "SnapshotId")
    snapshot_id = check_id(params["SnapshotId"], "snap-")
    attribute = params.get("Attribute")
    if attribute not in (None, ATTRIBUTE):
        raise invalid_value("Attribute", attribute, f"Only {ATTRIBUTE} can be modified.")
    op = params.get("OperationType")
    flat = [{"UserId": u} for u in params.get("UserIds") or []] + [{"Group": g} for g in params.get("GroupNames") or []]
    if op not in (None, "add", "remove"):
        raise invalid_value("OperationType", op, "Valid values: add | remove.")
    if flat and op is None:
        raise missing_parameter("OperationType", "UserIds and GroupNames need OperationType add or remove.")
    additions = _permissions(flat, "UserId") if op == "add" else {}
    removals = _permissions(flat, "UserId") if op == "remove" else {}
    structured = params.get("CreateVolumePermission")
    if structured is not None:
        check_members("ModifySnapshotAttribute", CREATE_VOLUME_PERMISSION_MODIFICATIONS, structured,
                      "CreateVolumePermission.")
        additions = _merge(additions, _permissions(structured.get("Add"), "CreateVolumePermission.Add"))
        removals = _merge(removals, _permissions(structured.get("Remove"), "CreateVolumePermission.Remove"))
    if not additions and not removals:
        raise missing_parameter("CreateVolumePermission", "say whom to add or remove: --create-volume-permission, "
                                "or --operation-type with --user-ids / --group-names.")
    changes = [("Additions", additions)] if additions else []
    changes += [("Removals", removals)] if removals else []
    for kind, change in changes:
        body = {"SnapshotId": snapshot_id, "PermissionsToCreateVolume": {kind: change}}
        yield from call_on(Call("UpdateSnapshot", body, idempotent=True), snapshot_id)
    return {}


def describe_snapshot_attribute(params: dict, ctx: Context):
    check_members("DescribeSnapshotAttribute", DESCRIBE_SNAPSHOT_ATTRIBUTE, params)
    require(params, "Attribute", "SnapshotId")
    snapshot_id = check_id(params["SnapshotId"], "snap-")
    attribute = params["Attribute"]
    if attribute not in (ATTRIBUTE, "productCodes"):
        raise invalid_value("Attribute", attribute, f"Valid values: {ATTRIBUTE} | productCodes.")
    snap = yield from read_snapshot(snapshot_id)
    if attribute == "productCodes":
        return {"SnapshotId": snapshot_id, "ProductCodes": []}
    perms = read_answer(snap.get("PermissionsToCreateVolume") or {}, _volume_permissions)
    return {"SnapshotId": snapshot_id, "CreateVolumePermissions": perms}


def _volume_permissions(perms: dict) -> list:
    """OAPI ``PermissionsToCreateVolume`` -> EC2 ``CreateVolumePermissions``."""
    out = [{"UserId": a} for a in perms.get("AccountIds") or []]
    if perms.get("GlobalPermission"):
        out.append({"Group": GROUP_ALL})
    return out


def reset_snapshot_attribute(params: dict, ctx: Context):
    check_members("ResetSnapshotAttribute", RESET_SNAPSHOT_ATTRIBUTE, params)
    require(params, "Attribute", "SnapshotId")
    snapshot_id = check_id(params["SnapshotId"], "snap-")
    if params["Attribute"] != ATTRIBUTE:
        raise invalid_value("Attribute", params["Attribute"], f"Only {ATTRIBUTE} can be reset.")
    if ctx.dry_run:  # the check is whether it may be changed: nothing to read first
        body = {"SnapshotId": snapshot_id, "PermissionsToCreateVolume": {"Removals": {"GlobalPermission": True}}}
        yield from call_on(Call("UpdateSnapshot", body, idempotent=True), snapshot_id)
        return {}
    snap = yield from read_snapshot(snapshot_id)
    removals = read_answer(snap.get("PermissionsToCreateVolume") or {}, granted_removals,
                           lambda current: {"AccountIds": current["AccountIds"], "GlobalPermission": True})
    if removals:
        body = {"SnapshotId": snapshot_id, "PermissionsToCreateVolume": {"Removals": removals}}
        yield from call_on(Call("UpdateSnapshot", body, idempotent=True), snapshot_id)
    return {}


# -- what this module translates (operations/__init__ collects it) ------------------------------

OPERATIONS = {
    "CreateSnapshot": create_snapshot,
    "CopySnapshot": copy_snapshot,
    "ImportSnapshot": import_snapshot,
    "DescribeSnapshots": describe_snapshots,
    "DeleteSnapshot": delete_snapshot,
    "ModifySnapshotAttribute": modify_snapshot_attribute,
    "DescribeSnapshotAttribute": describe_snapshot_attribute,
    "ResetSnapshotAttribute": reset_snapshot_attribute,
}

# EC2 operation -> the OUTSCALE API calls it becomes (`aws ec2 <operation> help` says it).
BECOMES = {
    "CreateSnapshot": "CreateSnapshot with VolumeId, then CreateTags for --tag-specifications",
    "CopySnapshot": ("CreateSnapshot with SourceSnapshotId (within the region), "
                     "then CreateTags for --tag-specifications"),
    "ImportSnapshot": "CreateSnapshot with FileLocation and SnapshotSize, then CreateTags for --tag-specifications",
    "DescribeSnapshots": "ReadSnapshots (and ReadAccounts for --owner-ids self)",
    "DeleteSnapshot": "DeleteSnapshot",
    "ModifySnapshotAttribute": "UpdateSnapshot",
    "DescribeSnapshotAttribute": "ReadSnapshots",
    "ResetSnapshotAttribute": "ReadSnapshots, then UpdateSnapshot",
}

MEMBER_TABLES = {
    ("CreateSnapshot", ()): CREATE_SNAPSHOT,
    **specification_tables("CreateSnapshot"),
    ("CopySnapshot", ()): COPY_SNAPSHOT,
    **specification_tables("CopySnapshot"),
    ("ImportSnapshot", ()): IMPORT_SNAPSHOT,
    ("ImportSnapshot", ("DiskContainer",)): DISK_CONTAINER,
    ("ImportSnapshot", ("ClientData",)): CLIENT_DATA,
    **specification_tables("ImportSnapshot"),
    ("DescribeSnapshots", ()): DESCRIBE_SNAPSHOTS,
    ("DescribeSnapshots", ("Filters",)): FILTER_MEMBERS,
    ("DeleteSnapshot", ()): DELETE_SNAPSHOT,
    ("ModifySnapshotAttribute", ()): MODIFY_SNAPSHOT_ATTRIBUTE,
    ("ModifySnapshotAttribute", ("CreateVolumePermission",)): CREATE_VOLUME_PERMISSION_MODIFICATIONS,
    ("ModifySnapshotAttribute", ("CreateVolumePermission", "Add")): CREATE_VOLUME_PERMISSION,
    ("ModifySnapshotAttribute", ("CreateVolumePermission", "Remove")): CREATE_VOLUME_PERMISSION,
    ("DescribeSnapshotAttribute", ()): DESCRIBE_SNAPSHOT_ATTRIBUTE,
    ("ResetSnapshotAttribute", ()): RESET_SNAPSHOT_ATTRIBUTE,
}
