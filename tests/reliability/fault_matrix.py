"""The fault matrix: every injected fault against the creates the shim issues, through any front end.

A *driver* runs one EC2 operation (the shim directly, the real ``aws`` CLI with the plugin,
or boto3 through the gateway) and returns an ``Outcome``.  ``check`` holds the invariant of
issue 6: afterwards exactly one resource exists and the caller got its ID, or the caller got
a clear EC2-style error saying nothing was created (and nothing was), or -- only when the
lookup itself was made to fail -- an error saying it could not be checked and how to check.
Never two resources, never a hang, never a traceback.

Every create case also runs with an *older* resource of the same name (``older=True``: an image
of that name made 600 s before from another snapshot; for exports, an older finished task to the
same place; for snapshots, one made 600 s before that matches everything but identity: same
volume and description, an older copy of the same source, an older import of the same file).
There the only right answers are EC2's (``InvalidAMIName.Duplicate``), an error saying nothing was
created or what to check, or -- for an export or a snapshot, which have no unique key -- the new
one; never the older resource's ID, never two new ones (issue 10).

Used by tests/reliability/test_reconcile_*.py and bench/fuzz_bench.py.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from reliability_env import ACCESS_KEY, ACCOUNT, FAST_BOUND, HOLD, available_image, export_tasks_of, images_named, snapshot


@dataclass(frozen=True)
class Case:
    label: str
    kind: str
    times: Optional[int] = 1           # None: every attempt fails
    options: tuple = ()                # extra Rule fields, as pairs
    lookup_fault: Optional[str] = None  # also make the reconciliation lookups fail (a double fault)

    def rule(self) -> dict:
        return dict(self.options)


CASES = (
    Case("latency", "latency", 1, (("delay", 0.3),)),
    Case("http-500", "http-500"),
    Case("http-500 after processing", "http-500", 1, (("after", True),)),
    Case("http-503", "http-503"),
    Case("throttle-503 x2", "throttle-503", 2),
    Case("throttle-429 x2", "throttle-429", 2),
    Case("throttle-429 code 25", "throttle-429", 1, (("code", "25"),)),
    Case("reset-before", "reset-before"),
    Case("reset-after", "reset-after"),
    Case("timeout", "timeout", 1, (("delay", HOLD),)),
    Case("stall", "stall", 1, (("delay", HOLD),)),
    Case("truncated", "truncated"),
    Case("not-json", "not-json"),
    Case("not-json before processing", "not-json", 1, (("after", False), ("status", 502))),
    # every attempt fails
    Case("http-500 always", "http-500", None),
    Case("http-503 always", "http-503", None),
    Case("throttle-429 always", "throttle-429", None),
    Case("reset-before always", "reset-before", None),
    Case("reset-after always", "reset-after", None),
    Case("timeout always", "timeout", None, (("delay", HOLD),)),
    Case("truncated always", "truncated", None),
    # the answer is lost and the lookup fails too: the shim must say it cannot tell
    Case("reset-after + lookups fail", "reset-after", 1, (), "http-500"),
)
SHORT = tuple(c for c in CASES if c.label in ("http-500", "throttle-429 x2", "reset-before", "reset-after",
                                               "timeout", "truncated", "http-500 always", "reset-before always"))
# Every operation of ``osc_shim.operations.OPERATIONS``, and where the matrix stands on it: the OAPI
# call whose answer the faults hit, or (``Excluded``) why the operation is not in the matrix.
# tests/reliability/test_operation_lists.py holds the keys to OPERATIONS: a new operation fails that
# test until it is put in the matrix or excluded here with its reason.
@dataclass(frozen=True)
class Excluded:
    reason: str


READ = Excluded("a read: retried like any idempotent call (test_retry_policy.py); nothing made, nothing to reconcile")
IDEMPOTENT = Excluded("an idempotent update: retried as it is (reconcile.py's table); nothing made twice")
SCOPE = {
    "RegisterImage": "CreateImage",
    "CreateImage": "CreateImage",
    "CopyImage": "CreateImage",
    "DeregisterImage": "DeleteImage",
    "DescribeImages": READ,
    "ModifyImageAttribute": IDEMPOTENT,
    "DescribeImageAttribute": READ,
    "ResetImageAttribute": IDEMPOTENT,
    "CreateTags": "CreateTags",
    "DeleteTags": IDEMPOTENT,
    "ExportImage": "CreateImageExportTask",
    "DescribeExportImageTasks": READ,
    "CancelExportTask": Excluded("deletes by ID, retried; \"no such task\" after a lost answer is success "
                                 "(reconcile.py's DeleteExportTask), as DeregisterImage's DeleteImage is tested here"),
    "CreateSnapshot": "CreateSnapshot",
    "CopySnapshot": "CreateSnapshot",
    "ImportSnapshot": "CreateSnapshot",
    "DescribeSnapshots": READ,
    "DeleteSnapshot": Excluded("deletes by ID, retried; \"no such snapshot\" after a lost answer is success "
                               "(reconcile.py's DeleteSnapshot), as DeregisterImage's DeleteImage is tested here"),
    "ModifySnapshotAttribute": IDEMPOTENT,
    "DescribeSnapshotAttribute": READ,
    "ResetSnapshotAttribute": IDEMPOTENT,
    "DescribeTags": READ,
}
# What each operation in the matrix calls on the OAPI side (where the faults are injected).
CREATE_ACTION = {op: action for op, action in SCOPE.items() if isinstance(action, str)}
LOOKUP_ACTIONS = ("ReadImages", "ReadImageExportTasks", "ReadSnapshots")


@dataclass
class Outcome:
    operation: str
    case: str
    ok: bool
    resource: Optional[str]          # the ID the caller got
    code: str = ""
    message: str = ""
    seconds: float = 0.0
    found: tuple = ()                # what exists afterwards (images named so, tasks of the image, ...)
    faults: tuple = ()               # faults that fired
    problems: list = field(default_factory=list)
    older: Optional[str] = None      # the older same-name resource that was there before the call

    @property
    def verdict(self) -> str:
        if self.ok:
            return "created" if self.operation not in ("DeregisterImage", "CreateTags") else "done"
        if self.code == "InvalidAMIName.Duplicate":
            return "error: name already used (EC2's answer)"
        if re.search(r"could not be checked|may have been carried out", self.message):
            return "error: uncertain, says how to check"
        if re.search(r"nothing was created|no \w[\w ']* was created|not carried out", self.message, re.I):
            return "error: nothing created"
        return "error"


_names = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix} {time.time_ns() % 10 ** 9} {next(_names)}"


OLDER_AGE = 600.0  # seconds: within the 900 s an SDK retry may span, past the 300 s clock margin
# The operations of the matrix that make a resource (each also runs with an older one of the name);
# EVERY_CASE (one per kind of resource) run every case through the shim, the others the short list;
# the rest of the matrix is idempotent.
SNAPSHOT_CREATES = ("CreateSnapshot", "CopySnapshot", "ImportSnapshot")
CREATES = ("RegisterImage", "CreateImage", "CopyImage", "ExportImage") + SNAPSHOT_CREATES
EVERY_CASE = ("RegisterImage", "CreateSnapshot")
OTHER_CREATES = tuple(op for op in CREATES if op not in EVERY_CASE)
IDEMPOTENT_CALLS = tuple(op for op in CREATE_ACTION if op not in CREATES)
# Creates without a unique name: a new resource may exist next to the older one.
UNNAMED = ("ExportImage",) + SNAPSHOT_CREATES


def spread(cases, operations) -> list:
    """Each case once, the operations taken in turn: every fault kind on a front end, without
    multiplying the slow paths (the CLI, the gateway) by the number of operations."""
    return [(operations[i % len(operations)], case) for i, case in enumerate(cases)]


def created_id(result: dict) -> Optional[str]:
    """The ID of what a create's EC2 answer says it made."""
    return (result.get("ExportImageTaskId") or result.get("ImageId") or result.get("SnapshotId")
            or (result.get("SnapshotTaskDetail") or {}).get("SnapshotId"))


SNAPSHOT_SIZE = {"CopySnapshot": 10, "ImportSnapshot": 1}  # GiB: the source's, the file's


class Setup:
    """Resources one case needs, made straight in the emulator's state (no faults there).

    ``older``: a resource the call must not be taken for is there already (same name, other content).
    """

    def __init__(self, emu, operation: str, older: bool = False):
        self.emu = emu
        self.operation = operation
        self.name = unique("rel")
        self.snapshot = snapshot(emu.cloud)
        self.image = None
        self.older = None
        self.source = None  # the volume, snapshot or file a snapshot create reads
        if operation == "CreateSnapshot":
            from osc_emulator import default_vm_id

            with emu.cloud.lock:
                self.source = emu.cloud.vms[default_vm_id(ACCOUNT)].volume_ids[0]
        elif operation == "CopySnapshot":  # copied without a description: the copy keeps the source's
            self.source = emu.cloud.add_snapshot(ACCOUNT, SNAPSHOT_SIZE[operation], self.name).snapshot_id
        elif operation == "ImportSnapshot":
            key = self.name.replace(" ", "-") + ".raw"
            emu.cloud.put_object("imports", key, b"\0" * 4096)
            self.source = emu.cloud.presign("imports", key)
        if operation in ("CopyImage", "ExportImage", "DeregisterImage", "CreateTags"):
            self.image = available_image(emu.cloud, unique("src"))
        if operation == "ExportImage":
            emu.cloud.create_bucket("exports")
        if older:
            self.older = self._older()

    def _older(self) -> str:
        cloud = self.emu.cloud
        if self.operation == "ExportImage":
            from osc_emulator.exports import create_image_export_task

            params = self.params()
            with cloud.lock:
                view = create_image_export_task(cloud, cloud.account_by_key(ACCESS_KEY), {
                    "ImageId": self.image, "OsuExport": {"DiskImageFormat": params["DiskImageFormat"].lower(),
                                                         "OsuBucket": "exports",
                                                         "OsuPrefix": params["S3ExportLocation"]["S3Prefix"]}})
                task = cloud.export_tasks[view["ImageExportTask"]["TaskId"]]
                task.created_at -= OLDER_AGE
                cloud.settle_task(task)
                return task.task_id
        if self.operation in SNAPSHOT_CREATES:  # same volume / source / file, same description and size
            volume = self.source if self.operation == "CreateSnapshot" else None
            with cloud.lock:
                size = cloud.volumes[volume].size if volume else SNAPSHOT_SIZE[self.operation]
            return cloud.add_snapshot(ACCOUNT, size, self.name, volume_id=volume,
                                      created_at=cloud.now() - OLDER_AGE).snapshot_id
        image_id = available_image(cloud, self.name)  # another snapshot, another description
        with cloud.lock:
            cloud.images[image_id].created_at -= OLDER_AGE
        return image_id

    def params(self) -> dict:
        op = self.operation
        if op == "RegisterImage":
            return {"Name": self.name, "RootDeviceName": "/dev/sda1", "Architecture": "x86_64",
                    "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": self.snapshot}}]}
        if op == "CreateImage":
            from osc_emulator import default_vm_id

            return {"InstanceId": default_vm_id(ACCOUNT), "Name": self.name}
        if op == "CopyImage":
            return {"SourceImageId": self.image, "SourceRegion": self.emu.region, "Name": self.name}
        if op == "ExportImage":
            return {"ImageId": self.image, "DiskImageFormat": "RAW",
                    "S3ExportLocation": {"S3Bucket": "exports", "S3Prefix": f"{self.name.replace(' ', '-')}/"}}
        if op == "CreateSnapshot":
            return {"VolumeId": self.source, "Description": self.name}
        if op == "CopySnapshot":
            return {"SourceSnapshotId": self.source, "SourceRegion": self.emu.region}
        if op == "ImportSnapshot":
            return {"DiskContainer": {"Url": self.source, "Format": "RAW"}, "ClientData": {"UploadSize": float(SNAPSHOT_SIZE[op])},
                    "Description": self.name}
        if op == "DeregisterImage":
            return {"ImageId": self.image}
        if op == "CreateTags":
            return {"Resources": [self.image], "Tags": [{"Key": "case", "Value": self.name}]}
        raise KeyError(op)

    def existing(self) -> tuple:
        cloud = self.emu.cloud
        if self.operation == "ExportImage":
            return tuple(export_tasks_of(cloud, self.image))
        if self.operation == "DeregisterImage":
            with cloud.lock:
                return (self.image,) if self.image in cloud.images else ()
        if self.operation == "CreateTags":
            with cloud.lock:
                tags = cloud.tags.get(self.image, {})
            return tuple(f"{k}={v}" for k, v in tags.items() if k == "case")
        if self.operation in SNAPSHOT_CREATES:  # the snapshots of that description, the copy's source aside
            with cloud.lock:
                return tuple(s.snapshot_id for s in cloud.snapshots.values() if s.description == self.name
                             and s.account_id == ACCOUNT and s.snapshot_id != self.source)
        return tuple(images_named(cloud, self.name))


def run_case(emu, operation: str, case: Case, driver: Callable[[str, dict], tuple],
             bound: float = FAST_BOUND, older: bool = False) -> Outcome:
    """Inject ``case`` on the operation's OAPI create, run ``driver(operation, params)`` and check the result.

    ``driver`` returns (ok, resource id or None, error code, error message).  ``older``: see ``Setup``.
    """
    setup = Setup(emu, operation, older)
    emu.clear_faults()
    emu.inject(case.kind, CREATE_ACTION[operation], times=case.times, **case.rule())
    if case.lookup_fault:
        for action in LOOKUP_ACTIONS:
            emu.inject(case.lookup_fault, action, times=None)
    started = time.monotonic()
    ok, resource, code, message = driver(operation, setup.params())
    seconds = time.monotonic() - started
    faults = tuple(k for _, k in emu.faults.applied)
    emu.clear_faults()
    if case.kind == "stall" or (case.kind == "timeout" and case.times is None):
        time.sleep(HOLD + 0.5)  # let held requests land before counting
    older_label = " + older same source" if operation in SNAPSHOT_CREATES else " + older same name"
    outcome = Outcome(operation, case.label + (older_label if older else ""), ok, resource, code or "",
                      message or "", seconds, setup.existing(), faults, older=setup.older)
    outcome.problems = check(outcome, case, bound)
    return outcome


def check(o: Outcome, case: Case, bound: float) -> list:
    problems = []
    if o.seconds > bound:
        problems.append(f"took {o.seconds:.1f} s (bound {bound} s)")
    if "Traceback" in o.message:
        problems.append("a traceback in the error")
    if o.operation in ("DeregisterImage", "CreateTags"):
        # done: the image is gone / the tag is there; an error says it was not done, or that it may have
        # been (both are safe to repeat: these calls are idempotent)
        done = not o.found if o.operation == "DeregisterImage" else bool(o.found)
        if o.ok and not done:
            problems.append("success, but it was not done")
        if not o.ok:
            if o.verdict == "error: nothing created" and done:
                problems.append(f"it was done, but the error says it was not: {o.message[:160]}")
            elif o.verdict == "error":
                problems.append(f"the error does not say whether it was done: {o.code}: {o.message[:160]}")
        return problems
    if o.older is not None:
        return problems + check_with_older(o, case)
    return problems + one_or_none(o, case, o.found)


def one_or_none(o: Outcome, case: Case, made) -> list:
    """``made`` (what the call may have made) is the one resource the caller got, or nothing and a clear
    error (saying it cannot tell when the lookups were made to fail)."""
    problems = []
    if len(made) > 1:
        problems.append(f"{len(made)} resources made: {made}")
    if o.ok:
        if list(made) != [o.resource]:
            problems.append(f"the caller got {o.resource} but {list(made)} exist")
    elif case.lookup_fault:
        if o.verdict != "error: uncertain, says how to check" or "describe-" not in o.message:
            problems.append(f"a lost answer with failing lookups must say it cannot tell: {o.message[:160]}")
    else:
        if made:
            problems.append(f"error {o.code} ({o.message[:120]}) although {made} exists")
        if o.verdict != "error: nothing created":
            problems.append(f"the error does not say nothing was created: {o.code}: {o.message[:200]}")
        if not o.code or not re.fullmatch(r"[A-Za-z.]+", o.code):
            problems.append(f"not an EC2-style error code: {o.code!r}")
    return problems


def check_with_older(o: Outcome, case: Case) -> list:
    """An older same-name resource was there: it is never the answer."""
    problems = []
    new = [r for r in o.found if r != o.older]
    if o.older not in o.found:
        problems.append(f"the older {o.older} is gone")
    if o.resource == o.older:
        problems.append(f"the caller got the older {o.older} as if this call had made it")
    if o.operation in SNAPSHOT_CREATES:  # no unique key: the new one, held to the rules without an older
        return problems + one_or_none(o, case, new)
    if len(new) > 1:
        problems.append(f"{len(new)} resources made: {new}")
    if o.operation not in UNNAMED:  # names are unique: nothing new can exist, the answer is EC2's
        if new:
            problems.append(f"a second image {new} has the name of {o.older}")
        if o.ok:
            problems.append(f"success ({o.resource}) although the name was taken by {o.older}")
        elif case.lookup_fault:
            if o.verdict != "error: uncertain, says how to check" and o.code != "InvalidAMIName.Duplicate":
                problems.append(f"neither EC2's answer nor what to check: {o.code}: {o.message[:160]}")
        elif o.code != "InvalidAMIName.Duplicate" and o.verdict not in ("error: nothing created",
                                                                       "error: uncertain, says how to check"):
            problems.append(f"neither InvalidAMIName.Duplicate nor a clear error: {o.code}: {o.message[:200]}")
        return problems
    if o.ok and new != [o.resource]:
        problems.append(f"the caller got {o.resource} but the new tasks are {new}")
    if not o.ok and not case.lookup_fault and new:
        problems.append(f"error {o.code} ({o.message[:120]}) although {new} was made")
    return problems


def table(outcomes) -> str:
    """A plain-text table of outcomes (for the benchmark's report)."""
    rows = [("operation", "fault", "outcome", "code", "s", "faults fired", "problems")]
    for o in outcomes:
        rows.append((o.operation, o.case, o.verdict, o.code or "-", f"{o.seconds:.2f}",
                     str(len(o.faults)), "; ".join(o.problems) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


# -- drivers ------------------------------------------------------------------------------------

def shim_driver(emu, warnings: Optional[list] = None):
    """The shim core in this process (what both front ends call)."""
    from osc_shim import core
    from osc_shim.errors import Ec2Error

    from reliability_env import credentials

    def run(operation, params):
        try:
            result = core.call(operation, params, region=emu.region, credentials=credentials(),
                                  warn=(warnings.append if warnings is not None else None))
        except Ec2Error as err:
            return False, None, err.code, err.message
        return True, created_id(result), "", ""
    return run
