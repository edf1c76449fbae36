"""The gateway reads the translated operations from a compact copy of botocore's EC2 model.

The copy must describe those operations exactly as the whole model does (the Query parser and
serialiser read every member, location name and flag of it), and every other operation must still
come from the whole model, loaded only when one is asked for.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from osc_shim.gateway import ec2_model, query_parse
from osc_shim.operations import OPERATIONS


def _describe(shape, seen=None) -> object:
    """Everything of a shape the protocol code can read, nested shapes included (recursion cut)."""
    if shape is None:
        return None
    seen = set() if seen is None else seen
    if shape.name in seen:
        return shape.name
    seen = seen | {shape.name}
    out = {"name": shape.name, "type": shape.type_name, "serialization": shape.serialization,
           "metadata": shape.metadata, "required": getattr(shape, "required_members", None)}
    if shape.type_name == "structure":
        out["members"] = {name: _describe(member, seen) for name, member in shape.members.items()}
    elif shape.type_name == "list":
        out["member"] = _describe(shape.member, seen)
    elif shape.type_name == "map":
        out["key"], out["value"] = _describe(shape.key, seen), _describe(shape.value, seen)
    return out


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_a_translated_operation_is_described_as_the_whole_model_does(operation):
    compact = ec2_model.operation_model(operation)
    whole = ec2_model.service_model().operation_model(operation)
    assert compact.service_model is not whole.service_model  # read from the compact copy
    assert _describe(compact.input_shape) == _describe(whole.input_shape)
    assert _describe(compact.output_shape) == _describe(whole.output_shape)
    assert compact.metadata == whole.metadata and compact.http == whole.http


def test_other_operations_come_from_the_whole_model():
    assert ec2_model.operation_names() == frozenset(ec2_model.service_model().operation_names)
    assert len(ec2_model.operation_names()) > 10 * len(OPERATIONS)
    regions = ec2_model.operation_model("DescribeRegions")
    assert regions.service_model is ec2_model.service_model().operation_model("DescribeRegions").service_model
    assert ec2_model.api_version() == ec2_model.service_model().api_version


def test_starting_the_gateway_does_not_keep_the_whole_model():
    """Starting the gateway, a translated request, and a forwarded one signed in its headers (the
    SDKs' way) never load the whole model."""
    script = (
        "from botocore.credentials import Credentials\n"
        "from osc_shim.gateway.app import Gateway, GatewayConfig\n"
        "from osc_shim.gateway import ec2_model, query_parse, query_serialize\n"
        "Gateway(GatewayConfig(region='eu-west-2', credentials=Credentials('AK', 'SK'), forward=False))\n"
        "action, rest = query_parse.split_action([('Action', 'DescribeImages'), ('Owner.1', 'self')])\n"
        "query_parse.parse_params(action, rest)\n"
        "query_serialize.serialize_result('DescribeImages', {'Images': []}, 'r')\n"
        "assert query_parse.split_action([('Action', 'DescribeRegions'), ('RegionName.1', 'x')])[0] == 'DescribeRegions'\n"
        "print(ec2_model.service_model.cache_info().currsize)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "0"


def test_a_query_signed_forwarded_request_loses_its_authentication_keys_only():
    """Signed in its query string, a request's authentication keys are not parameters (the whole
    model is read then, to keep an input member of such a name: none of EC2's has one today)."""
    action, rest = query_parse.split_action([
        ("Action", "DescribeRegions"), ("Version", "2016-11-15"), ("RegionName.1", "eu-west-2"),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Signature", "abc"), ("AWSAccessKeyId", "AK"),
        ("Signature", "abc"), ("Expires", "2030-01-01T00:00:00Z")])
    assert action == "DescribeRegions" and rest == [("RegionName.1", "eu-west-2")]
