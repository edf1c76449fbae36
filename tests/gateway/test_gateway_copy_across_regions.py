"""boto3 ``copy_image`` with another ``SourceRegion`` through the gateway: answered at once with an error
naming the command that does it, never held, never a copy within the destination region."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from osc_shim import emulator as emulator_pkg

pytest.importorskip("waitress")


@pytest.fixture
def emu(monkeypatch):
    handle = emulator_pkg.start_emulator()
    monkeypatch.setenv("OSC_ENDPOINT_API", handle.api_url_template)
    yield handle
    handle.stop()


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
