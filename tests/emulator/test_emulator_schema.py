"""The spec-driven validator and the error table, without HTTP."""

import importlib.resources

import pytest
import yaml

from osc_emulator import errors, schema


def error_of(action, body):
    err = schema.request_error(action, body)
    return err and (err.code, err.type)


def test_spec_is_parsed_once_and_knows_the_image_actions():
    assert schema.spec() is schema.spec()
    for action in ("CreateImage", "ReadImages", "UpdateImage", "DeleteImage", "CreateTags", "DeleteTags",
                   "CreateSnapshot", "ReadSnapshots", "DeleteSnapshot", "CreateImageExportTask",
                   "ReadImageExportTasks", "DeleteExportTask"):
        assert action in schema.spec().actions


@pytest.mark.parametrize("action, body, expected", [
    ("CreateImage", {"ImageName": "abc", "VmId": "i-12345678"}, None),
    ("CreateImage", {"ImageNam": "abc"}, ("3001", "InvalidParameter")),
    ("CreateImage", {"BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {"Size": 1}}]},
     ("3001", "InvalidParameter")),
    ("ReadImages", {"Filters": {"ImageIdz": []}}, ("3001", "InvalidParameter")),
    ("CreateImage", {"ImageName": 12}, ("4110", "InvalidParameterValue")),
    ("CreateImage", {"DryRun": "yes"}, ("4110", "InvalidParameterValue")),
    ("CreateImage", {"BootModes": ["bios"]}, ("4110", "InvalidParameterValue")),  # enum
    ("CreateImage", {"BlockDeviceMappings": [{"Bsu": {"VolumeSize": 1.5}}]}, ("4110", "InvalidParameterValue")),
    ("CreateImage", {"BlockDeviceMappings": [{"Bsu": {"VolumeSize": True}}]}, ("4110", "InvalidParameterValue")),
    ("ReadImages", {"Filters": {"ImageIds": "ami-12345678"}}, ("4110", "InvalidParameterValue")),
    ("ReadSnapshots", {"Filters": {"FromCreationDate": "yesterday"}}, ("4110", "InvalidParameterValue")),
    ("DeleteImage", {}, ("7000", "MissingParameter")),
    ("CreateTags", {"ResourceIds": ["ami-12345678"], "Tags": [{"Key": "k"}]}, ("7000", "MissingParameter")),
])
def test_request_validation_codes(action, body, expected):
    assert error_of(action, body) == expected


def test_unknown_parameter_wins_over_other_problems_and_is_named():
    err = schema.request_error("CreateImage", {"ImageName": 1, "Bogus": True})
    assert err.code == "3001" and "Bogus" in err.details and "more problem" in err.details


def test_response_problems_catch_what_oapi_could_not_answer():
    assert schema.response_problems("DeleteImage", {"ResponseContext": {"RequestId": "x"}}) == []
    assert schema.response_problems("DeleteImage", {"Image": {}, "ResponseContext": {"RequestId": "x"}})
    assert schema.response_problems("ReadImages", {"Images": [{"ImageId": 3}]})
    assert schema.response_problems("ReadImages", {"Errors": [{"Code": "1"}]}, status=401) == []


def test_fault_table_agrees_with_outscales_error_catalogue():
    catalogue = yaml.load(
        importlib.resources.files("osc_sdk_python").joinpath("resources", "gateway_errors.yaml").read_bytes(),
        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    listed = {str(code): entry for code, entry in catalogue.items()}
    for case, (code, type_) in errors.FAULTS.items():
        if code in listed:
            assert listed[code]["Name"].strip() == case, (case, code)
            assert listed[code]["Type"] == type_, (case, code)
        else:  # the codes the catalogue leaves out (auth, 3xxx, 7000, 4110, 12000, internal)
            assert int(code) < 4000 or int(code) in (4110, 7000, 12000), (case, code)
        assert type_ in errors.STATUS_BY_TYPE
