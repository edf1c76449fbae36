"""Image operations: EC2 RegisterImage and friends as OAPI calls."""

from __future__ import annotations

from .. import presigned
from ..errors import Ec2Error, invalid_value, missing_parameter, unsupported_parameter
from . import devices
from .engine import DRY_RUN, Call, Context, Handled, Map, Refuse, check_members, mapped, require
from .image_checks import BOOT_MODES, DEFAULT_ARCHITECTURE, SRIOV_NET_SUPPORT, check_architecture, check_image_name
from .tags import specification_tables, tag_new_resource, tag_snapshots_of, tag_specifications

REGISTER_IMAGE = {
    "ImageLocation": Handled("FileLocation; a pre-signed URL means the manifest mode, a plain URL the bucket mode"),
    "Name": Map("ImageName"),
    "Description": Map("Description"),
    "Architecture": Handled("Architecture; i386 sent when omitted outside the manifest mode"),
    "RootDeviceName": Handled("RootDeviceName; must be /dev/sda1"),
    "BlockDeviceMappings": Handled("BlockDeviceMappings, Ebs -> Bsu"),
    "DryRun": DRY_RUN,
    "BootMode": Handled("BootModes: legacy-bios -> legacy, uefi -> uefi, uefi-preferred -> uefi + legacy; "
                        "answers show no BootMode for legacy, OUTSCALE's default"),
    "TpmSupport": Handled("TpmMandatory: v2.0 -> true"),
    "TagSpecifications": Handled("image -> CreateTags on the new image; snapshot -> CreateTags on the snapshots "
                                 "CreateImage lists"),
    "VirtualizationType": Handled("OUTSCALE images are hvm: hvm accepted, anything else refused"),
    "KernelId": Refuse("OUTSCALE images boot their own kernel; there are no kernel images (AKI)"),
    "RamdiskId": Refuse("OUTSCALE images boot their own initrd; there are no RAM disk images (ARI)"),
    "SriovNetSupport": Handled("simple accepted, not sent: the only value EC2 defines, and every OUTSCALE image "
                               "is launched with OUTSCALE's own fast virtual NIC, so every image reports it"),
    "EnaSupport": Handled("false accepted, not sent (OUTSCALE VMs have no ENA, which false states); true refused"),
    "BillingProducts": Refuse("OUTSCALE has no billing products; product codes are set with modify-image-attribute"),
    "UefiData": Refuse("OUTSCALE images carry no UEFI variable store"),
    "ImdsSupport": Refuse("OUTSCALE's metadata service has no IMDSv2 switch per image"),
}

# Members the manifest already carries: accepted (the documentation's own example
# passes them) but not sent; the user is told.
FROM_MANIFEST = ("Architecture", "RootDeviceName", "BlockDeviceMappings")
# What the bucket mode without a manifest must be given, since nothing else describes the image.
REQUIRED_WITHOUT_MANIFEST = ("RootDeviceName", "BlockDeviceMappings")
CLI_NAMES = {"Architecture": "--architecture", "RootDeviceName": "--root-device-name",
             "BlockDeviceMappings": "--block-device-mappings"}


def _file_location(location: str, ctx: Context) -> tuple:
    """(FileLocation, is_manifest) for an EC2 ImageLocation."""
    if not presigned.is_url(location):
        # AWS style "bucket/key": the object in the region's OOS.
        if "/" not in location.strip("/"):
            raise invalid_value("ImageLocation", location,
                                "Give a pre-signed URL of a manifest, or an OOS object as https://oos.<region>.outscale.com/<bucket>/<key> or <bucket>/<key>.")
        from ..regions import endpoint
        return f"{endpoint('oos', ctx.region)}/{location.lstrip('/')}", False
    try:
        signed = presigned.is_presigned(location)
    except ValueError as exc:  # the URL does not parse (e.g. an unclosed IPv6 bracket)
        raise invalid_value("ImageLocation", location, f"The URL is malformed: {exc}.") from None
    if not signed:
        return location, False
    try:
        ends = presigned.expiry(location)
    except ValueError as exc:
        raise invalid_value("ImageLocation", presigned.redact(location), f"The pre-signed URL is malformed: {exc}.") from None
    if ends is not None and ends <= ctx.now:
        age = ctx.now - ends
        raise Ec2Error(
            "InvalidParameterValue",
            f"The pre-signed URL given as ImageLocation expired at {ends:%Y-%m-%dT%H:%M:%SZ} "
            f"({age.days} days ago). {presigned.VALIDITY_RULE}")
    return location, True


def check_network_flags(params: dict) -> None:
    """EnaSupport / SriovNetSupport: values stating what OUTSCALE does anyway pass (Terraform always sends
    EnaSupport=false and SriovNetSupport=simple); a value asking for something else is refused."""
    if params.get("EnaSupport"):
        raise unsupported_parameter("EnaSupport", "true: OUTSCALE VMs have no Elastic Network Adapter "
                                    "(false, or leaving it out, is accepted)")
    sriov = params.get("SriovNetSupport")
    if sriov is not None and sriov != SRIOV_NET_SUPPORT:
        raise invalid_value("SriovNetSupport", sriov, f"The only value is {SRIOV_NET_SUPPORT}.")


def register_image(params: dict, ctx: Context):
    check_members("RegisterImage", REGISTER_IMAGE, params)
    require(params, "Name")
    check_image_name(params["Name"])
    vtype = params.get("VirtualizationType")
    if vtype is not None and vtype != "hvm":
        raise invalid_value("VirtualizationType", vtype, "OUTSCALE images are hvm only.")
    tags = tag_specifications(params.get("TagSpecifications"), ("image", "snapshot"), "RegisterImage")

    if params.get("Architecture") is not None:
        check_architecture(params["Architecture"])
    check_network_flags(params)

    body = mapped(REGISTER_IMAGE, params)
    location = params.get("ImageLocation")
    manifest = False
    if location:
        body["FileLocation"], manifest = _file_location(location, ctx)

    if manifest:
        ignored = [CLI_NAMES[m] for m in FROM_MANIFEST if params.get(m)]  # Terraform sends "" for unset
        if ignored:
            ctx.warn(f"{', '.join(ignored)} ignored: the manifest behind the pre-signed --image-location "
                     "describes the image's architecture and devices.")
    else:
        missing = [m for m in REQUIRED_WITHOUT_MANIFEST if not params.get(m)]
        if missing:
            why = ("an unsigned ImageLocation is read without a manifest, so the image must be fully described"
                   if location else "without an ImageLocation the image is registered from snapshots")
            raise missing_parameter(missing[0], f"{why}; missing: {', '.join(missing)}.")
        root = params["RootDeviceName"]
        devices.check_device_name(root, root)
        body["RootDeviceName"] = root
        body["BlockDeviceMappings"] = devices.to_oapi(params["BlockDeviceMappings"], root)
        if not any(b["DeviceName"] == root for b in params["BlockDeviceMappings"]):
            raise Ec2Error("InvalidBlockDeviceMapping", f"No block device mapping is given for the root device {root}.")
        body["Architecture"] = check_architecture(params.get("Architecture") or DEFAULT_ARCHITECTURE)
    mode = params.get("BootMode")
    if mode is not None:
        if mode not in BOOT_MODES:
            raise invalid_value("BootMode", mode, f"Valid values: {', '.join(BOOT_MODES)}.")
        body["BootModes"] = BOOT_MODES[mode]
    if params.get("TpmSupport") is not None:
        if params["TpmSupport"] != "v2.0":
            raise invalid_value("TpmSupport", params["TpmSupport"], "Only v2.0 exists.")
        body["TpmMandatory"] = True

    answer = yield Call("CreateImage", body)
    image_id = answer["Image"]["ImageId"]
    yield from tag_new_resource(image_id, tags.get("image"), "The image")
    yield from tag_snapshots_of(answer, tags.get("snapshot"), ctx, "The image")
    return {"ImageId": image_id}


# -- what this module translates (operations/__init__ collects it) ------------------------------

OPERATIONS = {"RegisterImage": register_image}

# EC2 operation -> the OUTSCALE API calls it becomes (`aws ec2 <operation> help` says it).
BECOMES = {
    "RegisterImage": ("CreateImage (from a bucket with or without a manifest, or from snapshots), "
                      "then CreateTags for --tag-specifications"),
}

MEMBER_TABLES = {
    ("RegisterImage", ()): REGISTER_IMAGE,
    ("RegisterImage", ("BlockDeviceMappings",)): devices.MAPPING_MEMBERS,
    ("RegisterImage", ("BlockDeviceMappings", "Ebs")): devices.EBS_MEMBERS,
    **specification_tables("RegisterImage"),
}
