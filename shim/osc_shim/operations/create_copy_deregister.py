"""CreateImage (from an instance), CopyImage, DeregisterImage -> OAPI CreateImage / DeleteImage."""

from __future__ import annotations

from ..errors import invalid_value, unsupported_parameter
from .engine import DRY_RUN, Call, Context, Handled, Map, Refuse, check_members, mapped, require
from .image_checks import check_image_name
from .ec2_image import call_on, check_id
from .reads import read_image
from .tags import specification_tables, tag_new_resource, tag_snapshots_of, tag_specifications

CREATE_IMAGE = {
    "InstanceId": Map("VmId"),
    "Name": Map("ImageName"),
    "Description": Map("Description"),
    "NoReboot": Map("NoReboot"),
    "DryRun": DRY_RUN,
    "TagSpecifications": Handled("image -> CreateTags on the new image; snapshot -> CreateTags on the snapshots "
                                 "CreateImage lists"),
    "BlockDeviceMappings": Refuse("OUTSCALE makes the image from the VM's volumes as they are; "
                                  "block device mappings cannot add or change them"),
    "SnapshotLocation": Handled("regional accepted (OUTSCALE keeps snapshots in the region); local refused"),
    "BootModeOverride": Refuse("an OUTSCALE image keeps the boot modes of its VM"),
}

COPY_IMAGE = {
    "SourceImageId": Map("SourceImageId"),
    "SourceRegion": Handled("the same region: SourceRegionName; another region: export to the transfer bucket, "
                            "pre-sign the manifest, CreateImage with FileLocation there (AWS CLI only)"),
    "Name": Map("ImageName"),
    "Description": Map("Description"),
    "ClientToken": Handled("same region: accepted (boto3 fills it in), OAPI's CreateImage takes no idempotency "
                           "token and the shim never re-sends a CreateImage; another region: kept as the "
                           "osc-shim:client-token tag of the copy, so a re-run answers the same image"),
    "Encrypted": Handled("false accepted; true refused: OUTSCALE images are not encrypted"),
    "KmsKeyId": Refuse("OUTSCALE images are not encrypted with KMS keys"),
    "DestinationOutpostArn": Refuse("OUTSCALE has no Outposts"),
    "CopyImageTags": Handled("the source image's tags (ReadImages) put on the copy with CreateTags"),
    "TagSpecifications": Handled("image -> CreateTags on the copy; snapshot -> CreateTags on its snapshots"),
    "SnapshotCopyCompletionDurationMinutes": Refuse("OUTSCALE has no time-based image copies"),
    "DestinationAvailabilityZone": Refuse("an OUTSCALE image belongs to a region, not to a Subregion"),
    "DestinationAvailabilityZoneId": Refuse("an OUTSCALE image belongs to a region, not to a Subregion"),
    "DryRun": DRY_RUN,
}

DEREGISTER_IMAGE = {
    "ImageId": Handled("DeleteImage ImageId; remembered as deregistered (osc_shim.deregistered): deregistering "
                       "it again is InvalidAMIID.Unavailable, as on EC2"),
    "DeleteAssociatedSnapshots": Handled("false accepted; true refused: delete the snapshots with "
                                         "delete-snapshot after deregistering"),
    "DryRun": DRY_RUN,
}

TAGGABLE = ("image", "snapshot")


def _create(body: dict, params: dict, tags: dict, ctx: Context, what: str, source_id: str):
    """Sub-generator shared by CreateImage and CopyImage: create, then tag; returns EC2's answer.

    Errors about the source (VM or image) are worded as EC2 words them.
    """
    answer = yield from call_on(Call("CreateImage", body), source_id)
    image_id = answer["Image"]["ImageId"]
    yield from tag_new_resource(image_id, tags.get("image"), "The image")
    yield from tag_snapshots_of(answer, tags.get("snapshot"), ctx, what)
    return {"ImageId": image_id}


def create_image(params: dict, ctx: Context):
    check_members("CreateImage", CREATE_IMAGE, params)
    require(params, "InstanceId")
    check_id(params["InstanceId"], "i-")
    require(params, "Name")
    check_image_name(params["Name"])
    location = params.get("SnapshotLocation")
    if location not in (None, "regional"):
        raise unsupported_parameter("SnapshotLocation", f"{location}: OUTSCALE keeps image snapshots in the region "
                                    "(only regional exists); there are no Local Zones or Outposts")
    tags = tag_specifications(params.get("TagSpecifications"), TAGGABLE, "CreateImage")
    body = mapped(CREATE_IMAGE, params)
    result = yield from _create(body, params, tags, ctx, "The image", params["InstanceId"])
    return result


def check_copy(params: dict) -> dict:
    """CopyImage's member checks (same region or across regions); the TagSpecifications tags."""
    check_members("CopyImage", COPY_IMAGE, params)
    require(params, "SourceImageId", "SourceRegion", "Name")
    check_id(params["SourceImageId"], "ami-")
    check_image_name(params["Name"])
    if params.get("Encrypted"):
        raise unsupported_parameter("Encrypted", "OUTSCALE images and their snapshots are not encrypted")
    return tag_specifications(params.get("TagSpecifications"), TAGGABLE, "CopyImage")


def copy_image(params: dict, ctx: Context):
    """The same-region copy (OAPI's own); another --source-region is operations.copy_across_regions."""
    tags = check_copy(params)
    source_region = params["SourceRegion"]
    if source_region != ctx.region:
        raise invalid_value(
            "SourceRegion", source_region,
            f"here images are copied only within your own region ({ctx.region}). Copy across regions with the "
            "AWS CLI and the plugin: aws ec2 copy-image --source-region SOURCE --region DESTINATION (it exports, "
            "pre-signs and imports), or by hand: export-image, then register-image --image-location with the "
            "pre-signed manifest.")
    if params.get("CopyImageTags") and not ctx.dry_run:  # a dry run checks the copy itself
        source = yield from read_image(params["SourceImageId"])
        own = {t["Key"] for t in tags.get("image", [])}
        copied = [{"Key": t["Key"], "Value": t.get("Value", "")} for t in source.get("Tags") or []
                  if t.get("Key") not in own]
        tags["image"] = copied + tags.get("image", [])
    body = mapped(COPY_IMAGE, params)
    body["SourceRegionName"] = source_region
    result = yield from _create(body, params, tags, ctx, "The copy", params["SourceImageId"])
    return result


def deregister_image(params: dict, ctx: Context):
    check_members("DeregisterImage", DEREGISTER_IMAGE, params)
    require(params, "ImageId")
    image_id = check_id(params["ImageId"], "ami-")
    if params.get("DeleteAssociatedSnapshots"):
        raise unsupported_parameter("DeleteAssociatedSnapshots",
                                    "deregister the image, then delete its snapshots with delete-snapshot")
    body = {"ImageId": image_id}
    yield from call_on(Call("DeleteImage", body, idempotent=True), image_id, ctx.deregistered)
    if ctx.deregistered is not None:
        ctx.deregistered.add(image_id)
    return {"Return": True}


# -- what this module translates (operations/__init__ collects it) ------------------------------

OPERATIONS = {"CreateImage": create_image, "CopyImage": copy_image, "DeregisterImage": deregister_image}

# EC2 operation -> the OUTSCALE API calls it becomes (`aws ec2 <operation> help` says it).
BECOMES = {
    "CreateImage": "CreateImage with VmId, then CreateTags for --tag-specifications",
    "CopyImage": "CreateImage with SourceImageId (within the region), then CreateTags for --tag-specifications",
    "DeregisterImage": "DeleteImage",
}

MEMBER_TABLES = {
    ("CreateImage", ()): CREATE_IMAGE,
    **specification_tables("CreateImage"),
    ("CopyImage", ()): COPY_IMAGE,
    **specification_tables("CopyImage"),
    ("DeregisterImage", ()): DEREGISTER_IMAGE,
}
