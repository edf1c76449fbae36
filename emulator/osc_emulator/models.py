"""What the emulated cloud holds: accounts, images, snapshots, volumes, VMs, export tasks.

Plain records; the ``Cloud`` (store.py) keeps them, views.py shows them in OAPI's shapes.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from typing import Optional

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


def account_from(ak: str, spec) -> Account:
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
    # What the FCU face shows (fcu_storage.py): where it is, what it was made from.
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
    # The small VM model of the FCU face (fcu_instances.py): EC2 state names; a state
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
