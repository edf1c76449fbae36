"""The EC2 operations the shim translates: collected from the translator modules.

Each module declares what it translates: ``OPERATIONS`` (EC2 operation -> translator) and
``MEMBER_TABLES`` ((operation, path to a structure inside its input) -> member table) and
``BECOMES`` (operation -> the OAPI calls it becomes, in words, for the AWS CLI's help).  Every
member botocore's model gives is Map, Handled or Refuse (tests/lifecycle/test_model_coverage.py),
and docs/mappings.md is generated from here.  Adding an operation to a family touches its module
(translator, table, declaration) and its tests; a new family adds its module to ``MODULES``.
"""

from . import attributes, create_copy_deregister, describe_images, export, register_image, snapshots, tags

MODULES = (register_image, create_copy_deregister, describe_images, attributes, tags, export, snapshots)

OPERATIONS = {name: translate for module in MODULES for name, translate in module.OPERATIONS.items()}
MEMBER_TABLES = {key: table for module in MODULES for key, table in module.MEMBER_TABLES.items()}
# EC2 operation -> what it becomes on OUTSCALE, in words (the AWS CLI's help notes)
BECOMES = {name: text for module in MODULES for name, text in module.BECOMES.items()}
