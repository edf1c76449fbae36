"""EC2 operation name -> translator.  The one list of what the shim translates."""

from . import attributes, describe, devices, export, images, lifecycle, tags

OPERATIONS = {
    "RegisterImage": images.register_image,
    # the image lifecycle around it (issue 4)
    "CreateImage": lifecycle.create_image,
    "CopyImage": lifecycle.copy_image,
    "DeregisterImage": lifecycle.deregister_image,
    "DescribeImages": describe.describe_images,
    "ModifyImageAttribute": attributes.modify_image_attribute,
    "DescribeImageAttribute": attributes.describe_image_attribute,
    "ResetImageAttribute": attributes.reset_image_attribute,
    "CreateTags": tags.create_tags,
    "DeleteTags": tags.delete_tags,
    "ExportImage": export.export_image,
    "DescribeExportImageTasks": export.describe_export_image_tasks,
    "CancelExportTask": export.cancel_export_task,
}

# (operation, path to a structure inside its input) -> member table: every member
# botocore's model gives is Map, Handled or Refuse (tests/lifecycle/test_model_coverage.py),
# and docs/mappings.md is generated from here.
MEMBER_TABLES = {
    ("RegisterImage", ()): images.REGISTER_IMAGE,
    ("RegisterImage", ("BlockDeviceMappings",)): devices.MAPPING_MEMBERS,
    ("RegisterImage", ("BlockDeviceMappings", "Ebs")): devices.EBS_MEMBERS,
    ("RegisterImage", ("TagSpecifications",)): tags.TAG_SPECIFICATION_MEMBERS,
    ("RegisterImage", ("TagSpecifications", "Tags")): tags.TAG_MEMBERS,
    ("CreateImage", ()): lifecycle.CREATE_IMAGE,
    ("CreateImage", ("TagSpecifications",)): tags.TAG_SPECIFICATION_MEMBERS,
    ("CreateImage", ("TagSpecifications", "Tags")): tags.TAG_MEMBERS,
    ("CopyImage", ()): lifecycle.COPY_IMAGE,
    ("CopyImage", ("TagSpecifications",)): tags.TAG_SPECIFICATION_MEMBERS,
    ("CopyImage", ("TagSpecifications", "Tags")): tags.TAG_MEMBERS,
    ("DeregisterImage", ()): lifecycle.DEREGISTER_IMAGE,
    ("DescribeImages", ()): describe.DESCRIBE_IMAGES,
    ("DescribeImages", ("Filters",)): describe.FILTER_MEMBERS,
    ("ModifyImageAttribute", ()): attributes.MODIFY_IMAGE_ATTRIBUTE,
    ("ModifyImageAttribute", ("Description",)): attributes.ATTRIBUTE_VALUE,
    ("ModifyImageAttribute", ("LaunchPermission",)): attributes.LAUNCH_PERMISSION_MODIFICATIONS,
    ("ModifyImageAttribute", ("LaunchPermission", "Add")): attributes.LAUNCH_PERMISSION,
    ("ModifyImageAttribute", ("LaunchPermission", "Remove")): attributes.LAUNCH_PERMISSION,
    ("DescribeImageAttribute", ()): attributes.DESCRIBE_IMAGE_ATTRIBUTE,
    ("ResetImageAttribute", ()): attributes.RESET_IMAGE_ATTRIBUTE,
    ("CreateTags", ()): tags.CREATE_TAGS,
    ("CreateTags", ("Tags",)): tags.TAG_MEMBERS,
    ("DeleteTags", ()): tags.DELETE_TAGS,
    ("DeleteTags", ("Tags",)): tags.TAG_MEMBERS,
    ("ExportImage", ()): export.EXPORT_IMAGE,
    ("ExportImage", ("S3ExportLocation",)): export.S3_EXPORT_LOCATION,
    ("ExportImage", ("TagSpecifications",)): tags.TAG_SPECIFICATION_MEMBERS,
    ("ExportImage", ("TagSpecifications", "Tags")): tags.TAG_MEMBERS,
    ("DescribeExportImageTasks", ()): export.DESCRIBE_EXPORT_IMAGE_TASKS,
    ("DescribeExportImageTasks", ("Filters",)): describe.FILTER_MEMBERS,
    ("CancelExportTask", ()): export.CANCEL_EXPORT_TASK,
}
