"""Image names, architectures and boot modes: EC2's values checked against what OUTSCALE accepts."""

from __future__ import annotations

import re

from ..errors import Ec2Error, invalid_value

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
# EC2's only SriovNetSupport value; what every OUTSCALE image does (register_image.check_network_flags).
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
