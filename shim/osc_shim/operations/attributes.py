"""Image attributes: ModifyImageAttribute -> UpdateImage, DescribeImageAttribute -> ReadImages,
ResetImageAttribute -> UpdateImage.

Launch permissions: EC2 ``UserId`` <-> OAPI ``AccountIds``, EC2 ``Group all`` <->
OAPI ``GlobalPermission``.  OAPI's UpdateImage takes ``Additions`` or ``Removals``,
not both: a request with both becomes two UpdateImage calls (additions first).
Product codes: EC2 adds codes, OAPI replaces the list, so the image's current
codes are read first and the union is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from ..errors import Ec2Error, invalid_value, missing_parameter, unsupported_parameter
from . import devices
from .engine import DRY_RUN, Call, Context, Handled, Map, Refuse, check_members, require
from .image_checks import SRIOV_NET_SUPPORT
from .reads import read_image
from .ec2_image import (boot_mode, call_on, check_id, launch_permissions, product_codes)
from .placeholders import read_answer

MODIFY_IMAGE_ATTRIBUTE = {
    "ImageId": Map("ImageId"),
    "Attribute": Handled("description | launchPermission | productCodes, in any case as on EC2: says what "
                         "Value / OperationType / "
                         "UserIds / UserGroups / ProductCodes apply to"),
    "Description": Handled("Description.Value -> Description"),
    "Value": Handled("with Attribute description -> Description"),
    "LaunchPermission": Handled("Add / Remove -> PermissionsToLaunch Additions / Removals"),
    "OperationType": Handled("add -> Additions, remove -> Removals (with UserIds / UserGroups)"),
    "UserIds": Handled("PermissionsToLaunch AccountIds; not 12 digits: InvalidAMIAttributeItemValue"),
    "UserGroups": Handled("all -> PermissionsToLaunch GlobalPermission; another group: InvalidAMIAttributeItemValue"),
    "ProductCodes": Handled("ProductCodes: added to the image's current codes (OAPI replaces the list)"),
    "OrganizationArns": Refuse("OUTSCALE has no AWS Organizations: share with account IDs (--user-ids)"),
    "OrganizationalUnitArns": Refuse("OUTSCALE has no AWS Organizations: share with account IDs (--user-ids)"),
    "ImdsSupport": Refuse("OUTSCALE's metadata service has no IMDSv2 switch per image"),
    "DryRun": DRY_RUN,
}
LAUNCH_PERMISSION_MODIFICATIONS = {
    "Add": Handled("PermissionsToLaunch.Additions"),
    "Remove": Handled("PermissionsToLaunch.Removals"),
}
LAUNCH_PERMISSION = {
    "UserId": Handled("AccountIds"),
    "Group": Handled("all -> GlobalPermission"),
    "OrganizationArn": Refuse("OUTSCALE has no AWS Organizations: share with account IDs"),
    "OrganizationalUnitArn": Refuse("OUTSCALE has no AWS Organizations: share with account IDs"),
}
ATTRIBUTE_VALUE = {"Value": Handled("the new value")}

DESCRIBE_IMAGE_ATTRIBUTE = {
    "ImageId": Handled("ReadImages Filters.ImageIds"),
    "Attribute": Handled("see ATTRIBUTES; in any case, as on EC2"),
    "DryRun": DRY_RUN,
}
RESET_IMAGE_ATTRIBUTE = {
    "ImageId": Map("ImageId"),
    "Attribute": Handled("launchPermission: every account and the public permission removed"),
    "DryRun": DRY_RUN,
}

GROUP_ALL = "all"
MODIFIABLE = ("description", "launchPermission", "productCodes")
# OUTSCALE account IDs are 12 digits, as AWS's.
ACCOUNT_ID_RE = re.compile(r"\d{12}\Z")


def attribute_name(name, names) -> Optional[str]:
    """EC2 matches attribute names whatever their case (Ansible sends ``Description``, ``LaunchPermission``):
    the canonical spelling among ``names``, or None."""
    if not isinstance(name, str):
        return None
    return next((n for n in names if n.lower() == name.lower()), None)


def item_value_error(value, item_type: str) -> Ec2Error:
    """EC2's error for a launch permission naming no valid account or group."""
    return Ec2Error("InvalidAMIAttributeItemValue", f'Invalid attribute item value "{value}" for {item_type} item type.')


@dataclass(frozen=True)
class Attribute:
    """What DescribeImageAttribute answers for an EC2 attribute name (from an OAPI image)."""

    output: str  # EC2 output member
    read: Optional[Callable] = None  # OAPI image -> value
    unsupported: str = ""  # why OUTSCALE cannot answer it


def _value(v) -> dict:
    return {"Value": v} if v not in (None, "") else {}


ATTRIBUTES = {
    "description": Attribute("Description", lambda img: _value(img.get("Description"))),
    "launchPermission": Attribute("LaunchPermissions", lambda img: launch_permissions(img.get("PermissionsToLaunch"))),
    "productCodes": Attribute("ProductCodes", lambda img: product_codes(img.get("ProductCodes"))),
    "blockDeviceMapping": Attribute("BlockDeviceMappings", lambda img: devices.from_oapi(img.get("BlockDeviceMappings"))),
    "bootMode": Attribute("BootMode", lambda img: _value(boot_mode(img.get("BootModes")))),
    "tpmSupport": Attribute("TpmSupport", lambda img: _value("v2.0" if img.get("TpmMandatory") else None)),
    "kernel": Attribute("KernelId", unsupported="OUTSCALE images boot their own kernel; there are no kernel images (AKI)"),
    "ramdisk": Attribute("RamdiskId", unsupported="OUTSCALE images boot their own initrd; there are no RAM disk images (ARI)"),
    "sriovNetSupport": Attribute("SriovNetSupport", lambda img: _value(SRIOV_NET_SUPPORT)),
    "uefiData": Attribute("UefiData", unsupported="OUTSCALE images carry no UEFI variable store"),
    "lastLaunchedTime": Attribute("LastLaunchedTime", unsupported="OUTSCALE does not record when an image was last launched"),
    "imdsSupport": Attribute("ImdsSupport", unsupported="OUTSCALE's metadata service has no IMDSv2 switch per image"),
    "deregistrationProtection": Attribute("DeregistrationProtection",
                                          unsupported="OUTSCALE images have no deregistration protection"),
}


# -- ModifyImageAttribute -------------------------------------------------------------------

def _permissions(items, where: str) -> dict:
    """EC2 LaunchPermission items -> OAPI PermissionsOnResource."""
    accounts, public = [], False
    for i, item in enumerate(items or [], 1):
        check_members("ModifyImageAttribute", LAUNCH_PERMISSION, item, f"{where}.{i}.")
        user, group = item.get("UserId"), item.get("Group")
        if (user is None) == (group is None):
            raise Ec2Error("InvalidParameterCombination", f"{where}.{i} needs either UserId or Group.")
        if group is not None:
            if group != GROUP_ALL:
                raise item_value_error(group, "groupName")
            public = True
        else:
            if not ACCOUNT_ID_RE.match(str(user)):
                raise item_value_error(user, "userId")
            if user not in accounts:
                accounts.append(user)
    out = {}
    if accounts:
        out["AccountIds"] = accounts
    if public:
        out["GlobalPermission"] = True
    return out


def _flat_permissions(params: dict) -> tuple:
    """--operation-type / --user-ids / --user-groups -> (additions, removals)."""
    op = params.get("OperationType")
    users, groups = params.get("UserIds"), params.get("UserGroups")
    if op is None:
        if users or groups:
            raise missing_parameter("OperationType", "UserIds and UserGroups need OperationType add or remove.")
        return {}, {}
    if op not in ("add", "remove"):
        raise invalid_value("OperationType", op, "Valid values: add | remove.")
    if not users and not groups:
        raise missing_parameter("UserId", "OperationType needs UserIds or UserGroups.")
    items = [{"UserId": u} for u in users or []] + [{"Group": g} for g in groups or []]
    perms = _permissions(items, "UserId" if users else "UserGroup")
    return (perms, {}) if op == "add" else ({}, perms)


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    if b.get("AccountIds"):
        out["AccountIds"] = list(dict.fromkeys((a.get("AccountIds") or []) + b["AccountIds"]))
    if b.get("GlobalPermission"):
        out["GlobalPermission"] = True
    return out


def modify_image_attribute(params: dict, ctx: Context):
    check_members("ModifyImageAttribute", MODIFY_IMAGE_ATTRIBUTE, params)
    require(params, "ImageId")
    image_id = check_id(params["ImageId"], "ami-")
    attribute = params.get("Attribute")
    if attribute is not None and attribute_name(attribute, MODIFIABLE) is None:
        if attribute.lower() == "imdssupport":
            raise unsupported_parameter("Attribute", "imdsSupport: OUTSCALE's metadata service has no IMDSv2 switch per image")
        raise invalid_value("Attribute", attribute, f"Valid values on OUTSCALE: {' | '.join(MODIFIABLE)}.")
    attribute = attribute_name(attribute, MODIFIABLE) if attribute is not None else None

    body = {"ImageId": image_id}
    # description
    description = None
    if params.get("Description") is not None:
        check_members("ModifyImageAttribute", ATTRIBUTE_VALUE, params["Description"], "Description.")
        description = params["Description"].get("Value")
    if params.get("Value") is not None:
        if attribute != "description":
            raise Ec2Error("InvalidParameterCombination",
                           "Value applies to Attribute description only (use --attribute description --value TEXT).")
        description = params["Value"]
    if attribute == "description" and description is None:
        raise missing_parameter("Value", "Attribute description needs a Value (or --description Value=TEXT).")
    if description is not None:
        body["Description"] = description

    # launch permissions
    if attribute not in (None, "launchPermission") and (params.get("OperationType") or params.get("UserIds")
                                                         or params.get("UserGroups")):
        raise Ec2Error("InvalidParameterCombination",
                       "OperationType, UserIds and UserGroups apply to Attribute launchPermission only.")
    additions, removals = _flat_permissions(params)
    structured = params.get("LaunchPermission")
    if structured is not None:
        check_members("ModifyImageAttribute", LAUNCH_PERMISSION_MODIFICATIONS, structured, "LaunchPermission.")
        additions = _merge(additions, _permissions(structured.get("Add"), "LaunchPermission.Add"))
        removals = _merge(removals, _permissions(structured.get("Remove"), "LaunchPermission.Remove"))
    if attribute == "launchPermission" and not additions and not removals:
        raise missing_parameter("LaunchPermission", "Attribute launchPermission needs --launch-permission, "
                                "or --operation-type with --user-ids / --user-groups.")

    # product codes
    codes = list(params.get("ProductCodes") or [])
    if attribute == "productCodes" and not codes:
        raise missing_parameter("ProductCode", "Attribute productCodes needs ProductCodes.")

    if description is None and not additions and not removals and not codes:
        raise missing_parameter("Attribute", "Say what to modify: --launch-permission, --description, "
                                "--attribute with its value, or --product-codes.")

    if codes:
        if ctx.dry_run:  # the check is whether the image may be changed: the current codes are not read
            body["ProductCodes"] = codes
        else:
            image = yield from read_image(image_id, deregistered=ctx.deregistered)
            current = image.get("ProductCodes") or []
            body["ProductCodes"] = list(dict.fromkeys(list(current) + codes))

    calls = []
    if additions:
        calls.append(dict(body, PermissionsToLaunch={"Additions": additions}))
    if removals:
        base = body if not calls else {"ImageId": image_id}
        calls.append(dict(base, PermissionsToLaunch={"Removals": removals}))
    if not calls:
        calls.append(body)
    for call_body in calls:
        yield from call_on(Call("UpdateImage", call_body, idempotent=True), image_id, ctx.deregistered)
    return {}


# -- DescribeImageAttribute -----------------------------------------------------------------

def describe_image_attribute(params: dict, ctx: Context):
    check_members("DescribeImageAttribute", DESCRIBE_IMAGE_ATTRIBUTE, params)
    require(params, "Attribute", "ImageId")
    image_id = check_id(params["ImageId"], "ami-")
    name = attribute_name(params["Attribute"], ATTRIBUTES)
    if name is None:
        raise invalid_value("Attribute", params["Attribute"], f"Valid values: {' | '.join(ATTRIBUTES)}.")
    rule = ATTRIBUTES[name]
    if rule.unsupported:
        raise Ec2Error("InvalidParameterValue",
                       f"The image attribute {name} has no OUTSCALE equivalent: {rule.unsupported}.")
    image = yield from read_image(image_id, deregistered=ctx.deregistered)
    return {"ImageId": image_id, rule.output: read_answer(image, rule.read)}


# -- ResetImageAttribute --------------------------------------------------------------------

def granted_removals(permissions: dict) -> dict:
    """Everything OAPI ``PermissionsToLaunch`` grants, as Removals."""
    removals = {}
    if permissions.get("AccountIds"):
        removals["AccountIds"] = list(permissions["AccountIds"])
    if permissions.get("GlobalPermission"):
        removals["GlobalPermission"] = True
    return removals


def reset_image_attribute(params: dict, ctx: Context):
    check_members("ResetImageAttribute", RESET_IMAGE_ATTRIBUTE, params)
    require(params, "Attribute", "ImageId")
    image_id = check_id(params["ImageId"], "ami-")
    if attribute_name(params["Attribute"], ("launchPermission",)) is None:
        raise invalid_value("Attribute", params["Attribute"], "Only launchPermission can be reset.")
    if ctx.dry_run:  # the check is whether the image may be changed: nothing to read first
        body = {"ImageId": image_id, "PermissionsToLaunch": {"Removals": {"GlobalPermission": True}}}
        yield from call_on(Call("UpdateImage", body, idempotent=True), image_id, ctx.deregistered)
        return {}
    image = yield from read_image(image_id, deregistered=ctx.deregistered)
    removals = read_answer(image.get("PermissionsToLaunch") or {}, granted_removals,
                           lambda current: {"AccountIds": current["AccountIds"], "GlobalPermission": True})
    if removals:
        body = {"ImageId": image_id, "PermissionsToLaunch": {"Removals": removals}}
        yield from call_on(Call("UpdateImage", body, idempotent=True), image_id, ctx.deregistered)
    return {}


# -- what this module translates (operations/__init__ collects it) ------------------------------

OPERATIONS = {
    "ModifyImageAttribute": modify_image_attribute,
    "DescribeImageAttribute": describe_image_attribute,
    "ResetImageAttribute": reset_image_attribute,
}

# EC2 operation -> the OUTSCALE API calls it becomes (`aws ec2 <operation> help` says it).
BECOMES = {
    "ModifyImageAttribute": "UpdateImage",
    "DescribeImageAttribute": "ReadImages",
    "ResetImageAttribute": "ReadImages, then UpdateImage",
}

MEMBER_TABLES = {
    ("ModifyImageAttribute", ()): MODIFY_IMAGE_ATTRIBUTE,
    ("ModifyImageAttribute", ("Description",)): ATTRIBUTE_VALUE,
    ("ModifyImageAttribute", ("LaunchPermission",)): LAUNCH_PERMISSION_MODIFICATIONS,
    ("ModifyImageAttribute", ("LaunchPermission", "Add")): LAUNCH_PERMISSION,
    ("ModifyImageAttribute", ("LaunchPermission", "Remove")): LAUNCH_PERMISSION,
    ("DescribeImageAttribute", ()): DESCRIBE_IMAGE_ATTRIBUTE,
    ("ResetImageAttribute", ()): RESET_IMAGE_ATTRIBUTE,
}
