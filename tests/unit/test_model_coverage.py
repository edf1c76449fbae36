"""Every member botocore's EC2 model gives an operation is mapped, handled or refused.

A member botocore adds in a later release fails this test until someone
decides what OUTSCALE does with it: nothing is dropped silently.
"""

import botocore.session
import pytest

from osc_shim.operations import devices, images
from osc_shim.operations.base import Handled, Map, Refuse

MODEL = botocore.session.get_session().get_service_model("ec2")

# (operation, path to a structure inside its input, member table)
TABLES = [
    ("RegisterImage", (), images.REGISTER_IMAGE),
    ("RegisterImage", ("BlockDeviceMappings",), devices.MAPPING_MEMBERS),
    ("RegisterImage", ("BlockDeviceMappings", "Ebs"), devices.EBS_MEMBERS),
]


def _shape(operation, path):
    shape = MODEL.operation_model(operation).input_shape
    for name in path:
        shape = shape.members[name]
        while shape.type_name == "list":
            shape = shape.member
    return shape


@pytest.mark.parametrize("operation,path,table", TABLES, ids=lambda v: v if isinstance(v, str) else None)
def test_every_model_member_has_a_rule(operation, path, table):
    members = set(_shape(operation, path).members)
    missing = sorted(members - set(table))
    assert not missing, f"{operation} {'.'.join(path)}: no rule for {missing}"
    for name in members:
        assert isinstance(table[name], (Map, Handled, Refuse))


@pytest.mark.parametrize("operation,path,table", TABLES, ids=lambda v: v if isinstance(v, str) else None)
def test_tables_name_only_real_members(operation, path, table):
    assert set(table) <= set(_shape(operation, path).members)
