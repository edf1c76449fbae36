"""The EC2 Query protocol layer against botocore's own serializer and parser.

Requests: params -> botocore's EC2 serializer -> form body -> our parser -> the same params.
Answers:  result -> our serializer -> botocore's EC2 parser -> the same result.
Both for every operation of the EC2 model (one filled-in example each) and for random
params/results generated from the model's shapes (hypothesis).
"""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.awsrequest import AWSRequest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osc_shim.errors import dry_run_error, Ec2Error
from osc_shim.gateway import ec2_model, query_parse, query_serialize
from osc_shim.gateway.query_serialize import _INVALID_XML

MODEL = ec2_model.service_model()
OPS = sorted(MODEL.operation_names)
SERIALIZER = create_serializer("ec2", include_validation=False)
PARSER = create_parser("ec2")
UTC = dt.timezone.utc


def wire_body(operation: str, params: dict) -> str:
    """The exact form body boto3 sends for ``operation(**params)``."""
    request = SERIALIZER.serialize_to_request(params, MODEL.operation_model(operation))
    return AWSRequest(method="POST", url="http://gw/", data=request["body"]).prepare().body


def botocore_parse(operation: str, body: bytes, status: int = 200) -> dict:
    parsed = PARSER.parse({"body": body, "headers": {}, "status_code": status},
                          MODEL.operation_model(operation).output_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def prune(value):
    """What survives the EC2 wire: empty lists and empty structures are not sent."""
    if isinstance(value, dict):
        out = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ({}, [])}
    if isinstance(value, list):
        out = [prune(v) for v in value]
        return [v for v in out if v not in ({}, [])]
    return value


# ------------------------------------------------------------------ filled-in examples --

SAMPLE = {
    "string": "a b&c=d/é+%", "character": "x", "boolean": True, "integer": 42, "long": 2 ** 40,
    "float": 1.5, "double": -2.25, "blob": b"\x00\x01bin\xff",
    "timestamp": dt.datetime(2021, 9, 29, 11, 4, 43, 123000, tzinfo=UTC),
}


def filled(shape, depth: int = 0, seen=()):
    """Every member filled in (recursion cut at a shape already on the path)."""
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            if member.name in seen or depth > 6:
                continue
            out[name] = filled(member, depth + 1, seen + (shape.name,))
        return out
    if kind == "list":
        return [filled(shape.member, depth + 1, seen), filled(shape.member, depth + 1, seen)]
    if kind == "map":
        return {"k1": filled(shape.value, depth + 1, seen)}
    return SAMPLE[kind]


@pytest.mark.parametrize("operation", OPS)
def test_every_operation_request_round_trips(operation):
    shape = MODEL.operation_model(operation).input_shape
    params = filled(shape) if shape is not None else {}
    body = wire_body(operation, params)
    action, parsed = query_parse.parse_request(query_parse.decode_form(body.encode()))
    assert action == operation
    assert parsed == prune(params)


@pytest.mark.parametrize("operation", OPS)
def test_every_operation_answer_parses_with_botocore(operation):
    shape = MODEL.operation_model(operation).output_shape
    result = filled(shape) if shape is not None else {}
    body = query_serialize.serialize_result(operation, result, "req-1")
    parsed = PARSER.parse({"body": body, "headers": {}, "status_code": 200},
                          MODEL.operation_model(operation).output_shape)
    assert parsed.pop("ResponseMetadata")["RequestId"] == "req-1"
    assert parsed == result


# ----------------------------------------------------------------- hypothesis: requests --

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
                    | st.sampled_from("\t\n\r"), max_size=12)


def _survives(value) -> bool:
    return prune({"v": value}) != {}


def _member_strategy(member, side, depth):
    # A member shape can carry its own locationName: always build from the member object.
    return _build(member, side, depth)


def _build(shape, side: str, depth: int):
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        required = set(shape.required_members) if side == "in" else set()
        if depth >= 4:
            optional = {}
        else:
            optional = {n: st.deferred(lambda m=m: _member_strategy(m, side, depth + 1))
                        for n, m in members.items() if n not in required}
        # A required member must survive the wire (an empty list is not sent, so it would be missing).
        return st.fixed_dictionaries({n: _member_strategy(members[n], side, depth + 1).filter(_survives)
                                      for n in required},
                                     optional=optional)
    if kind == "list":
        if depth >= 4:
            return st.just([])
        return st.lists(_member_strategy(shape.member, side, depth + 1), max_size=3)
    if kind == "string":
        return _XML_TEXT if side == "out" else _TEXT
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(-(2 ** 31), 2 ** 31 - 1)
    if kind == "long":
        return st.integers(-(2 ** 63), 2 ** 63 - 1)
    if kind in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=side == "in")
    if kind == "timestamp":
        moments = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2200, 1, 1),
                               timezones=st.just(UTC))
        if side == "out":
            return moments.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
        return moments
    if kind == "blob":
        return st.binary(max_size=16)
    raise AssertionError(kind)


def _params_for(operation: str, side: str):
    om = MODEL.operation_model(operation)
    shape = om.input_shape if side == "in" else om.output_shape
    if shape is None:
        return st.just({})
    return _build(shape, side, 0)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(OPS).flatmap(lambda op: st.tuples(st.just(op), _params_for(op, "in"))))
def test_random_requests_round_trip(case):
    operation, params = case
    body = wire_body(operation, params)
    action, parsed = query_parse.parse_request(query_parse.decode_form(body.encode()))
    assert action == operation
    assert parsed == prune(params)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(OPS).flatmap(lambda op: st.tuples(st.just(op), _params_for(op, "out"))))
def test_random_answers_parse_back(case):
    operation, result = case
    body = query_serialize.serialize_result(operation, result, "rid")
    parsed = botocore_parse(operation, body)
    assert parsed == result


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=200))
def test_any_error_text_parses(code, message):
    err = Ec2Error(code or "X", message, 400)
    parsed = PARSER.parse({"body": query_serialize.serialize_error(err, "r-1"), "headers": {}, "status_code": 400}, None)
    assert parsed["ResponseMetadata"]["RequestId"] == "r-1"
    # Characters XML cannot carry become U+FFFD; everything else comes back as sent.
    assert (parsed["Error"]["Message"] or "") == _INVALID_XML.sub("\ufffd", message)


# ------------------------------------------------------------------------- specifics --

def test_wire_names_follow_the_ec2_rules():
    body = wire_body("DescribeImages", {"ImageIds": ["ami-1", "ami-2"], "Owners": ["self"],
                                        "ExecutableUsers": ["all"],
                                        "Filters": [{"Name": "tag:k", "Values": ["v1", "v2"]}]})
    assert "ImageId.2=ami-2" in body and "Owner.1=self" in body and "ExecutableBy.1=all" in body
    assert "Filter.1.Value.2=v2" in body
    op, params = query_parse.parse_request(query_parse.decode_form(body))
    assert params == {"ImageIds": ["ami-1", "ami-2"], "Owners": ["self"], "ExecutableUsers": ["all"],
                      "Filters": [{"Name": "tag:k", "Values": ["v1", "v2"]}]}


def test_list_items_are_ordered_by_index_not_by_arrival():
    op, params = query_parse.parse_request([("Action", "DescribeImages"), ("ImageId.10", "ami-c"),
                                   ("ImageId.2", "ami-b"), ("ImageId.1", "ami-a")])
    assert params == {"ImageIds": ["ami-a", "ami-b", "ami-c"]}


def test_scalars_are_typed():
    op, params = query_parse.parse_request(query_parse.decode_form(
        "Action=RegisterImage&Name=n&BlockDeviceMapping.1.Ebs.VolumeSize=10"
        "&BlockDeviceMapping.1.Ebs.DeleteOnTermination=TRUE&DryRun=false"))
    assert params == {"Name": "n", "BlockDeviceMappings": [{"Ebs": {"VolumeSize": 10, "DeleteOnTermination": True}}],
                      "DryRun": False}


def test_timestamp_and_blob_inputs():
    op, params = query_parse.parse_request([("Action", "ImportKeyPair"), ("KeyName", "k"),
                                   ("PublicKeyMaterial", "aGVsbG8=")])
    assert params["PublicKeyMaterial"] == b"hello"
    op, params = query_parse.parse_request([("Action", "DescribeSpotPriceHistory"), ("StartTime", "2024-01-31T12:00:00Z")])
    assert params["StartTime"] == dt.datetime(2024, 1, 31, 12, tzinfo=UTC)


@pytest.mark.parametrize("pairs, code, needle", [
    ([], "MissingAction", "missing an action"),
    ([("Version", "2016-11-15")], "MissingAction", "missing an action"),
    ([("Action", "")], "MissingAction", "missing an action"),
    ([("Action", "LaunchMissiles")], "InvalidAction", "LaunchMissiles is not valid"),
    ([("Action", "DescribeImages"), ("Bogus", "1")], "UnknownParameter", "Bogus"),
    ([("Action", "DescribeImages"), ("ImageId.member.1", "ami-1")], "UnknownParameter", "ImageId.member"),
    ([("Action", "DescribeImages"), ("ImageId.0", "ami-1")], "UnknownParameter", "ImageId.0"),
    ([("Action", "DescribeImages"), ("ImageId", "ami-1")], "InvalidParameterValue", "ImageId"),
    ([("Action", "DescribeImages"), ("Filter.1.Name", "a"), ("Filter.1.Nope", "b")], "UnknownParameter",
     "Filter.1.Nope"),
    ([("Action", "DescribeImages"), ("MaxResults", "ten")], "InvalidParameterValue", "MaxResults"),
    ([("Action", "DescribeImages"), ("MaxResults", "99999999999")], "InvalidParameterValue", "out of range"),
    ([("Action", "DescribeImages"), ("DryRun", "yes")], "InvalidParameterValue", "true or false"),
    ([("Action", "DescribeImages"), ("ImageId..1", "x")], "UnknownParameter", "ImageId..1"),
    ([("Action", "DescribeImages"), ("Owner.1", "a"), ("Owner.1", "b")], "InvalidParameterValue", "more than once"),
    ([("Action", "DescribeImages"), ("Owner.1", "a"), ("Owner.1.x", "b")], "UnknownParameter", "Owner.1.x"),
    ([("Action", "DescribeImages"), ("Owner.1.x", "b"), ("Owner.1", "a")], "UnknownParameter", "Owner.1"),
    ([("Action", "DescribeSpotPriceHistory"), ("StartTime", "yesterday")], "InvalidParameterValue", "ISO 8601"),
    ([("Action", "ImportKeyPair"), ("KeyName", "k"), ("PublicKeyMaterial", "@@@")], "InvalidParameterValue",
     "base64"),
    ([("Action", "DeregisterImage")], "MissingParameter", "ImageId"),
    ([("Action", "RegisterImage"), ("BlockDeviceMapping.1.DeviceName", "/dev/sda1")], "MissingParameter", "Name"),
    ([("Action", "CreateTags"), ("ResourceId.1", "ami-1")], "MissingParameter", "Tag"),
])
def test_malformed_requests_are_ec2_errors(pairs, code, needle):
    with pytest.raises(Ec2Error) as info:
        query_parse.parse_request(pairs)
    assert info.value.code == code
    assert needle in info.value.message
    assert info.value.status == 400


def test_bad_form_encoding_is_an_ec2_error():
    with pytest.raises(Ec2Error) as info:
        query_parse.decode_form(b"Action=DescribeImages&Owner.1=%ff%fe")
    assert info.value.code == "InvalidParameterValue"


def test_success_document_shape():
    body = query_serialize.serialize_result("DescribeImages", {"Images": [{"ImageId": "ami-1", "Public": False,
                                                              "Tags": [{"Key": "a<b", "Value": "c&d"}]}],
                                                  "ResponseMetadata": {"RequestId": "ignored"}}, "rid-9")
    text = body.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n'
                           '<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                           '<requestId>rid-9</requestId><imagesSet><item>')
    assert "<isPublic>false</isPublic>" in text and "<key>a&lt;b</key>" in text
    assert botocore_parse("DescribeImages", body) == {
        "Images": [{"ImageId": "ami-1", "Public": False, "Tags": [{"Key": "a<b", "Value": "c&d"}]}]}


def test_timestamps_are_written_as_ec2_writes_them():
    assert query_serialize.format_timestamp(dt.datetime(2021, 9, 29, 11, 4, 43, 987654, tzinfo=UTC)) == "2021-09-29T11:04:43.987Z"
    assert query_serialize.format_timestamp(dt.datetime(2021, 9, 29, 11, 4, 43)) == "2021-09-29T11:04:43.000Z"
    tz = dt.timezone(dt.timedelta(hours=2))
    assert query_serialize.format_timestamp(dt.datetime(2021, 9, 29, 13, 4, 43, tzinfo=tz)) == "2021-09-29T11:04:43.000Z"
    assert query_serialize.format_timestamp("2021-09-29T11:04:43.000Z") == "2021-09-29T11:04:43.000Z"


def test_operations_without_output_answer_return_true():
    body = query_serialize.serialize_result("DeleteTags", {}, "rid")
    assert b"<return>true</return>" in body
    assert botocore_parse("DeleteTags", body) == {}


def test_error_document_and_dry_run():
    body = query_serialize.serialize_error(dry_run_error(), "rid-1")
    assert body.decode().endswith("<Response><Errors><Error><Code>DryRunOperation</Code><Message>Request would have "
                                  "succeeded, but DryRun flag is set.</Message></Error></Errors>"
                                  "<RequestID>rid-1</RequestID></Response>")
    parsed = PARSER.parse({"body": body, "headers": {}, "status_code": dry_run_error().status}, None)
    assert parsed["Error"] == {"Code": "DryRunOperation",
                               "Message": "Request would have succeeded, but DryRun flag is set."}
    assert dry_run_error().status == 412
