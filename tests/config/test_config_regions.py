"""The region x service table, its generated documentation and ``osc-shim endpoints``."""

import json

import botocore.session
import pytest
from botocore import utils as botocore_utils
from click.testing import CliRunner

from osc_shim import routing, docgen, regions
from osc_shim.cli import main as osc_shim


def test_regions_and_domains():
    assert list(regions.REGIONS) == [
        "eu-west-2", "us-east-2", "us-west-1", "cloudgouv-eu-west-1", "ap-northeast-1", "cn-southeast-1",
    ]
    assert regions.DEFAULT_REGION == "eu-west-2"
    assert regions.REGIONS["cn-southeast-1"] == ("outscale.hk", False)
    assert all(r.confirmed for name, r in regions.REGIONS.items() if name != "cn-southeast-1")
    assert set(regions.REGION_NOTES) == set(regions.REGIONS)


@pytest.mark.parametrize(
    "service, region, url",
    [
        ("oapi", "eu-west-2", "https://api.eu-west-2.outscale.com/api/v1"),
        ("fcu", "us-east-2", "https://fcu.us-east-2.outscale.com"),
        ("ec2", "us-east-2", "https://fcu.us-east-2.outscale.com"),
        ("s3", "cloudgouv-eu-west-1", "https://oos.cloudgouv-eu-west-1.outscale.com"),
        ("iam", "ap-northeast-1", "https://eim.ap-northeast-1.outscale.com"),
        ("elb", "us-west-1", "https://lbu.us-west-1.outscale.com"),
        ("directconnect", "eu-west-2", "https://directlink.eu-west-2.outscale.com"),
        ("kms", "cn-southeast-1", "https://kms.cn-southeast-1.outscale.hk"),
        ("icu", "eu-west-2", "https://icu.eu-west-2.outscale.com"),
    ],
)
def test_endpoint(service, region, url):
    assert regions.endpoint(service, region) == url
    if service != "oapi":
        assert routing.check_outscale_endpoint(url)[1] == region


def test_aws_service_mapping():
    assert regions.AWS_SERVICES == {
        "ec2": "fcu", "s3": "oos", "iam": "eim", "elb": "lbu", "directconnect": "directlink", "kms": "kms",
    }
    assert set(regions.SERVICE_INFO) == set(regions.SERVICES)


def test_config_keys_are_botocores_service_ids():
    """botocore reads ``[services]`` keys by snake-cased service id: check each against botocore."""
    session = botocore.session.get_session()
    for name, svc in regions.SERVICES.items():
        key = regions.SERVICE_INFO[name].config_key
        if svc.aws is None:
            assert key is None
            continue
        service_id = session.get_service_model(svc.aws).service_id.hyphenize().replace("-", "_")
        assert key == service_id, name
        alias = botocore_utils.CLIENT_NAME_TO_HYPHENIZED_SERVICE_ID_OVERRIDES.get(svc.aws, svc.aws)
        assert alias.replace("-", "_") == key


def test_unknown_region_lists_valid_ones():
    with pytest.raises(regions.UnknownRegion) as e:
        regions.endpoint("fcu", "us-east-1")
    for r in regions.REGIONS:
        assert r in str(e.value)


def test_oapi_endpoint_override():
    assert routing.oapi_endpoint("eu-west-2", {"OSC_ENDPOINT_API": "http://127.0.0.1:1/api/v1/"}) == (
        "http://127.0.0.1:1/api/v1"
    )
    assert routing.oapi_endpoint("us-east-2", {}) == "https://api.us-east-2.outscale.com/api/v1"
    template = {"OSC_ENDPOINT_API": "http://127.0.0.1:1/{region}/api/v1"}
    assert routing.oapi_endpoint("us-west-1", template) == "http://127.0.0.1:1/us-west-1/api/v1"


def test_outscale_hosts_are_checked():
    assert not regions.is_outscale_url("https://ec2.eu-west-2.amazonaws.com")
    for bad in ("https://fcu.nowhere-1.outscale.com", "https://fcu.eu-west2.outscale.com",
                "https://fcu.eu-west-3.outscale.com", "https://fcx.eu-west-2.outscale.com",
                "https://fcu.cn-southeast-1.outscale.com", "https://outscale.com"):
        with pytest.raises(routing.Refused) as e:
            routing.check_outscale_endpoint(bad)
        assert bad.split("//")[1] in str(e.value) and "eu-west-2" in str(e.value)
    assert routing.check_outscale_endpoint("fcu.eu-west-2.outscale.com") == ("fcu", "eu-west-2")
    assert routing.check_outscale_endpoint("https://bucket.oos.us-east-2.outscale.com/k") == ("oos", "us-east-2")


def test_docs_endpoints_md_is_generated_from_the_table():
    stale = docgen.stale()
    assert not stale, f"{stale} drifted from osc_shim.regions: run `python -m osc_shim.docgen`"


def test_docgen_check_and_write(tmp_path):
    assert docgen.main(["--docs-dir", str(tmp_path), "--check"]) == 1
    assert docgen.main(["--docs-dir", str(tmp_path)]) == 0
    text = (tmp_path / "endpoints.md").read_text()
    for row in regions.table():
        assert row["endpoint"] in text
    assert "**unconfirmed**" in text and "[services osc-eu-west-2]" in text
    assert docgen.main(["--docs-dir", str(tmp_path), "--check"]) == 0


def test_endpoints_command_text():
    result = CliRunner().invoke(osc_shim, ["endpoints", "--region", "us-west-1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["REGION", "SERVICE", "AWS", "ENDPOINT"]
    assert len(lines) == 1 + len(regions.SERVICES)
    assert "us-west-1  fcu" in result.output
    assert "https://lbu.us-west-1.outscale.com" in result.output
    full = CliRunner().invoke(osc_shim, ["endpoints"]).output
    assert "cn-southeast-1 (unconfirmed)" in full
    assert len(full.splitlines()) == 1 + len(regions.SERVICES) * len(regions.REGIONS)


def test_endpoints_command_json():
    result = CliRunner().invoke(osc_shim, ["endpoints", "--json", "--region", "eu-west-2"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    by_aws = {r["aws_service"]: r["endpoint"] for r in rows if r["aws_service"]}
    assert by_aws == regions.aws_endpoints("eu-west-2")
    oapi = [r for r in rows if r["service"] == "oapi"]
    assert oapi[0]["endpoint"] == "https://api.eu-west-2.outscale.com/api/v1"
    all_rows = json.loads(CliRunner().invoke(osc_shim, ["endpoints", "--json"]).output)
    assert {r["region"] for r in all_rows} == set(regions.REGIONS)


def test_endpoints_command_unknown_region():
    result = CliRunner().invoke(osc_shim, ["endpoints", "--region", "mars-1"])
    assert result.exit_code == 2
    assert "eu-west-2" in result.output and "mars-1" in result.output


def test_configure_md_shows_what_is_written():
    """The hand-written guide's example is exactly what the writer produces."""
    import re

    from osc_shim import profile as configure

    text = (docgen.default_docs_dir() + "/configure.md")
    with open(text, encoding="utf-8") as f:
        guide = f.read()
    section = guide.split("## What is written", 1)[1]
    example = re.search(r"```ini\n(.*?)```", section, re.S).group(1)
    assert example == configure.plan("", profile="osc", region="eu-west-2", cli="v1").new_text
