"""When does a command target OUTSCALE, and with which region and endpoint (pure decisions)."""

import pytest

from awscli_plugin_outscale import routing

FCU = "https://fcu.eu-west-2.outscale.com"


def decide(command="ec2", explicit=None, configured=None, profile=None, region=None):
    return routing.decide(command=command, explicit_endpoint=explicit, configured_endpoint=configured,
                          profile_config=profile or {}, configured_region=region)


@pytest.mark.parametrize("endpoint", [
    FCU, "https://fcu.us-east-2.outscale.com/", "https://FCU.EU-WEST-2.OUTSCALE.COM",
    "https://fcu.cn-southeast-1.outscale.hk", "https://api.eu-west-2.outscale.com/api/v1",
])
def test_an_outscale_endpoint_host_targets_outscale(endpoint):
    target = decide(explicit=endpoint)
    assert target is not None and target.reason == "endpoint"
    assert target.endpoint_url == endpoint and not target.set_endpoint


@pytest.mark.parametrize("endpoint", [
    "http://127.0.0.1:5000", "https://ec2.eu-west-2.amazonaws.com", "https://outscale.com.evil.example",
    "https://fcu.eu-west-2.outscale.co", "https://notoutscale.com",
])
def test_other_endpoints_leave_everything_to_aws(endpoint):
    assert decide(explicit=endpoint) is None
    assert decide(configured=endpoint) is None


def test_nothing_configured_is_aws():
    assert decide() is None
    assert decide(region="eu-west-2") is None  # OUTSCALE's region names are AWS's too


def test_region_from_the_endpoint_host_when_none_is_configured():
    target = decide(explicit="https://fcu.us-east-2.outscale.com")
    assert (target.region, target.oapi_region, target.set_region) == ("us-east-2", "us-east-2", True)


def test_configured_region_is_kept_but_the_oapi_call_goes_where_the_endpoint_is():
    target = decide(explicit=FCU, region="us-east-2")
    assert (target.region, target.oapi_region, target.set_region) == ("us-east-2", "eu-west-2", False)
    assert any("eu-west-2" in n and "us-east-2" in n for n in target.notices)
    same = decide(explicit=FCU, region="eu-west-2")
    assert same.notices == () and not same.set_region


def test_an_endpoint_without_a_region_label_falls_back_to_the_default_region():
    target = decide(explicit="https://outscale.com")
    assert target.region == target.oapi_region == "eu-west-2"


@pytest.mark.parametrize("value", ["true", "True", " yes ", "1", "on"])
def test_profile_marker(value):
    assert routing.is_marked({"outscale": value})


@pytest.mark.parametrize("profile", [{}, {"outscale": "false"}, {"outscale": "no"}, {"outscale": ""},
                                     {"region": "eu-west-2"}, None])
def test_unmarked_profiles(profile):
    assert not routing.is_marked(profile)


def test_a_marked_profile_without_endpoint_gets_its_regions_outscale_endpoint():
    target = decide(profile={"outscale": "true"}, region="us-east-2")
    assert target.reason == "profile" and target.set_endpoint
    assert target.endpoint_url == "https://fcu.us-east-2.outscale.com"
    assert (target.region, target.oapi_region, target.set_region) == ("us-east-2", "us-east-2", False)


def test_a_marked_profile_without_region_uses_eu_west_2():
    target = decide(profile={"outscale": "true"})
    assert target.region == "eu-west-2" and target.set_region
    assert target.endpoint_url == FCU


@pytest.mark.parametrize("command, endpoint", [
    ("s3api", "https://oos.eu-west-2.outscale.com"), ("s3", "https://oos.eu-west-2.outscale.com"),
    ("iam", "https://eim.eu-west-2.outscale.com"), ("elb", "https://lbu.eu-west-2.outscale.com"),
])
def test_a_marked_profile_routes_each_service_to_its_outscale_counterpart(command, endpoint):
    assert decide(command=command, profile={"outscale": "true"}).endpoint_url == endpoint


def test_a_marked_profile_leaves_services_outscale_does_not_have_alone():
    target = decide(command="lambda", profile={"outscale": "true"})
    assert target is not None and target.endpoint_url is None and not target.set_endpoint


def test_a_marked_profile_keeps_its_configured_endpoint():
    target = decide(profile={"outscale": "true"}, configured="https://fcu.private.example")
    assert target.reason == "profile" and target.endpoint_url == "https://fcu.private.example"
    assert not target.set_endpoint


def test_an_explicit_non_outscale_endpoint_beats_the_profile_marker():
    assert decide(profile={"outscale": "true"}, explicit="http://127.0.0.1:5000") is None


def test_a_marked_profile_in_a_region_outscale_does_not_have_is_warned_about():
    target = decide(profile={"outscale": "true"}, region="us-east-1")
    assert not target.set_endpoint and target.endpoint_url is None
    assert any("us-east-1" in w for w in target.warnings)


def test_aws_configure_is_never_touched():
    assert decide(command="configure", explicit=FCU, profile={"outscale": "true"}) is None


def test_configured_endpoint_follows_botocores_order():
    full = {"services": {"osc": {"ec2": {"endpoint_url": "https://from-services"}}}}
    scoped = {"services": "osc", "endpoint_url": "https://from-profile"}
    env = {"AWS_ENDPOINT_URL": "https://from-global-env", "AWS_ENDPOINT_URL_EC2": "https://from-ec2-env"}
    cfg = routing.configured_endpoint_url
    assert cfg("ec2", scoped, full, env) == "https://from-ec2-env"
    assert cfg("ec2", scoped, full, {"AWS_ENDPOINT_URL": "https://g"}) == "https://g"
    assert cfg("ec2", scoped, full, {}) == "https://from-services"
    assert cfg("s3", scoped, full, {}) == "https://from-profile"
    assert cfg("ec2", {}, full, {}) is None
    assert cfg("elastic_load_balancing", {}, {}, {"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING": "https://e"}) == "https://e"
    assert cfg("ec2", {"services": "missing"}, {}, {}) is None  # botocore itself reports that one


def test_a_configured_outscale_endpoint_targets_outscale():
    target = decide(configured="https://fcu.us-west-1.outscale.com")
    assert target.reason == "endpoint" and target.region == "us-west-1"
