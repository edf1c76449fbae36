"""boto3 and the ``aws`` CLI (without the plugin) through the gateway: the real shim, the
OAPI emulator behind it, moto_server as FCU for what the shim does not translate.

Which path an action takes is read from ``osc_shim.core.SUPPORTED`` at run time: a
step whose actions are not translated yet is skipped (and its action is then checked to
reach FCU instead).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from botocore.exceptions import ClientError, WaiterError

from gateway_testlib import BIN, REGION, clean_env

def supported() -> frozenset:
    from osc_shim import core

    return core.SUPPORTED


def needs(*operations):
    missing = [op for op in operations if op not in supported()]
    if missing:
        pytest.skip(f"not translated by the shim yet: {', '.join(missing)}")


@pytest.fixture
def emulator(monkeypatch):
    from osc_emulator import start_emulator

    emu = start_emulator(region=REGION)
    monkeypatch.setenv("OSC_ENDPOINT_API", emu.api_url)  # the shim core reads it at each call
    yield emu
    emu.stop()


@pytest.fixture
def gateway(start_gateway, emulator, moto_fcu):
    return start_gateway(access_key=emulator.access_key, secret_key=emulator.secret_key, fcu_endpoint=moto_fcu)


@pytest.fixture
def ec2(gateway, emulator):
    return gateway.client(access_key=emulator.access_key, secret_key=emulator.secret_key)


@pytest.fixture
def snapshot(emulator):
    return emulator.cloud.add_snapshot(emulator.cloud.default_account.account_id, 10).snapshot_id


def register(ec2, snapshot, name="gw-e2e", **kw):
    return ec2.register_image(Name=name, RootDeviceName="/dev/sda1", Architecture="x86_64",
                              BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot}}],
                              **kw)["ImageId"]


def test_register_describe_wait_tag_attributes_deregister(ec2, snapshot, emulator):
    needs("RegisterImage", "DescribeImages", "CreateTags", "DeleteTags", "DescribeImageAttribute",
          "ModifyImageAttribute", "DeregisterImage")
    image_id = register(ec2, snapshot, TagSpecifications=[{"ResourceType": "image",
                                                           "Tags": [{"Key": "stage", "Value": "test"}]}])
    assert image_id.startswith("ami-")

    described = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert [i["ImageId"] for i in described] == [image_id]
    assert described[0]["Name"] == "gw-e2e"
    assert {"Key": "stage", "Value": "test"} in described[0].get("Tags", [])

    ec2.get_waiter("image_available").wait(ImageIds=[image_id], WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["State"] == "available"
    ec2.get_waiter("image_exists").wait(ImageIds=[image_id], WaiterConfig={"Delay": 1, "MaxAttempts": 3})

    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "owner", "Value": "gateway"}])
    tagged = ec2.describe_images(Filters=[{"Name": "tag:owner", "Values": ["gateway"]}])["Images"]
    assert [i["ImageId"] for i in tagged] == [image_id]
    ec2.delete_tags(Resources=[image_id], Tags=[{"Key": "owner", "Value": "gateway"}])
    assert ec2.describe_images(Filters=[{"Name": "tag:owner", "Values": ["gateway"]}])["Images"] == []

    ec2.modify_image_attribute(ImageId=image_id, Description={"Value": "described via the gateway"})
    attribute = ec2.describe_image_attribute(ImageId=image_id, Attribute="description")
    assert attribute["Description"] == {"Value": "described via the gateway"}
    assert attribute["ImageId"] == image_id

    ec2.deregister_image(ImageId=image_id)
    after = ec2.describe_images(Owners=[emulator.cloud.default_account.account_id])["Images"]
    assert image_id not in [i["ImageId"] for i in after]


def test_paginator(ec2, snapshot, emulator):
    needs("RegisterImage", "DescribeImages")
    ids = {register(ec2, snapshot, name=f"gw-page-{i}") for i in range(5)}
    owner = emulator.cloud.default_account.account_id
    pages = list(ec2.get_paginator("describe_images").paginate(Owners=[owner], PaginationConfig={"PageSize": 2}))
    seen = [i["ImageId"] for page in pages for i in page["Images"]]
    assert ids <= set(seen)
    assert len(seen) == len(set(seen))


def test_dry_run_and_errors_as_on_ec2(ec2, snapshot):
    needs("RegisterImage", "DescribeImages", "DeregisterImage")
    with pytest.raises(ClientError) as info:
        register(ec2, snapshot, name="gw-dry", DryRun=True)
    assert info.value.response["Error"]["Code"] == "DryRunOperation"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert ec2.describe_images(Filters=[{"Name": "name", "Values": ["gw-dry"]}])["Images"] == []

    register(ec2, snapshot, name="gw-dup")
    with pytest.raises(ClientError) as info:
        register(ec2, snapshot, name="gw-dup")
    assert info.value.response["Error"]["Code"] == "InvalidAMIName.Duplicate"

    with pytest.raises(ClientError) as info:
        ec2.describe_images(ImageIds=["ami-00000000"])
    assert info.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"
    with pytest.raises(ClientError) as info:
        ec2.deregister_image(ImageId="not-an-image")
    assert info.value.response["Error"]["Code"].startswith("InvalidAMIID.")


def test_waiter_fails_fast_on_an_unknown_image(ec2):
    needs("DescribeImages")
    with pytest.raises(WaiterError):
        ec2.get_waiter("image_available").wait(ImageIds=["ami-00000000"],
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 2})


def test_one_endpoint_for_a_whole_ec2_client(ec2, snapshot):
    """Translated actions reach OAPI, the rest reach FCU (moto), through the same endpoint."""
    needs("RegisterImage")
    register(ec2, snapshot, name="gw-mixed")
    untranslated = "DescribeKeyPairs"
    assert untranslated not in supported()
    ec2.create_key_pair(KeyName="gw-mixed-key")
    assert "gw-mixed-key" in [k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]]
    if "DescribeImages" not in supported():  # then it is FCU's (moto's) DescribeImages
        assert ec2.describe_images(ImageIds=[])["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_bad_signatures_are_refused_before_the_shim(gateway, emulator):
    for kwargs, code in [({"secret_key": "wrong"}, "AuthFailure"),
                         ({"access_key": "AKIANOBODY000000001"}, "AuthFailure"),
                         ({"region": "us-east-1"}, "SignatureDoesNotMatch")]:
        client = gateway.client(**{"access_key": emulator.access_key, "secret_key": emulator.secret_key, **kwargs})
        with pytest.raises(ClientError) as info:
            client.register_image(Name="never-created", RootDeviceName="/dev/sda1")
        assert info.value.response["Error"]["Code"] == code
    assert not any(i.name == "never-created" for i in getattr(emulator.cloud, "images", {}).values())


# ------------------------------------------------------------------- the aws CLI (v1) --

def aws(home, gateway_url, emulator, *args):
    home.mkdir(exist_ok=True)
    (home / "aws-config").write_text(f"[default]\nregion = {REGION}\noutput = json\n")
    (home / "aws-credentials").write_text(f"[default]\naws_access_key_id = {emulator.access_key}\n"
                                          f"aws_secret_access_key = {emulator.secret_key}\n")
    env = clean_env(home, AWS_ENDPOINT_URL_EC2=gateway_url, AWS_MAX_ATTEMPTS=1)
    return subprocess.run([str(BIN / "aws"), "ec2", *args], env=env, capture_output=True, text=True, timeout=120)


def test_aws_cli_without_plugin(gateway, emulator, snapshot, tmp_path):
    needs("RegisterImage")
    home = tmp_path / "cli-home"
    done = aws(home, gateway.url, emulator, "register-image", "--name", "gw-cli", "--root-device-name", "/dev/sda1",
               "--block-device-mappings", f"DeviceName=/dev/sda1,Ebs={{SnapshotId={snapshot}}}")
    assert done.returncode == 0, done.stderr
    assert "plugins" not in (home / "aws-config").read_text()
    image_id = json.loads(done.stdout)["ImageId"]

    done = aws(home, gateway.url, emulator, "describe-images", "--image-ids", image_id,
               "--query", "Images[0].Name", "--output", "text")
    assert done.returncode == 0, done.stderr
    if "DescribeImages" in supported():
        assert done.stdout.strip() == "gw-cli"

    done = aws(home, gateway.url, emulator, "register-image", "--name", "gw-cli", "--root-device-name", "/dev/sda1",
               "--block-device-mappings", f"DeviceName=/dev/sda1,Ebs={{SnapshotId={snapshot}}}")
    assert done.returncode in (254, 255)
    assert "An error occurred (InvalidAMIName.Duplicate) when calling the RegisterImage operation" in done.stderr

    done = aws(home, gateway.url, emulator, "register-image", "--name", "gw-cli-dry", "--dry-run",
               "--root-device-name", "/dev/sda1",
               "--block-device-mappings", f"DeviceName=/dev/sda1,Ebs={{SnapshotId={snapshot}}}")
    assert done.returncode in (254, 255) and "(DryRunOperation)" in done.stderr

    done = aws(home, gateway.url, emulator, "describe-regions", "--query", "Regions[].RegionName")
    assert done.returncode == 0, done.stderr  # forwarded to FCU (moto)
    assert REGION in json.loads(done.stdout)

    (home / "aws-credentials").write_text("")
    env = clean_env(home, AWS_ENDPOINT_URL_EC2=gateway.url, AWS_ACCESS_KEY_ID=emulator.access_key,
                    AWS_SECRET_ACCESS_KEY="wrong", AWS_MAX_ATTEMPTS=1)
    done = subprocess.run([str(BIN / "aws"), "ec2", "describe-regions"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode in (254, 255) and "(AuthFailure)" in done.stderr
