"""CreateImage's block device mappings: OUTSCALE's rules and defaults.

Codes (gateway_errors.yaml names): a bad device name -> 4019 invalid-device-name;
a root that is not /dev/sda1, or has no Bsu mapping -> 4057 invalid-root-mapping;
a mapping with both or neither of Bsu / VirtualDeviceName, or a repeated device ->
4011 invalid-bdm; a virtual name not ``ephemeralN`` -> 4076 invalid-virtual-name;
a volume type outside standard|io1|gp2 -> 4073 invalid-type; Iops on a non-io1
volume -> 4045 invalid-parameter (the shim reads it as InvalidParameterCombination);
io1 without Iops -> 7000; too many IOPS -> 4029 invalid-iops; a size under the
snapshot's, under 1 or over 14901 GiB -> 4078 invalid-volume-size; a snapshot ID
without the ``snap-`` prefix -> 4104; an unknown snapshot -> 5054.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from .errors import ApiError, missing

ROOT_DEVICE = "/dev/sda1"
DATA_DEVICE_RE = re.compile(r"^/dev/(sd|xvd)[b-z][a-z]?$")
VIRTUAL_NAME_RE = re.compile(r"^ephemeral\d+$")
VOLUME_TYPES = ("standard", "io1", "gp2")
MAX_IOPS = 13000
MAX_IOPS_PER_GIB = 300
MAX_VOLUME_GIB = 14901


def check_root(root: str) -> None:
    if root != ROOT_DEVICE:
        raise ApiError("invalid-root-mapping", f"The root device name {root!r} is invalid: it must be {ROOT_DEVICE}.")


def check_volume(bsu: dict, where: str, snapshot_size: Optional[int]) -> dict:
    """A Bsu member checked, with OAPI's defaults filled in."""
    vtype = bsu.get("VolumeType", "standard")
    if vtype not in VOLUME_TYPES:
        raise ApiError("invalid-type", f"{where}.VolumeType {vtype!r} is invalid: use {' | '.join(VOLUME_TYPES)}.")
    size = bsu.get("VolumeSize", snapshot_size)
    if size is None:
        raise missing(f"{where}.VolumeSize", "when the volume is not created from a snapshot.")
    if size < 1 or size > MAX_VOLUME_GIB or (snapshot_size is not None and size < snapshot_size):
        floor = f"the snapshot's size ({snapshot_size} GiB)" if snapshot_size else "1 GiB"
        raise ApiError("invalid-volume-size", f"{where}.VolumeSize {size} is invalid: between {floor} and {MAX_VOLUME_GIB} GiB.")
    iops = bsu.get("Iops")
    if iops is not None and vtype != "io1":
        raise ApiError("invalid-parameter", f"{where}.Iops can only be given for an io1 volume (this one is {vtype}).")
    if vtype == "io1":
        if iops is None:
            raise missing(f"{where}.Iops", "for an io1 volume.")
        if iops < 1 or iops > MAX_IOPS or iops > MAX_IOPS_PER_GIB * size:
            raise ApiError("invalid-iops", f"{where}.Iops {iops} is invalid: io1 volumes allow at most {MAX_IOPS} IOPS "
                                           f"and {MAX_IOPS_PER_GIB} per GiB ({MAX_IOPS_PER_GIB * size} for {size} GiB).")
    out = {"DeleteOnVmDeletion": bsu.get("DeleteOnVmDeletion", True), "VolumeSize": size, "VolumeType": vtype}
    if "SnapshotId" in bsu:
        out["SnapshotId"] = bsu["SnapshotId"]
    if iops is not None:
        out["Iops"] = iops
    return out


def check_mappings(mappings: list, root: str, snapshot_size: Callable[[str], int],
                   root_without_snapshot: bool = False) -> list:
    """Checked and completed mappings; ``snapshot_size(id)`` raises when the caller cannot use it.

    ``root_without_snapshot``: the root volume comes from elsewhere (a bucket object).
    """
    check_root(root)
    out, seen = [], set()
    for i, bdm in enumerate(mappings):
        where = f"BlockDeviceMappings[{i}]"
        name = bdm.get("DeviceName")
        if name is None:
            raise missing(f"{where}.DeviceName")
        if name != ROOT_DEVICE and not DATA_DEVICE_RE.match(name):
            raise ApiError("invalid-device-name",
                           f"{where}.DeviceName {name!r} is invalid: use {ROOT_DEVICE} for the root device and "
                           "/dev/sdX, /dev/sdXX, /dev/xvdX or /dev/xvdXX (first X in b-z, second in a-z) for the others.")
        if name in seen:
            raise ApiError("invalid-bdm", f"{where}: the device {name} is mapped twice.")
        seen.add(name)
        has_bsu, virtual = "Bsu" in bdm, bdm.get("VirtualDeviceName")
        if has_bsu == (virtual is not None):
            raise ApiError("invalid-bdm", f"{where} must give exactly one of Bsu and VirtualDeviceName.")
        if virtual is not None:
            if name == root:
                raise ApiError("invalid-root-mapping", f"The root device {root} must be a BSU volume, not {virtual}.")
            if not VIRTUAL_NAME_RE.match(virtual):
                raise ApiError("invalid-virtual-name", f"{where}.VirtualDeviceName {virtual!r} is invalid: use ephemeralN.")
            out.append({"DeviceName": name, "VirtualDeviceName": virtual})
            continue
        bsu = bdm["Bsu"]
        size = None
        if "SnapshotId" in bsu:
            size = snapshot_size(bsu["SnapshotId"])
        elif name == root and not root_without_snapshot:
            raise missing(f"{where}.Bsu.SnapshotId", "for the root device when registering from snapshots.")
        out.append({"DeviceName": name, "Bsu": check_volume(bsu, f"{where}.Bsu", size)})
    if root not in seen:
        raise ApiError("invalid-root-mapping", f"No block device mapping is given for the root device {root}.")
    return out
