"""The shim's one SigV4 implementation: the OAPI client signs with it (outbound), the gateway's
``auth.Verifier`` checks inbound requests with its pieces (the emulator checks with its own code).

OAPI accepts OUTSCALE's "OSC4" scheme (AWS SigV4 with renamed parts, as
osc-sdk-python signs) and plain AWS4-HMAC-SHA256.  Both are one algorithm with
a different vocabulary, so one implementation serves both; the vocabulary is
data.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Mapping, Optional


@dataclass(frozen=True)
class Scheme:
    algorithm: str
    key_prefix: str
    terminator: str
    date_header: str


OSC4 = Scheme("OSC4-HMAC-SHA256", "OSC4", "osc4_request", "x-osc-date")
AWS4 = Scheme("AWS4-HMAC-SHA256", "AWS4", "aws4_request", "x-amz-date")

# OAPI does not check the service part of the scope strictly; OUTSCALE's SDK uses "api".
OAPI_SERVICE = "api"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(scheme: Scheme, secret: str, date: str, region: str, service: str) -> bytes:
    """The key of the day: HMAC chain over date, region, service and the scheme's terminator."""
    k = _hmac((scheme.key_prefix + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, scheme.terminator)


def canonical_request(method: str, path: str, headers: Mapping[str, str], signed: list, payload_hash: str,
                      query: str = "") -> str:
    """SigV4's canonical request.  ``path`` and ``query`` are given canonical already (how a client
    encodes them differs: the OAPI client's paths are plain, the gateway reads them as botocore wrote
    them); header values are trimmed and their inner spaces folded, in the order of ``signed``."""
    canon_headers = "".join(f"{h}:{' '.join(headers[h].split())}\n" for h in signed)
    return "\n".join([method, path or "/", query, canon_headers, ";".join(signed), payload_hash])


def signature_of(scheme: Scheme, key: bytes, stamp: str, scope: str, canonical: str) -> str:
    """Hex signature of a canonical request with the key of its scope (``date/region/service/terminator``)."""
    to_sign = "\n".join([scheme.algorithm, stamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def canonical_query(query: str) -> str:
    """SigV4's canonical query string: each name and value decoded, then percent-encoded (RFC 3986
    unreserved characters kept), pairs sorted by their encoded form, as botocore writes it."""
    from urllib.parse import quote, unquote_plus

    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((quote(unquote_plus(key), safe="-_.~"), quote(unquote_plus(value), safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def signature(scheme: Scheme, secret: str, stamp: str, region: str, service: str,
              method: str, path: str, headers: Mapping[str, str], signed: list, body: bytes,
              query: str = "") -> str:
    date = stamp[:8]
    scope = f"{date}/{region}/{service}/{scheme.terminator}"
    canonical = canonical_request(method, path, headers, signed, hashlib.sha256(body).hexdigest(), query)
    return signature_of(scheme, signing_key(scheme, secret, date, region, service), stamp, scope, canonical)


def sign_headers(access_key: str, secret_key: str, region: str, host: str, path: str, body: bytes,
                 scheme: Scheme = OSC4, now: Optional[_dt.datetime] = None,
                 content_type: str = "application/json; charset=utf-8",
                 session_token: Optional[str] = None) -> dict:
    """Headers (Content-Type, date, Authorization) for a POST of ``body`` to ``host``+``path``."""
    now = now or _dt.datetime.now(_dt.timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    headers = {"content-type": content_type, "host": host, scheme.date_header: stamp}
    if session_token:
        headers["x-amz-security-token" if scheme is AWS4 else "x-osc-security-token"] = session_token
    signed = sorted(headers)
    sig = signature(scheme, secret_key, stamp, region, OAPI_SERVICE, "POST", path, headers, signed, body)
    out = {"Content-Type": content_type, scheme.date_header.title(): stamp,
           "Authorization": f"{scheme.algorithm} Credential={access_key}/{stamp[:8]}/{region}/{OAPI_SERVICE}/"
                            f"{scheme.terminator}, SignedHeaders={';'.join(signed)}, Signature={sig}"}
    if session_token:
        out[[h for h in headers if h.endswith("security-token")][0].title()] = session_token
    return out
