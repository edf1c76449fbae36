"""One gateway, every OUTSCALE region: the region a request is signed for is the region it is served in.

Real boto3 over HTTP to the gateway, the gateway to one emulator serving every region under
``/{region}/api/v1`` (``OSC_ENDPOINT_API`` holds ``{region}``), each region with its own state.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support.emulator_process import emulator_fixture
from botocore.exceptions import ClientError

import osc_emulator as emulator_pkg
from osc_shim import regions

pytest.importorskip("waitress")


emu = emulator_fixture(endpoint_env="template")


class FcuRecorder(BaseHTTPRequestHandler):
    """Stands in for FCU: records the path and the credential scope of what is forwarded."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.path, self.headers.get("Authorization", "").split("/")[2]))
        body = (b'<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                b"<requestId>r</requestId><regionInfo/></DescribeRegionsResponse>")
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fcu():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FcuRecorder)
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def register(client, emu, region, name):
    location = emu.cloud_for(region).put_manifest("b", f"{name}.json", emulator_pkg.make_manifest(name, region=region))
    return client.register_image(Name=name, ImageLocation=location)["ImageId"]


def test_each_region_signed_for_is_served_by_its_own_oapi(start_gateway, emu):
    gw = start_gateway(access_key=emu.access_key, secret_key=emu.secret_key, forward=False)
    image = register(gw.client(emu.access_key, emu.secret_key, region="us-east-2"), emu, "us-east-2", "east")
    assert image in emu.cloud_for("us-east-2").images and image not in emu.cloud.images
    east = gw.client(emu.access_key, emu.secret_key, region="us-east-2").describe_images(Owners=["self"])
    west = gw.client(emu.access_key, emu.secret_key, region="eu-west-2").describe_images(Owners=["self"])
    assert [i["ImageId"] for i in east["Images"]] == [image] and west["Images"] == []


def test_a_region_outscale_does_not_have_gets_ec2s_error_naming_the_regions(start_gateway, emu):
    gw = start_gateway(access_key=emu.access_key, secret_key=emu.secret_key, forward=False)
    with pytest.raises(ClientError) as info:
        gw.client(emu.access_key, emu.secret_key, region="eu-west-3").describe_images(Owners=["self"])
    error = info.value.response["Error"]
    assert error["Code"] == "SignatureDoesNotMatch" and "eu-west-3" in error["Message"]
    assert all(r in error["Message"] for r in regions.REGIONS)


def test_forwarded_actions_go_to_the_fcu_of_the_region_signed_for(start_gateway, emu, fcu, monkeypatch):
    monkeypatch.setenv("OSC_ENDPOINT_FCU", f"http://127.0.0.1:{fcu.server_address[1]}/{{region}}")
    gw = start_gateway(access_key=emu.access_key, secret_key=emu.secret_key)
    for region in ("us-west-1", "eu-west-2"):
        gw.client(emu.access_key, emu.secret_key, region=region).describe_regions()
    assert fcu.seen == [("/us-west-1/", "us-west-1"), ("/eu-west-2/", "eu-west-2")]


def test_sts_get_caller_identity_is_answered_through_read_accounts(start_gateway, emu):
    import boto3

    gw = start_gateway(access_key=emu.access_key, secret_key=emu.secret_key, forward=False)
    sts = boto3.client("sts", region_name="us-east-2", endpoint_url=gw.url, aws_access_key_id=emu.access_key,
                       aws_secret_access_key=emu.secret_key)
    identity = sts.get_caller_identity()
    assert identity["Account"] == emulator_pkg.DEFAULT_ACCOUNT_ID and "Arn" not in identity
    with pytest.raises(ClientError) as info:
        sts.get_session_token()
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert "GetCallerIdentity" in info.value.response["Error"]["Message"]


def test_the_emulator_refuses_a_request_signed_for_another_region(emu):
    import urllib.request

    from osc_shim.signing import sign_headers

    body = json.dumps({}).encode()
    url = emu.api_url_for("us-east-2") + "/ReadAccounts"
    host = url.split("/")[2]
    headers = sign_headers(emu.access_key, emu.secret_key, "eu-west-2", host, "/us-east-2/api/v1/ReadAccounts", body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(request, timeout=10)
    assert info.value.code == 401 and b"us-east-2" in info.value.read()


# boto3 copy_image with another SourceRegion (issue 13): answered at once with an error naming the
# command that does it, never held, never a copy within the destination region.
def test_copy_from_another_region_is_a_clear_error_naming_the_command(start_gateway, emu):
    gw = start_gateway(access_key=emu.access_key, secret_key=emu.secret_key, forward=False)
    east = gw.client(emu.access_key, emu.secret_key, region="us-east-2")
    before = {r: len(emu.cloud_for(r).images) for r in ("eu-west-2", "us-east-2")}
    started = time.monotonic()
    with pytest.raises(ClientError) as caught:
        east.copy_image(SourceImageId="ami-0b0c0a01", SourceRegion="eu-west-2", Name="copied")
    assert time.monotonic() - started < 5
    error = caught.value.response["Error"]
    assert error["Code"] == "UnsupportedOperation"
    assert "aws ec2 copy-image --source-region eu-west-2 --region us-east-2" in error["Message"]
    assert "osc-shim share-image" in error["Message"]
    assert {r: len(emu.cloud_for(r).images) for r in before} == before  # nothing copied, nowhere
    assert not emu.cloud.export_tasks
    # the same call within the region stays OAPI's own copy
    made = gw.client(emu.access_key, emu.secret_key, region="eu-west-2").copy_image(
        SourceImageId="ami-0b0c0a01", SourceRegion="eu-west-2", Name="here")
    assert made["ImageId"] in emu.cloud.images
