"""The real ``aws`` v1 binary driving OUTSCALE through the plugin and the real shim.

The OUTSCALE API is a small local stand-in (conftest ``fake_oapi``) reached through
``OSC_ENDPOINT_API``; nothing leaves loopback. The end-to-end test against the shim's
emulator lives in ``test_cli_emulator.py``.
"""

import json
import time
from urllib.parse import quote

import pytest

from plugin_sandbox import DUPLICATE_NAME, FAKE_IMAGE_ID

FCU = "https://fcu.eu-west-2.outscale.com"
BDM = '[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 10, "VolumeType": "standard"}}]'


def presigned(base: str) -> str:
    """A pre-signed-looking URL (SigV2 style, as OUTSCALE's documentation shows) valid for a day."""
    expires = int(time.time()) + 86400
    return (f"{base}/bucket/object?AWSAccessKeyId=A1BC2DE3FGHIJ4LMN567&Expires={expires}"
            f"&Signature={quote('/R63JOJcFzNGubLEXckKGVIi8kk=', safe='')}")


def oapi_calls(fake_oapi):
    return [(path.rsplit("/", 1)[-1], json.loads(body or b"{}"), headers)
            for _method, path, headers, body in fake_oapi.requests]


@pytest.fixture
def outscale_cli(make_cli, fake_oapi):
    """A sandboxed aws with the plugin, credentials in the profile ``p``, no region anywhere."""
    cli = make_cli(plugin=True, OSC_ENDPOINT_API=fake_oapi.api_url)
    cli.add_credentials("p")
    return cli


def test_the_documentations_command_registers_the_image(outscale_cli, fake_oapi, text_server):
    # The URL points at a live local server: AWS CLI v1 would download it without the plugin.
    location = presigned(text_server.url)
    done = outscale_cli.run(
        "ec2", "register-image", "--profile", "p", "--name", "Test Image", "--description", "Test",
        "--architecture", "x86_64", "--image-location", location, "--root-device-name", "/dev/sda1",
        "--block-device-mapping", BDM, "--endpoint", FCU)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ImageId": FAKE_IMAGE_ID}
    assert text_server.requests == []  # passed verbatim, never fetched
    # the images of that name are read before sending (issue 10: a lost answer is reconciled by proof)
    (look, look_body, _), (action, body, headers) = oapi_calls(fake_oapi)
    assert look == "ReadImages" and look_body == {"Filters": {"ImageNames": ["Test Image"]}}
    assert action == "CreateImage"
    assert body["FileLocation"] == location
    assert (body["ImageName"], body["Description"]) == ("Test Image", "Test")
    assert "AKIDEXAMPLE" in headers.get("Authorization", "")  # the profile's credentials
    # anything the plugin or shim tells the user is on stderr, prefixed
    assert all(line.startswith("aws: [outscale] ") for line in done.stderr.splitlines() if line.strip())


@pytest.mark.parametrize("options, expected", [
    (["--query", "ImageId", "--output", "text"], f"{FAKE_IMAGE_ID}\n"),
    (["--output", "table"], "-----------------------------\n"
                            "|       RegisterImage       |\n"
                            "+----------+----------------+\n"
                            f"|  ImageId |  {FAKE_IMAGE_ID}  |\n"
                            "+----------+----------------+\n"),
    # (AWS CLI v1 has no yaml output: --output yaml is a usage error there, exit 2.)
])
def test_query_and_every_output_format_work_on_the_answer(outscale_cli, fake_oapi, options, expected):
    done = outscale_cli.run("ec2", "register-image", "--name", "Test Image", "--image-location",
                            presigned("https://oos.eu-west-2.outscale.com"), f"--endpoint={FCU}",
                            *options, env={"AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "SKENV"})
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected


def test_an_outscale_error_is_printed_as_an_ec2_error(outscale_cli, fake_oapi):
    done = outscale_cli.run("ec2", "register-image", "--profile", "p", "--name", DUPLICATE_NAME,
                            "--image-location", presigned("https://oos.eu-west-2.outscale.com"),
                            "--endpoint", FCU)
    assert done.returncode == 255  # AWS CLI v1's exit code for a service error (v2: 254)
    assert done.stdout == ""
    assert ("An error occurred (InvalidAMIName.Duplicate) when calling the RegisterImage operation: "
            "The image name is already used.") in done.stderr
    assert "Traceback" not in done.stderr


def test_a_marked_profile_needs_no_endpoint_and_file_values_still_load(outscale_cli, fake_oapi, tmp_path):
    outscale_cli.add_config("[profile p]\noutscale = true")
    location = presigned("https://oos.eu-west-2.outscale.com")
    (tmp_path / "location.txt").write_text(location)
    done = outscale_cli.run("ec2", "register-image", "--profile", "p", "--name", "Test Image",
                            "--image-location", f"file://{tmp_path}/location.txt")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ImageId": FAKE_IMAGE_ID}
    (look, _, _), (action, body, _) = oapi_calls(fake_oapi)  # the look before sending, then the create
    assert look == "ReadImages" and (action, body["FileLocation"]) == ("CreateImage", location)


def test_operations_the_shim_does_not_translate_reach_the_profiles_endpoint(outscale_cli, fake_oapi, moto_ec2):
    from osc_shim import core

    if "DescribeRegions" in core.SUPPORTED:
        pytest.skip("the shim translates DescribeRegions now: pick another untranslated operation")
    # A marked profile whose endpoint is a local EC2-shaped server (moto).
    outscale_cli.add_config(f"[profile p]\noutscale = true\nendpoint_url = {moto_ec2.url}")
    done = outscale_cli.run("ec2", "describe-regions", "--profile", "p", "--region", "us-east-1",
                            "--query", "length(Regions) > `0`")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "true"
    assert fake_oapi.requests == []
