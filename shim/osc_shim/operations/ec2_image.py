"""OAPI ``Image`` -> EC2 ``Image`` (botocore's output shape), IDs and image errors as EC2 words them.

The conversion is a table (``IMAGE_FIELDS``, read by ``conversion.Table``): EC2 member, OAPI
member, how the value changes.  ``docs``/tests and the gateway's XML writer read the same table.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Optional

from ..errors import Ec2Error, OapiError, to_ec2
from . import devices
from .image_checks import BOOT_MODES, DEFAULT_BOOT_MODES, SRIOV_NET_SUPPORT
from .conversion import ITSELF, ListOf, Table

# -- IDs ------------------------------------------------------------------------------------

# OUTSCALE IDs are <prefix>-<8 hex>; AWS's long IDs have 17 hex digits.
ID_BODY = r"[0-9a-f]{8}(?:[0-9a-f]{9})?"
ID_KINDS = {
    # prefix: (EC2 error code when malformed, EC2 error code when unknown, what)
    "ami-": ("InvalidAMIID.Malformed", "InvalidAMIID.NotFound", "image"),
    "snap-": ("InvalidSnapshotID.Malformed", "InvalidSnapshot.NotFound", "snapshot"),
    "i-": ("InvalidInstanceID.Malformed", "InvalidInstanceID.NotFound", "instance"),
}


def malformed_id(value, prefix: str) -> Ec2Error:
    return Ec2Error(ID_KINDS[prefix][0], f'Invalid id: "{value}" (expecting "{prefix}...")')


def check_id(value, prefix: str) -> str:
    """EC2's ID check: ``ami-`` + 8 (or 17) lowercase hex digits, else ``*.Malformed``."""
    if not isinstance(value, str) or not re.fullmatch(re.escape(prefix) + ID_BODY, value):
        raise malformed_id(value, prefix)
    return value


def image_not_found(image_ids) -> Ec2Error:
    """EC2's wording: ``The image id '[ami-1]' does not exist``, and for several
    ``The image ids '[ami-1, ami-2]' do not exist`` (scripts parse the IDs out of it)."""
    image_ids = list(image_ids)
    ids = ", ".join(image_ids)
    if len(image_ids) > 1:
        return Ec2Error("InvalidAMIID.NotFound", f"The image ids '[{ids}]' do not exist")
    return Ec2Error("InvalidAMIID.NotFound", f"The image id '[{ids}]' does not exist")


def image_unavailable(image_id: str) -> Ec2Error:
    """EC2's answer about an image deregistered a moment ago (osc_shim.deregistered)."""
    return Ec2Error("InvalidAMIID.Unavailable", f"The image ID '{image_id}' is no longer available")


def not_found(resource_id: str) -> Optional[Ec2Error]:
    prefix = next((p for p in ID_KINDS if resource_id.startswith(p)), None)
    if prefix == "ami-":
        return image_not_found([resource_id])
    if prefix == "snap-":
        return Ec2Error("InvalidSnapshot.NotFound", f"The snapshot '{resource_id}' does not exist.")
    if prefix == "i-":
        return Ec2Error("InvalidInstanceID.NotFound", f"The instance ID '{resource_id}' does not exist")
    return None


def resource_error(err: OapiError, resource_id: str, deregistered=()) -> Ec2Error:
    """An OAPI error about one resource, with EC2's wording for "not found" / "malformed";
    an image in ``deregistered`` (Context.deregistered) is EC2's ``InvalidAMIID.Unavailable``."""
    ec2 = to_ec2(err, hint_id=resource_id)
    if ec2.code == "InvalidAMIID.NotFound" and resource_id in (deregistered or ()):
        return image_unavailable(resource_id)
    if ec2.code.endswith(".NotFound"):
        worded = not_found(resource_id)
        if worded is not None and worded.code == ec2.code:
            return worded
    if ec2.code.endswith(".Malformed"):
        prefix = next((p for p in ID_KINDS if ID_KINDS[p][0] == ec2.code), None)
        if prefix:
            return malformed_id(resource_id, prefix)
    return ec2


def call_on(call, resource_id: str, deregistered=()):
    """Sub-generator: one call about ``resource_id``; its errors worded as EC2 words them."""
    try:
        return (yield call)
    except OapiError as err:
        raise resource_error(err, resource_id, deregistered) from None


# -- values ---------------------------------------------------------------------------------

# OAPI BootModes -> EC2 BootMode: common.BOOT_MODES read backwards, OUTSCALE's default read as none.
BOOT_MODE_OF = {tuple(sorted(modes)): mode for mode, modes in BOOT_MODES.items()}
BOOT_MODE_OF[tuple(sorted(DEFAULT_BOOT_MODES))] = None
ROOT_DEVICE_TYPES = {"bsu": "ebs"}
# OUTSCALE product codes are plain strings ("0001"); EC2's carry a type, and the only
# type an image can carry today is marketplace.
PRODUCT_CODE_TYPE = "marketplace"


def ec2_timestamp(value):
    """OAPI date-time -> EC2's ``2021-09-29T11:04:43.000Z``; an unreadable value is kept as is."""
    if not isinstance(value, str):
        return value
    # The same images come back again and again: convert each date once.  (A str subclass,
    # e.g. a symbolic value of osc-shim translate, is converted without the cache.)
    return _cached_timestamp(value) if type(value) is str else _ec2_timestamp(value)


def _ec2_timestamp(value: str) -> str:
    try:
        t = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if t.tzinfo is not None:
        t = t.astimezone(_dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


_cached_timestamp = functools.lru_cache(maxsize=1024)(_ec2_timestamp)


def boot_mode(modes):
    if not modes:
        return None
    key = tuple(modes)
    if key in BOOT_MODE_OF:  # OAPI's usual order: no sorting needed
        return BOOT_MODE_OF[key]
    return BOOT_MODE_OF.get(tuple(sorted(set(modes))))


PRODUCT_CODE_TABLE = Table("ProductCode", (("ProductCodeId", ITSELF, None),), {"ProductCodeType": PRODUCT_CODE_TYPE})
product_codes = ListOf(PRODUCT_CODE_TABLE)  # OAPI ProductCodes -> EC2's (an empty list when none)


def launch_permissions(permissions) -> list:
    """OAPI ``PermissionsToLaunch`` -> EC2 ``LaunchPermissions`` (UserId items, Group all)."""
    permissions = permissions or {}
    out = [{"UserId": a} for a in permissions.get("AccountIds") or []]
    if permissions.get("GlobalPermission"):
        out.append({"Group": "all"})
    return out


def state_reason(comment):
    comment = comment or {}
    code, message = comment.get("StateCode"), comment.get("StateMessage")
    if not code and not message:
        return None
    out = {}
    if code:
        out["Code"] = code
    if message:
        out["Message"] = message
    return out


TAG_TABLE = Table("Tag", (("Key", "Key", None), ("Value", "Value", None)), defaults={"Value": ""})
# OAPI Tags -> EC2's; no tags: no tag set.
tags = ListOf(TAG_TABLE, or_none=True)


_EMPTY = ("", None, [], {})  # built once: a literal holding a list and a dict is rebuilt per call


def _non_empty(value):
    return value if value not in _EMPTY else None


# EC2 member <- OAPI member (a dotted path reads inside a structure), conversion (None: unchanged).  A conversion that returns None
# leaves the EC2 member out, as EC2 does for what an image does not have.
IMAGE_FIELDS: tuple = (
    ("ImageId", "ImageId", None),
    # As OUTSCALE returns it, pre-signed URL included: answers are data a program compares with what it
    # registered.  Logs, notices and --debug output redact it (osc_shim.redaction).
    ("ImageLocation", "FileLocation", lambda v: v or None),
    ("State", "State", None),
    ("StateReason", "StateComment", state_reason),
    ("OwnerId", "AccountId", None),
    ("ImageOwnerAlias", "AccountAlias", _non_empty),
    ("CreationDate", "CreationDate", ec2_timestamp),
    ("Public", "PermissionsToLaunch.GlobalPermission", bool),
    ("Architecture", "Architecture", None),
    ("ImageType", "ImageType", None),
    ("Name", "ImageName", None),
    ("Description", "Description", _non_empty),
    ("RootDeviceType", "RootDeviceType", lambda v: ROOT_DEVICE_TYPES.get(v, v)),
    ("RootDeviceName", "RootDeviceName", None),
    ("BlockDeviceMappings", "BlockDeviceMappings", devices.MAPPINGS_FROM_OAPI),
    ("Tags", "Tags", tags),
    ("ProductCodes", "ProductCodes", ListOf(PRODUCT_CODE_TABLE, or_none=True)),
    ("BootMode", "BootModes", boot_mode),
    ("TpmSupport", "TpmMandatory", lambda v: "v2.0" if v else None),
)
# What every OUTSCALE image is, whatever the answer says.
CONSTANT_FIELDS = {"VirtualizationType": "hvm", "Hypervisor": "xen", "SriovNetSupport": SRIOV_NET_SUPPORT}
# EC2 members always present, with this value when OAPI leaves them out.
DEFAULTS = {"Public": False, "ImageType": "machine"}


IMAGE_TABLE = Table("Image", IMAGE_FIELDS, CONSTANT_FIELDS, DEFAULTS)
# One OAPI ``Image`` -> EC2's ``Image`` (straight-line code compiled from the table: conversion.py).
to_ec2_image = IMAGE_TABLE.convert
