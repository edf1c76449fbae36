"""The /_emulator/ hooks refuse hostile values and, beyond loopback, need a control token (issue 10)."""

import json
import math
import urllib.request

import pytest

from osc_emulator import control


def hook(emu, method, path, body=None, headers=None):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(emu.url + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.mark.parametrize("raw", [b'{"Advance": NaN}', b'{"Advance": Infinity}', b'{"Advance": -Infinity}',
                                 b'{"Advance": 1e400}', b'{"Advance": "nan"}', b'{"Advance": "1e400"}',
                                 b'{"Advance": "inf"}', b'{"Advance": -5}', b'{"Advance": true}',
                                 b'{"Advance": 1e300}'])
def test_the_clock_takes_finite_numbers_only(make_emulator, raw):
    emu = make_emulator()
    before = emu.cloud.now()
    status, body = hook(emu, "POST", "/_emulator/clock", raw)
    assert status == 400 and "Error" in json.loads(body), body  # valid JSON, an error
    assert emu.cloud.now() == before
    status, body = hook(emu, "POST", "/_emulator/reset")
    assert status == 200
    status, body = hook(emu, "GET", "/_emulator/state")
    state = json.loads(body)
    assert status == 200 and all("NaN" not in i["CreationDate"] for i in state["Images"])


def test_reset_gives_back_the_real_clock_and_a_consistent_state(make_emulator):
    emu = make_emulator()
    assert hook(emu, "POST", "/_emulator/clock", {"Advance": 86400})[0] == 200
    assert hook(emu, "POST", "/_emulator/reset")[0] == 200
    assert emu.cloud.clock_offset == 0.0 and math.isfinite(emu.cloud.now())
    state = json.loads(hook(emu, "GET", "/_emulator/state")[1])
    assert [i["ImageId"] for i in state["Images"]] == ["ami-0b0c0a01"]


@pytest.mark.parametrize("doc", [b'{"snapshots": [{"VolumeSize": NaN}]}', b'{"snapshots": [{"VolumeSize": 1e999}]}',
                                 b'{"images": "not a list"}'])
def test_seeds_with_non_finite_numbers_are_refused(make_emulator, doc):
    emu = make_emulator()
    held = len(emu.cloud.snapshots)
    status, body = hook(emu, "POST", "/_emulator/seed", doc)
    assert status == 400 and json.loads(body)["Error"] and len(emu.cloud.snapshots) == held


@pytest.mark.parametrize("value", ["1e400", "NaN", -1, 10 ** 12])
def test_presign_lifetimes_are_bounded(make_emulator, value):
    emu = make_emulator()
    status, body = hook(emu, "POST", "/_emulator/presign", {"Bucket": "b", "Key": "k", "ExpiresIn": value})
    assert status == 400 and "ExpiresIn" in json.loads(body)["Error"]


def test_what_the_hooks_store_is_bounded(make_emulator, monkeypatch):
    monkeypatch.setitem(control.LIMITS, "objects", 3)
    monkeypatch.setitem(control.LIMITS, "stored_bytes", 1000)
    monkeypatch.setitem(control.LIMITS, "seeded_per_request", 5)
    emu = make_emulator()
    for i in range(3):
        assert hook(emu, "PUT", f"/_emulator/oos/b/k{i}", b"x" * 10)[0] == 200
    status, body = hook(emu, "PUT", "/_emulator/oos/b/k3", b"x")
    assert status == 413 and "objects" in json.loads(body)["Error"]
    assert hook(emu, "PUT", "/_emulator/oos/b/k0", b"y" * 900)[0] == 200  # replacing one is fine
    assert hook(emu, "PUT", "/_emulator/oos/b/k1", b"y" * 200)[0] == 413  # past the byte limit
    status, _ = hook(emu, "POST", "/_emulator/seed", {"snapshots": [{"VolumeSize": 1}] * 6})
    assert status == 413
    assert hook(emu, "POST", "/_emulator/reset")[0] == 200
    assert hook(emu, "PUT", "/_emulator/oos/b/k3", b"x")[0] == 200


def test_beyond_loopback_the_hooks_are_off_without_a_token():
    assert control.hooks_allowed("127.0.0.1", None) and control.hooks_allowed("::1", None)
    assert control.hooks_allowed("127.0.0.2", None) and control.hooks_allowed("localhost", None)
    for host in ("0.0.0.0", "::", "10.1.2.3", "emulator.example", "192.168.0.1"):
        assert not control.hooks_allowed(host, None), host
        assert control.hooks_allowed(host, "s3cret"), host


def test_with_a_token_every_hook_request_needs_it(make_emulator, monkeypatch):
    emu = make_emulator(control_token="t0ken-abc")
    assert hook(emu, "GET", "/_emulator/state")[0] == 401
    assert hook(emu, "GET", "/_emulator/state", headers={"X-Emulator-Token": "wrong"})[0] == 401
    assert hook(emu, "POST", "/_emulator/faults", {"kind": "http-500", "action": "ReadImages"})[0] == 401
    assert hook(emu, "POST", "/_emulator/reset")[0] == 401
    assert hook(emu, "GET", "/_emulator/state", headers={"X-Emulator-Token": "t0ken-abc"})[0] == 200
    assert hook(emu, "GET", "/_emulator/state", headers={"Authorization": "Bearer t0ken-abc"})[0] == 200
    # the environment variable works the same
    monkeypatch.setenv(control.TOKEN_ENV, "from-env")
    other = make_emulator()
    assert hook(other, "GET", "/_emulator/state")[0] == 401
    assert hook(other, "GET", "/_emulator/state", headers={"X-Emulator-Token": "from-env"})[0] == 200
