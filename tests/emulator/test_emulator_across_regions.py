"""One emulator, several regions and accounts, one OOS: an export in one region imported in another,
pre-signed URLs checked as OOS checks them (SigV2, SigV4 with the account's key, expiry)."""

from __future__ import annotations

import time

import botocore.session
from click.testing import CliRunner
from emulator_helpers import OTHER_ACCOUNT, Client

from osc_emulator import default_vm_id
from osc_emulator.command import emulator, parse_accounts


def _export(api, bucket="transfer"):
    api.emu.cloud.create_bucket(bucket)
    _, made = api.call("CreateImage", {"VmId": default_vm_id("123456789012"), "ImageName": "src"})
    image_id = made["Image"]["ImageId"]
    api.call("ReadImages", {"Filters": {"ImageIds": [image_id]}})
    _, task = api.call("CreateImageExportTask", {"ImageId": image_id, "OsuExport": {
        "DiskImageFormat": "qcow2", "OsuBucket": bucket, "OsuPrefix": "x/"}})
    task_id = task["ImageExportTask"]["TaskId"]
    for _ in range(5):
        _, read = api.call("ReadImageExportTasks", {"Filters": {"TaskIds": [task_id]}})
        if read["ImageExportTasks"][0]["State"] == "completed":
            return image_id, read["ImageExportTasks"][0]["OsuExport"]["OsuManifestUrl"]
    raise AssertionError(read)


def _presign(access_key, secret_key, region, bucket, key, version="s3v4", expires=3600):
    session = botocore.session.get_session()
    session.set_credentials(access_key, secret_key)
    from botocore.config import Config

    s3 = session.create_client("s3", region_name=region, endpoint_url=f"https://oos.{region}.outscale.com",
                               config=Config(signature_version=version, s3={"addressing_style": "path"}))
    return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)


def test_export_in_one_region_imports_in_another_with_snapshots(emu):
    src = Client(emu)
    image_id, manifest = _export(src)
    dst = Client(emu, region="us-east-2")
    status, made = dst.call("CreateImage", {"FileLocation": manifest, "ImageName": "copied"},
                            path="/us-east-2/api/v1/CreateImage")
    assert status == 200, made
    snap = made["Image"]["BlockDeviceMappings"][0]["Bsu"]["SnapshotId"]
    assert snap in emu.cloud_for("us-east-2").snapshots and snap not in emu.cloud.snapshots
    assert made["Image"]["ImageId"] not in emu.cloud.images  # the source region is untouched
    assert image_id in emu.cloud.images


def test_another_account_reads_a_url_presigned_with_the_owners_key_v2_and_v4(emu):
    owner = Client(emu)
    _, manifest = _export(owner)
    key = manifest.split("/transfer/", 1)[1].split("?", 1)[0]
    peer = Client(emu, OTHER_ACCOUNT[0], OTHER_ACCOUNT[1], region="us-east-2")
    for version, name in (("s3v4", "peer-v4"), ("s3", "peer-v2")):
        url = _presign(owner.access_key, owner.secret_key, "eu-west-2", "transfer", key, version)
        status, made = peer.call("CreateImage", {"FileLocation": url, "ImageName": name},
                                 path="/us-east-2/api/v1/CreateImage")
        assert status == 200, made
        assert made["Image"]["AccountId"] == OTHER_ACCOUNT[2]


def test_a_tampered_or_foreign_or_expired_presigned_url_is_refused(emu, clock):
    owner = Client(emu)
    _, manifest = _export(owner)
    key = manifest.split("/transfer/", 1)[1].split("?", 1)[0]
    good = _presign(owner.access_key, owner.secret_key, "eu-west-2", "transfer", key)
    for url, words in ((good.replace("X-Amz-Signature=", "X-Amz-Signature=0"), "does not match"),
                       (_presign("AKNOBODY", "x", "eu-west-2", "transfer", key), "unknown to OOS"),
                       (_presign(owner.access_key, "wrong", "eu-west-2", "transfer", key, "s3"), "does not match")):
        status, answer = owner.call("CreateImage", {"FileLocation": url, "ImageName": "bad"})
        assert status == 400 and answer["Errors"][0]["Code"] == "4040" and words in answer["Errors"][0]["Details"]
    clock.t = time.time() + 3601  # botocore signs with the real time
    status, answer = owner.call("CreateImage", {"FileLocation": good, "ImageName": "late"})
    assert status == 400 and "expired" in answer["Errors"][0]["Details"]


def test_accounts_option_order_and_errors():
    assert parse_accounts(["AK1:SK1", "AK2:SK2", "AK3:SK3:210987654321"]) == {
        "AK1": ("SK1", "123456789012"), "AK2": ("SK2", "123456789013"), "AK3": ("SK3", "210987654321")}
    result = CliRunner().invoke(emulator, ["--account", "AK1", "--port", "0"])
    assert result.exit_code == 2 and "AK:SK" in result.output


def test_hook_bucket_is_seen_from_every_region(emu):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    conn.request("PUT", "/_emulator/oos/shared", body=b"")
    assert conn.getresponse().status == 200
    assert "shared" in emu.cloud_for("ap-northeast-1").buckets
