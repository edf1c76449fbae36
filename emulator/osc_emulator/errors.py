"""The errors the emulator answers: OAPI's (ApiError, the FAULTS table) and its FCU face's (Ec2Error).

Every error case is a row of ``FAULTS``: case -> (HTTP status, Code, Type).  The
case names are the ``Name`` of the code in OUTSCALE's ``gateway_errors.yaml``
(osc-sdk-python) where one exists, so a test can hold the table to that
catalogue; the few codes that catalogue does not list (auth 1, 3001/3002, 7000,
4110, 12000) come from OUTSCALE's documentation and the project reference.
"""

from __future__ import annotations

# HTTP status per OAPI error Type.  OAPI answers "not found" with 400 too; 409 for
# ResourceConflict follows the statuses OAPI's spec lists for conflicting calls.
STATUS_BY_TYPE = {
    "AccessDenied": 401,
    "InvalidAction": 404,
    "InvalidParameter": 400,
    "InvalidParameterValue": 400,
    "MissingParameter": 400,
    "InvalidResource": 400,
    "InvalidState": 400,
    "ResourceConflict": 409,
    "TooManyResources (QuotaExceded)": 400,
    "InternalError": 500,
}

# case -> (Code, Type)
FAULTS = {
    # Outside gateway_errors.yaml.
    "access-denied": ("1", "AccessDenied"),
    "unknown-parameter": ("3001", "InvalidParameter"),
    "incompatible-parameters": ("3002", "InvalidParameter"),
    "missing-parameter": ("7000", "MissingParameter"),
    "invalid-parameter-type": ("4110", "InvalidParameterValue"),  # wrong JSON type / enum / format
    "invalid-action": ("12000", "InvalidAction"),
    "internal-error": ("2000", "InternalError"),
    # From gateway_errors.yaml.
    "architecture-mismatch": ("4001", "InvalidParameterValue"),
    "bucket-not-found": ("4002", "InvalidParameterValue"),
    "invalid-bdm": ("4011", "InvalidParameterValue"),
    "invalid-device-name": ("4019", "InvalidParameterValue"),
    "invalid-image-name": ("4026", "InvalidParameterValue"),
    "invalid-iops": ("4029", "InvalidParameterValue"),
    "invalid-manifest": ("4040", "InvalidParameterValue"),
    "invalid-manifest-format": ("4041", "InvalidParameterValue"),
    "invalid-parameter": ("4045", "InvalidParameterValue"),
    "invalid-parameter-value": ("4047", "InvalidParameterValue"),
    "invalid-root-mapping": ("4057", "InvalidParameterValue"),
    "invalid-tag-key": ("4069", "InvalidParameterValue"),
    "invalid-tag-value-length": ("4071", "InvalidParameterValue"),
    "invalid-type": ("4073", "InvalidParameterValue"),
    "invalid-url": ("4074", "InvalidParameterValue"),
    "invalid-url-format": ("4075", "InvalidParameterValue"),
    "invalid-virtual-name": ("4076", "InvalidParameterValue"),
    "invalid-volume-size": ("4078", "InvalidParameterValue"),
    "unknown-export-version": ("4094", "InvalidParameterValue"),
    "invalid-id-prefix": ("4104", "InvalidParameterValue"),
    "invalid-parameter-value-length": ("4106", "InvalidParameterValue"),
    "no-such-image": ("5023", "InvalidResource"),
    "no-such-manifest": ("5031", "InvalidResource"),
    "no-such-object": ("5037", "InvalidResource"),
    "no-such-snapshot": ("5054", "InvalidResource"),
    "no-such-task": ("5058", "InvalidResource"),
    "no-such-vm": ("5063", "InvalidResource"),
    "no-such-volume": ("5064", "InvalidResource"),
    "invalid-image-state": ("6001", "InvalidState"),
    "invalid-state": ("6003", "InvalidState"),
    "busy": ("9002", "ResourceConflict"),
    "duplicate-name": ("9015", "ResourceConflict"),
    "too-many-tags": ("10041", "TooManyResources (QuotaExceded)"),
}


class ApiError(Exception):
    """An OAPI error answer: raised by handlers, rendered by the app."""

    def __init__(self, case: str, details: str, status: int = 0):
        code, type_ = FAULTS[case]
        super().__init__(f"{code} {type_}: {details}")
        self.case = case
        self.code = code
        self.type = type_
        self.details = details
        self.status = status or STATUS_BY_TYPE[type_]

    def body(self, request_id: str) -> dict:
        return {"Errors": [{"Code": self.code, "Type": self.type, "Details": self.details}],
                "ResponseContext": {"RequestId": request_id}}


def fault(case: str, details: str, status: int = 0) -> ApiError:
    return ApiError(case, details, status)


def missing(name: str, why: str = "") -> ApiError:
    return ApiError("missing-parameter", f"The parameter {name} is required" + (f" {why}" if why else "."))


def bad_value(name: str, value, why: str) -> ApiError:
    return ApiError("invalid-parameter-value", f"The provided value {value!r} for the parameter {name} is invalid. {why}")


class Ec2Error(Exception):
    """An error of the FCU face, as EC2 shapes it: Code, Message, HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
