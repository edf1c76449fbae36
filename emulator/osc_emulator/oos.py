"""OOS object URLs, pre-signed URLs and export manifests, as the emulator sees them.

The emulator keeps OOS objects in memory; a ``FileLocation`` names one of them
by URL (``https://oos.<region>.outscale.com/<bucket>/<key>``, path style, or
``https://<bucket>.oos.<region>.outscale.com/<key>``).  Pre-signed URLs carry
their own expiry (SigV2 ``Expires=``, or SigV4 ``X-Amz-Date`` + ``X-Amz-Expires``);
their signatures are checked as OOS checks them (``signature_problem``): SigV2
(``AWSAccessKeyId`` + ``Signature``, HMAC-SHA1) or SigV4 (``X-Amz-Credential`` + ``X-Amz-Signature``)
with the secret key of the account owning the access key, as ``aws s3 presign`` and botocore make
them.  The URLs the emulator itself makes (export manifests and their snapshot links) are keyed with a
fixed emulator-only key (OOS's own), never with an account's secret.  One OOS serves every region.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Optional
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode, urlsplit

from .regions import DEFAULT_REGION, REGIONS
from .signature import presigned_v2_signature, presigned_v4_signature

SEVEN_DAYS = 7 * 24 * 3600  # validity of an export's pre-signed URLs
MANIFEST_VERSION = 1
GIB = 1 << 30
OOS_PREFIXES = ("oos", "osu")  # "osu" is OOS's former name, still served
PRESIGN_KEY = b"osc-shim-emulator-presign"  # not a secret: emulator URLs are never verified
PRESIGN_ACCESS_KEY = "EMULATOROOSPRESIGN01"


class UrlProblem(ValueError):
    """Why a URL does not name an OOS object (``case`` is a faults.FAULTS key)."""

    def __init__(self, case: str, message: str):
        super().__init__(message)
        self.case = case


@dataclass(frozen=True)
class OosUrl:
    region: str
    bucket: str
    key: str
    signed: bool
    expires_at: Optional[float]  # unix time; None when the URL carries no expiry
    raw_path: str = ""
    host: str = ""
    query: tuple = ()  # (name, value) pairs as given

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def _host_parts(host: str):
    """(bucket or None, region) for an OOS host name, else None."""
    for domain in set(REGIONS.values()):
        if host.endswith("." + domain):
            labels = host[: -len(domain) - 1].split(".")
            if len(labels) >= 2 and labels[-2] in OOS_PREFIXES:
                bucket = ".".join(labels[:-2]) or None
                return bucket, labels[-1]
    return None


def _expiry(query: dict) -> Optional[float]:
    if "Expires" in query:
        return float(int(query["Expires"]))
    if "X-Amz-Date" in query or "X-Amz-Expires" in query:
        start = time.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
        return float(calendar.timegm(start) + int(query["X-Amz-Expires"]))
    return None


def parse_oos_url(url: str) -> OosUrl:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UrlProblem("invalid-url-format", f"{url!r} is not an http(s) URL")
    found = _host_parts(parts.hostname.lower())
    if found is None:
        raise UrlProblem("invalid-url", f"{parts.hostname} is not an OUTSCALE Object Storage (OOS) endpoint")
    bucket, region = found
    path = unquote(parts.path).lstrip("/")
    if bucket is None:
        bucket, _, path = path.partition("/")
    if not bucket or not path:
        raise UrlProblem("invalid-url-format", "the URL must name an object: https://oos.<region>.outscale.com/<bucket>/<key>")
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    signed = "Signature" in query or "X-Amz-Signature" in query
    try:
        expires_at = _expiry(query)
    except (KeyError, ValueError):
        raise UrlProblem("invalid-url-format", "the pre-signed URL carries a malformed expiry") from None
    pairs = tuple(parse_qsl(parts.query, keep_blank_values=True))
    return OosUrl(region, bucket, path, signed, expires_at, parts.path or "/", parts.netloc, pairs)


def signature_problem(url: OosUrl, secret_for) -> Optional[str]:
    """Why OOS would refuse this pre-signed URL's signature (None: it is good, or the URL is not signed).

    ``secret_for(access key)`` -> the account's secret key or None.
    """
    if not url.signed:
        return None
    query = dict(url.query)
    try:
        if "Signature" in query:
            access_key = query.get("AWSAccessKeyId", "")
            secret = PRESIGN_KEY if access_key == PRESIGN_ACCESS_KEY else (secret_for(access_key) or "").encode()
            if not secret:
                return f"the access key {access_key[:24]!r} of the pre-signed URL is unknown to OOS"
            resources = {url.raw_path, f"/{url.bucket}/{url.key}", f"/{url.bucket}/{quote(url.key)}"}
            good = any(hmac.compare_digest(presigned_v2_signature(secret, query["Expires"], r), query["Signature"])
                       for r in resources)
        else:
            access_key = query.get("X-Amz-Credential", "").split("/", 1)[0]
            if access_key == PRESIGN_ACCESS_KEY:
                to_sign = f"GET\n/{url.bucket}/{url.key}\n{query['X-Amz-Date']}\n{query['X-Amz-Expires']}"
                expected = hmac.new(PRESIGN_KEY, to_sign.encode(), hashlib.sha256).hexdigest()
            else:
                secret = secret_for(access_key)
                if not secret:
                    return f"the access key {access_key[:24]!r} of the pre-signed URL is unknown to OOS"
                expected = presigned_v4_signature(secret, url.raw_path, url.host, url.query)
            good = hmac.compare_digest(expected, query.get("X-Amz-Signature", ""))
    except (KeyError, ValueError):
        return "the pre-signed URL's signature parameters are malformed"
    return None if good else "the signature of the pre-signed URL does not match (SignatureDoesNotMatch)"


def presigned_url(region: str, bucket: str, key: str, expires_in: int = SEVEN_DAYS,
                  now: Optional[float] = None, style: str = "v2") -> str:
    """A pre-signed-looking GET URL of an OOS object (SigV2 query by default, or ``style="v4"``)."""
    now = time.time() if now is None else now
    domain = REGIONS.get(region, "outscale.com")
    base = f"https://oos.{region}.{domain}/{quote(bucket)}/{quote(key)}"
    if style == "v4":
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                 "X-Amz-Credential": f"{PRESIGN_ACCESS_KEY}/{stamp[:8]}/{region}/s3/aws4_request",
                 "X-Amz-Date": stamp, "X-Amz-Expires": str(int(expires_in)), "X-Amz-SignedHeaders": "host"}
        to_sign = f"GET\n/{bucket}/{key}\n{stamp}\n{int(expires_in)}"
        query["X-Amz-Signature"] = hmac.new(PRESIGN_KEY, to_sign.encode(), hashlib.sha256).hexdigest()
    else:
        expires = int(now + expires_in)
        to_sign = f"GET\n\n\n{expires}\n/{bucket}/{key}"
        sig = base64.b64encode(hmac.new(PRESIGN_KEY, to_sign.encode(), hashlib.sha1).digest()).decode()
        query = {"AWSAccessKeyId": PRESIGN_ACCESS_KEY, "Expires": str(expires), "Signature": sig}
    return f"{base}?{urlencode(query)}"


def make_manifest(name: str, architecture: str = "x86_64", snapshots: Optional[list] = None,
                  description: str = "", region: str = DEFAULT_REGION, bucket: str = "exports",
                  prefix: str = "", expires_in: int = SEVEN_DAYS, now: Optional[float] = None,
                  product_codes=("0001",)) -> dict:
    """An export manifest (the format in the project reference).

    ``snapshots`` items are dicts with any of Device, Size (bytes), VolumeSize (GiB),
    VolumeType, Iops, DeleteOnTermination, Filename, PreSignedUrl; None means one
    10 GiB root volume.  Missing pre-signed URLs point into ``bucket``.
    """
    items = []
    for i, snap in enumerate(snapshots if snapshots is not None else [{}]):
        device = snap.get("Device", "/dev/sda1" if i == 0 else f"/dev/sd{chr(ord('b') + i - 1)}")
        filename = snap.get("Filename", f"snap-{hashlib.sha1(f'{name}{i}'.encode()).hexdigest()[:8]}.qcow2.gz")
        size = snap.get("Size", snap.get("VolumeSize", 10) * GIB)
        url = snap.get("PreSignedUrl") or presigned_url(region, bucket, prefix + filename, expires_in, now)
        items.append({"DeleteOnTermination": snap.get("DeleteOnTermination", True), "Device": device,
                      "Filename": filename, "Iops": snap.get("Iops"), "PreSignedUrl": url, "Size": size,
                      "VolumeType": snap.get("VolumeType", "standard")})
    return {"Version": MANIFEST_VERSION,
            "Image": {"Name": name, "Description": description, "Architecture": architecture,
                      "Type": "machine", "ProductTypes": list(product_codes), "Public": False,
                      "Snapshots": items}}


def size_in_gib(size_bytes: int) -> int:
    return max(1, -(-int(size_bytes) // GIB))
