"""The emulated cloud: accounts, images, snapshots, VMs, tags, OOS objects, export tasks.

One ``Cloud`` per emulator, in memory.  Handlers run under ``cloud.lock``.
Time comes from an injectable ``clock`` (unix seconds) so lifecycles can be
driven by tests.  Images and export tasks start ``pending`` and settle when
they have been returned pending ``pending_reads`` / ``export_reads`` times, or
after ``pending_seconds`` / ``export_seconds`` of clock time, whichever comes first.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import math
import os
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from .regions import DEFAULT_REGION
from . import oos

DEFAULT_ACCESS_KEY = "AKIAEMULATOR0000001"
DEFAULT_SECRET_KEY = "emulator-secret-key-do-not-use"
DEFAULT_ACCOUNT_ID = "123456789012"
# OUTSCALE's own public images are owned by an account no emulator key signs for.
OUTSCALE_ACCOUNT_ID = "000000000001"
OUTSCALE_ALIAS = "Outscale"


@dataclass
class Account:
    access_key: str
    secret_key: str = field(repr=False)
    account_id: str
    alias: Optional[str] = None


def default_accounts(access_key: Optional[str] = None, secret_key: Optional[str] = None) -> dict:
    """One account: the given keys, else ``OSC_ACCESS_KEY``/``OSC_SECRET_KEY``, else the demo keys."""
    ak = access_key or os.environ.get("OSC_ACCESS_KEY") or DEFAULT_ACCESS_KEY
    sk = secret_key or os.environ.get("OSC_SECRET_KEY") or DEFAULT_SECRET_KEY
    return {ak: (sk, DEFAULT_ACCOUNT_ID)}


def _account(ak: str, spec) -> Account:
    """``spec``: (secret, account id[, alias]) or {"secret_key", "account_id", "alias"}."""
    if isinstance(spec, Account):
        return spec
    if isinstance(spec, dict):
        return Account(ak, spec["secret_key"], str(spec["account_id"]), spec.get("alias"))
    secret, account_id, *alias = spec
    return Account(ak, secret, str(account_id), alias[0] if alias else None)


@dataclass
class Image:
    image_id: str
    account_id: str
    name: str
    architecture: str
    block_device_mappings: list
    created_at: float
    description: str = ""
    root_device_name: str = "/dev/sda1"
    file_location: str = ""
    boot_modes: list = field(default_factory=lambda: ["legacy"])
    product_codes: list = field(default_factory=lambda: ["0001"])
    secure_boot: bool = False
    tpm_mandatory: bool = False
    state: str = "pending"
    state_comment: dict = field(default_factory=dict)
    public: bool = False
    launch_accounts: list = field(default_factory=list)
    pending_reads: int = 0  # times returned while pending


@dataclass
class Snapshot:
    snapshot_id: str
    account_id: str
    volume_size: int
    created_at: float
    description: str = ""
    volume_id: Optional[str] = None
    client_token: Optional[str] = None
    state: str = "completed"
    progress: int = 100
    public: bool = False
    volume_accounts: list = field(default_factory=list)


@dataclass
class Volume:
    volume_id: str
    account_id: str
    size: int
    volume_type: str = "standard"
    iops: Optional[int] = None
    device_name: str = "/dev/sda1"
    vm_id: Optional[str] = None
    # What the FCU face shows (emulator/fcu_storage.py): where it is, what it was made from.
    subregion: str = ""
    snapshot_id: str = ""
    created_at: float = 0.0
    delete_on_vm_deletion: bool = True


@dataclass
class Vm:
    vm_id: str
    account_id: str
    architecture: str = "x86_64"
    volume_ids: list = field(default_factory=list)
    boot_modes: list = field(default_factory=lambda: ["legacy"])
    # The small VM model of the FCU face (emulator/fcu_instances.py): EC2 state names; a state
    # in transition (pending, stopping, shutting-down) settles at the next read.
    state: str = "running"
    image_id: str = ""
    vm_type: str = "t2.small"
    reservation_id: str = ""
    launched_at: float = 0.0
    subregion: str = ""
    client_token: str = ""


@dataclass
class ExportTask:
    task_id: str
    account_id: str
    image_id: str
    disk_format: str
    bucket: str
    prefix: str
    created_at: float
    state: str = "pending/queued"
    progress: int = 0
    comment: str = ""
    manifest_url: Optional[str] = None
    reads: int = 0


def iso(ts: float) -> str:
    """OAPI's date-time form: 2026-11-27T10:00:00.000Z."""
    t = _dt.datetime.fromtimestamp(ts, _dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class Cloud:
    def __init__(self, accounts: Optional[dict] = None, region: str = DEFAULT_REGION, *,
                 pending_reads: int = 1, pending_seconds: Optional[float] = None,
                 export_reads: int = 2, export_seconds: Optional[float] = None,
                 clock: Callable[[], float] = time.time, default_seed: bool = True,
                 rng: Optional[random.Random] = None, oos_store: Optional[dict] = None):
        self.region = region
        self._oos_store = oos_store  # bucket -> {key: bytes}, shared by every region (one OOS); None: own
        self.accounts = {ak: _account(ak, spec) for ak, spec in (accounts or default_accounts()).items()}
        self.pending_reads = pending_reads
        self.pending_seconds = pending_seconds
        self.export_reads = export_reads
        self.export_seconds = export_seconds
        self.clock = clock
        self.default_seed = default_seed
        self.rng = rng or random.Random()
        self.lock = threading.RLock()
        self.clock_offset = 0.0
        self.reset(clear_oos=False)

    # -- accounts -------------------------------------------------------
    def delete_object(self, bucket: str, key: str) -> bool:
        with self.lock:
            return self.buckets.get(bucket, {}).pop(key, None) is not None

    def secret_for(self, access_key: str) -> Optional[str]:
        acct = self.accounts.get(access_key)
        return acct.secret_key if acct else None

    def account_by_key(self, access_key: str) -> Account:
        return self.accounts[access_key]

    def alias_of(self, account_id: str) -> Optional[str]:
        if account_id == OUTSCALE_ACCOUNT_ID:
            return OUTSCALE_ALIAS
        return next((a.alias for a in self.accounts.values() if a.account_id == account_id), None)

    @property
    def default_account(self) -> Account:
        return next(iter(self.accounts.values()))

    @property
    def subregions(self) -> list:
        """The region's Subregions (EC2: availability zones), as OUTSCALE names them."""
        return [self.region + letter for letter in "abc"]

    # -- basics ---------------------------------------------------------
    def now(self) -> float:
        return float(self.clock()) + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the emulated clock forward (pending lifecycles, URL expiry); signatures keep real time."""
        seconds = float(seconds)
        if not math.isfinite(seconds):  # a NaN clock would date every resource NaN, reset included
            raise ValueError(f"cannot advance the clock by {seconds!r} seconds")
        with self.lock:
            self.clock_offset += seconds

    def new_id(self, prefix: str) -> str:
        while True:
            candidate = f"{prefix}{self.rng.getrandbits(32):08x}"
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def reset(self, clear_oos: bool = True) -> None:
        """Back to the initial state: no resources but the default seed, and the real time (the OOS store,
        shared by every region, is kept when ``clear_oos`` is false)."""
        with self.lock:
            self.clock_offset = 0.0
            if self._oos_store is not None:
                if clear_oos:
                    self._oos_store.clear()
            else:
                self._oos_store = {}
            self.images: dict = {}
            self.snapshots: dict = {}
            self.volumes: dict = {}
            self.vms: dict = {}
            self.terminated_vms: dict = {}  # still listed by DescribeInstances, gone for everything else
            self.export_tasks: dict = {}
            self.tags: dict = {}  # resource id -> {key: value}
            self.buckets: dict = self._oos_store  # bucket -> {key: bytes}
            self._ids: set = set()
            if self.default_seed:
                self._seed_defaults()

    # -- OOS ------------------------------------------------------------
    def create_bucket(self, bucket: str) -> None:
        with self.lock:
            self.buckets.setdefault(bucket, {})

    def put_object(self, bucket: str, key: str, data: bytes) -> None:
        with self.lock:
            self.buckets.setdefault(bucket, {})[key] = bytes(data)

    def get_object(self, bucket: str, key: str) -> Optional[bytes]:
        return self.buckets.get(bucket, {}).get(key)

    def presign(self, bucket: str, key: str, expires_in: int = oos.SEVEN_DAYS, style: str = "v2") -> str:
        return oos.presigned_url(self.region, bucket, key, expires_in, now=self.now(), style=style)

    def put_manifest(self, bucket: str, key: str, manifest: dict, expires_in: int = oos.SEVEN_DAYS) -> str:
        """Store a manifest object; return a fresh pre-signed URL of it."""
        self.put_object(bucket, key, json.dumps(manifest, indent=1).encode())
        return self.presign(bucket, key, expires_in)

    # -- visibility -----------------------------------------------------
    def can_launch(self, image: Image, account_id: str) -> bool:
        return image.account_id == account_id or image.public or account_id in image.launch_accounts

    def can_use_snapshot(self, snap: Snapshot, account_id: str) -> bool:
        return snap.account_id == account_id or snap.public or account_id in snap.volume_accounts

    # -- lifecycles -----------------------------------------------------
    def settle_image(self, image: Image) -> None:
        if image.state != "pending":
            return
        if image.pending_reads >= self.pending_reads or self._elapsed(image.created_at, self.pending_seconds):
            image.state = "available"

    def settle_task(self, task: ExportTask) -> None:
        if task.state not in ("pending/queued", "pending"):
            return
        if task.reads >= self.export_reads or self._elapsed(task.created_at, self.export_seconds):
            from .exports import complete  # the export writes objects: its module knows how

            complete(self, task)
        else:
            task.state = "pending" if task.reads else "pending/queued"
            task.progress = min(99, 100 * task.reads // max(1, self.export_reads))

    def _elapsed(self, since: float, seconds: Optional[float]) -> bool:
        return seconds is not None and self.now() - since >= seconds

    # -- views (OAPI shapes) --------------------------------------------
    def tag_list(self, resource_id: str) -> list:
        return [{"Key": k, "Value": v} for k, v in self.tags.get(resource_id, {}).items()]

    def image_view(self, img: Image) -> dict:
        view = {
            "AccountId": img.account_id, "Architecture": img.architecture,
            "BlockDeviceMappings": json.loads(json.dumps(img.block_device_mappings)),
            "BootModes": list(img.boot_modes), "CreationDate": iso(img.created_at),
            "Description": img.description, "FileLocation": img.file_location, "ImageId": img.image_id,
            "ImageName": img.name, "ImageType": "machine",
            "PermissionsToLaunch": {"GlobalPermission": img.public, "AccountIds": list(img.launch_accounts)},
            "ProductCodes": list(img.product_codes), "RootDeviceName": img.root_device_name,
            "RootDeviceType": "bsu", "SecureBoot": img.secure_boot, "State": img.state,
            "StateComment": dict(img.state_comment), "Tags": self.tag_list(img.image_id),
            "TpmMandatory": img.tpm_mandatory,
        }
        alias = self.alias_of(img.account_id)
        if alias:
            view["AccountAlias"] = alias
        return view

    def snapshot_view(self, snap: Snapshot) -> dict:
        view = {
            "AccountId": snap.account_id, "CreationDate": iso(snap.created_at), "Description": snap.description,
            "PermissionsToCreateVolume": {"GlobalPermission": snap.public, "AccountIds": list(snap.volume_accounts)},
            "Progress": snap.progress, "SnapshotId": snap.snapshot_id, "State": snap.state,
            "Tags": self.tag_list(snap.snapshot_id), "VolumeSize": snap.volume_size,
        }
        if snap.volume_id:
            view["VolumeId"] = snap.volume_id
        if snap.client_token:
            view["ClientToken"] = snap.client_token
        alias = self.alias_of(snap.account_id)
        if alias:
            view["AccountAlias"] = alias
        return view

    def task_view(self, task: ExportTask) -> dict:
        export = {"DiskImageFormat": task.disk_format, "OsuBucket": task.bucket, "OsuPrefix": task.prefix}
        if task.manifest_url:
            export["OsuManifestUrl"] = task.manifest_url
        return {"Comment": task.comment, "ImageId": task.image_id, "OsuExport": export,
                "Progress": task.progress, "State": task.state, "Tags": self.tag_list(task.task_id),
                "TaskId": task.task_id}

    # -- creation helpers shared by handlers and seeding ------------------
    def add_snapshot(self, account_id: str, volume_size: int, description: str = "", **kw) -> Snapshot:
        with self.lock:
            snap = Snapshot(kw.pop("snapshot_id", None) or self.new_id("snap-"), account_id, int(volume_size),
                            kw.pop("created_at", None) or self.now(), description, **kw)
            self._ids.add(snap.snapshot_id)
            self.snapshots[snap.snapshot_id] = snap
            return snap

    def add_image(self, **kw) -> Image:
        with self.lock:
            kw.setdefault("image_id", self.new_id("ami-"))
            kw.setdefault("created_at", self.now())
            img = Image(**kw)
            self._ids.add(img.image_id)
            self.images[img.image_id] = img
            return img

    def add_vm(self, account_id: str, volumes: list, architecture: str = "x86_64", vm_id: Optional[str] = None,
               boot_modes: Optional[list] = None) -> Vm:
        with self.lock:
            return self._add_vm(account_id, volumes, architecture, vm_id, boot_modes)

    def _add_vm(self, account_id, volumes, architecture, vm_id, boot_modes) -> Vm:
        vm = Vm(vm_id or self.new_id("i-"), account_id, architecture, boot_modes=boot_modes or ["legacy"],
                launched_at=self.now(), subregion=self.subregions[0])
        vm.reservation_id = self.new_id("r-")
        self._ids.add(vm.vm_id)
        for v in volumes:
            vol = Volume(v.get("VolumeId") or self.new_id("vol-"), account_id, int(v.get("VolumeSize", 10)),
                         v.get("VolumeType", "standard"), v.get("Iops"), v.get("DeviceName", "/dev/sda1"), vm.vm_id,
                         subregion=vm.subregion, snapshot_id=v.get("SnapshotId", ""), created_at=self.now())
            self._ids.add(vol.volume_id)
            self.volumes[vol.volume_id] = vol
            vm.volume_ids.append(vol.volume_id)
        self.vms[vm.vm_id] = vm
        return vm

    def _seed_defaults(self) -> None:
        """A VM per account (to create images from) and one public OUTSCALE image."""
        for acct in self.accounts.values():
            self.add_vm(acct.account_id, [{"DeviceName": "/dev/sda1", "VolumeSize": 10}],
                        vm_id=default_vm_id(acct.account_id))
        snap = self.add_snapshot(OUTSCALE_ACCOUNT_ID, 10, "Ubuntu 22.04 root volume", snapshot_id="snap-0b0c0a01")
        self.add_image(image_id="ami-0b0c0a01", account_id=OUTSCALE_ACCOUNT_ID, name="Ubuntu-22.04-2024.01.01-0",
                       architecture="x86_64", state="available", public=True,
                       file_location="Outscale/Ubuntu-22.04-2024.01.01-0", description="",
                       block_device_mappings=[{"DeviceName": "/dev/sda1", "Bsu": {
                           "DeleteOnVmDeletion": True, "SnapshotId": snap.snapshot_id, "VolumeSize": 10,
                           "VolumeType": "standard"}}],
                       created_at=1704067200.0)

    # -- seeding and inspection (the /_emulator/ hooks) -------------------
    def seed(self, data: dict) -> dict:
        """Add resources described in OAPI-like JSON; return the IDs made.  See ``SEED_FORMAT``."""
        out = {"Buckets": [], "Objects": [], "ManifestUrls": [], "Vms": [], "Snapshots": [], "Images": []}
        with self.lock:
            owner = self.default_account.account_id
            for bucket in data.get("buckets", ()):
                self.create_bucket(bucket)
                out["Buckets"].append(bucket)
            for obj in data.get("objects", ()):
                self.put_object(obj["Bucket"], obj["Key"], _object_body(obj))
                out["Objects"].append(f"{obj['Bucket']}/{obj['Key']}")
            for m in data.get("manifests", ()):
                out["ManifestUrls"].append(self.put_manifest(m["Bucket"], m["Key"], m["Manifest"]))
            for v in data.get("vms", ()):
                vm = self.add_vm(v.get("AccountId", owner), v.get("Volumes") or [{"VolumeSize": 10}],
                                 v.get("Architecture", "x86_64"), v.get("VmId"), v.get("BootModes"))
                out["Vms"].append(vm.vm_id)
            for s in data.get("snapshots", ()):
                perms = s.get("PermissionsToCreateVolume", {})
                snap = self.add_snapshot(s.get("AccountId", owner), s.get("VolumeSize", 10), s.get("Description", ""),
                                         snapshot_id=s.get("SnapshotId"), public=perms.get("GlobalPermission", False),
                                         volume_accounts=list(perms.get("AccountIds", [])))
                out["Snapshots"].append(snap.snapshot_id)
            for i in data.get("images", ()):
                perms = i.get("PermissionsToLaunch", {})
                img = self.add_image(
                    image_id=i.get("ImageId") or self.new_id("ami-"), account_id=i.get("AccountId", owner),
                    name=i["ImageName"], architecture=i.get("Architecture", "x86_64"),
                    block_device_mappings=i.get("BlockDeviceMappings", []), description=i.get("Description", ""),
                    root_device_name=i.get("RootDeviceName", "/dev/sda1"),
                    file_location=i.get("FileLocation", f"{i.get('AccountId', owner)}/{i['ImageName']}"),
                    boot_modes=i.get("BootModes", ["legacy"]), product_codes=i.get("ProductCodes", ["0001"]),
                    state=i.get("State", "available"), public=perms.get("GlobalPermission", False),
                    launch_accounts=list(perms.get("AccountIds", [])))
                for tag in i.get("Tags", ()):
                    self.tags.setdefault(img.image_id, {})[tag["Key"]] = tag["Value"]
                out["Images"].append(img.image_id)
        return out

    def dump(self) -> dict:
        """Everything, in OAPI shapes, for tests (never a secret key)."""
        with self.lock:
            return {
                "Region": self.region,
                "Accounts": [{"AccessKey": a.access_key, "AccountId": a.account_id, "AccountAlias": a.alias}
                             for a in self.accounts.values()],
                "Images": [self.image_view(i) for i in self.images.values()],
                "Snapshots": [self.snapshot_view(s) for s in self.snapshots.values()],
                "Vms": [{"VmId": vm.vm_id, "AccountId": vm.account_id, "Architecture": vm.architecture,
                         "State": vm.state, "ImageId": vm.image_id,
                         "Volumes": [{"VolumeId": vid, "DeviceName": self.volumes[vid].device_name,
                                      "VolumeSize": self.volumes[vid].size,
                                      "VolumeType": self.volumes[vid].volume_type} for vid in vm.volume_ids]}
                        for vm in list(self.vms.values()) + list(self.terminated_vms.values())],
                "ImageExportTasks": [dict(self.task_view(t), AccountId=t.account_id)
                                     for t in self.export_tasks.values()],
                "Objects": [{"Bucket": b, "Key": k, "Size": len(v)} for b, objs in self.buckets.items()
                            for k, v in objs.items()],
                "Buckets": sorted(self.buckets),
            }


def default_vm_id(account_id: str) -> str:
    """The VM seeded for each account: a stable ID, so demos can name it."""
    return "i-" + hashlib.sha256(account_id.encode()).hexdigest()[:8]


def _object_body(obj: dict) -> bytes:
    if "Json" in obj:
        return json.dumps(obj["Json"]).encode()
    if "BodyBase64" in obj:
        return base64.b64decode(obj["BodyBase64"])
    return str(obj.get("Body", "")).encode()


SEED_FORMAT = """\
{"buckets": ["name", ...],
 "objects": [{"Bucket": "b", "Key": "k", "Body": "text" | "BodyBase64": "..." | "Json": {...}}],
 "manifests": [{"Bucket": "b", "Key": "k", "Manifest": {...manifest...}}],   (answers pre-signed URLs)
 "vms": [{"VmId"?, "AccountId"?, "Architecture"?, "Volumes": [{"DeviceName", "VolumeSize", "VolumeType"?}]}],
 "snapshots": [{"SnapshotId"?, "AccountId"?, "VolumeSize", "Description"?, "PermissionsToCreateVolume"?}],
 "images": [{"ImageId"?, "AccountId"?, "ImageName", "State"?, "BlockDeviceMappings"?, "PermissionsToLaunch"?, ...}]}
AccountId defaults to the first account's."""
