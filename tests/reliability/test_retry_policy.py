"""The OAPI client's retry policy, on a scripted transport with a fake clock (no network, no sleeping)."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

import pytest

from osc_shim.errors import Ec2Error, OapiError, to_ec2
from osc_shim.oapi.client import CallFailed, OapiClient, TransportError
from osc_shim.oapi.retry import RetryPolicy, RetryQuota, classify, policy_from
from osc_shim.operations.engine import Call
from osc_shim.core import Reconciliation
from osc_shim.operations.reconcile import PLANS

from reliability_env import credentials

OK = (200, {"Images": [], "ResponseContext": {"RequestId": "r"}})


def oapi(status, code="", type_="", details=""):
    return status, {"Errors": [{"Code": code, "Type": type_, "Details": details}], "ResponseContext": {"RequestId": "r"}}


RESET = TransportError("the connection was closed or reset before an answer came", sent=True)
TIMEOUT = TransportError("no answer within 1 s", sent=True, timeout=True)
REFUSED = TransportError("could not connect to http://x (EndpointConnectionError)", sent=False)
GARBLED = (200, b"<html>proxy</html>")
TRUNCATED = (200, b'{"Images": [')


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Scripted(OapiClient):
    """Each attempt takes the next scripted outcome: (status, body) or an exception."""

    def __init__(self, script, policy=RetryPolicy(), **kw):
        self.clock = Clock()
        self.sleeps = []

        def sleep(seconds):
            self.sleeps.append(seconds)
            self.clock.now += seconds

        super().__init__("http://oapi.invalid/api/v1", "eu-west-2", credentials(), retry=policy, sleep=sleep,
                         clock=self.clock, rng=random.Random(1), **kw)
        self.script = list(script)
        self.sent = []

    def _send_once(self, action, body, timeout=None):
        self.sent.append((action, json.loads(body), timeout))
        outcome = self.script.pop(0) if self.script else OK
        self.clock.now += 0.01
        if isinstance(outcome, Exception):
            if getattr(outcome, "timeout", False):
                self.clock.now += timeout[1]
            raise outcome
        status, body = outcome
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return SimpleNamespace(status_code=status, content=data)


@pytest.mark.parametrize("failure", [oapi(500, "2000", "InternalError"), oapi(503), (502, b"bad gateway"),
                                     (504, b""), RESET, TIMEOUT, REFUSED, GARBLED, TRUNCATED,
                                     oapi(429, "24"), oapi(503, "6"), oapi(429, "25")])
def test_idempotent_reads_are_retried_on_every_transient_failure(failure):
    client = Scripted([failure, failure], policy=RetryPolicy(max_total=200))
    assert client.call("ReadImages", {}, idempotent=True)["Images"] == []
    assert len(client.sent) == 3


@pytest.mark.parametrize("failure", [oapi(400, "4045"), oapi(401, "1", "AccessDenied"), oapi(404, "12000"),
                                     oapi(409, "9015"), (403, b"<html>forbidden</html>"), oapi(501, "12000")])
def test_final_errors_are_never_retried(failure):
    client = Scripted([failure])
    with pytest.raises(OapiError):
        client.call("ReadImages", {}, idempotent=True)
    assert len(client.sent) == 1


@pytest.mark.parametrize("throttle", [oapi(429, "24"), oapi(429, "25"), oapi(503, "6"), oapi(429), REFUSED])
def test_throttled_or_unsent_creates_are_retried(throttle):
    """The limiter refuses before processing; an unsent request did nothing: both safe to send again."""
    client = Scripted([throttle, throttle])
    assert "Images" in client.call("CreateImage", {"ImageName": "x"})
    assert len(client.sent) == 3


@pytest.mark.parametrize("ambiguous", [RESET, TIMEOUT, oapi(500, "2000"), (503, b"<html>lb</html>"), GARBLED,
                                       TRUNCATED])
def test_a_create_is_never_resent_blindly(ambiguous):
    """Without a reconciliation plan, a create that may have happened is reported, not repeated."""
    client = Scripted([ambiguous])
    with pytest.raises(CallFailed) as failed:
        client.call("CreateImage", {"ImageName": "x"})
    assert len(client.sent) == 1
    error = to_ec2(failed.value)
    assert "may have been carried out" in error.message and "check before re-running" in error.message
    assert error.status >= 500


def test_attempts_are_bounded_and_the_error_says_so():
    client = Scripted([oapi(503, "6")] * 10, policy=RetryPolicy(max_attempts=4))
    with pytest.raises(CallFailed) as failed:
        client.call("CreateImage", {"ImageName": "x"})
    error = to_ec2(failed.value)
    assert len(client.sent) == 4
    assert error.code == "RequestLimitExceeded" and error.status == 503
    assert "4 attempts" in error.message and "no image" not in error.message
    assert "not carried out" in error.message and "safe to re-run" in error.message


def test_backoff_is_exponential_with_full_jitter():
    policy = RetryPolicy(base_delay=1.0, max_delay=20.0)
    rng = random.Random(3)
    for retry in range(1, 8):
        cap = min(20.0, 2 ** (retry - 1))
        samples = [policy.delay(retry, rng) for _ in range(200)]
        assert all(0 <= s <= cap for s in samples)
        assert max(samples) > cap * 0.8 and min(samples) < cap * 0.2  # spread over the whole range


def test_total_time_is_bounded():
    policy = RetryPolicy(max_attempts=50, max_total=10.0, read_timeout=3.0, base_delay=0.5)
    client = Scripted([TIMEOUT] * 50, policy=policy)
    with pytest.raises(CallFailed) as failed:
        client.call("ReadImages", {}, idempotent=True)
    assert client.clock.now - 1000.0 <= 10.0 + 0.1
    assert all(t[1] <= 3.0 for _, _, t in client.sent)
    assert client.sent[-1][2][1] <= 3.0
    message = to_ec2(failed.value).message
    assert "did not answer" in message or "no usable answer" in message or "no answer" in message
    assert "time limit" in message


def test_the_last_attempt_gets_only_the_time_left():
    policy = RetryPolicy(max_attempts=5, max_total=4.0, read_timeout=3.0, base_delay=0.01)
    client = Scripted([TIMEOUT], policy=policy)
    client.call("ReadImages", {}, idempotent=True)
    timeouts = [t[1] for _, _, t in client.sent]
    assert timeouts[0] == 3.0 and timeouts[1] < 1.0


def test_retry_quota_stops_a_retry_storm():
    quota = RetryQuota(capacity=12)
    client = Scripted([oapi(500, "2000")] * 20, policy=RetryPolicy(max_attempts=10), quota=quota)
    with pytest.raises(CallFailed) as failed:
        client.call("ReadImages", {}, idempotent=True)
    assert len(client.sent) == 3  # two retries of 5 tokens, then the quota is spent
    assert "retry quota" in to_ec2(failed.value).message
    client.script = [OK]
    client.call("ReadImages", {}, idempotent=True)
    assert quota.available == 3  # a success gives one token back


def test_settings_from_the_environment_and_the_cli():
    env = {"OSC_SHIM_MAX_ATTEMPTS": "5", "OSC_SHIM_READ_TIMEOUT": "7.5", "OSC_SHIM_MAX_TOTAL": "90",
           "OSC_SHIM_CONNECT_TIMEOUT": "2", "OSC_SHIM_BACKOFF_BASE": "0.1", "OSC_SHIM_BACKOFF_MAX": "3"}
    policy = policy_from(env)
    assert (policy.max_attempts, policy.read_timeout, policy.max_total, policy.connect_timeout,
            policy.base_delay, policy.max_delay) == (5, 7.5, 90.0, 2.0, 0.1, 3.0)
    assert policy_from({"AWS_MAX_ATTEMPTS": "7"}).max_attempts == 7
    assert policy_from({"AWS_MAX_ATTEMPTS": "7", "OSC_SHIM_MAX_ATTEMPTS": "2"}).max_attempts == 2
    # the CLI's own flags win: --cli-read-timeout 0 means no limit of its own (the budget still holds)
    assert policy_from(env, {"read_timeout": 0}).read_timeout is None
    assert policy_from({}, {"aws_max_attempts": 4, "connect_timeout": 9}).max_attempts == 4
    assert policy_from({}) == RetryPolicy()


@pytest.mark.parametrize("env", [{"OSC_SHIM_MAX_ATTEMPTS": "0"}, {"OSC_SHIM_MAX_ATTEMPTS": "three"},
                                 {"OSC_SHIM_READ_TIMEOUT": "-1"}, {"OSC_SHIM_MAX_TOTAL": "0"},
                                 {"AWS_MAX_ATTEMPTS": "1.5"}, {"OSC_SHIM_MAX_TOTAL": "nan"}])
def test_unusable_settings_are_clear_errors(env):
    with pytest.raises(Ec2Error) as err:
        policy_from(env)
    assert err.value.code == "InvalidParameterValue" and next(iter(env)).split("_")[-1].lower() in \
        err.value.message.lower().replace("_", "")


def test_classification_table():
    assert classify(None, sent=False, answered=False) == "unsent"
    assert classify(429) == classify(503, "6") == classify(400, "24") == "throttled"
    assert classify(500, "2000") == classify(503) == classify(200, answered=False) == "transient"
    assert classify(400, "4045") == classify(501, "12000") == "final"


def test_deletes_whose_first_attempt_was_lost_succeed():
    """DeleteImage repeated after a lost answer meets 'no such image': the first attempt did it."""
    client = Scripted([RESET, oapi(400, "5023", "InvalidResource", "no such image")])
    call = Call("DeleteImage", {"ImageId": "ami-12345678"}, idempotent=True)
    answer = client.perform(call, Reconciliation(PLANS["DeleteImage"]))
    assert "Errors" not in answer and len(client.sent) == 2


def test_a_delete_of_an_unknown_image_is_still_an_error():
    client = Scripted([oapi(400, "5023", "InvalidResource", "no such image")])
    with pytest.raises(OapiError) as err:
        client.perform(Call("DeleteImage", {"ImageId": "ami-12345678"}, idempotent=True), Reconciliation(PLANS["DeleteImage"]))
    assert err.value.code == "5023"


def test_a_tls_problem_is_reported_at_once():
    client = Scripted([TransportError("the TLS connection to x failed (certificate or TLS problem)", sent=False,
                                      retry=False)])
    with pytest.raises(CallFailed) as failed:
        client.call("ReadImages", {}, idempotent=True)
    assert len(client.sent) == 1 and "TLS" in to_ec2(failed.value).message
