"""What a call did when its answer was lost: the lookups, as pure generators.

A create whose answer never came back (timeout, connection reset after
sending, 5xx, truncated body) may or may not have happened.  Re-sending it
blindly could make a second image; giving up blindly could hide the one just
made.  So each create the shim issues has a *plan*: how to look the resource
up afterwards.  The plans here, like the translators, perform no I/O: they
yield ``Call``s (reads only) and return a verdict; the engine runs them
(``engine.look``) with the OAPI client's reads when, and only when, the client
(``osc_shim.oapi.client.OapiClient.perform``) lost an answer (``osc_shim.core``
wires the two).

=========================  =====================================================================
OAPI call                   how it is reconciled
=========================  =====================================================================
CreateImage                 image names are unique per account.  Before the first attempt the
                            images of that name are read (ReadImages, Filters ImageNames); after a
                            lost answer an image counts as made by this call only when it was not
                            among them AND it matches what was asked (``matches_request``:
                            description, architecture, root device, block devices, file
                            location).  Found -> its answer is used; none -> sent again once (the
                            name guards against a second image: an older image, or a late first
                            request, gets the name refused -> InvalidAMIName.Duplicate).  When the
                            first look is missing (it failed, or an SDK retry whose first attempt
                            this process did not see), a matching recent image is never taken: the
                            caller is told what to check
CreateImageExportTask       no natural key: the image's export tasks are read before sending;
                            afterwards a new task with the same bucket, prefix and format is
                            the one made; none -> (after a timeout: checked once more after a
                            pause, the server may still be at work) sent again once
DeleteImage                 retried (idempotent); "no such image" after an attempt that may have
                            been processed means the first attempt deleted it: success
DeleteExportTask            same, with "no such task"
CreateSnapshot              no unique key (a ClientToken, when given, names the one made).  Before
                            sending, the snapshots that could be taken for it are read (by
                            volume, else description, else size; a copy reads its source first).
                            Afterwards a snapshot counts as made by this call only when it was not
                            among them AND matches what was asked (``snapshot_matches``: volume,
                            description, size).  Found -> its answer is used; none -> (after a
                            timeout: looked for once more after a pause) sent again once.  Without
                            a first look a matching recent snapshot is never taken: the caller is
                            told what to check
DeleteSnapshot              retried (idempotent); "no such snapshot" after a lost answer: success
CreateTags, DeleteTags,     idempotent: retried, nothing to reconcile
UpdateImage, Read*
=========================  =====================================================================
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional

from ..errors import OapiError
from .engine import Call

# Clock difference tolerated between this machine and OUTSCALE when telling "made by this call"
# from "already there" (CreationDate versus the time the call started).
CLOCK_MARGIN = 300.0
# How far back a create repeated by the client (an SDK retry reaching the gateway) may have landed.
CLIENT_RETRY_WINDOW = 900.0
# Pause before looking a second time for a create without a natural key.
SETTLE_DELAY = 2.0


# The verdicts of a lookup; ``found`` / ``unknown`` are what the OAPI client reads of them.
@dataclass(frozen=True)
class Found:
    answer: dict          # stands for the lost answer (same shape as the call's own answer)
    resource_id: str
    found = True
    unknown = False


@dataclass(frozen=True)
class NotFound:
    existing: tuple = ()  # same-named resources that were already there (a re-send will be refused)
    found = False
    unknown = False


@dataclass(frozen=True)
class Unknown:
    reason: str
    found = False
    unknown = True


@dataclass(frozen=True)
class Reconcile:
    """How to find out what ``call`` did (all generators are pure: they yield read ``Call``s)."""

    what: Callable[[Call], str]                      # "image named 'x'", for messages
    find: Optional[Callable] = None                  # find(call, since, before) -> Found | NotFound | Unknown
    before: Optional[Callable] = None                # before(call) -> anything find needs (read before sending)
    conflict_codes: frozenset = frozenset()          # OAPI codes a re-send may get when the first one succeeded
    gone_codes: frozenset = frozenset()              # OAPI codes a repeated delete gets when the first one worked
    resend: bool = True                              # may the call be sent again once find says it did not happen
    settle: float = 0.0                              # pause before a second look when there is no natural key
    check_hint: Callable[[Call], str] = lambda call: ""  # the command that shows the user what exists


def _timestamp(value) -> Optional[float]:
    if not isinstance(value, str):
        return None
    try:
        t = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return t.timestamp()


def _account_id():
    """Sub-generator: the caller's account ID (ReadAccounts), None when it cannot be read."""
    try:
        answer = yield Call("ReadAccounts", {}, idempotent=True)
    except OapiError:
        return None
    for account in (answer or {}).get("Accounts") or []:
        if isinstance(account, dict) and isinstance(account.get("AccountId"), str):
            return account["AccountId"]
    return None


def _image_name(call: Call) -> Optional[str]:
    name = call.body.get("ImageName")
    return name if isinstance(name, str) and name else None


def _same_name(answer, name: str, account: Optional[str] = None) -> list:
    return [i for i in (answer or {}).get("Images") or []
            if isinstance(i, dict) and i.get("ImageName") == name and (not account or i.get("AccountId") == account)]


def images_before(call: Call):
    """The IDs of every image already named so (any account) before the create is sent; None when they
    cannot be read.  An image among them can never be "the one this call made"."""
    name = _image_name(call)
    if name is None:
        return None
    try:
        answer = yield Call("ReadImages", {"Filters": {"ImageNames": [name]}}, idempotent=True)
    except OapiError:
        return None
    return frozenset(str(i.get("ImageId")) for i in _same_name(answer, name))


def _bsu_matches(asked: dict, held: dict) -> bool:
    return all(held.get(key) == asked[key] for key in ("SnapshotId", "VolumeSize", "VolumeType", "Iops",
                                                          "DeleteOnVmDeletion") if key in asked)


def matches_request(body: dict, image: dict) -> bool:
    """Does ``image`` (OAPI's Image) hold what the CreateImage ``body`` asked for?  Only what an image
    records can be compared (a copy's source or a VM are not recorded: there the first look proves it)."""
    if image.get("ImageName") != body.get("ImageName"):
        return False
    for member in ("Description", "Architecture", "RootDeviceName"):
        if member in body and (image.get(member) or "") != (body[member] or ""):
            return False
    if "FileLocation" in body and str(image.get("FileLocation") or "").split("?")[0] != \
            str(body["FileLocation"]).split("?")[0]:
        return False
    held = {m.get("DeviceName"): m for m in image.get("BlockDeviceMappings") or [] if isinstance(m, dict)}
    for asked in body.get("BlockDeviceMappings") or []:
        mine = held.get(asked.get("DeviceName"))
        if mine is None:
            return False
        if "Bsu" in asked and not _bsu_matches(asked["Bsu"] or {}, mine.get("Bsu") or {}):
            return False
        if "VirtualDeviceName" in asked and mine.get("VirtualDeviceName") != asked["VirtualDeviceName"]:
            return False
    return True


def created_image(call: Call, since: float, before=None):
    """The image ``call`` (CreateImage) made: named so, in the caller's account, absent from ``before``
    (the first look) and holding what was asked.  Without a first look nothing is proven: a matching
    recent image makes the verdict Unknown (the caller is told what to check), never Found."""
    name = _image_name(call)
    if name is None:
        return Unknown("the request names no image to look for")
    account = yield from _account_id()
    filters = {"ImageNames": [name]}
    if account:
        filters["AccountIds"] = [account]
    try:
        answer = yield Call("ReadImages", {"Filters": filters}, idempotent=True)
    except OapiError as err:
        return Unknown(f"ReadImages failed ({err})")
    same = _same_name(answer, name, account)
    existing = tuple(str(i.get("ImageId")) for i in same)
    asked = [i for i in same if matches_request(call.body, i) and isinstance(i.get("ImageId"), str)]
    if before is None:
        recent = [i for i in asked if (_timestamp(i.get("CreationDate")) or 0) >= since - CLOCK_MARGIN]
        if recent:
            ids = ", ".join(i["ImageId"] for i in recent)
            return Unknown(f"an image named {name!r} matching the request exists ({ids}), but whether it was "
                           "there before this call could not be told")
        return NotFound(existing)
    new = [i for i in asked if i["ImageId"] not in before]
    if len(new) == 1:
        return Found({"Image": new[0]}, new[0]["ImageId"])
    if len(new) > 1:
        return Unknown(f"several images named {name!r} were made just now ({', '.join(i['ImageId'] for i in new)})")
    return NotFound(existing)


class FirstLooks:
    """What the first attempt of a client's request saw before sending (the ``before`` of its plan), kept
    so that the client's own retries of it (an SDK retry reaching the gateway, same invocation ID) are
    judged against the same proof.  Bounded in entries and age."""

    def __init__(self, size: int = 4096, ttl: float = CLIENT_RETRY_WINDOW, clock=time.monotonic):
        self._items: OrderedDict = OrderedDict()
        self._size, self._ttl, self._clock = size, ttl, clock
        self._lock = threading.Lock()

    def put(self, key, value) -> None:
        if key is None or value is None:
            return
        with self._lock:
            self._items[key] = (self._clock(), value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, key):
        if key is None:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None or self._clock() - item[0] > self._ttl:
                self._items.pop(key, None)
                return None
            return item[1]

    def __len__(self) -> int:
        return len(self._items)


def _export_key(body: dict) -> tuple:
    osu = body.get("OsuExport") or {}
    return (osu.get("OsuBucket"), osu.get("OsuPrefix") or "", osu.get("DiskImageFormat"))


def _export_tasks(image_id):
    """Sub-generator: every export task of ``image_id`` (all pages)."""
    tasks, token = [], None
    for _ in range(20):  # 20 pages: far more tasks than one image ever has
        body = {"Filters": {"ImageIds": [image_id]}}
        if token:
            body["NextPageToken"] = token
        answer = yield Call("ReadImageExportTasks", body, idempotent=True)
        tasks.extend(t for t in (answer or {}).get("ImageExportTasks") or [] if isinstance(t, dict))
        token = (answer or {}).get("NextPageToken")
        if not token:
            break
    return tasks


def export_tasks_before(call: Call):
    """The IDs of the image's export tasks before the create is sent (None when they cannot be read)."""
    try:
        tasks = yield from _export_tasks(call.body.get("ImageId"))
    except OapiError:
        return None
    return frozenset(t.get("TaskId") for t in tasks)


ACTIVE_EXPORT_STATES = ("pending/queued", "pending")


def created_export_task(call: Call, since: float, before=None):
    """The export task ``call`` made: new since ``before`` (else an active one) with the same destination."""
    try:
        tasks = yield from _export_tasks(call.body.get("ImageId"))
    except OapiError as err:
        return Unknown(f"ReadImageExportTasks failed ({err})")
    key = _export_key(call.body)
    same = [t for t in tasks if _export_key({"OsuExport": t.get("OsuExport")}) == key]
    if before is not None:
        new = [t for t in same if t.get("TaskId") not in before]
    else:
        new = [t for t in same if t.get("State") in ACTIVE_EXPORT_STATES]
    if len(new) == 1 and isinstance(new[0].get("TaskId"), str):
        return Found({"ImageExportTask": new[0]}, new[0]["TaskId"])
    if len(new) > 1:
        return Unknown(f"{len(new)} export tasks of {call.body.get('ImageId')} to the same place were found "
                       f"({', '.join(str(t.get('TaskId')) for t in new)})")
    return NotFound()


@dataclass(frozen=True)
class SnapshotAsked:
    """What a snapshot made by a CreateSnapshot call holds, as far as OAPI's Snapshot records it (a copy's
    source and an import's file are not recorded: their description and size stand for them)."""

    filters: dict                    # ReadSnapshots filters that list every candidate
    descriptions: frozenset          # the description it may carry
    volume_id: Optional[str] = None  # a snapshot of a volume
    sizes: frozenset = frozenset()   # GiB it may have (empty: not known without another read)


def _gib_sizes(size_bytes) -> frozenset:
    """The GiB sizes OAPI may record for an import of ``size_bytes`` (rounded up, or down)."""
    if not isinstance(size_bytes, int) or isinstance(size_bytes, bool) or size_bytes < 1:
        return frozenset()
    gib = 1 << 30
    return frozenset({max(1, size_bytes // gib), max(1, -(-size_bytes // gib))})


def _one_snapshot(snapshot_id):
    """Sub-generator: the snapshot ``snapshot_id`` as the caller sees it, or None."""
    answer = yield Call("ReadSnapshots", {"Filters": {"SnapshotIds": [snapshot_id]}}, idempotent=True)
    return next((s for s in (answer or {}).get("Snapshots") or []
                 if isinstance(s, dict) and s.get("SnapshotId") == snapshot_id), None)


def snapshot_asked(call: Call):
    """Sub-generator: the ``SnapshotAsked`` of a CreateSnapshot ``call`` (None: nothing to look it up by).
    A copy reads its source: the copy has its size, and its description unless one is asked."""
    body = call.body
    asked = body.get("Description") if isinstance(body.get("Description"), str) else ""
    descriptions, volume_id, sizes = {asked}, None, frozenset()
    if isinstance(body.get("VolumeId"), str) and body["VolumeId"]:
        volume_id = body["VolumeId"]
        filters = {"VolumeIds": [volume_id]}
    elif isinstance(body.get("SourceSnapshotId"), str) and body["SourceSnapshotId"]:
        source = yield from _one_snapshot(body["SourceSnapshotId"])
        if source is None:
            return None  # no such source: the create itself is refused
        if isinstance(source.get("VolumeSize"), int):
            sizes = frozenset({source["VolumeSize"]})
        if not asked:  # a copy without a description may keep the source's or have none
            descriptions.add(source.get("Description") or "")
        filters = {"VolumeSizes": sorted(sizes)} if sizes else None
    else:
        sizes = _gib_sizes(body.get("SnapshotSize"))
        filters = {"VolumeSizes": sorted(sizes)} if sizes else None
    if asked and volume_id is None:
        filters = {"Descriptions": [asked]}
    if filters is None:
        return None
    return SnapshotAsked(filters, frozenset(descriptions), volume_id, sizes)


def snapshot_matches(asked: SnapshotAsked, snapshot: dict) -> bool:
    return ((snapshot.get("Description") or "") in asked.descriptions
            and (asked.volume_id is None or snapshot.get("VolumeId") == asked.volume_id)
            and (not asked.sizes or snapshot.get("VolumeSize") in asked.sizes))


def _snapshots(filters: dict):
    """Sub-generator: every snapshot matching ``filters`` (all pages)."""
    found, token = [], None
    for _ in range(20):  # 20 pages: far more than one volume, description or size holds
        body = {"Filters": filters}
        if token:
            body["NextPageToken"] = token
        answer = yield Call("ReadSnapshots", body, idempotent=True)
        found.extend(s for s in (answer or {}).get("Snapshots") or [] if isinstance(s, dict))
        token = (answer or {}).get("NextPageToken")
        if not token:
            break
    return found


def snapshots_before(call: Call):
    """The IDs of every snapshot that could be taken for the one ``call`` makes, read before it is sent
    (None when they cannot be read).  A snapshot among them is never "the one this call made"."""
    try:
        asked = yield from snapshot_asked(call)
        if asked is None:
            return None
        found = yield from _snapshots(asked.filters)
    except OapiError:
        return None
    return frozenset(s.get("SnapshotId") for s in found)


def created_snapshot(call: Call, since: float, before=None):
    """The snapshot ``call`` (CreateSnapshot) made: the caller's, absent from ``before`` (the first look) and
    holding what was asked (volume, description, size: ``snapshot_matches``); or the one of its ClientToken
    (EC2's idempotency).  Without a first look nothing is proven: a matching recent snapshot makes the
    verdict Unknown (the caller is told what to check), never Found."""
    token = call.body.get("ClientToken") if isinstance(call.body.get("ClientToken"), str) else None
    try:
        if token:
            mine = yield from _snapshots({"ClientTokens": [token]})
            mine = [s for s in mine if s.get("ClientToken") == token and isinstance(s.get("SnapshotId"), str)]
            if len(mine) == 1:
                return Found({"Snapshot": mine[0]}, mine[0]["SnapshotId"])
        asked = yield from snapshot_asked(call)
        if asked is None:
            return Unknown("the request names nothing to look the snapshot up by, or its source could not be read")
        account = yield from _account_id()
        found = yield from _snapshots(asked.filters)
    except OapiError as err:
        return Unknown(f"ReadSnapshots failed ({err})")
    same = [s for s in found if snapshot_matches(asked, s) and isinstance(s.get("SnapshotId"), str)
            and (not account or s.get("AccountId") == account)]
    if before is None:
        recent = [s for s in same if (_timestamp(s.get("CreationDate")) or 0) >= since - CLOCK_MARGIN]
        if recent:
            return Unknown(f"a snapshot matching the request exists ({', '.join(s['SnapshotId'] for s in recent)}), "
                           "but whether it was there before this call could not be told")
        return NotFound()
    new = [s for s in same if s["SnapshotId"] not in before]
    if len(new) == 1:
        return Found({"Snapshot": new[0]}, new[0]["SnapshotId"])
    if len(new) > 1:
        return Unknown(f"{len(new)} matching snapshots were made just now "
                       f"({', '.join(s['SnapshotId'] for s in new)})")
    return NotFound()


def _image_what(call: Call) -> str:
    name = _image_name(call)
    return f"image named {name!r}" if name else "image"


def _image_hint(call: Call) -> str:
    name = _image_name(call)
    return (f"aws ec2 describe-images --owners self --filters Name=name,Values={name!r}" if name
            else "aws ec2 describe-images --owners self")


PLANS = {
    "CreateImage": Reconcile(
        what=_image_what, find=created_image, before=images_before, conflict_codes=frozenset({"9015"}),
        check_hint=_image_hint),
    "CreateImageExportTask": Reconcile(
        what=lambda call: f"export task of {call.body.get('ImageId')}", find=created_export_task,
        before=export_tasks_before, settle=SETTLE_DELAY,
        check_hint=lambda call: ("aws ec2 describe-export-image-tasks --query "
                                 f"\"ExportImageTasks[?ImageId=='{call.body.get('ImageId')}']\"")),
    "DeleteImage": Reconcile(what=lambda call: f"image {call.body.get('ImageId')}", gone_codes=frozenset({"5023"})),
    "DeleteExportTask": Reconcile(what=lambda call: f"export task {call.body.get('ExportTaskId')}",
                                  gone_codes=frozenset({"5058"})),
    "CreateSnapshot": Reconcile(
        what=lambda call: "snapshot" + (f" of {call.body['VolumeId']}" if call.body.get("VolumeId") else ""),
        find=created_snapshot, before=snapshots_before, settle=SETTLE_DELAY,
        check_hint=lambda call: "aws ec2 describe-snapshots --owner-ids self"),
    "DeleteSnapshot": Reconcile(what=lambda call: f"snapshot {call.body.get('SnapshotId')}",
                                gone_codes=frozenset({"5054"})),
}


def plan_for(call: Call) -> Optional[Reconcile]:
    """The call's own plan if it carries one, else the table's for its action (None: nothing to reconcile)."""
    own = getattr(call, "reconcile", None)
    if own is not None:
        return own
    return PLANS.get(call.action)
