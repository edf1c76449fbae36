"""``--log-level debug`` (gateway) and ``aws --debug`` (plugin) log the decisions an operator needs --
action, route, OAPI call, attempts, retries, reconciliation -- and, under every fault kind, never a
secret key, a signature or a pre-signed URL's signature (issue 10)."""

from __future__ import annotations

import re
import signal
import time

import pytest

from osc_emulator.fault_injection import KINDS

from reliability_env import ACCESS_KEY, HOLD, REGION, SECRET_KEY
from test_secrets import assert_clean, aws, manifest_url, secrets_of, serve_debug  # noqa: F401  (aws: a fixture)


def fault(kind: str) -> dict:
    return {"delay": HOLD} if kind in ("timeout", "stall") else {"delay": 0.2} if kind == "latency" else {}


@pytest.fixture
def debug_gateway(emu, tmp_path):
    proc, lines, url = serve_debug(emu, tmp_path)

    def log() -> str:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        return "".join(lines) + err + out
    yield url, log
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_the_gateways_debug_log_under_every_fault_kind(emu, debug_gateway):
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    url, log = debug_gateway
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=url, aws_access_key_id=ACCESS_KEY,
                       aws_secret_access_key=SECRET_KEY, config=Config(retries={"max_attempts": 1}))
    presigned = []
    for kind in KINDS:
        location = manifest_url(emu, f"debug-{kind}")
        presigned += secrets_of(location)
        emu.inject(kind, "CreateImage", times=1, **fault(kind))
        try:
            ec2.register_image(Name=f"debug {kind}", ImageLocation=location)
        except ClientError:
            pass
        emu.clear_faults()
        if kind in ("timeout", "stall"):
            time.sleep(HOLD)
    text = log()
    assert_clean(text, presigned + [ACCESS_KEY], "the gateway's debug log")
    for needed in (r"RegisterImage: route shim", r"OAPI call CreateImage to http://127\.0\.0\.1:\d+/api/v1: attempt 1",
                   r"OAPI call CreateImage: attempt 1 failed: .*\(throttled\)", r"OAPI call CreateImage: retrying in",
                   r"CreateImage: the answer was lost .*reconciling", r"CreateImage: looked before sending",
                   r"reconciling: looking for the image named 'debug reset-after'",
                   r"reconciliation verdict: Found", r"OAPI call ReadImages: answered"):
        assert re.search(needed, text), f"no debug line {needed!r} in:\n{text[-3000:]}"


def test_aws_debug_shows_the_shims_decisions_under_every_fault_kind(emu, aws):
    presigned, streams = [], []
    for kind in KINDS:
        location = manifest_url(emu, f"cli-debug-{kind}")
        presigned += secrets_of(location)
        emu.inject(kind, "CreateImage", times=1, **fault(kind))
        done = aws("--debug", "ec2", "register-image", "--name", f"cli debug {kind}", "--image-location", location)
        emu.clear_faults()
        streams.append((kind, done.stdout + done.stderr))
        if kind in ("timeout", "stall"):
            time.sleep(HOLD)
    for kind, text in streams:
        assert_clean(text, presigned, f"aws --debug under {kind}")
        assert "OAPI call CreateImage to" in text, f"{kind}: no shim debug line"
    assert any(re.search(r"reconciliation verdict: Found", text) for _, text in streams)
