"""Injected faults through the EC2 gateway with real boto3 -- botocore's own retries included.

boto3 retries 5xx answers, throttling codes and timeouts by itself.  Those retries reach the
gateway as new requests (marked ``amz-sdk-request: attempt=N``): a create whose first attempt
already happened must not become a second image, nor a misleading ``InvalidAMIName.Duplicate``.
"""

from __future__ import annotations

import re
import threading
import time

import pytest

from fault_matrix import CASES, SHORT, SNAPSHOT_CREATES, Setup, created_id, run_case, spread
from reliability_env import ACCESS_KEY, FAST_BOUND, REGION, SECRET_KEY, credentials, images_named, snapshot

# boto3 (legacy mode: 5 attempts) may repeat the whole shim call several times.
GATEWAY_BOUND = 5 * FAST_BOUND
GATEWAY_CASES = SHORT + tuple(c for c in CASES if c.label in ("stall", "not-json", "reset-after + lookups fail"))


@pytest.fixture
def gateway(emu, fast):
    pytest.importorskip("boto3")
    from osc_shim.gateway.app import create_app
    from osc_shim.gateway.server import GatewayServer

    app = create_app(credentials=credentials(), region=REGION, forward=False)
    server = GatewayServer(app, host="127.0.0.1", port=0, threads=8, grace=1.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(10)


def client(gateway, **config):
    import boto3
    from botocore.config import Config

    return boto3.client("ec2", region_name=REGION, endpoint_url=gateway.url, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, config=Config(**config))


def boto3_driver(ec2):
    from botocore.exceptions import ClientError

    def run(operation, params):
        method = {"RegisterImage": ec2.register_image, "CreateImage": ec2.create_image,
                  "CopyImage": ec2.copy_image, "CreateSnapshot": ec2.create_snapshot,
                  "CopySnapshot": ec2.copy_snapshot, "ImportSnapshot": ec2.import_snapshot}[operation]
        try:
            return True, created_id(method(**params)), "", ""
        except ClientError as err:
            return False, None, err.response["Error"]["Code"], err.response["Error"]["Message"]
    return run


@pytest.mark.parametrize("case", GATEWAY_CASES, ids=lambda c: c.label)
def test_register_image_under_faults_with_boto3_default_retries(emu, gateway, case):
    outcome = run_case(emu, "RegisterImage", case, boto3_driver(client(gateway)), bound=GATEWAY_BOUND)
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("case", GATEWAY_CASES, ids=lambda c: c.label)
def test_register_image_never_takes_an_older_image_with_boto3_retries(emu, gateway, case):
    outcome = run_case(emu, "RegisterImage", case, boto3_driver(client(gateway)), bound=GATEWAY_BOUND, older=True)
    assert outcome.problems == [], outcome


def test_the_issue_10_case_throttles_make_boto3_retry_while_a_600_s_old_image_has_the_name(emu, gateway):
    """Three throttles: the shim gives up, boto3 retries (attempt=2, the 900 s window): EC2's Duplicate."""
    from botocore.exceptions import ClientError

    ec2 = client(gateway, retries={"mode": "standard", "max_attempts": 3})
    first = ec2.register_image(**register_params(emu, "throttled twice"))["ImageId"]
    with emu.cloud.lock:
        emu.cloud.images[first].created_at -= 600
    emu.inject("throttle-503", "CreateImage", times=3)
    with pytest.raises(ClientError) as err:
        ec2.register_image(**register_params(emu, "throttled twice"))
    assert err.value.response["Error"]["Code"] == "InvalidAMIName.Duplicate", err.value.response["Error"]
    assert images_named(emu.cloud, "throttled twice") == [first]


@pytest.mark.parametrize("case", [c for c in CASES if c.label in ("reset-after", "timeout", "http-500 always")],
                         ids=lambda c: c.label)
def test_copy_image_under_faults(emu, gateway, case):
    outcome = run_case(emu, "CopyImage", case, boto3_driver(client(gateway)), bound=GATEWAY_BOUND)
    assert outcome.problems == [], outcome
    outcome = run_case(emu, "CopyImage", case, boto3_driver(client(gateway)), bound=GATEWAY_BOUND, older=True)
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("older", [False, True], ids=["alone", "older same source"])
@pytest.mark.parametrize("operation,case", spread(GATEWAY_CASES, SNAPSHOT_CREATES),
                         ids=lambda v: getattr(v, "label", v))
def test_snapshot_creates_under_faults_with_boto3_default_retries(emu, gateway, operation, case, older):
    """Every fault kind of the gateway's list once, the three snapshot creates in turn, with and without an
    older snapshot of the same volume / source / file and description: never its ID, never two new ones."""
    outcome = run_case(emu, operation, case, boto3_driver(client(gateway)), bound=GATEWAY_BOUND, older=older)
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("operation", SNAPSHOT_CREATES)
def test_throttles_make_boto3_retry_a_snapshot_create_while_an_older_one_matches(emu, gateway, operation):
    """Three throttles: the shim gives up, boto3 retries (attempt=2, judged against the first attempt's look):
    the new snapshot, made once -- never the 600 s old one of the same volume / source / file."""
    setup = Setup(emu, operation, older=True)
    emu.inject("throttle-503", "CreateSnapshot", times=3)
    ok, made, code, message = boto3_driver(client(gateway, retries={"mode": "standard", "max_attempts": 3}))(
        operation, setup.params())
    assert ok, (code, message)
    assert made != setup.older and set(setup.existing()) == {setup.older, made}
    assert emu.faults.applied and all(k == "throttle-503" for _, k in emu.faults.applied)


def register_params(emu, name):
    return {"Name": name, "RootDeviceName": "/dev/sda1", "Architecture": "x86_64",
            "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot(emu.cloud)}}]}


@pytest.mark.parametrize("mode", ["legacy", "standard"])
def test_a_boto3_retry_of_a_create_that_happened_returns_the_same_image(emu, gateway, monkeypatch, mode):
    """boto3 gives up waiting (read_timeout 1 s) while the gateway still waits for OAPI; boto3 sends
    RegisterImage again; the image already exists: the retry gets it, not a second image or a Duplicate."""
    monkeypatch.setenv("OSC_SHIM_READ_TIMEOUT", "10")
    monkeypatch.setenv("OSC_SHIM_MAX_TOTAL", "20")
    emu.inject("timeout", "CreateImage", delay=3)
    ec2 = client(gateway, read_timeout=1, retries={"mode": mode, "max_attempts": 3})
    started = time.monotonic()
    image_id = ec2.register_image(**register_params(emu, f"boto3 retry {mode}"))["ImageId"]
    assert time.monotonic() - started < 8
    time.sleep(3)  # the first request's answer comes back to nobody
    assert images_named(emu.cloud, f"boto3 retry {mode}") == [image_id]


def test_a_boto3_retry_while_the_first_create_is_stalled(emu, gateway, monkeypatch):
    """The first request is held before OAPI processes it; boto3's retry creates the image; the held
    request lands later and is refused by the name: still one image."""
    monkeypatch.setenv("OSC_SHIM_READ_TIMEOUT", "10")
    monkeypatch.setenv("OSC_SHIM_MAX_TOTAL", "20")
    emu.inject("stall", "CreateImage", delay=2.5)
    ec2 = client(gateway, read_timeout=1, retries={"mode": "standard", "max_attempts": 3})
    image_id = ec2.register_image(**register_params(emu, "stalled first"))["ImageId"]
    time.sleep(3)
    assert images_named(emu.cloud, "stalled first") == [image_id]


def test_a_genuine_duplicate_through_the_gateway(emu, gateway):
    from botocore.exceptions import ClientError

    ec2 = client(gateway)
    params = register_params(emu, "registered twice")
    first = ec2.register_image(**params)["ImageId"]
    with emu.cloud.lock:
        emu.cloud.images[first].created_at -= 3600
    with pytest.raises(ClientError) as err:
        ec2.register_image(**params)
    assert err.value.response["Error"]["Code"] == "InvalidAMIName.Duplicate"
    assert images_named(emu.cloud, "registered twice") == [first]


def test_throttling_reaches_boto3_as_request_limit_exceeded(emu, gateway):
    from botocore.exceptions import ClientError

    emu.inject("throttle-429", "CreateImage", times=None)
    ec2 = client(gateway, retries={"mode": "standard", "max_attempts": 2})
    with pytest.raises(ClientError) as err:
        ec2.register_image(**register_params(emu, "always throttled"))
    error = err.value.response["Error"]
    assert error["Code"] == "RequestLimitExceeded" and err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    # boto3's second attempt reaches the gateway as a retry: the shim checks, and says so
    assert re.search(r"no image named 'always throttled' (was created|existed when the shim checked)",
                     error["Message"]), error["Message"]
    assert images_named(emu.cloud, "always throttled") == []
