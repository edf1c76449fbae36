"""The emulator's injected faults, seen by a plain HTTP client: each kind does what it says."""

from __future__ import annotations

import http.client
import json
import time

import pytest

from osc_emulator.fault_injection import FaultSpecError, KINDS, rule_from, rule_from_text
from osc_shim.signing import sign_headers

from reliability_env import ACCESS_KEY, REGION, SECRET_KEY, images_named, snapshot


def raw(emu, action, body=None, timeout=3.0):
    """(status or exception name, body bytes or message) of one signed OAPI call."""
    data = json.dumps(body or {}).encode()
    path = f"/api/v1/{action}"
    headers = sign_headers(ACCESS_KEY, SECRET_KEY, REGION, f"127.0.0.1:{emu.port}", path, data)
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=timeout)
    try:
        conn.request("POST", path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, str(exc).encode()
    finally:
        conn.close()


def hook(emu, method, body=None, path="/_emulator/faults"):
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else b"")
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def create_body(emu, name):
    return {"ImageName": name, "RootDeviceName": "/dev/sda1", "Architecture": "x86_64",
            "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": snapshot(emu.cloud)}}]}


def test_no_fault_by_default(emu):
    status, body = raw(emu, "ReadImages")
    assert status == 200 and json.loads(body)["Images"]
    assert emu.faults.applied == []


@pytest.mark.parametrize("kind,expected", [
    ("http-500", (500, "2000", "InternalError")),
    ("throttle-503", (503, "6", "ErrorOperationThrottledWholePlatform")),
    ("throttle-429", (429, "24", "ErrorOperationThrottledPerAccount")),
])
def test_error_answers_have_oapi_shape(emu, kind, expected):
    emu.inject(kind, "ReadImages")
    status, body = raw(emu, "ReadImages")
    answer = json.loads(body)
    error = answer["Errors"][0]
    assert (status, error["Code"], error["Type"]) == expected
    assert answer["ResponseContext"]["RequestId"]
    assert raw(emu, "ReadImages")[0] == 200  # times=1: the next call is served


def test_per_call_throttle_code_25(emu):
    emu.inject("throttle-429", "ReadImages", code=25)
    status, body = raw(emu, "ReadImages")
    assert status == 429 and json.loads(body)["Errors"][0]["Code"] == "25"


def test_503_from_a_load_balancer_is_not_json(emu):
    emu.inject("http-503", "ReadImages")
    status, body = raw(emu, "ReadImages")
    assert status == 503 and body.startswith(b"<html>")


def test_reset_before_processing_creates_nothing(emu):
    emu.inject("reset-before", "CreateImage")
    status, _ = raw(emu, "CreateImage", create_body(emu, "reset before"))
    assert status in ("RemoteDisconnected", "ConnectionResetError", "BadStatusLine")
    assert images_named(emu.cloud, "reset before") == []


def test_reset_after_processing_leaves_the_image(emu):
    emu.inject("reset-after", "CreateImage")
    status, _ = raw(emu, "CreateImage", create_body(emu, "reset after"))
    assert status in ("RemoteDisconnected", "ConnectionResetError", "BadStatusLine")
    assert len(images_named(emu.cloud, "reset after")) == 1


def test_timeout_holds_the_answer_past_the_read_timeout(emu):
    emu.inject("timeout", "CreateImage", delay=1.5)
    started = time.monotonic()
    status, _ = raw(emu, "CreateImage", create_body(emu, "timed out"), timeout=0.5)
    assert status in ("TimeoutError", "timeout") and time.monotonic() - started < 1.4
    assert len(images_named(emu.cloud, "timed out")) == 1  # processed before the wait


def test_stall_processes_late(emu):
    emu.inject("stall", "CreateImage", delay=1.0)
    status, _ = raw(emu, "CreateImage", create_body(emu, "stalled"), timeout=0.3)
    assert status in ("TimeoutError", "timeout")
    assert images_named(emu.cloud, "stalled") == []  # not yet...
    time.sleep(1.3)
    assert len(images_named(emu.cloud, "stalled")) == 1  # ...but later


def test_latency_delays_a_normal_answer(emu):
    emu.inject("latency", "ReadImages", delay=0.3)
    started = time.monotonic()
    status, _ = raw(emu, "ReadImages")
    assert status == 200 and time.monotonic() - started >= 0.3


def test_truncated_answer_breaks_off(emu):
    emu.inject("truncated", "ReadImages", keep=20)
    status, body = raw(emu, "ReadImages")
    assert status == "IncompleteRead"  # the declared length is never reached


def test_not_json_answer(emu):
    emu.inject("not-json", "ReadImages")
    status, body = raw(emu, "ReadImages")
    assert status == 200 and body.startswith(b"<html>")


def test_schedule_times_skip_and_any_action(emu):
    emu.schedule("ReadImages", ["http-500", None, "throttle-429"])
    assert [raw(emu, "ReadImages")[0] for _ in range(4)] == [500, 200, 429, 200]
    emu.inject("http-500", "*", times=2, skip=1)
    assert [raw(emu, "ReadSnapshots")[0], raw(emu, "ReadImages")[0], raw(emu, "ReadImages")[0],
            raw(emu, "ReadImages")[0]] == [200, 500, 500, 200]
    assert emu.faults.applied[-2:] == [("ReadImages", "http-500"), ("ReadImages", "http-500")]


def test_probability_is_seeded_and_reproducible(emu):
    emu.inject("http-500", "ReadImages", times=None, probability=0.5, seed=7)
    first = [raw(emu, "ReadImages")[0] for _ in range(12)]
    emu.clear_faults()
    emu.inject("http-500", "ReadImages", times=None, probability=0.5, seed=7)
    assert [raw(emu, "ReadImages")[0] for _ in range(12)] == first
    assert set(first) == {200, 500}


def test_http_hook_adds_lists_and_clears(emu):
    status, added = hook(emu, "POST", {"Faults": [{"Action": "ReadImages", "Kind": "throttle-503", "Times": 2}]})
    assert status == 200 and added["Faults"][0]["kind"] == "throttle-503"
    assert raw(emu, "ReadImages")[0] == 503
    status, listed = hook(emu, "GET")
    assert listed["Faults"][0]["hits"] == 1 and listed["Applied"] == [{"Action": "ReadImages", "Kind": "throttle-503"}]
    assert hook(emu, "DELETE")[0] == 200
    assert raw(emu, "ReadImages")[0] == 200


def test_http_hook_refuses_bad_rules(emu):
    for bad in ({"Kind": "explode"}, {"Kind": "http-500", "Times": 0}, {"Kind": "http-500", "Colour": "red"},
                {"Kind": "throttle-429", "Code": "7"}, [1, 2], {"Faults": "x"}):
        status, answer = hook(emu, "POST", bad)
        assert status == 400 and "bad fault" in answer["Error"], (bad, answer)
    assert emu.faults.rules == []


def test_reset_hook_clears_faults(emu):
    emu.inject("http-500", "ReadImages", times=None)
    assert hook(emu, "POST", {}, path="/_emulator/reset")[0] == 200
    assert emu.faults.rules == [] and raw(emu, "ReadImages")[0] == 200


def test_hooks_are_never_hit(emu):
    emu.inject("reset-before", "*", times=None)
    assert hook(emu, "GET", path="/_emulator/state")[0] == 200


def test_text_and_json_specs():
    rule = rule_from_text("kind=reset-after,action=CreateImage,times=2")
    assert (rule.kind, rule.action, rule.times) == ("reset-after", "CreateImage", 2)
    rule = rule_from_text("timeout,delay=3")
    assert (rule.kind, rule.delay, rule.action) == ("timeout", 3.0, "*")
    rule = rule_from_text("sequence=throttle-429/-/reset-after,action=ReadImages")
    assert rule.sequence == ["throttle-429", None, "reset-after"] and rule.times is None
    assert rule_from({"KIND": "latency", "after": "false"}).after is False
    with pytest.raises(FaultSpecError):
        rule_from_text("a=b=c,d")
    assert set(KINDS) >= {"latency", "http-500", "http-503", "throttle-503", "throttle-429", "reset-before",
                          "reset-after", "timeout", "stall", "truncated", "not-json"}


def test_the_emulator_command_takes_faults(tmp_path):
    """``osc-shim emulator --fault ...``: the rule is live from the first request."""
    import re
    import signal
    import subprocess

    from click.testing import CliRunner

    from osc_emulator.command import emulator
    from reliability_env import clean_env
    from support.sandbox_env import OSC_SHIM

    result = CliRunner().invoke(emulator, ["--help"])
    assert "--fault" in result.output and "reset-after" in result.output
    assert CliRunner().invoke(emulator, ["--fault", "kind=explode"]).exit_code == 2

    env = clean_env(tmp_path, OSC_ACCESS_KEY=ACCESS_KEY, OSC_SECRET_KEY=SECRET_KEY)
    proc = subprocess.Popen([str(OSC_SHIM), "emulator", "--port", "0", "--fault",
                             "kind=throttle-429,action=ReadImages,times=1"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for _ in range(20):
            line = proc.stdout.readline()
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if match:
                port = int(match.group(1))
                break
        assert port, proc.stderr.read() if proc.poll() is not None else "no address printed"
        emu = type("E", (), {"port": port})
        assert raw(emu, "ReadImages")[0] == 429
        assert raw(emu, "ReadImages")[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
