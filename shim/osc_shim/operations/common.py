"""Checks and conversions shared by the image operations: names, tags, architectures."""

from __future__ import annotations

import re

from ..errors import Ec2Error, OapiError, dry_run_error, invalid_value, to_ec2
from .base import Call
from .symbolic import is_symbolic

# What OAPI accepts in ImageName; EC2 also allows [ ] ' @, which cannot be carried over.
IMAGE_NAME_RE = re.compile(r"^[A-Za-z0-9_ ()/.\-]{3,128}$")
EC2_ONLY_NAME_CHARS = "[]'@"
ARCHITECTURES = ("i386", "x86_64")
# AWS (and OUTSCALE's documentation for the AWS CLI) default to i386; OAPI's schema says x86_64.
DEFAULT_ARCHITECTURE = "i386"
# EC2 BootMode -> OAPI BootModes (the modes an image is compatible with).
BOOT_MODES = {"legacy-bios": ["legacy"], "uefi": ["uefi"], "uefi-preferred": ["uefi", "legacy"]}
# What OUTSCALE gives an image registered without BootModes: reported as no BootMode, as EC2
# reports an image registered without one (a client comparing with what it sent sees no change).
DEFAULT_BOOT_MODES = ("legacy",)
# EC2's only SriovNetSupport value; what every OUTSCALE image does (images.check_network_flags).
SRIOV_NET_SUPPORT = "simple"


def check_image_name(name: str, parameter: str = "Name") -> None:
    if IMAGE_NAME_RE.match(name):
        return
    bad = sorted({c for c in name if c in EC2_ONLY_NAME_CHARS})
    if bad:
        why = (f"it contains {' '.join(repr(c) for c in bad)}, which EC2 allows but OUTSCALE does not; "
               "OUTSCALE image names are 3-128 letters, digits, spaces and _ ( ) / . -")
    elif not 3 <= len(name) <= 128:
        why = f"it is {len(name)} characters long; OUTSCALE image names are 3-128 characters"
    else:
        why = "OUTSCALE image names are 3-128 letters, digits, spaces and _ ( ) / . -"
    raise Ec2Error("InvalidAMIName.Malformed", f"The value of {parameter} ({name!r}) is not a valid image name: {why}.")


def check_architecture(value: str) -> str:
    if value not in ARCHITECTURES:
        raise invalid_value("Architecture", value, f"OUTSCALE images are {' or '.join(ARCHITECTURES)}.")
    return value


def tag_new_resource(resource_id: str, tags: list, what: str):
    """Sub-generator: tag a resource just created; a failure names the resource so it is not lost."""
    if not tags:
        return
    try:
        yield Call("CreateTags", {"ResourceIds": [resource_id], "Tags": tags}, idempotent=True)
    except OapiError as err:
        cause = to_ec2(err)
        raise Ec2Error(cause.code, f"{what} {resource_id} was created, but tagging it failed: {cause.message}",
                       cause.status) from None


def read_one(action: str, plural: str, id_member: str, resource_id: str, not_found, dry_run: bool = False):
    """Sub-generator: the one OAPI resource ``resource_id`` (``ReadImages``, ``ReadSnapshots``, ...), or
    ``not_found([resource_id])``; a dry run answers DryRunOperation once OAPI accepted it."""
    body = {"Filters": {f"{id_member}s": [resource_id]}}
    if dry_run:
        body["DryRun"] = True
    answer = yield Call(action, body, idempotent=True)
    if dry_run:
        raise dry_run_error()
    found = answer.get(plural) or []
    if is_symbolic(found):
        return answer[plural][0]
    for item in found:
        if item.get(id_member) == resource_id:
            return item
    raise not_found([resource_id])


def with_next_token(result: dict, answer) -> dict:
    """``result`` with EC2's ``NextToken`` when the OAPI answer has a next page."""
    from .symbolic import next_page_token

    token = next_page_token(answer)
    if token is not None:
        result["NextToken"] = token
    return result
