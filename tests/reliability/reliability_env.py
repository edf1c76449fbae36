"""Helpers shared by the reliability tests and bench/fuzz_bench.py.

- ``FAST``: retry/timeout settings that make faults cheap to test (the behaviour is the same
  as with the defaults, only shorter);
- ``InProcessOapi``: an OAPI "client" that hands each call straight to the emulator's
  handlers (schema checks included), for property tests that need thousands of calls;
- ``images_named``: what the emulator holds, to check "exactly one image".
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parents[1]
if str(_TESTS) not in sys.path:  # bench/fuzz_bench.py imports this module from outside pytest
    sys.path.insert(0, str(_TESTS))

from support.sandbox_env import AWS_V1 as AWS, REPO, SOURCE_PATHS, clean_env  # noqa: E402,F401

for _path in reversed(SOURCE_PATHS):
    if _path not in sys.path:
        sys.path.insert(0, _path)

ACCESS_KEY, SECRET_KEY, ACCOUNT = "AKIDRELIABILITY00001", "reliability/secret/key/0123456789abcdef", "123456789012"
REGION = "eu-west-2"

# Short timeouts and backoff: an injected timeout costs ~1 s instead of 30.
FAST = {
    "OSC_SHIM_READ_TIMEOUT": "1",
    "OSC_SHIM_CONNECT_TIMEOUT": "1",
    "OSC_SHIM_MAX_TOTAL": "8",
    "OSC_SHIM_BACKOFF_BASE": "0.05",
    "OSC_SHIM_MAX_ATTEMPTS": "3",
}
# Longest a call may take under FAST (max total + scheduling slack).
FAST_BOUND = 8 + 3
HOLD = 2.0  # seconds a timeout / stall fault holds a request (past FAST's 1 s read timeout)


def credentials(access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
    from botocore.credentials import Credentials

    return Credentials(access_key, secret_key)


def start(**options):
    from osc_emulator import start_emulator

    return start_emulator(accounts={ACCESS_KEY: (SECRET_KEY, ACCOUNT)}, region=REGION, **options)


def images_named(cloud, name: str) -> list:
    with cloud.lock:
        return [i.image_id for i in cloud.images.values() if i.name == name and i.account_id == ACCOUNT]


def export_tasks_of(cloud, image_id: str) -> list:
    with cloud.lock:
        return [t.task_id for t in cloud.export_tasks.values() if t.image_id == image_id]


def snapshot(cloud, size: int = 10) -> str:
    return cloud.add_snapshot(ACCOUNT, size).snapshot_id


def available_image(cloud, name: str) -> str:
    snap = cloud.add_snapshot(ACCOUNT, 10).snapshot_id
    return cloud.seed({"images": [{"ImageName": name, "State": "available", "AccountId": ACCOUNT,
                                   "Architecture": "x86_64", "BlockDeviceMappings": [
                                       {"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": snap, "VolumeSize": 10,
                                                                          "VolumeType": "standard",
                                                                          "DeleteOnVmDeletion": True}}]}]})["Images"][0]


class InProcessOapi:
    """``perform`` straight into the emulator's handlers: OAPI semantics and schema, no HTTP.

    What the shim's OapiClient does around it (signing, retries, reconciliation) is tested
    elsewhere; here the translators meet a real OAPI implementation thousands of times a second.
    """

    def __init__(self, cloud=None):
        from osc_emulator import Cloud

        self.cloud = cloud or Cloud({ACCESS_KEY: (SECRET_KEY, ACCOUNT)}, REGION, pending_reads=0, export_reads=10 ** 6)
        self.caller = self.cloud.account_by_key(ACCESS_KEY)
        self.actions = []

    def reset(self):
        self.cloud.reset()
        self.actions.clear()

    def perform(self, call, plan=None, *, warn=None, retried=False, budget=None, invocation=None):
        import copy

        from osc_emulator import app, schema
        from osc_emulator.errors import ApiError
        from osc_shim.errors import OapiError

        self.actions.append(call.action)
        body = copy.deepcopy(call.body)
        try:
            if call.action not in schema.spec().actions:
                raise ApiError("invalid-action", f"The action {call.action!r} is not valid for this web service.")
            if call.action not in app.HANDLERS:
                raise ApiError("invalid-action", f"{call.action} is not implemented by the emulator.", 501)
            problem = schema.request_error(call.action, body)
            if problem:
                raise problem
            if body.get("DryRun") is True:
                return {"ResponseContext": {"RequestId": "in-process"}}
            with self.cloud.lock:
                result = app.HANDLERS[call.action](self.cloud, self.caller, body)
        except ApiError as err:
            raise OapiError.from_body(err.status, err.body("in-process")) from None
        return dict(result, ResponseContext={"RequestId": "in-process"})

    def call(self, action, body, *, idempotent=False):
        from types import SimpleNamespace

        return self.perform(SimpleNamespace(action=action, body=body, idempotent=idempotent))
