"""``osc-shim translate`` asks the same routing decision as the plugin: same region, same OAPI endpoint,
same refusals (tests/plugin/test_plugin_routing_rules.py shows the plugin's side with the real aws)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from support.sandbox_env import OUTSCALE_PROFILE_EU_WEST_2

from osc_shim.cli import main

PROFILE = OUTSCALE_PROFILE_EU_WEST_2


def translate(*words):
    result = CliRunner().invoke(main, ["translate", "--format", "json", "--", "aws", *words])
    return result, (json.loads(result.output) if result.output.startswith("{") else None)


def test_the_typed_region_beats_the_profiles_endpoints(isolated_aws_env):
    (isolated_aws_env / "aws-config").write_text(PROFILE)
    result, doc = translate("--profile", "osc", "ec2", "describe-images", "--owners", "self", "--region", "us-east-2")
    assert result.exit_code == 0, result.output
    assert doc["region"] == "us-east-2" and doc["endpoint"] == "https://api.us-east-2.outscale.com/api/v1"
    _, doc = translate("--profile", "osc", "ec2", "describe-images", "--owners", "self")
    assert doc["region"] == "eu-west-2" and doc["endpoint"] == "https://api.eu-west-2.outscale.com/api/v1"


def test_the_endpoint_host_gives_the_region_and_contradictions_are_refused(isolated_aws_env):
    _, doc = translate("ec2", "describe-images", "--endpoint-url", "https://fcu.us-west-1.outscale.com")
    assert doc["region"] == "us-west-1"
    result, _ = translate("ec2", "describe-images", "--endpoint-url", "https://fcu.eu-west-2.outscale.com",
                          "--region", "us-east-2")
    assert result.exit_code == 2
    assert "https://fcu.eu-west-2.outscale.com" in result.output and "us-east-2" in result.output
    result, _ = translate("ec2", "describe-images", "--endpoint-url", "https://fcu.eu-west-3.outscale.com")
    assert result.exit_code == 2 and "fcu.eu-west-3.outscale.com" in result.output and "us-west-1" in result.output


def test_osc_endpoint_api_with_region(isolated_aws_env, monkeypatch):
    monkeypatch.setenv("OSC_ENDPOINT_API", "http://127.0.0.1:8443/{region}/api/v1")
    _, doc = translate("ec2", "describe-images", "--region", "ap-northeast-1")
    assert doc["endpoint"] == "http://127.0.0.1:8443/ap-northeast-1/api/v1"
    assert doc["calls"][0]["url"].startswith("http://127.0.0.1:8443/ap-northeast-1/api/v1/")


def test_a_copy_into_another_region_is_an_error_not_a_copy_in_the_source_region(isolated_aws_env):
    result, doc = translate("ec2", "copy-image", "--source-image-id", "ami-12345678", "--source-region", "eu-west-2",
                            "--region", "us-east-2", "--name", "my-copy")
    assert result.exit_code == 255 and doc["region"] == "us-east-2" and doc["calls"] == []
    assert doc["error"]["Code"] == "InvalidParameterValue" and "SourceRegion" in doc["error"]["Message"]
