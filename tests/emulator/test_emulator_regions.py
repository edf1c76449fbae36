"""One emulator, every OUTSCALE region: ``/{region}/api/v1`` with its own state, hooks per region."""

import json
import urllib.request

from emulator_helpers import Client

from osc_emulator import make_manifest
from osc_shim.regions import REGIONS


def hook(emu, method, path, body=None):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(emu.url + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def register(client, cloud, name):
    url = cloud.put_manifest("b", f"{name}.json", make_manifest(name, region=cloud.region))
    return client.ok("CreateImage", {"FileLocation": url, "ImageName": name})["Image"]["ImageId"]


def test_each_region_has_its_own_state_and_the_default_is_also_at_api_v1(emu):
    east = Client(emu, region="us-east-2")
    path = lambda action: f"/us-east-2/api/v1/{action}"  # noqa: E731
    url = emu.cloud_for("us-east-2").put_manifest("b", "east.json", make_manifest("east", region="us-east-2"))
    status, answer = east.call("CreateImage", {"FileLocation": url, "ImageName": "east"}, path=path("CreateImage"))
    assert status == 200
    image = answer["Image"]["ImageId"]
    assert image in emu.cloud_for("us-east-2").images and image not in emu.cloud.images
    default = Client(emu)
    assert register(default, emu.cloud, "west") in emu.cloud.images
    same = Client(emu, region=emu.region)
    status, answer = same.call("ReadImages", {}, path=f"/{emu.region}/api/v1/ReadImages")
    assert status == 200 and {i["ImageName"] for i in answer["Images"]} >= {"west"}
    assert "east" not in {i["ImageName"] for i in answer["Images"]}


def test_a_region_outscale_does_not_have_is_not_served(emu):
    status, data, _ = Client(emu, region="eu-west-3").raw("ReadImages", b"{}", path="/eu-west-3/api/v1/ReadImages")
    assert status == 404 and all(r in data.decode() for r in REGIONS)


def test_hooks_address_a_region_with_a_query(emu):
    status, state = hook(emu, "GET", "/_emulator/state?region=us-west-1")
    assert status == 200 and state["Region"] == "us-west-1"
    assert hook(emu, "GET", "/_emulator/state")[1]["Region"] == emu.region
    assert hook(emu, "POST", "/_emulator/reset?region=us-west-1")[0] == 200
    assert hook(emu, "GET", "/_emulator/state?region=nowhere-1")[0] == 404
