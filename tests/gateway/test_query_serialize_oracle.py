"""The compiled EC2 XML writers answer byte for byte what the serialiser answered before them.

``reference_query_serialize`` is that serialiser, kept verbatim.  Results are generated from the
EC2 model's output shapes (every operation), with what makes a serialiser go wrong: text to escape
and characters XML cannot carry, empty lists and strings, booleans as bools and as strings,
timestamps as datetimes, epochs and strings, integers as strings, nested structures, None values,
members the model does not know, and dicts whose members come in different orders (each order a
compiled function of its own; past ``MAX_ORDERS`` orders, the generic loop).
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from osc_shim.gateway import query_serialize as qs
from osc_shim.gateway.ec2_model import operation_model, service_model

import reference_query_serialize as reference

MODEL = service_model()
OPS = sorted(MODEL.operation_names)
UTC = dt.timezone.utc
TEXTS = ["", "plain", "a & b", "<tag>", "x > y", "line\r\nbreak", "nul\x00ctl\x1f", "\ud800half", "\ufffe",
         "é ü 漢字", "ami-12345678", "  spaced  ", "'quotes\"", "&amp;"]


def value_for(shape, rng: random.Random, depth: int = 0):
    kind = shape.type_name
    if kind == "structure":
        if depth > 4:
            return {}
        names = list(shape.members)
        rng.shuffle(names)
        out = {}
        for name in names[:rng.randint(0, len(names))]:
            out[name] = None if rng.random() < 0.1 else value_for(shape.members[name], rng, depth + 1)
        if rng.random() < 0.2:
            out["NotInTheModel"] = "dropped"
        return out
    if kind == "list":
        return [value_for(shape.member, rng, depth + 1) for _ in range(rng.choice((0, 0, 1, 2, 3)))]
    if kind == "map":
        return {rng.choice(TEXTS): value_for(shape.value, rng, depth + 1) for _ in range(rng.randint(0, 2))}
    if kind in ("string", "character"):
        return rng.choice(TEXTS) if rng.random() < 0.9 else rng.randint(-5, 5)  # a number where text goes
    if kind == "boolean":
        return rng.choice([True, False, "true", "FALSE", "yes", 0, 1])
    if kind in ("integer", "long"):
        return rng.choice([0, -1, 2 ** 31 - 1, 7, "42", True])
    if kind in ("float", "double"):
        return rng.choice([0.5, -1.25, 3, float("inf"), float("-inf"), float("nan"), "2.5"])
    if kind == "timestamp":
        return rng.choice([dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC), dt.datetime(2021, 1, 1, 12),
                           dt.date(2020, 5, 17), 1700000000, 1.5e9, "2021-09-29T11:04:43.000Z"])
    if kind == "blob":
        return rng.choice([b"", b"\x00\xffbytes", "text"])
    raise AssertionError(kind)


def both(operation: str, result):
    return (qs.serialize_result(operation, result, "rid-&<1>"),
            reference.serialize_result(operation, result, "rid-&<1>"))


@pytest.mark.parametrize("operation", OPS)
def test_every_operation_random_results(operation):
    shape = MODEL.operation_model(operation).output_shape
    rng = random.Random(operation)
    for _ in range(8 if shape is not None else 1):
        result = value_for(shape, rng) if shape is not None else {}
        ours, theirs = both(operation, result)
        assert ours == theirs


def test_a_thousand_images_in_one_answer():
    rng = random.Random(1000)
    image_shape = MODEL.shape_for("Image")
    images = [value_for(image_shape, rng) for _ in range(1000)]
    ours, theirs = both("DescribeImages", {"Images": images})
    assert ours == theirs


def test_many_member_orders_fall_back_to_the_generic_loop():
    """More orders than ``MAX_ORDERS`` for one shape: the writer stops compiling, the bytes stay the same."""
    names = ["ImageId", "Name", "Description", "Public", "CreationDate", "Tags", "State", "Architecture"]
    rng = random.Random(7)
    images = []
    for i in range(qs.MAX_ORDERS * 3):
        rng.shuffle(names)
        values = {"ImageId": f"ami-{i:08x}", "Name": "n&<>", "Description": "", "Public": i % 2 == 0,
                  "CreationDate": "2021-01-01T00:00:00.000Z", "Tags": [{"Key": "k", "Value": "v"}] * (i % 3),
                  "State": "available", "Architecture": None}
        images.append({name: values[name] for name in names})
    ours, theirs = both("DescribeImages", {"Images": images})
    assert ours == theirs
    image = operation_model("DescribeImages").output_shape.members["Images"].member  # the shape the writer reads
    assert len(qs._writer(image).orders) == qs.MAX_ORDERS


@pytest.mark.parametrize("bad", [{"Images": "not a list"}, {"Images": [1]}, {"Images": [{"StateReason": "text"}]},
                                 {"Images": [{"BlockDeviceMappings": {"DeviceName": "x"}}]}])
def test_wrong_types_raise_the_same_errors(bad):
    with pytest.raises(TypeError) as ours:
        qs.serialize_result("DescribeImages", bad, "r")
    with pytest.raises(TypeError) as theirs:
        reference.serialize_result("DescribeImages", bad, "r")
    assert str(ours.value) == str(theirs.value)


def test_member_names_and_tags_are_never_source_text():
    """Keys that look like code are data to the compiled writers (they are constants of a namespace)."""
    result = {"Images": [{"ImageId": "x')\nraise SystemExit('", "Name\")\nimport os#": "kept out"}]}
    ours, theirs = both("DescribeImages", result)
    assert ours == theirs


def test_strings_checked_at_once_and_member_by_member_write_the_same():
    """A structure's string members are checked for escaping in one search; one member to escape, anywhere,
    sends the dict to the member-by-member writer."""
    plain = {"ImageId": "ami-12345678", "Name": "plain", "Description": "text", "ImageLocation": "a/b",
             "State": "available", "OwnerId": "123456789012"}
    images = [dict(plain)]
    for name in plain:
        for text in TEXTS + [7, None, "\U0001f600 astral"]:
            images.append(dict(plain, **{name: text}))
    ours, theirs = both("DescribeImages", {"Images": images})
    assert ours == theirs
