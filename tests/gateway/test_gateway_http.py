"""The gateway over real HTTP (waitress on loopback) with real boto3.

The shim core is replaced here by a recording stand-in, so these tests hold the
protocol plumbing whatever the shim translates today; moto_server stands in for FCU.
Translation through the real shim and the OAPI emulator is in test_gateway_end_to_end.py.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import logging
import threading
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.parsers import create_parser

from osc_shim.errors import dry_run_error, Ec2Error
from osc_shim.gateway import ec2_model

from gateway_testlib import AK, REGION, SK

PARSER = create_parser("ec2")


class Recorder:
    """A stand-in for ``osc_shim.core.call``: records calls, answers from a table."""

    def __init__(self, answers=None):
        self.calls = []
        self.answers = answers or {}
        self.lock = threading.Lock()

    def __call__(self, operation, params, *, region, credentials, warn=None):
        with self.lock:
            self.calls.append((operation, params, region, credentials.get_frozen_credentials().access_key))
        if params.get("DryRun"):
            raise dry_run_error()
        answer = self.answers.get(operation, {})
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(params, warn)
        return answer


def raw_request(url, body=b"", method="POST", headers=None, sign=True, access_key=AK, secret_key=SK,
                region=REGION, query=""):
    """A request made by hand (signed with botocore's SigV4Auth): (status, headers, body)."""
    full = url + "/" + (("?" + query) if query else "")
    hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    hdrs.update(headers or {})
    request = AWSRequest(method=method, url=full, data=body, headers=hdrs)
    if sign:
        SigV4Auth(Credentials(access_key, secret_key), "ec2", region).add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, "/" + (("?" + query) if query else ""), body=prepared.body or b"",
                     headers=dict(prepared.headers))
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def parse_error(status, body, operation=None):
    shape = ec2_model.operation_model(operation).output_shape if operation else None
    parsed = PARSER.parse({"body": body, "headers": {}, "status_code": status}, shape)
    return parsed["Error"]["Code"], parsed["Error"]["Message"]


# ----------------------------------------------------------------------- translated path --

def test_translated_action_goes_to_the_shim_with_botocore_params(start_gateway):
    recorder = Recorder({"RegisterImage": {"ImageId": "ami-0123abcd"}})
    gw = start_gateway(call=recorder, supported={"RegisterImage"})
    answer = gw.client().register_image(
        Name="my image", Architecture="x86_64", RootDeviceName="/dev/sda1",
        BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-1", "VolumeSize": 10}}],
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "a&b"}]}])
    assert answer["ImageId"] == "ami-0123abcd"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert recorder.calls == [("RegisterImage", {
        "Name": "my image", "Architecture": "x86_64", "RootDeviceName": "/dev/sda1",
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-1", "VolumeSize": 10}}],
        "TagSpecifications": [{"ResourceType": "image", "Tags": [{"Key": "team", "Value": "a&b"}]}]},
        REGION, AK)]


def test_results_round_trip_to_boto3(start_gateway):
    import datetime as dt

    image = {"ImageId": "ami-1", "Name": "n", "State": "available", "Public": False, "OwnerId": "123456789012",
             "CreationDate": "2024-01-31T12:00:00.000Z", "Architecture": "x86_64",
             "BlockDeviceMappings": [{"DeviceName": "/dev/sda1",
                                      "Ebs": {"SnapshotId": "snap-1", "VolumeSize": 10, "DeleteOnTermination": True}}],
             "Tags": [{"Key": "k", "Value": "<v>"}]}
    snapshot = {"SnapshotId": "snap-1", "StartTime": dt.datetime(2024, 1, 31, 12, 0, 1, 250000, tzinfo=dt.timezone.utc),
                "VolumeSize": 10, "Encrypted": False}
    recorder = Recorder({"DescribeImages": {"Images": [image]}, "DescribeSnapshots": {"Snapshots": [snapshot]}})
    gw = start_gateway(call=recorder, supported={"DescribeImages", "DescribeSnapshots"})
    client = gw.client()
    images = client.describe_images(ImageIds=["ami-1"])
    assert images["Images"] == [image]
    snaps = client.describe_snapshots(SnapshotIds=["snap-1"])
    assert snaps["Snapshots"] == [snapshot]


def test_ec2_errors_become_client_errors(start_gateway):
    recorder = Recorder({"DescribeImages": Ec2Error("InvalidAMIID.NotFound", "The image id '[ami-1]' does not exist"),
                         "DeregisterImage": Ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503)})
    gw = start_gateway(call=recorder, supported={"DescribeImages", "DeregisterImage", "RegisterImage"})
    client = gw.client()
    with pytest.raises(ClientError) as info:
        client.describe_images(ImageIds=["ami-1"])
    assert info.value.response["Error"] == {"Code": "InvalidAMIID.NotFound",
                                            "Message": "The image id '[ami-1]' does not exist"}
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert info.value.response["ResponseMetadata"]["RequestId"]
    with pytest.raises(ClientError) as info:
        client.register_image(Name="abc", DryRun=True)
    assert info.value.response["Error"]["Code"] == "DryRunOperation"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    with pytest.raises(ClientError) as info:
        client.deregister_image(ImageId="ami-1")
    assert info.value.response["Error"]["Code"] == "RequestLimitExceeded"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_a_bug_in_the_shim_is_an_internal_error_not_a_traceback(start_gateway, caplog):
    gw = start_gateway(call=Recorder({"DescribeImages": RuntimeError("boom")}), supported={"DescribeImages"})
    client = gw.client(config=Config(retries={"max_attempts": 1}))
    with caplog.at_level(logging.ERROR, logger="osc_shim.gateway"):
        with pytest.raises(ClientError) as info:
            client.describe_images()
    assert info.value.response["Error"]["Code"] == "InternalError"
    assert "boom" not in info.value.response["Error"]["Message"]
    assert any("boom" in (r.exc_text or "") or "boom" in str(r.exc_info) for r in caplog.records)


def test_parameter_errors_come_back_as_client_errors(start_gateway):
    gw = start_gateway(call=Recorder(), supported={"DescribeImages"})
    status, _, body = raw_request(gw.url, b"Action=DescribeImages&Version=2016-11-15&Bogus.1=x")
    assert status == 400
    assert parse_error(status, body, "DescribeImages") == ("UnknownParameter", "The parameter Bogus.1 is not recognized")
    status, _, body = raw_request(gw.url, b"Action=DescribeImages&MaxResults=lots")
    assert parse_error(status, body)[0] == "InvalidParameterValue"
    status, _, body = raw_request(gw.url, b"Version=2016-11-15")
    assert parse_error(status, body)[0] == "MissingAction"
    status, _, body = raw_request(gw.url, b"Action=FlyToTheMoon&Version=2016-11-15")
    assert parse_error(status, body)[0] == "InvalidAction"


def test_get_requests_are_served(start_gateway):
    recorder = Recorder({"DescribeImages": {"Images": []}})
    gw = start_gateway(call=recorder, supported={"DescribeImages"})
    status, headers, body = raw_request(gw.url, method="GET", query="Action=DescribeImages&Version=2016-11-15"
                                                                   "&ImageId.1=ami-1&Owner.1=self", body=b"")
    assert status == 200, body
    assert recorder.calls[0][:2] == ("DescribeImages", {"ImageIds": ["ami-1"], "Owners": ["self"]})
    parsed = PARSER.parse({"body": body, "headers": headers, "status_code": status},
                          ec2_model.operation_model("DescribeImages").output_shape)
    assert parsed["Images"] == []


def test_warnings_are_logged_not_sent(start_gateway, caplog):
    def answer(params, warn):
        warn("Architecture defaulted to i386 as on AWS")
        return {"ImageId": "ami-1"}

    gw = start_gateway(call=Recorder({"RegisterImage": answer}), supported={"RegisterImage"})
    with caplog.at_level(logging.WARNING, logger="osc_shim.gateway"):
        assert gw.client().register_image(Name="abc")["ImageId"] == "ami-1"
    assert any("i386" in r.getMessage() for r in caplog.records)


# ----------------------------------------------------------------------------- auth --

def test_wrong_secret_unknown_key_and_unsigned_are_refused(start_gateway):
    recorder = Recorder({"DescribeImages": {"Images": []}})
    gw = start_gateway(call=recorder, supported={"DescribeImages"})
    with pytest.raises(ClientError) as info:
        gw.client(secret_key="wrong").describe_images()
    assert info.value.response["Error"]["Code"] == "AuthFailure"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    with pytest.raises(ClientError) as info:
        gw.client(access_key="AKIANOTTHEGATEWAYS1").describe_images()
    assert info.value.response["Error"]["Code"] == "AuthFailure"
    with pytest.raises(ClientError) as info:
        gw.client(region="us-east-1").describe_images()
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    from botocore import UNSIGNED

    unsigned = boto3.client("ec2", region_name=REGION, endpoint_url=gw.url,
                            config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as info:
        unsigned.describe_images()
    assert info.value.response["Error"]["Code"] == "AuthFailure"
    assert recorder.calls == []  # nothing was served


def test_clock_skew_is_request_expired(start_gateway, monkeypatch):
    import datetime as dt

    import botocore.auth

    recorder = Recorder({"DescribeImages": {"Images": []}})
    gw = start_gateway(call=recorder, supported={"DescribeImages"})
    late = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: late)
    with pytest.raises(ClientError) as info:
        gw.client(config=Config(retries={"max_attempts": 1})).describe_images()
    assert info.value.response["Error"]["Code"] == "RequestExpired"
    assert recorder.calls == []


def test_unsigned_requests_are_never_forwarded(start_gateway, moto_fcu):
    gw = start_gateway(call=Recorder(), supported=set(), fcu_endpoint=moto_fcu)
    status, _, body = raw_request(gw.url, b"Action=DescribeRegions&Version=2016-11-15", sign=False)
    assert status == 401 and parse_error(status, body, "DescribeRegions")[0] == "AuthFailure"
    status, _, body = raw_request(gw.url, b"Action=DescribeRegions&Version=2016-11-15", secret_key="nope")
    assert status == 401 and b"DescribeRegionsResponse" not in body


# ----------------------------------------------------------------------- forwarding --

def test_untranslated_actions_are_forwarded_to_fcu(start_gateway, moto_fcu):
    gw = start_gateway(call=Recorder(), supported=set(), fcu_endpoint=moto_fcu)
    client = gw.client()
    regions = client.describe_regions()["Regions"]
    assert any(r["RegionName"] == "eu-west-2" for r in regions)
    # State lives in FCU (moto): create through the gateway, read back directly from moto.
    client.create_key_pair(KeyName="gw-forwarded")
    direct = boto3.client("ec2", region_name=REGION, endpoint_url=moto_fcu, aws_access_key_id="x",
                          aws_secret_access_key="y")
    assert "gw-forwarded" in [k["KeyName"] for k in direct.describe_key_pairs()["KeyPairs"]]
    with pytest.raises(ClientError) as info:  # FCU's own errors come back untouched
        client.describe_key_pairs(KeyNames=["no-such-key"])
    assert info.value.response["Error"]["Code"] == "InvalidKeyPair.NotFound"
    paginator = client.get_paginator("describe_instances")
    assert [page["Reservations"] for page in paginator.paginate()] == [[]]


def test_forwarded_answer_is_passed_back_byte_for_byte(start_gateway, moto_fcu):
    gw = start_gateway(call=Recorder(), supported=set(), fcu_endpoint=moto_fcu)
    body = b"Action=DescribeAvailabilityZones&Version=2016-11-15"
    status, headers, through_gateway = raw_request(gw.url, body)
    status2, _, direct = raw_request(moto_fcu, body)
    assert status == status2 == 200
    assert through_gateway == direct
    assert headers["Content-Type"].startswith("text/xml")


def test_forwarding_off_is_unsupported_operation(start_gateway):
    gw = start_gateway(call=Recorder(), supported={"RegisterImage"}, forward=False)
    with pytest.raises(ClientError) as info:
        gw.client().describe_regions()
    assert info.value.response["Error"]["Code"] == "UnsupportedOperation"
    assert "DescribeRegions" in info.value.response["Error"]["Message"]


def test_fcu_unreachable_is_unavailable(start_gateway):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gw = start_gateway(call=Recorder(), supported=set(), fcu_endpoint=f"http://127.0.0.1:{port}")
    status, _, body = raw_request(gw.url, b"Action=DescribeRegions&Version=2016-11-15")
    assert status == 503
    code, message = parse_error(status, body, "DescribeRegions")
    assert code == "Unavailable" and f"127.0.0.1:{port}" in message


# ------------------------------------------------------------------------- service --

def test_body_size_limit(start_gateway):
    gw = start_gateway(call=Recorder(), supported={"DescribeImages"}, max_body=4096)
    body = b"Action=DescribeImages&Version=2016-11-15&" + b"&".join(
        b"ImageId.%d=ami-%08d" % (i, i) for i in range(1, 400))
    assert len(body) > 4096
    status, _, answer = raw_request(gw.url, body)
    assert status == 413
    assert parse_error(status, answer)[0] == "RequestEntityTooLarge"


def test_other_methods_and_content_types(start_gateway):
    gw = start_gateway(call=Recorder({"DescribeImages": {}}), supported={"DescribeImages"})
    status, headers, body = raw_request(gw.url, b"", method="DELETE")
    assert status == 405 and parse_error(status, body)[0] == "MethodNotAllowed"
    status, _, body = raw_request(gw.url, b'{"Action": "DescribeImages"}', headers={"Content-Type": "application/json"})
    assert status == 400 and parse_error(status, body)[0] == "InvalidParameterValue"


def test_access_log_has_no_secret(start_gateway, caplog, moto_fcu):
    gw = start_gateway(call=Recorder({"RegisterImage": {"ImageId": "ami-1"}}), supported={"RegisterImage"},
                       fcu_endpoint=moto_fcu)
    with caplog.at_level(logging.DEBUG, logger="osc_shim"):
        gw.client().register_image(Name="secret-looking-name", Description="hunter2")
        gw.client().describe_regions()
        with pytest.raises(ClientError):
            gw.client(secret_key="other").describe_regions()
    lines = [r.getMessage() for r in caplog.records if r.name == "osc_shim.gateway.access"]
    assert len(lines) == 3
    assert "RegisterImage shim 200" in lines[0] and "DescribeRegions fcu 200" in lines[1]
    assert "401" in lines[2] and "error=AuthFailure" in lines[2]
    everything = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("osc_shim"))
    for secret in (SK, "other", "hunter2", "secret-looking-name", "Signature=", "Credential="):
        assert secret not in everything
    assert AK not in everything  # the key ID is masked too


def test_concurrent_clients(start_gateway, moto_fcu):
    recorder = Recorder({"DescribeImages": lambda params, warn: {"Images": [{"ImageId": params["ImageIds"][0]}]}})
    gw = start_gateway(call=recorder, supported={"DescribeImages"}, fcu_endpoint=moto_fcu, threads=8)

    def one(i):
        client = gw.client()
        assert client.describe_images(ImageIds=[f"ami-{i:08x}"])["Images"][0]["ImageId"] == f"ami-{i:08x}"
        assert client.describe_availability_zones()["AvailabilityZones"]
        return i

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(one, range(40))) == list(range(40))


def test_endpoint_from_aws_endpoint_url_ec2(start_gateway, monkeypatch):
    """Unchanged boto3 code: no endpoint_url, no keys in the code."""
    gw = start_gateway(call=Recorder({"RegisterImage": {"ImageId": "ami-feed"}}), supported={"RegisterImage"})
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", gw.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SK)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    assert boto3.client("ec2").register_image(Name="unchanged")["ImageId"] == "ami-feed"


def test_get_requests_are_forwarded_as_forms(start_gateway, moto_fcu):
    gw = start_gateway(call=Recorder(), supported=set(), fcu_endpoint=moto_fcu)
    status, headers, body = raw_request(gw.url, method="GET", body=b"",
                                        query="Action=DescribeRegions&Version=2016-11-15&RegionName.1=eu-west-2")
    assert status == 200, body
    parsed = PARSER.parse({"body": body, "headers": headers, "status_code": status},
                          ec2_model.operation_model("DescribeRegions").output_shape)
    assert [r["RegionName"] for r in parsed["Regions"]] == ["eu-west-2"]
    names = [k.lower() for k in headers]
    assert len(names) == len(set(names))  # no header twice (e.g. two request IDs)
    assert "transfer-encoding" not in names
