"""The emulated cloud's store: one ``Cloud`` per region, in memory.

Handlers run under ``cloud.lock``.  Time comes from an injectable ``clock`` (unix seconds) so
lifecycles can be driven by tests.  Images and export tasks start ``pending`` and settle when
they have been returned pending ``pending_reads`` / ``export_reads`` times, or after
``pending_seconds`` / ``export_seconds`` of clock time, whichever comes first.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from typing import Callable, Optional

from . import oos, seeding, views
from .models import (OUTSCALE_ACCOUNT_ID, OUTSCALE_ALIAS, Account, ExportTask, Image, Snapshot, Volume, Vm,
                     account_from, default_accounts)
from .regions import DEFAULT_REGION


class Cloud:
    def __init__(self, accounts: Optional[dict] = None, region: str = DEFAULT_REGION, *,
                 pending_reads: int = 1, pending_seconds: Optional[float] = None,
                 export_reads: int = 2, export_seconds: Optional[float] = None,
                 clock: Callable[[], float] = time.time, default_seed: bool = True,
                 rng: Optional[random.Random] = None, oos_store: Optional[dict] = None):
        self.region = region
        self._oos_store = oos_store  # bucket -> {key: bytes}, shared by every region (one OOS); None: own
        self.accounts = {ak: account_from(ak, spec) for ak, spec in (accounts or default_accounts()).items()}
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
                seeding.seed_defaults(self)

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

    # -- seeding and inspection (the /_emulator/ hooks; seeding.py and views.py do the work) ----
    def seed(self, data: dict) -> dict:
        """Add resources described in OAPI-like JSON; return the IDs made.  See ``seeding.SEED_FORMAT``."""
        return seeding.seed(self, data)

    def dump(self) -> dict:
        """Everything, in OAPI shapes, for tests (never a secret key)."""
        return views.dump(self)
