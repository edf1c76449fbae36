"""Drive a translator with scripted OAPI answers (no I/O), recording the calls it makes."""

from __future__ import annotations

import datetime as _dt

from osc_shim.errors import OapiError
from osc_shim.operations import OPERATIONS
from osc_shim.operations.engine import Context, run

NOW = _dt.datetime(2026, 11, 27, 10, 0, tzinfo=_dt.timezone.utc)
ACCOUNT = "123456789012"
OTHER = "210987654321"


def image(image_id="ami-12345678", name="img", **over):
    """An OAPI Image as ReadImages answers it."""
    base = {
        "AccountId": ACCOUNT, "Architecture": "x86_64",
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {
            "DeleteOnVmDeletion": True, "SnapshotId": "snap-12345678", "VolumeSize": 10, "VolumeType": "standard"}}],
        "BootModes": ["legacy"], "CreationDate": "2026-11-27T10:00:00.000Z", "Description": "",
        "FileLocation": f"{ACCOUNT}/{name}", "ImageId": image_id, "ImageName": name, "ImageType": "machine",
        "PermissionsToLaunch": {"GlobalPermission": False, "AccountIds": []}, "ProductCodes": ["0001"],
        "RootDeviceName": "/dev/sda1", "RootDeviceType": "bsu", "SecureBoot": False, "State": "available",
        "StateComment": {}, "Tags": [], "TpmMandatory": False,
    }
    base.update(over)
    return base


class Fake:
    """answers: action -> answer dict, list of answers (one per call), callable(body), or OapiError."""

    def __init__(self, answers=None, region="eu-west-2", deregistered=None):
        self.deregistered = deregistered  # osc_shim.deregistered.Scoped, or None
        self.answers = {k: (list(v) if isinstance(v, list) else v) for k, v in (answers or {}).items()}
        self.calls = []
        self.warnings = []
        self.region = region

    def perform(self, call):
        self.calls.append(call)
        answer = self.answers.get(call.action, {})
        if isinstance(answer, list):
            answer = answer.pop(0)
        if callable(answer):
            answer = answer(call.body)
        if isinstance(answer, OapiError):
            raise answer
        return answer

    def run(self, operation, params, deferred=False):
        ctx = Context(region=self.region, now=NOW, warn=self.warnings.append, deregistered=self.deregistered,
                      deferred=deferred)
        return run(OPERATIONS[operation], params, ctx, self.perform)

    @property
    def actions(self):
        return [c.action for c in self.calls]

    def bodies(self, action):
        return [c.body for c in self.calls if c.action == action]


def oapi_error(code, type_="InvalidResource", details="", status=400):
    return OapiError(status, code, type_, details)
