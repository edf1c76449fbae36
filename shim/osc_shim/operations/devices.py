"""Block device mappings, EC2 (Ebs) -> OAPI (Bsu), with OUTSCALE's device rules.

The member tables are data; ``test_model_coverage`` enumerates botocore's
shapes against them so a member added upstream is refused, not dropped.
"""

from __future__ import annotations

import re

from ..errors import Ec2Error, invalid_value
from .conversion import ListOf, Table
from .engine import Map, Refuse, check_members, mapped

ROOT_DEVICE = "/dev/sda1"
# /dev/sdX, /dev/sdXX, /dev/xvdX, /dev/xvdXX: first X in b-z, second in a-z.
DATA_DEVICE_RE = re.compile(r"^/dev/(sd|xvd)[b-z][a-z]?$")
VIRTUAL_NAME_RE = re.compile(r"^ephemeral\d+$")
VOLUME_TYPES = ("standard", "io1", "gp2")
MAX_IOPS = 13000
MAX_IOPS_PER_GIB = 300

MAPPING_MEMBERS = {
    "DeviceName": Map("DeviceName"),
    "VirtualName": Map("VirtualDeviceName"),
    "Ebs": Map("Bsu"),
    "NoDevice": Refuse("OUTSCALE images cannot suppress a device of their source; leave the mapping out"),
}

EBS_MEMBERS = {
    "DeleteOnTermination": Map("DeleteOnVmDeletion"),
    "Iops": Map("Iops"),
    "SnapshotId": Map("SnapshotId"),
    "VolumeSize": Map("VolumeSize"),
    "VolumeType": Map("VolumeType"),
    "Encrypted": Refuse("OUTSCALE BSU volumes have no encryption flag"),
    "KmsKeyId": Refuse("OUTSCALE BSU volumes are not encrypted with KMS keys"),
    "Throughput": Refuse("OUTSCALE volume types have no throughput setting"),
    "OutpostArn": Refuse("OUTSCALE has no Outposts"),
    "AvailabilityZone": Refuse("an image's volumes are created in the VM's Subregion on OUTSCALE"),
    "AvailabilityZoneId": Refuse("an image's volumes are created in the VM's Subregion on OUTSCALE"),
    "VolumeInitializationRate": Refuse("OUTSCALE has no volume initialization rate"),
    "EbsCardIndex": Refuse("OUTSCALE has no EBS card index"),
    "MultiAvailabilityZoneConfiguration": Refuse("OUTSCALE volumes live in one Subregion: no standby Subregion"),
}


def _bad_mapping(message: str) -> Ec2Error:
    return Ec2Error("InvalidBlockDeviceMapping", message)


def check_device_name(name: str, root_device: str) -> None:
    if name == root_device:
        if name != ROOT_DEVICE:
            raise _bad_mapping(f"The root device name {name!r} is not valid on OUTSCALE: the root device must be {ROOT_DEVICE}.")
        return
    if name != ROOT_DEVICE and not DATA_DEVICE_RE.match(name):
        raise _bad_mapping(
            f"The device name {name!r} is not valid on OUTSCALE: use {ROOT_DEVICE} for the root device and "
            "/dev/sdX, /dev/sdXX, /dev/xvdX or /dev/xvdXX (first X in b-z, second in a-z) for the others.")


def _check_ebs(ebs: dict, where: str) -> None:
    vtype = ebs.get("VolumeType")
    if vtype is not None and vtype not in VOLUME_TYPES:
        raise invalid_value(f"{where}.VolumeType", vtype,
                            f"OUTSCALE volume types are {' | '.join(VOLUME_TYPES)}.")
    iops = ebs.get("Iops")
    if iops is not None:
        if vtype != "io1":
            raise Ec2Error("InvalidParameterCombination",
                           f"{where}.Iops is only valid with VolumeType io1 on OUTSCALE (got {vtype or 'standard'}).")
        if iops > MAX_IOPS:
            raise invalid_value(f"{where}.Iops", iops, f"io1 volumes allow at most {MAX_IOPS} IOPS.")
        size = ebs.get("VolumeSize")
        if size is not None and iops > MAX_IOPS_PER_GIB * size:
            raise invalid_value(f"{where}.Iops", iops,
                                f"io1 volumes allow at most {MAX_IOPS_PER_GIB} IOPS per GiB ({size} GiB allows {MAX_IOPS_PER_GIB * size}).")
    elif vtype == "io1":
        raise Ec2Error("MissingParameter", f"{where}.Iops is required for an io1 volume.")


def to_oapi(mappings: list, root_device: str) -> list:
    """EC2 ``BlockDeviceMappings`` -> OAPI ``BlockDeviceMappings`` (checked, never lossy)."""
    out = []
    for i, bdm in enumerate(mappings, 1):
        where = f"BlockDeviceMapping.{i}"
        check_members("RegisterImage", MAPPING_MEMBERS, bdm, where + ".")
        if bdm.get("DeviceName") is None:
            raise Ec2Error("MissingParameter", f"{where}.DeviceName is required.")
        check_device_name(bdm["DeviceName"], root_device)
        virtual, ebs = bdm.get("VirtualName"), bdm.get("Ebs")
        if virtual is not None and ebs is not None:
            raise _bad_mapping(f"{where} gives both VirtualName and Ebs; give one.")
        if virtual is None and ebs is None:
            raise _bad_mapping(f"{where} ({bdm['DeviceName']}) needs Ebs or VirtualName.")
        if virtual is not None and not VIRTUAL_NAME_RE.match(virtual):
            raise _bad_mapping(f"{where}.VirtualName {virtual!r} is not valid: OUTSCALE virtual devices are named ephemeralN.")
        item = mapped(MAPPING_MEMBERS, bdm)
        if ebs is not None:
            check_members("RegisterImage", EBS_MEMBERS, ebs, where + ".Ebs.")
            _check_ebs(ebs, where + ".Ebs")
            item["Bsu"] = mapped(EBS_MEMBERS, ebs)
        out.append(item)
    return out


# OAPI -> EC2, MAPPING_MEMBERS and EBS_MEMBERS read backwards (Bsu -> Ebs), in EC2's order of members.
EBS_TABLE = Table("EbsBlockDevice", tuple((name, r.target, None) for name, r in EBS_MEMBERS.items()
                                          if isinstance(r, Map)))
MAPPING_TABLE = Table("BlockDeviceMapping", tuple((name, r.target, EBS_TABLE if name == "Ebs" else None)
                                                  for name, r in MAPPING_MEMBERS.items() if isinstance(r, Map)))
MAPPINGS_FROM_OAPI = ListOf(MAPPING_TABLE)


def from_oapi(mappings) -> list:
    """OAPI ``BlockDeviceMappings`` -> EC2's (Bsu -> Ebs, names reversed)."""
    return MAPPINGS_FROM_OAPI(mappings)
