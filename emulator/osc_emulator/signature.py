"""The emulator's signature checks: what an OUTSCALE endpoint refuses, written apart from the shim.

The shim signs with ``osc_shim.signing``; this module is the other side and shares no code with it,
so a mistake in one is caught by the other (``tests/emulator/test_emulator_signature.py`` checks
both against botocore's SigV4 signer and OUTSCALE's documented OSC4 scheme).

Facts used (AWS's Signature Version 4 documentation; OUTSCALE's "OSC4-HMAC-SHA256" documentation,
which is SigV4 with its own vocabulary):

* canonical request = method, URI-encoded path, canonical query string (names and values
  URI-encoded with only ``A-Za-z0-9-_.~`` left bare, sorted), canonical headers (lower-case
  name ``:`` trimmed value with inner spaces collapsed, one a line, sorted), the signed header
  names joined by ``;``, the payload's SHA-256 in hex (or ``UNSIGNED-PAYLOAD``);
* string to sign = algorithm, timestamp, scope ``<day>/<region>/<service>/<terminator>``, the
  canonical request's SHA-256 in hex;
* key = HMAC chain ``<prefix><secret>`` -> day -> region -> service -> terminator.
  AWS4: prefix ``AWS4``, terminator ``aws4_request``, date header ``X-Amz-Date``;
  OSC4: prefix ``OSC4``, terminator ``osc4_request``, date header ``X-Osc-Date``.

OOS's pre-signed URLs: SigV4 query authentication (``X-Amz-*`` parameters, signed header ``host``,
payload ``UNSIGNED-PAYLOAD``) and the older SigV2 query form (``Signature`` = base64 HMAC-SHA1 of
``GET\\n\\n\\n<Expires>\\n<resource>``).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import re
from typing import Iterable, Mapping, NamedTuple, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, quote

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = _dt.timedelta(minutes=15)
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class Vocabulary(NamedTuple):
    key_prefix: str
    terminator: str
    date_header: str


ALGORITHMS = {
    "AWS4-HMAC-SHA256": Vocabulary("AWS4", "aws4_request", "x-amz-date"),
    "OSC4-HMAC-SHA256": Vocabulary("OSC4", "osc4_request", "x-osc-date"),
}
DATE_HEADERS = ("x-amz-date", "x-osc-date")  # either is read, the algorithm's own first

_AUTHORIZATION = re.compile(
    r"^(?P<algorithm>\S+)\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-f]{64})\s*$")


class SignatureError(Exception):
    """Why a request's signature is refused; ``kind``: missing | unknown-key | bad-signature | skew."""

    def __init__(self, reason: str, kind: str = "bad-signature"):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


# -- the pieces of SigV4 -----------------------------------------------------------------------

def uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_query(pairs: Iterable[Tuple[str, str]]) -> str:
    return "&".join(sorted(f"{uri_encode(k)}={uri_encode(v)}" for k, v in pairs))


def canonical_request(method: str, path: str, query: str, headers: Mapping[str, str],
                      signed: Sequence[str], payload_hash: str) -> str:
    lines = [method.upper(), path or "/", query]
    lines += [f"{name}:{' '.join(str(headers[name]).split())}" for name in signed]
    return "\n".join(lines + ["", ";".join(signed), payload_hash])


def string_to_sign(algorithm: str, stamp: str, scope: str, canonical: str) -> str:
    return f"{algorithm}\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def signing_key(words: Vocabulary, secret: str, day: str, region: str, service: str) -> bytes:
    key = (words.key_prefix + secret).encode("utf-8")
    for part in (day, region, service, words.terminator):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def sigv4(algorithm: str, secret: str, stamp: str, scope: str, canonical: str) -> str:
    """The hex signature of a canonical request; ``scope``: ``<day>/<region>/<service>/<terminator>``."""
    words = ALGORITHMS[algorithm]
    day, region, service, _ = scope.split("/")
    key = signing_key(words, secret, day, region, service)
    return hmac.new(key, string_to_sign(algorithm, stamp, scope, canonical).encode("utf-8"),
                    hashlib.sha256).hexdigest()


# -- header authentication (OAPI, FCU, OOS requests) ------------------------------------------

def _timestamp(headers: Mapping[str, str], words: Vocabulary) -> str:
    for name in (words.date_header, *DATE_HEADERS):
        if headers.get(name):
            return headers[name]
    raise SignatureError(f"missing {words.date_header} header", "missing")


def check_authorization(method: str, path: str, headers: Mapping[str, str], body: bytes, secret_for,
                        now: Optional[_dt.datetime] = None, query: str = "") -> str:
    """The access key that signed the request, else SignatureError.

    ``headers``: lower-case names; ``secret_for``: access key -> secret or None.  The Host header is
    tried as received and without its port (OUTSCALE's SDK signs the bare host name).
    """
    found = _AUTHORIZATION.match(headers.get("authorization", ""))
    if not found:
        raise SignatureError("missing or malformed Authorization header", "missing")
    algorithm = found["algorithm"]
    words = ALGORITHMS.get(algorithm)
    parts = found["credential"].split("/")
    if words is None or len(parts) != 5 or parts[4] != words.terminator:
        raise SignatureError(f"unsupported signature algorithm {algorithm[:40]}", "missing")
    access_key, day = parts[0], parts[1]
    secret = secret_for(access_key)
    if secret is None:
        raise SignatureError("unknown access key", "unknown-key")
    stamp = _timestamp(headers, words)
    try:
        sent = _dt.datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        raise SignatureError("malformed date header", "missing") from None
    if abs((now or _dt.datetime.now(_dt.timezone.utc)) - sent) > MAX_SKEW:
        raise SignatureError("request date is more than 15 minutes away from the server's clock", "skew")
    if day != stamp[:8]:
        raise SignatureError("credential scope date does not match the request date")
    signed = found["signed"].split(";")
    if "host" not in signed or any(name not in headers for name in signed):
        raise SignatureError("signed headers are missing from the request")
    sent_hash = headers.get("x-amz-content-sha256")
    payload = UNSIGNED_PAYLOAD if sent_hash == UNSIGNED_PAYLOAD else hashlib.sha256(body).hexdigest()
    canonical_qs = canonical_query(parse_qsl(query, keep_blank_values=True)) if query else ""
    scope = "/".join(parts[1:])
    host = headers["host"]
    for candidate in dict.fromkeys([host, host.rsplit(":", 1)[0]]):
        canonical = canonical_request(method, path, canonical_qs, dict(headers, host=candidate), signed, payload)
        if hmac.compare_digest(sigv4(algorithm, secret, stamp, scope, canonical), found["signature"]):
            return access_key
    raise SignatureError("signature does not match")


# -- OOS's pre-signed URLs (query authentication) ---------------------------------------------

def presigned_v4_signature(secret: str, path: str, host: str, pairs: Iterable[Tuple[str, str]]) -> str:
    """SigV4 query authentication of a GET: ``pairs`` are the URL's query (``X-Amz-Signature`` left out)."""
    query = dict(pairs)
    scope = query["X-Amz-Credential"].split("/", 1)[1]
    canonical = canonical_request("GET", path, canonical_query(p for p in query.items() if p[0] != "X-Amz-Signature"),
                                  {"host": host}, ["host"], UNSIGNED_PAYLOAD)
    return sigv4("AWS4-HMAC-SHA256", secret, query["X-Amz-Date"], scope, canonical)


def presigned_v2_signature(secret: bytes, expires: str, resource: str) -> str:
    """SigV2 query authentication of a GET of ``resource`` (``/bucket/key``) until ``expires``."""
    to_sign = f"GET\n\n\n{expires}\n{resource}"
    return base64.b64encode(hmac.new(secret, to_sign.encode("utf-8"), hashlib.sha1).digest()).decode("ascii")
