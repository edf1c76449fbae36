"""Errors on both sides and the table that maps OAPI errors onto EC2's.

``Ec2Error`` is what every front end shows: the CLI plugin hands it to botocore
(which prints ``An error occurred (Code) when calling the Op operation: ...``),
the gateway serialises it as EC2's XML error document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


class Ec2Error(Exception):
    """An EC2-style error: code, message, HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def as_parsed(self) -> dict:
        """The dict botocore's parser would have produced for this error."""
        return {
            "Error": {"Code": self.code, "Message": self.message},
            "ResponseMetadata": {"HTTPStatusCode": self.status},
        }


# Longest part of a value or key an error message quotes: a 5 MB value must not come back whole.
CLIP = 64


def clip(value, most: int = CLIP) -> str:
    """``value`` as text, cut to ``most`` characters plus '…' when longer."""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= most else text[:most] + "…"


def missing_parameter(name: str, why: str = "") -> Ec2Error:
    return Ec2Error("MissingParameter", f"The request must contain the parameter {name}" + (f": {why}" if why else "."))


def unsupported_parameter(name: str, why: str) -> Ec2Error:
    """A member of the EC2 request that OUTSCALE cannot honour: refused by name, never dropped."""
    return Ec2Error("InvalidParameter", f"The parameter {clip(name)} is not supported on OUTSCALE: {why}")


def invalid_value(name: str, value, why: str) -> Ec2Error:
    return Ec2Error("InvalidParameterValue", f"Value ({clip(value)}) for parameter {clip(name)} is invalid. {why}")


def dry_run_error() -> Ec2Error:
    """EC2's answer to a dry run that would have succeeded.

    A new error each time: raising one shared instance would grow its traceback (and keep
    every frame it passed through alive) at each dry run a long-running gateway serves.
    """
    return Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)


@dataclass
class OapiError(Exception):
    """An error answered by the OUTSCALE API (or met while reaching it)."""

    status: int
    code: str = ""
    type: str = ""
    details: str = ""
    request_id: str = ""
    errors: list = field(default_factory=list)
    # The OAPI action that was answered (set by operations.engine.drive): some errors are read by it.
    action: str = ""

    def __str__(self) -> str:
        return f"OAPI {self.status} {self.code} {self.type}: {self.details}".strip()

    @classmethod
    def from_body(cls, status: int, body: dict) -> "OapiError":
        errors = body.get("Errors") or [{}]
        first = errors[0] if isinstance(errors[0], dict) else {}
        rid = (body.get("ResponseContext") or {}).get("RequestId", "")
        return cls(status, str(first.get("Code", "")), str(first.get("Type", "")),
                   str(first.get("Details", "")), rid, errors)


# OAPI error code -> EC2 error code, HTTP status of the EC2 answer.
# Source: ../shared/reference/outscale-api.md (OUTSCALE's gateway_errors.yaml and docs).
OAPI_TO_EC2 = {
    "1": ("AuthFailure", 401),
    "4": ("UnauthorizedOperation", 403),
    "7": ("UnauthorizedOperation", 403),
    "5": ("AuthFailure", 401),
    "6": ("RequestLimitExceeded", 503),
    "24": ("RequestLimitExceeded", 503),
    "25": ("RequestLimitExceeded", 503),
    "12000": ("InvalidAction", 400),
    "3001": ("UnknownParameter", 400),
    "3002": ("InvalidParameterCombination", 400),
    "7000": ("MissingParameter", 400),
    "7003": ("InvalidBlockDeviceMapping", 400),
    "4011": ("InvalidBlockDeviceMapping", 400),
    "4057": ("InvalidBlockDeviceMapping", 400),
    "4019": ("InvalidBlockDeviceMapping", 400),
    "4076": ("InvalidBlockDeviceMapping", 400),
    "4045": ("InvalidParameterCombination", 400),
    "4029": ("InvalidParameterValue", 400),
    "4078": ("InvalidParameterValue", 400),
    "4073": ("InvalidParameterValue", 400),
    "4110": ("InvalidParameterValue", 400),
    "4001": ("InvalidParameterValue", 400),
    "4026": ("InvalidAMIName.Malformed", 400),
    "4104": ("InvalidID", 400),  # EC2's code for an ID of no known kind; refined by MALFORMED_BY_PREFIX
    "5023": ("InvalidAMIID.NotFound", 400),
    "5054": ("InvalidSnapshot.NotFound", 400),
    "5063": ("InvalidInstanceID.NotFound", 400),
    "5064": ("InvalidVolume.NotFound", 400),
    "6001": ("IncorrectState", 400),
    "6003": ("IncorrectState", 400),
    "4074": ("InvalidParameterValue", 400),
    "4075": ("InvalidParameterValue", 400),
    "4040": ("InvalidManifest", 400),
    "4041": ("InvalidManifest", 400),
    "5031": ("InvalidManifest", 400),
    "5037": ("InvalidManifest", 400),
    "4088": ("InvalidManifest", 400),
    "4094": ("InvalidManifest", 400),
    "10026": ("SnapshotLimitExceeded", 400),
    "10008": ("SnapshotCreationPerVolumeRateExceeded", 400),
    "10041": ("TagLimitExceeded", 400),
}

MALFORMED_BY_PREFIX = {
    "ami-": "InvalidAMIID.Malformed",
    "snap-": "InvalidSnapshotID.Malformed",
    "i-": "InvalidInstanceID.Malformed",
    "vol-": "InvalidVolumeID.Malformed",
}

# Errors whose number OUTSCALE has not confirmed, read by what is certain: (OAPI action, Type, HTTP
# status) -> EC2 error.  A duplicate image name is a 409 ResourceConflict answering CreateImage, whether
# its number is 9015 (duplicate-name) or 9008 (duplicate-group).
BY_ACTION_AND_TYPE = {
    ("CreateImage", "ResourceConflict", 409): ("InvalidAMIName.Duplicate", 400),
}

# HTTP statuses that mean "throttled" whatever the body says.
THROTTLING_STATUSES = (429, 503)

def to_ec2(err: OapiError, hint_id: Optional[str] = None) -> Ec2Error:
    """Translate an OAPI error into the EC2 error callers already handle.

    What refines the code comes from the request, never from OUTSCALE's free text: ``hint_id``
    is the ID the failed call was about (a malformed one gets its kind's ``*.Malformed``), and the
    action answered reads errors whose number is unconfirmed (``BY_ACTION_AND_TYPE``).
    Unknown codes keep OUTSCALE's code, type and details visible in the message.
    An error that already carries its EC2 form (``ec2``: the OAPI client gave up, and says
    why and what was created) is returned as is.
    """
    preset = getattr(err, "ec2", None)
    if isinstance(preset, Ec2Error):
        return preset
    if err.status in THROTTLING_STATUSES and err.code not in OAPI_TO_EC2:
        return Ec2Error("RequestLimitExceeded", f"Request limit exceeded (OUTSCALE API answered HTTP {err.status}).", 503)
    mapped = BY_ACTION_AND_TYPE.get((err.action, err.type, err.status)) or OAPI_TO_EC2.get(err.code)
    detail = err.details or err.type or "no details given"
    suffix = f" (OUTSCALE API error {err.code} {err.type})".replace("  ", " ") if err.code else ""
    if mapped is None:
        status = err.status if 400 <= err.status < 500 else 400
        if err.status >= 500:
            return Ec2Error("InternalError", f"The OUTSCALE API failed: {detail}{suffix}", 500)
        code = err.type or "InvalidRequest"
        return Ec2Error(code, f"{detail}{suffix}", status)
    code, status = mapped
    if code == "InvalidID" and hint_id:
        for prefix, specific in MALFORMED_BY_PREFIX.items():
            if hint_id.startswith(prefix):
                code = specific
                break
    return Ec2Error(code, f"{detail}{suffix}", status)
