"""Where a call goes: the one decision (``osc_shim.routing``), judged without I/O."""

import pytest

from osc_shim import regions, routing

FCU = "https://fcu.eu-west-2.outscale.com"


def decide(command="ec2", explicit=None, configured=None, profile=None, region=None, typed=None, environ=None,
           is_service=True):
    return routing.decide(routing.Command(
        command=command, is_service=is_service, explicit_endpoint=explicit, explicit_region=typed,
        configured_endpoint=configured, configured_region=region, profile_config=profile or {},
        environ=environ or {}))


@pytest.mark.parametrize("endpoint", [
    FCU, "https://fcu.us-east-2.outscale.com/", "https://FCU.EU-WEST-2.OUTSCALE.COM",
    "https://fcu.cn-southeast-1.outscale.hk", "https://api.eu-west-2.outscale.com/api/v1",
])
def test_an_outscale_endpoint_host_targets_outscale(endpoint):
    target = decide(explicit=endpoint)
    assert target.outscale and target.reason == "endpoint" and target.error is None
    assert target.endpoint_url == endpoint and not target.set_endpoint


@pytest.mark.parametrize("endpoint", [
    "http://127.0.0.1:5000", "https://ec2.eu-west-2.amazonaws.com", "https://outscale.com.evil.example",
    "https://fcu.eu-west-2.outscale.co", "https://notoutscale.com",
])
def test_other_endpoints_leave_everything_to_aws(endpoint):
    assert not decide(explicit=endpoint).outscale
    assert not decide(configured=endpoint).outscale


def test_nothing_configured_is_aws():
    assert not decide().outscale
    assert not decide(region="eu-west-2").outscale  # OUTSCALE's region names are AWS's too


def test_region_from_the_endpoint_host_when_none_is_configured():
    target = decide(explicit="https://fcu.us-east-2.outscale.com")
    assert (target.region, target.set_region) == ("us-east-2", True)
    assert target.oapi_endpoint == "https://api.us-east-2.outscale.com/api/v1"


def test_the_explicit_endpoint_beats_the_configured_region():
    target = decide(explicit=FCU, region="us-east-2")
    assert (target.region, target.set_region) == ("eu-west-2", True)
    assert target.oapi_endpoint == "https://api.eu-west-2.outscale.com/api/v1"
    assert any("eu-west-2" in n and "us-east-2" in n for n in target.notices)
    same = decide(explicit=FCU, region="eu-west-2")
    assert same.notices == () and not same.set_region


def test_an_explicit_endpoint_contradicting_an_explicit_region_is_an_error_naming_both():
    target = decide(explicit=FCU, typed="us-east-2")
    assert target.outscale and target.error
    assert FCU in target.error and "us-east-2" in target.error and "eu-west-2" in target.error
    assert decide(explicit=FCU, typed="eu-west-2").error is None


def test_the_typed_region_beats_the_profiles_configured_outscale_endpoints():
    target = decide(configured=FCU, typed="us-east-2", region="eu-west-2")
    assert target.error is None and target.region == "us-east-2" and target.set_endpoint
    assert target.endpoint_url == "https://fcu.us-east-2.outscale.com"
    assert target.oapi_endpoint == "https://api.us-east-2.outscale.com/api/v1"
    assert decide(command="s3api", configured="https://oos.eu-west-2.outscale.com",
                  typed="us-west-1").endpoint_url == "https://oos.us-west-1.outscale.com"
    unknown = decide(configured=FCU, typed="eu-west-3")
    assert unknown.error and "eu-west-3" in unknown.error and "us-west-1" in unknown.error


@pytest.mark.parametrize("host", ["fcu.eu-west-3.outscale.com", "fcu.eu-west2.outscale.com",
                                  "fcux.eu-west-2.outscale.com", "outscale.com", "fcu.us-east-2.outscale.hk"])
def test_outscale_hosts_that_do_not_exist_are_refused_naming_the_host_and_the_regions(host):
    for target in (decide(explicit=f"https://{host}"), decide(configured=f"https://{host}")):
        assert target.outscale and target.error
        assert host in target.error and all(r in target.error for r in regions.REGIONS)


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
    assert (target.region, target.set_region) == ("us-east-2", False)


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


@pytest.mark.parametrize("command", ["lambda", "dynamodb", "ssm"])
def test_a_service_outscale_does_not_offer_is_refused_saying_what_to_use(command):
    target = decide(command=command, profile={"outscale": "true"})
    assert target.outscale and target.endpoint_url is None
    assert f"OUTSCALE has no {command} service" in target.error and "oapi-cli" in target.error
    assert "ec2 (fcu)" in target.error


def test_sts_is_answered_through_oapi_not_refused():
    target = decide(command="sts", profile={"outscale": "true"})
    assert target.error is None and target.endpoint_url is None
    assert routing.is_translated("GetCallerIdentity", "sts") and not routing.is_translated("AssumeRole", "sts")


def test_commands_that_are_not_services_are_not_refused():
    assert decide(command="help", profile={"outscale": "true"}, is_service=False).error is None


def test_a_marked_profile_keeps_its_configured_endpoint():
    target = decide(profile={"outscale": "true"}, configured="https://fcu.private.example")
    assert target.reason == "profile" and target.endpoint_url == "https://fcu.private.example"
    assert not target.set_endpoint


def test_an_explicit_non_outscale_endpoint_beats_the_profile_marker():
    assert not decide(profile={"outscale": "true"}, explicit="http://127.0.0.1:5000").outscale


def test_a_marked_profile_in_a_region_outscale_does_not_have_is_refused():
    target = decide(profile={"outscale": "true"}, region="us-east-1")
    assert target.error and "us-east-1" in target.error and "eu-west-2" in target.error
    assert not target.set_endpoint and target.endpoint_url is None


def test_aws_configure_is_never_touched():
    assert not decide(command="configure", explicit=FCU, profile={"outscale": "true"}).outscale


def test_configured_endpoint_follows_botocores_order():
    full = {"services": {"osc": {"ec2": {"endpoint_url": "https://from-services"},
                                 "elastic_load_balancing": {"endpoint_url": "https://lb"}}}}
    scoped = {"services": "osc", "endpoint_url": "https://from-profile"}
    env = {"AWS_ENDPOINT_URL": "https://from-global-env", "AWS_ENDPOINT_URL_EC2": "https://from-ec2-env"}
    cfg = routing.configured_endpoint_url
    assert cfg("ec2", scoped, full, env) == "https://from-ec2-env"
    assert cfg("ec2", scoped, full, {"AWS_ENDPOINT_URL": "https://g"}) == "https://g"
    assert cfg("ec2", scoped, full, {}) == "https://from-services"
    assert cfg("s3", scoped, full, {}) == "https://from-profile"
    assert cfg("ec2", {}, full, {}) is None
    assert cfg("elb", {}, {}, {"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING": "https://e"}) == "https://e"
    assert cfg("elb", scoped, full, {}) == "https://lb"  # the key configure writes is the key read
    assert cfg("ec2", {"services": "missing"}, {}, {}) is None  # botocore itself reports that one


def test_the_services_key_read_is_the_one_configure_writes():
    for aws, url in regions.aws_endpoints("eu-west-2").items():
        assert regions.services_config("eu-west-2")[routing.services_key(aws)] == url


def test_a_configured_outscale_endpoint_targets_outscale():
    target = decide(configured="https://fcu.us-west-1.outscale.com")
    assert target.reason == "endpoint" and target.region == "us-west-1"


def test_osc_endpoint_api_with_region_and_the_notice_when_not_targeting_outscale():
    environ = {"OSC_ENDPOINT_API": "http://127.0.0.1:9/{region}/api/v1"}
    assert decide(profile={"outscale": "true"}, typed="us-east-2", environ=environ).oapi_endpoint == \
        "http://127.0.0.1:9/us-east-2/api/v1"
    plain = decide(environ=environ)
    assert not plain.outscale and any("OSC_ENDPOINT_API" in w for w in plain.warnings)
    assert decide().warnings == ()


def test_the_gateway_serves_the_region_a_request_is_signed_for():
    route = routing.route_signed_request("us-west-1", {"OSC_ENDPOINT_API": "http://h/{region}/api/v1"})
    assert (route.oapi_endpoint, route.fcu_endpoint) == ("http://h/us-west-1/api/v1", "https://fcu.us-west-1.outscale.com")
    with pytest.raises(routing.Refused) as e:
        routing.route_signed_request("us-east-1", {})
    assert "us-east-1" in str(e.value) and "eu-west-2" in str(e.value)


def test_the_debug_description_gives_every_part_with_its_reason():
    text = decide(profile={"outscale": "true"}, typed="us-east-2").describe()
    for part in ("profile is marked", "region us-east-2 (--region on the command line)",
                 "https://fcu.us-east-2.outscale.com", "OAPI https://api.us-east-2.outscale.com/api/v1",
                 "OSC_ACCESS_KEY"):
        assert part in text, text


def test_the_plugin_wires_the_services_whose_calls_the_shim_answers():
    from awscli_plugin_outscale import handlers

    assert handlers.ANSWERED_SERVICES == ("ec2", *routing.LOCALLY_ANSWERED)


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

ENDPOINTS = [None, FCU, "https://fcu.us-east-2.outscale.com", "https://fcu.eu-west-3.outscale.com",
             "https://oos.cn-southeast-1.outscale.hk", "http://127.0.0.1:5000", "https://ec2.us-east-1.amazonaws.com",
             "https://outscale.com"]
REGION_CHOICES = [None, *regions.REGIONS, "eu-west-3", "us-east-1"]


@hypothesis.settings(max_examples=3000, deadline=None, derandomize=False, database=None)
@hypothesis.given(command=st.sampled_from(["ec2", "s3", "s3api", "iam", "elb", "sts", "dynamodb", "configure"]),
                  explicit=st.sampled_from(ENDPOINTS), configured=st.sampled_from(ENDPOINTS),
                  typed=st.sampled_from(REGION_CHOICES), region=st.sampled_from(REGION_CHOICES),
                  marked=st.booleans(), osc_api=st.sampled_from([None, "http://127.0.0.1:9/{region}/api/v1"]))
def test_every_answer_is_a_decision_and_outscale_never_means_aws(command, explicit, configured, typed, region,
                                                                 marked, osc_api):
    target = decide(command=command, explicit=explicit, configured=configured, typed=typed, region=region,
                    profile={"outscale": "true"} if marked else {},
                    environ={"OSC_ENDPOINT_API": osc_api} if osc_api else {})
    if not target.outscale or target.error:
        return
    # A region OUTSCALE lacks only where nothing is derived from it: no OAPI endpoint, the user's own endpoint.
    assert target.region in regions.REGIONS or osc_api or (
        target.oapi_endpoint is None and target.endpoint_url in (explicit, configured))
    assert not (typed and target.region != typed)  # what the user typed wins, or the command is refused
    if target.endpoint_url is not None:
        assert "amazonaws.com" not in target.endpoint_url or target.endpoint_url in (explicit, configured)
        if regions.is_outscale_url(target.endpoint_url):
            assert routing.check_outscale_endpoint(target.endpoint_url)[1] == target.region


def test_copy_kind_leaves_an_ill_typed_source_region_to_the_translator():
    """A SourceRegion that is not a string (code calling core.call directly) is not a routing question:
    the copy stays direct, and core answers EC2's InvalidParameterValue, never a TypeError."""
    from osc_shim import core, routing
    from osc_shim.errors import Ec2Error

    params = {"SourceImageId": "ami-12345678", "SourceRegion": [None], "Name": "copy"}
    assert routing.copy_kind("CopyImage", params, "eu-west-2") == "direct"
    with pytest.raises(Ec2Error) as err:
        core.call("CopyImage", params, region="eu-west-2", credentials=None)
    assert err.value.code == "InvalidParameterValue" and "SourceRegion" in err.value.message
