import datetime as dt

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from osc_shim import presigned
from osc_shim.errors import OapiError, to_ec2
from osc_emulator.signature import SignatureError, check_authorization as verify
from osc_shim.signing import AWS4, OSC4, sign_headers

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
SECRETS = {"AK1": "secret-1"}.get


def _lower(h):
    return {k.lower(): v for k, v in h.items()}


@pytest.mark.parametrize("scheme", [OSC4, AWS4])
def test_sign_then_verify(scheme):
    """What the OAPI client signs, checked by the emulator's verifier (written apart from the shim)."""
    body = b'{"ImageName":"x"}'
    h = _lower(sign_headers("AK1", "secret-1", "eu-west-2", "127.0.0.1:8443", "/api/v1/CreateImage", body,
                            scheme=scheme, now=NOW))
    h["host"] = "127.0.0.1:8443"
    assert verify("POST", "/api/v1/CreateImage", h, body, SECRETS, now=NOW) == "AK1"
    with pytest.raises(SignatureError):
        verify("POST", "/api/v1/CreateImage", h, body + b" ", SECRETS, now=NOW)
    with pytest.raises(SignatureError) as info:
        verify("POST", "/api/v1/CreateImage", h, body, SECRETS, now=NOW + dt.timedelta(minutes=16))
    assert info.value.kind == "skew"
    with pytest.raises(SignatureError) as info:
        verify("POST", "/api/v1/CreateImage", h, body, {}.get, now=NOW)
    assert info.value.kind == "unknown-key" and "secret-1" not in str(info.value)


def test_aws4_matches_botocore_sigv4():
    """Our AWS4 flavour is botocore's SigV4, byte for byte."""
    body = b'{"a":1}'
    req = AWSRequest("POST", "https://api.eu-west-2.outscale.com/api/v1/ReadImages", data=body,
                     headers={"Content-Type": "application/json; charset=utf-8"})
    SigV4Auth(Credentials("AK1", "secret-1"), "api", "eu-west-2").add_auth(req)  # signs with the clock
    headers = _lower(dict(req.headers))
    headers["host"] = "api.eu-west-2.outscale.com"
    assert verify("POST", "/api/v1/ReadImages", headers, body, SECRETS) == "AK1"
    # the shim, signing the same request at botocore's instant, writes botocore's Authorization header
    when = dt.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    ours = sign_headers("AK1", "secret-1", "eu-west-2", "api.eu-west-2.outscale.com", "/api/v1/ReadImages", body,
                        scheme=AWS4, now=when)
    assert ours["Authorization"] == headers["authorization"]


@pytest.mark.parametrize("code,status,expected", [
    ("1", 401, ("AuthFailure", 401)),
    ("5023", 400, ("InvalidAMIID.NotFound", 400)), ("5054", 400, ("InvalidSnapshot.NotFound", 400)),
    ("3002", 400, ("InvalidParameterCombination", 400)), ("7000", 400, ("MissingParameter", 400)),
    ("6", 429, ("RequestLimitExceeded", 503)), ("", 429, ("RequestLimitExceeded", 503)),
    ("4040", 400, ("InvalidManifest", 400)), ("12000", 404, ("InvalidAction", 400)),
])
def test_oapi_to_ec2_table(code, status, expected):
    err = to_ec2(OapiError(status, code, "T", "details here"))
    assert (err.code, err.status) == expected


@pytest.mark.parametrize("code", ["9015", "9008", ""])
def test_unconfirmed_duplicate_name_read_by_action_type_and_status(code):
    # Which number OUTSCALE answers for a duplicate image name is unconfirmed: the action, the type and
    # the status decide, whatever the number.
    err = OapiError(409, code, "ResourceConflict", "name taken", action="CreateImage")
    assert (to_ec2(err).code, to_ec2(err).status) == ("InvalidAMIName.Duplicate", 400)
    # The same type answering another action is not a duplicate image name.
    other = to_ec2(OapiError(409, code, "ResourceConflict", "busy", action="DeleteImage"))
    assert other.code != "InvalidAMIName.Duplicate"


def test_malformed_id_refined_by_prefix_and_unknown_codes_kept_visible():
    # IDs are never scraped out of OUTSCALE's free text: only the request's own ID refines the code.
    assert to_ec2(OapiError(400, "4104", "InvalidParameterValue", "invalid id snap-zz")).code == "InvalidID"
    assert to_ec2(OapiError(400, "4104", "InvalidParameterValue", "(ami-, snap-)")).code == "InvalidID"
    assert to_ec2(OapiError(400, "4104", "InvalidParameterValue", "bad"), hint_id="ami-x").code == "InvalidAMIID.Malformed"
    assert to_ec2(OapiError(400, "4104", "InvalidParameterValue", "invalid id foo-1")).code == "InvalidID"
    err = to_ec2(OapiError(400, "4999", "SomethingNew", "odd thing"))
    assert "4999" in err.message and "odd thing" in err.message and err.status == 400
    assert to_ec2(OapiError(500, "", "", "boom")).code == "InternalError"


def test_redact_hides_signatures_and_keys():
    url = "https://oos.eu-west-2.outscale.com/b/k?AWSAccessKeyId=AKSECRET&Expires=1&Signature=SIGSECRET"
    red = presigned.redact(url)
    assert "AKSECRET" not in red and "SIGSECRET" not in red and "Expires=1" in red and red.startswith("https://oos")
    assert presigned.is_presigned(url) and not presigned.is_presigned("https://oos.eu-west-2.outscale.com/b/k")


def test_one_sigv4_the_shims_pieces_sign_as_botocore_does():
    """``signing.canonical_request`` / ``signing_key`` / ``signature_of`` (what the OAPI client signs with
    and the gateway verifies with) give botocore's SigV4 signature for the same request."""
    import hashlib

    from osc_shim import signing

    body = b"Action=DescribeImages&Version=2016-11-15&Owner.1=self"
    request = AWSRequest(method="POST", url="http://127.0.0.1:8788/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    auth = SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), "ec2", "eu-west-2")
    when = dt.datetime(2026, 12, 6, 12, 0, 0)
    request.context["timestamp"] = when.strftime("%Y%m%dT%H%M%SZ")
    auth.add_auth(request)
    stamp = request.headers["X-Amz-Date"]
    headers = {"content-type": request.headers["Content-Type"], "host": "127.0.0.1:8788", "x-amz-date": stamp}
    signed = sorted(headers)
    canonical = signing.canonical_request("POST", "/", headers, signed, hashlib.sha256(body).hexdigest())
    key = signing.signing_key(signing.AWS4, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", stamp[:8], "eu-west-2", "ec2")
    ours = signing.signature_of(signing.AWS4, key, stamp, f"{stamp[:8]}/eu-west-2/ec2/aws4_request", canonical)
    assert request.headers["Authorization"].endswith(f"SignedHeaders={';'.join(signed)}, Signature={ours}")
