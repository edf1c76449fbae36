"""End to end: the documentation's ``aws ec2 register-image`` through plugin, shim and emulator.

The real ``aws`` v1 binary, the real shim and the shim's OAPI emulator (on loopback,
reached through ``OSC_ENDPOINT_API``). The pre-signed URL is a fresh one made by the
emulator's OOS for a manifest it stores; its host is OUTSCALE's real OOS host, so AWS
CLI v1 would try to download it if the plugin did not keep it verbatim.
"""

import json
import re

import pytest
from support.emulator_process import emulator_fixture

emulator = pytest.importorskip("osc_emulator")
pytest.importorskip("waitress")

ACCESS_KEY, SECRET_KEY, ACCOUNT = "AKIDEXAMPLE", "SECRETEXAMPLE", "123456789012"
BDM = '[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 10, "VolumeType": "standard"}}]'


emu = emulator_fixture("module", accounts={ACCESS_KEY: (SECRET_KEY, ACCOUNT)})


def test_the_documentations_command_against_the_emulator(make_cli, emu):
    manifest = emulator.make_manifest("exported-image", architecture="x86_64", region=emu.region)
    location = emu.put_manifest("exports", "omi/manifest.json", manifest)
    assert location.startswith("https://oos.eu-west-2.outscale.com/") and "Signature=" in location

    cli = make_cli(plugin=True, OSC_ENDPOINT_API=emu.api_url)
    cli.add_credentials("p", ACCESS_KEY, SECRET_KEY)
    done = cli.run(
        "ec2", "register-image", "--profile", "p", "--name", "Test Image", "--description", "Test",
        "--architecture", "x86_64", "--image-location", location, "--root-device-name", "/dev/sda1",
        "--block-device-mapping", BDM, "--endpoint", "https://fcu.eu-west-2.outscale.com")

    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert list(answer) == ["ImageId"] and re.fullmatch(r"ami-[0-9a-f]{8}", answer["ImageId"])
    image = emu.cloud.images[answer["ImageId"]]
    assert (image.name, image.description, image.account_id) == ("Test Image", "Test", ACCOUNT)
    assert image.file_location == location
    assert "Traceback" not in done.stderr
    assert all(line.startswith("aws: [outscale] ") for line in done.stderr.splitlines() if line.strip())


def test_an_expired_manifest_url_is_an_ec2_error(make_cli, emu):
    manifest = emulator.make_manifest("old-export", region=emu.region)
    location = emu.put_manifest("exports", "old/manifest.json", manifest, expires_in=-3600)
    cli = make_cli(plugin=True, OSC_ENDPOINT_API=emu.api_url,
                   AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    done = cli.run("ec2", "register-image", "--name", "Too late", "--image-location", location,
                   "--endpoint", "https://fcu.eu-west-2.outscale.com", "--query", "ImageId", "--output", "text")
    assert done.returncode == 255 and done.stdout == ""
    assert done.stderr.strip().startswith("An error occurred (InvalidParameterValue) when calling the "
                                          "RegisterImage operation: ")
    assert "expired" in done.stderr and "Traceback" not in done.stderr
