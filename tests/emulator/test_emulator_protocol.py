"""HTTP, signatures and the request pipeline: what every action goes through."""

import datetime as dt
import json
import logging

from emulator_helpers import Client

from osc_shim.signing import AWS4, OSC4, sign_headers


def test_osc4_and_aws4_signatures_are_accepted(emu):
    for scheme in (OSC4, AWS4):
        answer = Client(emu, scheme=scheme).ok("ReadImages", {"Filters": {"AccountIds": ["123456789012"]}})
        assert answer["Images"] == []


def test_api_latest_path_is_served(emu, api):
    status, data, _ = api.raw("ReadImages", b"{}", path=None)
    assert status == 200
    body = b"{}"
    headers = sign_headers(api.access_key, api.secret_key, emu.region, f"127.0.0.1:{emu.port}",
                           "/api/latest/ReadImages", body)
    status, _, _ = api.raw("ReadImages", body, headers=headers, path="/api/latest/ReadImages")
    assert status == 200


def test_osc_sdk_python_signatures_are_accepted(emu):
    """The verifier matches OUTSCALE's own SDK (which signs the host without its port)."""
    from osc_sdk_python.authentication import Authentication

    class Creds:
        access_key, secret_key, region = emu.access_key, emu.secret_key, emu.region
        login = password = x509_client_cert = None

    body = json.dumps({"Filters": {"ImageNames": ["Ubuntu*"]}})
    headers = Authentication(Creds, "127.0.0.1").forge_headers_signed("/api/v1/ReadImages", body)
    status, data, _ = Client(emu).raw("ReadImages", body.encode(), headers=headers)
    assert status == 200, data
    assert [i["ImageName"] for i in json.loads(data)["Images"]] == ["Ubuntu-22.04-2024.01.01-0"]


def _auth_failure(emu, headers, body=b"{}"):
    status, data, _ = Client(emu).raw("ReadImages", body, headers=headers)
    answer = json.loads(data)
    assert status == 401, answer
    assert answer["Errors"][0]["Code"] == "1" and answer["Errors"][0]["Type"] == "AccessDenied"
    assert emu.secret_key not in data.decode()
    return answer["Errors"][0]["Details"]


def test_bad_signatures_are_refused_with_code_1(emu):
    host = f"127.0.0.1:{emu.port}"
    good = sign_headers(emu.access_key, emu.secret_key, emu.region, host, "/api/v1/ReadImages", b"{}")
    assert "missing" in _auth_failure(emu, {"Content-Type": "application/json"})
    wrong_secret = sign_headers(emu.access_key, "not-the-secret", emu.region, host, "/api/v1/ReadImages", b"{}")
    assert "does not match" in _auth_failure(emu, wrong_secret)
    unknown_key = sign_headers("AKIAUNKNOWN", emu.secret_key, emu.region, host, "/api/v1/ReadImages", b"{}")
    assert "unknown access key" in _auth_failure(emu, unknown_key)
    assert "does not match" in _auth_failure(emu, good, body=b'{"DryRun": true}')  # body changed after signing


def test_clock_skew_is_refused_both_ways(emu):
    host = f"127.0.0.1:{emu.port}"
    for delta in (dt.timedelta(minutes=-16), dt.timedelta(minutes=16)):
        when = dt.datetime.now(dt.timezone.utc) + delta
        headers = sign_headers(emu.access_key, emu.secret_key, emu.region, host, "/api/v1/ReadImages", b"{}", now=when)
        assert "15 minutes" in _auth_failure(emu, headers)
    recent = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)
    headers = sign_headers(emu.access_key, emu.secret_key, emu.region, host, "/api/v1/ReadImages", b"{}", now=recent)
    assert Client(emu).raw("ReadImages", b"{}", headers=headers)[0] == 200


def test_unknown_action_wrong_method_bad_json_and_big_bodies(emu, api):
    status, answer = api.call("NoSuchAction")
    assert (status, answer["Errors"][0]["Code"]) == (404, "12000")
    status, data, headers = api.raw("ReadImages", b"", method="GET")
    assert status == 405 and json.loads(data)["Errors"][0]["Code"] == "12000" and headers["Allow"] == "POST"
    status, data, _ = api.raw("ReadImages", b"{not json")
    assert status == 400 and json.loads(data)["Errors"][0]["Code"] == "4110"
    status, data, _ = api.raw("ReadImages", b"[1, 2]")
    assert status == 400 and json.loads(data)["Errors"][0]["Code"] == "4110"
    big = json.dumps({"Filters": {"ImageIds": ["ami-00000000"] * 90000}}).encode()
    status, data, _ = api.raw("ReadImages", big)
    assert status == 413 and json.loads(data)["Errors"][0]["Type"] == "InvalidParameterValue"


def test_actions_the_emulator_does_not_implement_say_so(api):
    status, answer = api.call("ReadVms", {})
    assert status == 501 and answer["Errors"][0]["Code"] == "12000"
    assert "does not implement" in answer["Errors"][0]["Details"]


def test_schema_rejections_over_http(api):
    assert api.error("CreateImage", {"ImageName": "abc", "Bogus": 1}) == (400, "3001")
    assert api.error("CreateImage", {"ImageName": 5}) == (400, "4110")
    assert api.error("DeleteImage", {}) == (400, "7000")


def test_dry_run_answers_only_the_context_and_creates_nothing(emu, api):
    answer = api.ok("CreateImage", {"ImageName": "dry", "VmId": "i-00000000", "DryRun": True})
    assert list(answer) == ["ResponseContext"]
    assert emu.cloud.images.keys() == {"ami-0b0c0a01"}


def test_request_ids_are_unique_uuids(api):
    ids = {api.ok("ReadImages")["ResponseContext"]["RequestId"] for _ in range(3)}
    assert len(ids) == 3 and all(len(i) == 36 for i in ids)


def test_logs_name_no_secret_and_no_authorization_header(emu, api, caplog):
    with caplog.at_level(logging.DEBUG, logger="osc_emulator"):
        api.ok("ReadImages")
        Client(emu, secret_key="wrong-secret-value").call("ReadImages")
    text = caplog.text
    assert "/api/v1/ReadImages" in text
    for secret in (emu.secret_key, "wrong-secret-value", "Signature=", "OSC4-HMAC"):
        assert secret not in text
