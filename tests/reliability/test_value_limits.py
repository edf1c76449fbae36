"""Values bounded before anything is sent (issue 10): one table (``operations/limits.py``) for every
operation, EC2's error, a short prefix of the value in the message; OAPI's 413 and non-JSON answers
become EC2 codes."""

from __future__ import annotations

import json
import subprocess
import urllib.parse

import pytest

from reliability_env import AWS, REGION, clean_env, credentials
from reliability_props import Cloud, GatewayUnderTest, input_shape, operations, valid_params

MESSAGE_MOST = 400  # an error about a huge value stays a one-liner


def string_paths(shape, path=()):
    """Every (member path without list positions, example params builder) of a string member."""
    kind = shape.type_name
    if kind == "string":
        yield path
    elif kind == "structure":
        for name, member in shape.members.items():
            yield from string_paths(member, path + (name,))
    elif kind == "list":
        yield from (p for p in string_paths(shape.member, path))


def params_at(shape, path, value):
    """The smallest params putting ``value`` at ``path``."""
    if not path:
        return value
    member = shape.members[path[0]]
    inner = member.member if member.type_name == "list" else member
    node = params_at(inner, path[1:], value) if inner.type_name == "structure" else value
    return {path[0]: [node] if member.type_name == "list" else node}


def limited_members():
    from osc_shim.operations import limits

    for operation in operations():
        shape = input_shape(operation)
        for path in string_paths(shape):
            rule = limits.limit_for(operation, path)
            if rule is not None:
                yield operation, path, rule


CASES = list(limited_members())


def test_the_table_reaches_the_members_it_names():
    from osc_shim.operations import limits

    reached = {rule for _, _, rule in CASES}
    assert reached == set(limits.LIMITS), set(limits.LIMITS) - reached
    described = {(op, p) for op, p, _ in CASES}
    for op in ("RegisterImage", "CreateImage", "CopyImage"):
        assert (op, ("Name",)) in described and (op, ("Description",)) in described
    assert ("CreateTags", ("Tags", "Value")) in described
    assert ("ModifyImageAttribute", ("Description", "Value")) in described


@pytest.mark.parametrize("operation,path,rule", CASES, ids=lambda v: ".".join(v) if isinstance(v, tuple) else
                         (v if isinstance(v, str) else ""))
def test_every_limited_member_is_refused_one_past_its_limit_and_nothing_is_sent(operation, path, rule):
    from osc_shim import core
    from osc_shim.errors import Ec2Error

    from reliability_env import InProcessOapi

    oapi = InProcessOapi()
    params = dict(valid_params(operation))
    over = params_at(input_shape(operation), path, "x" * (rule.most + 1))
    params[path[0]] = over[path[0]]
    with pytest.raises(Ec2Error) as err:
        core.call(operation, params, region=REGION, client=oapi)
    assert err.value.code == rule.code, err.value.message
    assert path[-1] in err.value.message and f"{rule.most + 1} characters" in err.value.message
    assert len(err.value.message) < MESSAGE_MOST and "x" * 65 not in err.value.message
    assert oapi.actions == []  # refused before any OAPI call
    # and the limit itself is allowed by the table
    at = params_at(input_shape(operation), path, "x" * rule.most)
    from osc_shim.operations import limits

    limits.check(operation, at)


def test_any_other_string_is_bounded_too():
    from osc_shim.errors import Ec2Error
    from osc_shim.operations import limits

    with pytest.raises(Ec2Error) as err:
        limits.check("RegisterImage", {"ImageLocation": "u" * (limits.ANY_STRING + 1)})
    assert err.value.code == "InvalidParameterValue" and "ImageLocation" in err.value.message
    assert len(err.value.message) < MESSAGE_MOST


@pytest.fixture(scope="module")
def gateway():
    return GatewayUnderTest(Cloud())


def test_the_gateway_refuses_a_900000_character_description(gateway):
    body = urllib.parse.urlencode({"Action": "RegisterImage", "Version": "2016-11-15", "Name": "big description",
                                   "RootDeviceName": "/dev/sda1", "BlockDeviceMapping.1.DeviceName": "/dev/sda1",
                                   "BlockDeviceMapping.1.Ebs.SnapshotId": "snap-12345678",
                                   "Description": "d" * 900_000}).encode()
    status, _, answer = gateway.request(body)
    assert status == 400 and b"<Code>InvalidParameterValue</Code>" in answer, answer[:300]
    assert len(answer) < 1000 and gateway.current.actions == []


def test_a_key_with_100k_dots_gets_a_short_error(gateway):
    body = b"Action=DescribeImages&Version=2016-11-15&Filter" + b"." * 100_000 + b"x=1"
    status, _, answer = gateway.request(body)
    assert status == 400 and b"<Code>UnknownParameter</Code>" in answer, answer[:300]
    assert len(answer) < 1000, len(answer)
    body = b"Action=DescribeImages&Version=2016-11-15&" + b"K" * 200_000 + b"=1"
    status, _, answer = gateway.request(body)
    assert status == 400 and len(answer) < 1000, (status, len(answer))


@pytest.mark.parametrize("status,code", [(413, "InvalidParameterValue"), (403, "Unavailable"),
                                         (502, "Unavailable")])
def test_oapi_413_and_non_json_answers_become_ec2_codes(emu, fast, status, code):
    from osc_shim import core
    from osc_shim.errors import Ec2Error

    emu.inject("not-json", "ReadImages", times=None, status=status)
    with pytest.raises(Ec2Error) as err:
        core.call("DescribeImages", {"Owners": ["self"]}, region=emu.region, credentials=credentials())
    assert err.value.code == code and err.value.code != "InvalidResponse", err.value.message
    assert f"HTTP {status}" in err.value.message


def test_the_cli_refuses_a_5_mb_description_and_name_with_a_short_error(emu, tmp_path):
    if not AWS.exists():
        pytest.skip("aws v1 is not installed")
    from test_reconcile_cli import Aws

    aws = Aws(tmp_path / "home", emu)
    big = tmp_path / "big.txt"
    big.write_text("D" * 5_000_000)
    for option in ("--description", "--name"):
        args = ["ec2", "register-image", "--name", "five megabytes", "--root-device-name", "/dev/sda1",
                "--block-device-mappings", json.dumps([{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-1"}}])]
        args += [option, f"file://{big}"]
        done = aws(*args)
        assert done.returncode != 0 and "Traceback" not in done.stderr
        expected = "InvalidParameterValue" if option == "--description" else "InvalidAMIName.Malformed"
        assert f"({expected})" in done.stderr, done.stderr[:500]
        assert len(done.stderr) < 1000, len(done.stderr)
