"""Every input member of every operation the shim translates is mapped, handled or refused.

For each operation in ``OPERATIONS`` the test walks botocore's input shape:
every member must have a rule in the operation's member table, and every
nested structure below a member that is not refused must have its own table
(unless listed in ``UNTABLED`` with the reason).  Both botocore copies are
checked: the top-level one (boto3, the gateway) and the AWS CLI's bundled one
(``awscli/botocore``, what the plugin runs against), which can differ by a
release.  A member botocore adds later fails here until someone decides what
OUTSCALE does with it: nothing is dropped silently.
"""

from __future__ import annotations

import json
import pathlib

import botocore.model
import botocore.session
import pytest

from osc_shim.operations import MEMBER_TABLES as TABLES
from osc_shim.operations import OPERATIONS
from osc_shim.operations.engine import Handled, Map, Refuse



def _models():
    top = botocore.session.get_session().get_service_model("ec2")
    models = [("botocore", top)]
    import awscli  # noqa: F401  (only to find its bundled data)

    bundled = pathlib.Path(awscli.__file__).parent / "botocore" / "data" / "ec2"
    files = sorted(bundled.glob("*/service-2.json"))
    if files:
        models.append(("awscli-botocore", botocore.model.ServiceModel(json.loads(files[-1].read_text()), "ec2")))
    return models


MODELS = _models()


def _structure(shape):
    while shape.type_name == "list":
        shape = shape.member
    return shape if shape.type_name == "structure" else None


def _shape(model, operation, path):
    shape = model.operation_model(operation).input_shape
    for name in path:
        shape = _structure(shape.members[name])
    return shape


def _reachable(model, operation):
    """Every (path, structure shape) a table must cover: the input, and the structures below
    members whose rule is not Refuse."""
    out = []
    todo = [((), model.operation_model(operation).input_shape)]
    while todo:
        path, shape = todo.pop()
        out.append((path, shape))
        table = TABLES.get((operation, path))
        if table is None:
            continue
        for name, member in shape.members.items():
            rule = table.get(name)
            nested = _structure(member)
            if nested is not None and rule is not None and not isinstance(rule, Refuse):
                todo.append((path + (name,), nested))
    return out


CASES = [(label, model, op) for label, model in MODELS for op in sorted(OPERATIONS)]


@pytest.mark.parametrize("label,model,operation", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_every_member_of_every_translated_operation_has_a_rule(label, model, operation):
    problems = []
    for path, shape in _reachable(model, operation):
        table = TABLES.get((operation, path))
        if table is None:
            problems.append(f"{operation}.{'.'.join(path)}: no member table")
            continue
        missing = sorted(set(shape.members) - set(table))
        if missing:
            problems.append(f"{operation}.{'.'.join(path) or '(input)'}: no rule for {missing}")
        for name in shape.members:
            if name in table and not isinstance(table[name], (Map, Handled, Refuse)):
                problems.append(f"{operation}.{name}: rule is {table[name]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("key", sorted(TABLES), ids=lambda k: f"{k[0]}.{'.'.join(k[1]) or 'input'}")
def test_tables_name_only_real_members(key):
    operation, path = key
    model = MODELS[0][1]
    assert set(TABLES[key]) <= set(_shape(model, operation, path).members)


def test_every_translated_operation_has_a_table():
    assert {op for op, path in TABLES if path == ()} == set(OPERATIONS)


def test_refusals_say_why():
    for table in TABLES.values():
        for name, rule in table.items():
            text = getattr(rule, "reason", None) or getattr(rule, "note", None) or getattr(rule, "target", None)
            assert text, f"{name}: a rule must say what happens"
