"""Helpers for the emulator tests: a signing client that checks answers against the spec, a clock."""

from __future__ import annotations

import http.client
import json

from osc_emulator import default_vm_id
from osc_emulator.schema import response_problems, spec
from osc_shim.signing import OSC4, sign_headers

OTHER_ACCOUNT = ("AKIAEMULATOROTHER02", "other-secret-key", "210987654321")
ACCOUNTS = {"AKIAEMULATOR0000001": ("emulator-secret-key-do-not-use", "123456789012"),
            OTHER_ACCOUNT[0]: OTHER_ACCOUNT[1:]}


class Clock:
    def __init__(self, start: float = 1795773600.0):  # 2026-11-27T10:00:00Z
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class Client:
    """Signs and posts OAPI calls; holds every answer to the spec."""

    def __init__(self, emu, access_key=None, secret_key=None, scheme=OSC4, region=None):
        self.emu = emu
        self.access_key = access_key or emu.access_key
        self.secret_key = secret_key or emu.secret_key
        self.scheme = scheme
        self.region = region or emu.region
        self.answers = []

    def raw(self, action, data: bytes, headers=None, method="POST", path=None):
        path = path or f"/api/v1/{action}"
        if headers is None:
            headers = sign_headers(self.access_key, self.secret_key, self.region, f"127.0.0.1:{self.emu.port}",
                                   path, data, scheme=self.scheme)
        conn = http.client.HTTPConnection("127.0.0.1", self.emu.port, timeout=10)
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read(), dict(resp.getheaders())
        finally:
            conn.close()

    def call(self, action, body=None, **kw):
        status, data, _ = self.raw(action, json.dumps(body or {}).encode(), **kw)
        answer = json.loads(data)
        self.answers.append((action, status, answer))
        assert "RequestId" in answer["ResponseContext"], answer
        problems = response_problems(action, answer, status) if action in spec().actions else []
        assert not problems, (action, status, problems)
        return status, answer

    def ok(self, action, body=None):
        status, answer = self.call(action, body)
        assert status == 200, answer
        return answer

    def error(self, action, body=None):
        """(HTTP status, Code) of a refused call."""
        status, answer = self.call(action, body)
        assert status != 200, answer
        assert len(answer["Errors"]) == 1, answer
        return status, answer["Errors"][0]["Code"]



def snapshot(emu, size=10, account_id="123456789012"):
    return emu.cloud.seed({"snapshots": [{"VolumeSize": size, "AccountId": account_id}]})["Snapshots"][0]


def vm_of(emu, account_id="123456789012"):
    return default_vm_id(account_id)
