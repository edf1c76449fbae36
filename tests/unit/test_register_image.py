"""RegisterImage -> CreateImage, driven without I/O."""

import datetime as dt

import pytest

from osc_shim.errors import Ec2Error, OapiError
from osc_shim.operations.engine import Context, drive, run as run_translator
from osc_shim.operations.register_image import register_image

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
FRESH = int(NOW.timestamp()) + 3600
DOC_URL = ("https://oos.eu-west-2.outscale.com/bucket/object?AWSAccessKeyId=A1BC2DE3FGHIJ4LMN567"
           "&Expires=1493971940&Signature=%2FR63JOJcFzNGubLEXckKGVIi8kk%3D")
FRESH_URL = DOC_URL.replace("1493971940", str(FRESH))
SNAP_BDM = [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-12345678", "VolumeSize": 10}}]


def run(params, answers=None, warnings=None):
    """Drive the translator; return (result, calls)."""
    calls = []
    answers = list(answers or [{"Image": {"ImageId": "ami-0000abcd"}}, {}])

    def perform(call):
        calls.append(call)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    ctx = Context(region="eu-west-2", now=NOW, warn=(warnings.append if warnings is not None else lambda m: None))
    return run_translator(register_image, params, ctx, perform), calls


def error_of(params, **kw):
    with pytest.raises(Ec2Error) as info:
        run(params, **kw)
    return info.value


def test_manifest_mode_sends_file_location_name_description_only():
    warnings = []
    result, calls = run({"Name": "Test Image", "Description": "Test", "ImageLocation": FRESH_URL,
                         "Architecture": "x86_64", "RootDeviceName": "/dev/sda1",
                         "BlockDeviceMappings": SNAP_BDM}, warnings=warnings)
    assert result == {"ImageId": "ami-0000abcd"}
    assert [c.action for c in calls] == ["CreateImage"]
    assert calls[0].body == {"ImageName": "Test Image", "Description": "Test", "FileLocation": FRESH_URL}
    assert calls[0].idempotent is False
    # The redundant attributes are not silently dropped: the user is told.
    assert len(warnings) == 1
    for flag in ("--architecture", "--root-device-name", "--block-device-mappings"):
        assert flag in warnings[0]


def test_manifest_mode_still_checks_architecture_value():
    err = error_of({"Name": "abc", "ImageLocation": FRESH_URL, "Architecture": "arm64"})
    assert err.code == "InvalidParameterValue" and "Architecture" in err.message


def test_expired_presigned_url_fails_before_any_call_with_expiry_and_rule():
    calls = []
    with pytest.raises(Ec2Error) as info:
        drive(register_image({"Name": "Test Image", "ImageLocation": DOC_URL}, Context("eu-west-2", NOW)),
              calls.append)
    assert calls == []
    err = info.value
    assert err.code == "InvalidParameterValue"
    assert "2017-05-05T08:12:20Z" in err.message and "seven days" in err.message
    assert "R63JOJ" not in err.message  # the signature is never echoed


def test_a_url_that_does_not_parse_gets_ec2s_error_before_any_call():
    """urlsplit refuses an unclosed IPv6 bracket: that is the caller's bad value, not the shim's bug."""
    calls = []
    with pytest.raises(Ec2Error) as info:
        drive(register_image({"Name": "Test Image", "ImageLocation": "http://[::1"}, Context("eu-west-2", NOW)),
              calls.append)
    assert calls == []
    assert info.value.code == "InvalidParameterValue" and "ImageLocation" in info.value.message


def test_sigv4_presigned_expiry():
    url = ("https://oos.eu-west-2.outscale.com/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20261120"
           "&X-Amz-Date=20261120T000000Z&X-Amz-Expires=604800&X-Amz-Signature=abc")
    err = error_of({"Name": "abc", "ImageLocation": url})
    assert "2026-11-27T00:00:00Z" in err.message
    ok = url.replace("X-Amz-Date=20261120T000000Z", "X-Amz-Date=20261126T000000Z")
    assert run({"Name": "abc", "ImageLocation": ok})[1][0].body["FileLocation"] == ok


def test_bucket_mode_requires_devices_and_defaults_i386():
    err = error_of({"Name": "abc", "ImageLocation": "https://oos.eu-west-2.outscale.com/bucket/disk.qcow2"})
    assert err.code == "MissingParameter" and "RootDeviceName" in err.message and "BlockDeviceMappings" in err.message
    _, calls = run({"Name": "abc", "ImageLocation": "https://oos.eu-west-2.outscale.com/bucket/disk.qcow2",
                    "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": SNAP_BDM})
    body = calls[0].body
    assert body["FileLocation"] == "https://oos.eu-west-2.outscale.com/bucket/disk.qcow2"
    assert body["Architecture"] == "i386"
    assert body["BlockDeviceMappings"] == [{"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": "snap-12345678", "VolumeSize": 10}}]


def test_aws_style_bucket_path_becomes_the_regions_oos_url():
    _, calls = run({"Name": "abc", "ImageLocation": "my-bucket/images/disk.raw",
                    "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": SNAP_BDM})
    assert calls[0].body["FileLocation"] == "https://oos.eu-west-2.outscale.com/my-bucket/images/disk.raw"


def test_snapshot_mode_full_mapping():
    _, calls = run({"Name": "from-snap", "RootDeviceName": "/dev/sda1", "Architecture": "x86_64",
                    "BlockDeviceMappings": [
                        {"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-1", "DeleteOnTermination": False,
                                                             "VolumeType": "io1", "Iops": 3000, "VolumeSize": 10}},
                        {"DeviceName": "/dev/xvdb", "VirtualName": "ephemeral0"},
                    ], "BootMode": "uefi-preferred", "TpmSupport": "v2.0"})
    assert calls[0].body == {
        "ImageName": "from-snap", "RootDeviceName": "/dev/sda1", "Architecture": "x86_64",
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": "snap-1", "DeleteOnVmDeletion": False,
                                                 "VolumeType": "io1", "Iops": 3000, "VolumeSize": 10}},
            {"DeviceName": "/dev/xvdb", "VirtualDeviceName": "ephemeral0"}],
        "BootModes": ["uefi", "legacy"], "TpmMandatory": True}


def test_snapshot_mode_without_architecture_sends_i386():
    _, calls = run({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": SNAP_BDM})
    assert calls[0].body["Architecture"] == "i386"


@pytest.mark.parametrize("member,value", [
    ("KernelId", "aki-1"), ("RamdiskId", "ari-1"), ("EnaSupport", True),
    ("BillingProducts", ["bp-1"]), ("UefiData", "x"), ("ImdsSupport", "v2.0"),
])
def test_members_without_outscale_meaning_are_refused_by_name(member, value):
    err = error_of({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": SNAP_BDM, member: value})
    assert err.code == "InvalidParameter" and member in err.message


def test_values_stating_what_outscale_does_are_accepted_not_sent():
    # What Terraform's aws_ami always sends.
    _, calls = run({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": SNAP_BDM,
                    "EnaSupport": False, "SriovNetSupport": "simple", "VirtualizationType": "hvm"})
    assert not {"EnaSupport", "SriovNetSupport", "VirtualizationType"} & set(calls[0].body)


def test_sriov_other_than_simple_is_invalid():
    err = error_of({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": SNAP_BDM,
                    "SriovNetSupport": "intel"})
    assert err.code == "InvalidParameterValue" and "SriovNetSupport" in err.message


@pytest.mark.parametrize("ebs_member,value", [
    ("Encrypted", True), ("KmsKeyId", "k"), ("Throughput", 125), ("OutpostArn", "arn"),
])
def test_ebs_members_without_bsu_equivalent_are_refused(ebs_member, value):
    bdm = [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-1", ebs_member: value}}]
    err = error_of({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": bdm})
    assert f"BlockDeviceMapping.1.Ebs.{ebs_member}" in err.message


def test_no_device_refused():
    bdm = SNAP_BDM + [{"DeviceName": "/dev/sdb", "NoDevice": ""}]
    assert "NoDevice" in error_of({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": bdm}).message


@pytest.mark.parametrize("vtype", ["gp3", "io2", "st1", "sc1"])
def test_volume_types_outscale_lacks(vtype):
    bdm = [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-1", "VolumeType": vtype}}]
    err = error_of({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": bdm})
    assert err.code == "InvalidParameterValue" and vtype in err.message and "standard | io1 | gp2" in err.message


@pytest.mark.parametrize("ebs,code", [
    ({"VolumeType": "gp2", "Iops": 100}, "InvalidParameterCombination"),
    ({"VolumeType": "io1", "Iops": 20000, "VolumeSize": 100}, "InvalidParameterValue"),
    ({"VolumeType": "io1", "Iops": 3001, "VolumeSize": 10}, "InvalidParameterValue"),
    ({"VolumeType": "io1"}, "MissingParameter"),
])
def test_io1_rules(ebs, code):
    bdm = [{"DeviceName": "/dev/sda1", "Ebs": dict(SnapshotId="snap-1", **ebs)}]
    assert error_of({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": bdm}).code == code


@pytest.mark.parametrize("root,device", [("/dev/xvda", "/dev/xvda"), ("/dev/sda1", "/dev/sda2"),
                                         ("/dev/sda1", "/dev/sdA"), ("/dev/sda1", "/dev/xvdab1")])
def test_device_names(root, device):
    bdm = [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-1"}},
           {"DeviceName": device, "Ebs": {"SnapshotId": "snap-2"}}]
    err = error_of({"Name": "abc", "RootDeviceName": root, "BlockDeviceMappings": bdm})
    assert err.code == "InvalidBlockDeviceMapping"


@pytest.mark.parametrize("name,fragment", [("my [image]", "'['"), ("it's", "\"'\""), ("a@b", "'@'"),
                                           ("ab", "2 characters"), ("x" * 129, "129 characters"),
                                           ("tab\there", "letters")])
def test_names_outscale_refuses(name, fragment):
    err = error_of({"Name": name, "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": SNAP_BDM})
    assert err.code == "InvalidAMIName.Malformed" and fragment in err.message


def test_virtualization_type():
    assert run({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": SNAP_BDM,
                "VirtualizationType": "hvm"})[0]
    err = error_of({"Name": "abc", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": SNAP_BDM,
                    "VirtualizationType": "paravirtual"})
    assert "VirtualizationType" in err.message


def test_dry_run_success_becomes_dry_run_operation():
    err = error_of({"Name": "abc", "ImageLocation": FRESH_URL, "DryRun": True}, answers=[{"ResponseContext": {}}])
    assert (err.code, err.status) == ("DryRunOperation", 412)


def test_tags_go_to_create_tags_and_failure_keeps_image_id():
    tags = [{"ResourceType": "image", "Tags": [{"Key": "env", "Value": "prod"}]}]
    result, calls = run({"Name": "abc", "ImageLocation": FRESH_URL, "TagSpecifications": tags})
    assert result == {"ImageId": "ami-0000abcd"}
    assert calls[1].action == "CreateTags"
    assert calls[1].body == {"ResourceIds": ["ami-0000abcd"], "Tags": [{"Key": "env", "Value": "prod"}]}
    err = error_of({"Name": "abc", "ImageLocation": FRESH_URL, "TagSpecifications": tags},
                   answers=[{"Image": {"ImageId": "ami-0000abcd"}}, OapiError(400, "10041", "TooManyResources", "tag limit")])
    assert err.code == "TagLimitExceeded" and "ami-0000abcd" in err.message


def test_snapshot_tags_go_on_the_images_snapshots():
    tags = [{"ResourceType": "snapshot", "Tags": [{"Key": "a", "Value": "b"}]}]
    answer = {"Image": {"ImageId": "ami-0000abcd", "BlockDeviceMappings": [
        {"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": "snap-0000beef"}}]}}
    _, calls = run({"Name": "abc", "ImageLocation": FRESH_URL, "TagSpecifications": tags}, answers=[answer, {}])
    assert calls[1].body == {"ResourceIds": ["snap-0000beef"], "Tags": [{"Key": "a", "Value": "b"}]}


def test_tag_specification_for_other_resources_refused():
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "a", "Value": "b"}]}]
    err = error_of({"Name": "abc", "ImageLocation": FRESH_URL, "TagSpecifications": tags})
    assert "TagSpecification.1.ResourceType" in err.message


def test_oapi_errors_become_ec2_errors():
    err = error_of({"Name": "abc", "ImageLocation": FRESH_URL},
                   answers=[OapiError(409, "9015", "ResourceConflict", "name already used")])
    assert err.code == "InvalidAMIName.Duplicate"


def test_each_dry_run_raises_a_fresh_error():
    """A shared exception instance would grow its traceback at every dry run a gateway serves."""
    first = error_of({"Name": "abc", "ImageLocation": FRESH_URL, "DryRun": True}, answers=[{"ResponseContext": {}}])
    second = error_of({"Name": "abc", "ImageLocation": FRESH_URL, "DryRun": True}, answers=[{"ResponseContext": {}}])
    assert first is not second and second.code == "DryRunOperation"
