"""CreateImage (its four uses), ReadImages, UpdateImage, DeleteImage.

Codes chosen (gateway_errors.yaml names where they exist):
- fields of two uses mixed -> 3002; no use at all -> 7000;
- ImageName outside 3-128 of ``[A-Za-z0-9_ ()/.-]`` -> 4026 invalid-image-name;
- ImageName already used by one of the caller's images -> 9015 duplicate-name, HTTP 409
  (OAPI's spec lists 409 for ResourceConflict answers);
- Architecture outside i386|x86_64, or not the manifest's -> 4001 architecture-mismatch;
- SourceRegionName not this region -> 4047 invalid-parameter-value;
- copying an image that is not available -> 6001 invalid-image-state;
- FileLocation: not an http(s) URL naming an object -> 4075, not an OOS host -> 4074;
  manifest URL expired (or a snapshot URL inside it: the manifest is obsolete) -> 4040
  invalid-manifest; manifest object missing -> 5031 no-such-manifest; not a manifest ->
  4041 invalid-manifest-format; manifest Version not 1 -> 4094 unknown-export-version;
  without manifest: bucket missing -> 4002, object missing -> 5037, URL expired -> 4074;
- UpdateImage PermissionsToLaunch with both Additions and Removals -> 3002; an account
  ID that is not 12 digits -> 4047.
"""

from __future__ import annotations

import json
import re

from . import block_devices, oos
from .errors import ApiError, bad_value, missing
from .filters import IMAGE_FILTERS, matches, paginate
from .access import launchable_image, owned, usable_snapshot
from .models import Account, Image, iso
from .store import Cloud
from .views import image_view

IMAGE_NAME_RE = re.compile(r"^[A-Za-z0-9_ ()/.\-]{3,128}$")
ARCHITECTURES = ("i386", "x86_64")
DEFAULT_ARCHITECTURE = "x86_64"  # spec 1.42.0: "By default, set to x86_64"
ACCOUNT_ID_RE = re.compile(r"^\d{12}$")

# use -> the members only that use takes
USES = {
    "vm": ("VmId", "NoReboot"),
    "copy": ("SourceImageId", "SourceRegionName"),
    "snapshot": ("RootDeviceName", "BlockDeviceMappings"),
    "bucket": ("FileLocation",),
}
# member -> the uses it is valid with (others: every use)
ONLY_WITH = {"Architecture": ("snapshot", "bucket", "manifest")}


def _use_of(params: dict) -> str:
    present = {use for use, members in USES.items() if any(m in params for m in members)}
    if present == {"snapshot", "bucket"}:
        use = "bucket"  # a bucket object described explicitly: no manifest
    elif len(present) > 1:
        given = [m for use in sorted(present) for m in USES[use] if m in params]
        raise ApiError("incompatible-parameters",
                       f"These parameters belong to different ways of creating an image and cannot be combined: {', '.join(given)}.")
    elif not present:
        raise missing("VmId, SourceImageId, BlockDeviceMappings or FileLocation",
                      "(one of them): it says how the image is created.")
    else:
        use = present.pop()
        if use == "bucket":
            use = "manifest"
    for member, uses in ONLY_WITH.items():
        if member in params and use not in uses:
            raise ApiError("incompatible-parameters", f"{member} cannot be given when creating an image this way ({use}).")
    return use


def check_name(cloud: Cloud, account_id: str, name: str) -> None:
    if not IMAGE_NAME_RE.match(name):
        raise ApiError("invalid-image-name",
                       f"The image name {name!r} is invalid: 3-128 letters, digits, spaces, or _ ( ) / . - characters.")
    if any(i.name == name and i.account_id == account_id for i in cloud.images.values()):
        raise ApiError("duplicate-name", f"An image named {name!r} already exists in your account.")


def check_architecture(arch: str) -> str:
    if arch not in ARCHITECTURES:
        raise ApiError("architecture-mismatch", f"The architecture {arch!r} is invalid: use {' | '.join(ARCHITECTURES)}.")
    return arch


def object_url(url: str, param: str = "FileLocation") -> oos.OosUrl:
    try:
        return oos.parse_oos_url(url)
    except oos.UrlProblem as exc:
        raise ApiError(exc.case, f"{param} is invalid: {exc}.") from None


def check_not_expired(cloud: Cloud, loc: oos.OosUrl, case: str, what: str) -> None:
    """OOS's checks of a pre-signed URL: its signature (any account's key), then its expiry."""
    problem = oos.signature_problem(loc, cloud.secret_for)
    if problem:
        raise ApiError(case, f"The pre-signed URL of the {what} is refused by OOS: {problem}.")
    if loc.expired(cloud.now()):
        raise ApiError(case, f"The pre-signed URL of the {what} expired at {iso(loc.expires_at)}.")


def _copy_snapshot_for(cloud: Cloud, account_id: str, bsu: dict, description: str) -> dict:
    """A new snapshot owned by the caller for a copied mapping; the mapping pointed at it."""
    bsu = dict(bsu)
    if "SnapshotId" in bsu:
        src = cloud.snapshots.get(bsu["SnapshotId"])
        size = src.volume_size if src else bsu.get("VolumeSize", 1)
        bsu["SnapshotId"] = cloud.add_snapshot(account_id, size, description).snapshot_id
    return bsu


# -- the four uses: each returns the Image fields it decides ------------------
def _from_vm(cloud: Cloud, caller: Account, params: dict) -> dict:
    if "VmId" not in params:
        raise missing("VmId", "with NoReboot.")
    vm = owned(cloud, caller.account_id, params["VmId"], "i-", "VmId")
    mappings = []
    for vid in vm.volume_ids:
        vol = cloud.volumes[vid]
        snap = cloud.add_snapshot(caller.account_id, vol.size, f"Created by CreateImage from {vm.vm_id}", volume_id=vid)
        bsu = {"DeleteOnVmDeletion": True, "SnapshotId": snap.snapshot_id, "VolumeSize": vol.size,
               "VolumeType": vol.volume_type}
        if vol.iops is not None:
            bsu["Iops"] = vol.iops
        mappings.append({"DeviceName": vol.device_name, "Bsu": bsu})
    return {"architecture": vm.architecture, "block_device_mappings": mappings, "boot_modes": list(vm.boot_modes)}


def _copy(cloud: Cloud, caller: Account, params: dict) -> dict:
    if "SourceImageId" not in params:
        raise missing("SourceImageId", "with SourceRegionName.")
    if "SourceRegionName" not in params:
        raise missing("SourceRegionName", "with SourceImageId.")
    if params["SourceRegionName"] != cloud.region:
        raise bad_value("SourceRegionName", params["SourceRegionName"],
                        f"An image is copied within its region ({cloud.region}); to copy across regions, export it to a bucket.")
    src = launchable_image(cloud, caller.account_id, params["SourceImageId"], "SourceImageId")
    cloud.settle_image(src)
    if src.state != "available":
        raise ApiError("invalid-image-state", f"The image {src.image_id} is {src.state}: only available images can be copied.")
    desc = f"Copied from {src.image_id}"
    mappings = [dict(b, Bsu=_copy_snapshot_for(cloud, caller.account_id, b["Bsu"], desc)) if "Bsu" in b else dict(b)
                for b in src.block_device_mappings]
    return {"architecture": src.architecture, "block_device_mappings": mappings, "description": src.description,
            "root_device_name": src.root_device_name, "boot_modes": list(src.boot_modes),
            "product_codes": list(src.product_codes), "secure_boot": src.secure_boot,
            "tpm_mandatory": src.tpm_mandatory}


def _from_snapshots(cloud: Cloud, caller: Account, params: dict) -> dict:
    if "RootDeviceName" not in params:
        raise missing("RootDeviceName", "with BlockDeviceMappings.")
    if not params.get("BlockDeviceMappings"):
        raise missing("BlockDeviceMappings", "with RootDeviceName.")

    def size(snapshot_id):
        return usable_snapshot(cloud, caller.account_id, snapshot_id).volume_size

    mappings = block_devices.check_mappings(params["BlockDeviceMappings"], params["RootDeviceName"], size)
    return {"architecture": check_architecture(params.get("Architecture", DEFAULT_ARCHITECTURE)),
            "block_device_mappings": mappings, "root_device_name": params["RootDeviceName"]}


def _from_bucket_object(cloud: Cloud, caller: Account, params: dict) -> dict:
    """FileLocation names the root volume's object; everything else is given."""
    for member in ("RootDeviceName", "BlockDeviceMappings"):
        if not params.get(member):
            raise missing(member, "when FileLocation is read without a manifest.")
    loc = object_url(params["FileLocation"])
    check_not_expired(cloud, loc, "invalid-url", "object")
    if loc.bucket not in cloud.buckets:
        raise ApiError("bucket-not-found", f"The bucket {loc.bucket!r} does not exist.")
    body = cloud.get_object(loc.bucket, loc.key)
    if body is None:
        raise ApiError("no-such-object", f"The object {loc.key!r} does not exist in the bucket {loc.bucket!r}.")

    def size(snapshot_id):
        return usable_snapshot(cloud, caller.account_id, snapshot_id).volume_size

    root = params["RootDeviceName"]
    mappings = block_devices.check_mappings(params["BlockDeviceMappings"], root, size, root_without_snapshot=True)
    for bdm in mappings:
        if bdm["DeviceName"] == root and "SnapshotId" not in bdm["Bsu"]:
            snap = cloud.add_snapshot(caller.account_id, bdm["Bsu"]["VolumeSize"], f"Imported from {params['FileLocation'].split('?')[0]}")
            bdm["Bsu"]["SnapshotId"] = snap.snapshot_id
    return {"architecture": check_architecture(params.get("Architecture", DEFAULT_ARCHITECTURE)),
            "block_device_mappings": mappings, "root_device_name": root, "file_location": params["FileLocation"]}


def read_manifest(cloud: Cloud, url: str) -> dict:
    loc = object_url(url)
    check_not_expired(cloud, loc, "invalid-manifest", "manifest")
    body = cloud.get_object(loc.bucket, loc.key)
    if body is None:
        raise ApiError("no-such-manifest", f"No manifest at {loc.bucket}/{loc.key}.")
    try:
        manifest = json.loads(body)
        image = manifest["Image"]
        snapshots = image["Snapshots"]
        if not isinstance(snapshots, list) or not snapshots or not isinstance(image.get("Name", ""), str):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ApiError("invalid-manifest-format", f"The object {loc.bucket}/{loc.key} is not an image export manifest.") from None
    if manifest.get("Version") != oos.MANIFEST_VERSION:
        raise ApiError("unknown-export-version", f"Manifest version {manifest.get('Version')!r} is not supported "
                                                 f"(expected {oos.MANIFEST_VERSION}).")
    return manifest


def _from_manifest(cloud: Cloud, caller: Account, params: dict) -> dict:
    image = read_manifest(cloud, params["FileLocation"])["Image"]
    arch = check_architecture(image.get("Architecture", DEFAULT_ARCHITECTURE))
    if "Architecture" in params and params["Architecture"] != arch:
        raise ApiError("architecture-mismatch", f"Architecture {params['Architecture']!r} differs from the manifest's ({arch}).")
    mappings = []
    for i, snap in enumerate(image["Snapshots"]):
        try:
            device, size_bytes = snap["Device"], int(snap["Size"])
            url = oos.parse_oos_url(snap["PreSignedUrl"])
        except (KeyError, TypeError, ValueError):
            raise ApiError("invalid-manifest-format", f"Manifest snapshot {i} lacks a valid Device, Size or PreSignedUrl.") from None
        check_not_expired(cloud, url, "invalid-manifest", f"snapshot {snap.get('Filename', i)} (the manifest is obsolete)")
        bsu = {"DeleteOnVmDeletion": bool(snap.get("DeleteOnTermination", True)),
               "VolumeType": snap.get("VolumeType") or "standard"}
        if snap.get("Iops") is not None:
            bsu["Iops"] = snap["Iops"]
        gib = oos.size_in_gib(size_bytes)
        bsu = block_devices.check_volume(bsu, f"manifest Snapshots[{i}]", gib)
        bsu["SnapshotId"] = cloud.add_snapshot(caller.account_id, gib, f"Imported from {snap.get('Filename', device)}").snapshot_id
        mappings.append({"DeviceName": device, "Bsu": bsu})
    devices = [m["DeviceName"] for m in mappings]
    fields = {"architecture": arch, "block_device_mappings": mappings, "description": image.get("Description") or "",
              "root_device_name": block_devices.ROOT_DEVICE if block_devices.ROOT_DEVICE in devices else devices[0],
              "file_location": params["FileLocation"], "name": image.get("Name")}
    if image.get("ProductTypes"):
        fields["product_codes"] = list(image["ProductTypes"])
    return fields


BUILDERS = {"vm": _from_vm, "copy": _copy, "snapshot": _from_snapshots, "bucket": _from_bucket_object,
            "manifest": _from_manifest}


def create_image(cloud: Cloud, caller: Account, params: dict) -> dict:
    use = _use_of(params)
    if "Architecture" in params:
        check_architecture(params["Architecture"])
    name = params.get("ImageName")
    if name is None and use != "manifest":
        raise missing("ImageName")
    if name is not None:
        check_name(cloud, caller.account_id, name)
    snapshots_before = set(cloud.snapshots)
    try:
        fields = BUILDERS[use](cloud, caller, params)
        if name is None:
            name = fields.get("name") or ""
            check_name(cloud, caller.account_id, name)
    except ApiError:
        for sid in set(cloud.snapshots) - snapshots_before:  # a refused call leaves nothing behind
            del cloud.snapshots[sid]
        raise
    fields.pop("name", None)
    fields.setdefault("file_location", f"{caller.account_id}/{name}")
    for member, attr in (("Description", "description"), ("ProductCodes", "product_codes"),
                         ("BootModes", "boot_modes"), ("TpmMandatory", "tpm_mandatory")):
        if member in params:
            fields[attr] = params[member]
    img = cloud.add_image(account_id=caller.account_id, name=name, **fields)
    return {"Image": image_view(cloud, img)}


def read_images(cloud: Cloud, caller: Account, params: dict) -> dict:
    filters = params.get("Filters") or {}
    found = []
    for img in cloud.images.values():
        if cloud.can_launch(img, caller.account_id):
            cloud.settle_image(img)
            view = image_view(cloud, img)
            if matches(view, filters, IMAGE_FILTERS):
                found.append((img, view))
    page, token = paginate(found, params, ["ReadImages", caller.account_id, filters])
    for img, _ in page:
        if img.state == "pending":
            img.pending_reads += 1
    out = {"Images": [view for _, view in page]}
    if token:
        out["NextPageToken"] = token
    return out


def _check_accounts(ids: list, where: str) -> list:
    for a in ids:
        if not ACCOUNT_ID_RE.match(a):
            raise bad_value(where, a, "Account IDs are 12 digits.")
    return ids


def apply_permissions(change: dict, public: bool, accounts: list, where: str) -> tuple:
    """(public, accounts) after a PermissionsOnResourceCreation change."""
    if "Additions" in change and "Removals" in change:
        raise ApiError("incompatible-parameters", f"{where}: give Additions or Removals, not both.")
    if "Additions" in change:
        add = change["Additions"]
        public = public or bool(add.get("GlobalPermission"))
        accounts = accounts + [a for a in _check_accounts(add.get("AccountIds", []), f"{where}.Additions.AccountIds")
                               if a not in accounts]
    elif "Removals" in change:
        rem = change["Removals"]
        public = public and not rem.get("GlobalPermission")
        gone = set(_check_accounts(rem.get("AccountIds", []), f"{where}.Removals.AccountIds"))
        accounts = [a for a in accounts if a not in gone]
    else:
        raise missing(f"{where}.Additions or {where}.Removals")
    return public, accounts


def update_image(cloud: Cloud, caller: Account, params: dict) -> dict:
    img: Image = owned(cloud, caller.account_id, params["ImageId"], "ami-")
    if not any(m in params for m in ("Description", "ProductCodes", "PermissionsToLaunch")):
        raise missing("Description, ProductCodes or PermissionsToLaunch", "(at least one): nothing to update.")
    if "PermissionsToLaunch" in params:
        img.public, img.launch_accounts = apply_permissions(params["PermissionsToLaunch"], img.public,
                                                            img.launch_accounts, "PermissionsToLaunch")
    if "Description" in params:
        img.description = params["Description"]
    if "ProductCodes" in params:
        img.product_codes = list(params["ProductCodes"])
    return {"Image": image_view(cloud, img)}


def delete_image(cloud: Cloud, caller: Account, params: dict) -> dict:
    img = owned(cloud, caller.account_id, params["ImageId"], "ami-")
    del cloud.images[img.image_id]
    cloud.tags.pop(img.image_id, None)
    return {}


HANDLERS = {
    "CreateImage": create_image,
    "ReadImages": read_images,
    "UpdateImage": update_image,
    "DeleteImage": delete_image,
}
