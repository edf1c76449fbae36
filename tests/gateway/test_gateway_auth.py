"""Inbound SigV4 verification against requests signed by botocore itself."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from osc_shim.errors import Ec2Error
from osc_shim.gateway.auth import Verifier, resolve_credentials

from gateway_testlib import AK, REGION, SK

BODY = b"Action=DescribeImages&Version=2016-11-15&Owner.1=self"
UTC = dt.timezone.utc


def signed(url="http://127.0.0.1:8788/", body=BODY, access_key=AK, secret_key=SK, region=REGION, service="ec2",
           token=None, extra_headers=None):
    """(method, path, query, headers-as-received, body) of a botocore-signed request."""
    request = AWSRequest(method="POST", url=url, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "User-Agent": "Boto3/test",
        **(extra_headers or {})})
    SigV4Auth(Credentials(access_key, secret_key, token), service, region).add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(url)
    headers = {k.lower(): v for k, v in prepared.headers.items()}
    headers["host"] = parts.netloc
    return "POST", parts.path or "/", parts.query, headers, prepared.body


def verifier(token=None, region=REGION):
    return Verifier(Credentials(AK, SK, token), region)


def refused(request, v=None, now=None) -> Ec2Error:
    with pytest.raises(Ec2Error) as info:
        (v or verifier()).verify(*request, now=now)
    message = info.value.message
    assert SK not in message
    if "authorization" in request[3]:
        assert request[3]["authorization"][-64:] not in message
    return info.value


def test_a_botocore_signed_request_is_accepted():
    assert verifier().verify(*signed()) == AK


def test_host_is_taken_as_received_with_its_port():
    request = signed(url="http://localhost:9999/")
    assert verifier().verify(*request) == AK
    method, path, query, headers, body = request
    headers = dict(headers, host="localhost:8788")
    assert refused((method, path, query, headers, body)).code == "AuthFailure"


def test_unsigned_request():
    method, path, query, headers, body = signed()
    del headers["authorization"]
    err = refused((method, path, query, headers, body))
    assert (err.code, err.status) == ("AuthFailure", 401)
    assert "not signed" in err.message


def test_unknown_access_key():
    err = refused(signed(access_key="AKIAOTHERKEY000000"))
    assert (err.code, err.status) == ("AuthFailure", 401)


def test_wrong_secret():
    err = refused(signed(secret_key="not-the-secret"))
    assert (err.code, err.status) == ("AuthFailure", 401)
    assert "signature does not match" in err.message


@pytest.mark.parametrize("tamper", ["body", "path", "query", "signed-header", "date"])
def test_tampering_breaks_the_signature(tamper):
    method, path, query, headers, body = signed()
    if tamper == "body":
        body = body.replace(b"self", b"amazon")
    elif tamper == "path":
        path = "/other"
    elif tamper == "query":
        query = "Action=DeleteVpc"
    elif tamper == "signed-header":
        headers = dict(headers, **{"content-type": "application/x-www-form-urlencoded"})
    elif tamper == "date":
        stamp = dt.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ") + dt.timedelta(seconds=1)
        headers = dict(headers, **{"x-amz-date": stamp.strftime("%Y%m%dT%H%M%SZ")})
    err = refused((method, path, query, headers, body))
    assert err.code == "AuthFailure"


def test_unsigned_headers_may_change():
    method, path, query, headers, body = signed()
    headers = dict(headers, **{"user-agent": "something else", "x-forwarded-for": "10.0.0.1"})
    assert verifier().verify(method, path, query, headers, body) == AK


@pytest.mark.parametrize("minutes, ok", [(-16, False), (-14, True), (14, True), (16, False)])
def test_clock_skew_over_15_minutes_is_request_expired(minutes, ok):
    request = signed()
    now = dt.datetime.now(UTC) + dt.timedelta(minutes=minutes)
    if ok:
        assert verifier().verify(*request, now=now) == AK
    else:
        err = refused(request, now=now)
        assert (err.code, err.status) == ("RequestExpired", 400)


def test_scope_for_another_region_or_service():
    err = refused(signed(region="us-east-1"))
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)
    assert "us-east-1" in err.message and REGION in err.message
    err = refused(signed(service="s3"))
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)


@pytest.mark.parametrize("header", [
    "AWS4-HMAC-SHA256 Credential=AK/20240101/eu-west-2/ec2/aws4_request",
    "AWS AKIA:abcdef",
    "Bearer token",
    "AWS4-HMAC-SHA256 Credential=AK, SignedHeaders=host, Signature=zz",
])
def test_malformed_authorization_is_incomplete_signature(header):
    method, path, query, headers, body = signed()
    err = refused((method, path, query, dict(headers, authorization=header), body))
    assert (err.code, err.status) == ("IncompleteSignature", 400)


def test_missing_date_header():
    method, path, query, headers, body = signed()
    del headers["x-amz-date"]
    err = refused((method, path, query, headers, body))
    assert err.code == "IncompleteSignature"


def test_host_must_be_signed():
    method, path, query, headers, body = signed()
    auth = headers["authorization"].replace("SignedHeaders=content-type;host;x-amz-date",
                                            "SignedHeaders=content-type;x-amz-date")
    err = refused((method, path, query, dict(headers, authorization=auth), body))
    assert err.code == "SignatureDoesNotMatch"


def test_content_sha256_header_must_be_the_body_hash():
    request = signed(extra_headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    err = refused(request)
    assert err.code == "SignatureDoesNotMatch"


def test_session_token_is_checked_when_the_gateway_has_one():
    v = verifier(token="the-token")
    assert v.verify(*signed(token="the-token")) == AK
    assert refused(signed(token="another-token"), v=v).code == "AuthFailure"
    assert refused(signed(), v=v).code == "AuthFailure"


def test_presigned_query_auth_is_refused_clearly():
    method, path, query, headers, body = signed()
    del headers["authorization"]
    err = refused((method, path, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00", headers, body))
    assert err.code == "AuthFailure" and "presigned" in err.message


def test_get_with_query_string_is_verified():
    request = AWSRequest(method="GET", url="http://127.0.0.1:8788/?Action=DescribeRegions&Version=2016-11-15"
                                          "&RegionName.1=eu%20west")
    SigV4Auth(Credentials(AK, SK), "ec2", REGION).add_auth(request)
    prepared = request.prepare()
    headers = {k.lower(): v for k, v in prepared.headers.items()}
    headers["host"] = "127.0.0.1:8788"
    parts = urlsplit(prepared.url)
    assert verifier().verify("GET", parts.path, parts.query, headers, b"") == AK


def test_credentials_from_a_profile(isolated):
    (isolated / "aws-credentials").write_text(f"[gw]\naws_access_key_id = {AK}\naws_secret_access_key = {SK}\n")
    creds = resolve_credentials("gw")
    assert creds.get_frozen_credentials().access_key == AK
    assert resolve_credentials(access_key="A", secret_key="B").secret_key == "B"
    with pytest.raises(LookupError):
        resolve_credentials(access_key="A")


def test_credentials_fall_back_to_osc_variables(monkeypatch):
    with pytest.raises(LookupError):
        resolve_credentials()
    monkeypatch.setenv("OSC_ACCESS_KEY", "OSCAK")
    monkeypatch.setenv("OSC_SECRET_KEY", "OSCSK")
    assert resolve_credentials().access_key == "OSCAK"


def test_credentials_from_the_osc_config_file_after_the_osc_variables(isolated, monkeypatch):
    (isolated / ".osc").mkdir()
    (isolated / ".osc" / "config.json").write_text(json.dumps({
        "default": {"access_key": "OSCFILEDEFAULT", "secret_key": "s1", "region": "eu-west-2"},
        "work": {"access_key": "OSCFILEWORK", "secret_key": "s2", "region": "us-east-2"}}))
    assert resolve_credentials().access_key == "OSCFILEDEFAULT"
    monkeypatch.setenv("OSC_PROFILE", "work")
    assert resolve_credentials().access_key == "OSCFILEWORK"
    monkeypatch.setenv("OSC_ACCESS_KEY", "OSCAK")
    monkeypatch.setenv("OSC_SECRET_KEY", "OSCSK")
    assert resolve_credentials().access_key == "OSCAK"  # the variables before the file
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AWSAK")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "AWSSK")
    assert resolve_credentials().access_key == "AWSAK"  # botocore's chain first
