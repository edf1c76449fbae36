"""Inbound authentication: every request must carry a valid SigV4 signature.

The gateway runs with one set of credentials (a profile's credential chain, or
explicit keys) and serves only requests signed with them.  The signature is
recomputed by the shim's SigV4 (``osc_shim.signing``, canonicalised as botocore's
``SigV4Auth`` does; botocore's own signer for non-ASCII header values) over
exactly what the client signed: the method, the raw path and query string, the headers named in
``SignedHeaders`` as received (``Host`` included, port and all), the raw body
bytes, and the client's timestamp (``X-Amz-Date``, not "now").  The comparison
uses ``hmac.compare_digest``.

Errors are those EC2 answers (moto's access control does the same for ec2):

=========================================  ======================  ======
situation                                   code                    status
=========================================  ======================  ======
no signature at all                         AuthFailure             401
unknown access key                          AuthFailure             401
signature does not match                    AuthFailure             401
security token missing or wrong             AuthFailure             401
malformed Authorization / no date header    IncompleteSignature     400
timestamp more than 15 minutes off          RequestExpired          400
scope: a region OUTSCALE does not have,     SignatureDoesNotMatch   403
another service or day
X-Amz-Content-SHA256 not the body's hash    SignatureDoesNotMatch   403
=========================================  ======================  ======

No message ever contains a secret, a signature or a token.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import functools
import hashlib
import hmac
import os
import re
from typing import Mapping, Optional
from urllib.parse import quote, urlsplit

from osc_shim import routing, signing
from osc_shim.errors import Ec2Error

MAX_SKEW = _dt.timedelta(minutes=15)
SERVICE = "ec2"
# ec2, and sts for GetCallerIdentity (answered through OAPI: routing.LOCALLY_ANSWERED).
SERVICES = (SERVICE, *routing.LOCALLY_ANSWERED)
ALGORITHM = "AWS4-HMAC-SHA256"
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"

_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<ak>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request\s*,\s*"
    r"SignedHeaders=(?P<signed>[A-Za-z0-9;_.-]+)\s*,\s*"
    r"Signature=(?P<sig>[0-9a-f]{64})\s*$"
)

_AWS_CANNOT_VALIDATE = "AWS was not able to validate the provided access credentials"


def auth_failure(why: str) -> Ec2Error:
    return Ec2Error("AuthFailure", f"{_AWS_CANNOT_VALIDATE}: {why}", 401)


def incomplete(why: str) -> Ec2Error:
    return Ec2Error("IncompleteSignature", why, 400)


def mismatch(why: str) -> Ec2Error:
    return Ec2Error("SignatureDoesNotMatch", why, 403)


def expired(why: str) -> Ec2Error:
    return Ec2Error("RequestExpired", f"Request has expired. {why}", 400)


def resolve_credentials(profile: Optional[str] = None, access_key: Optional[str] = None,
                        secret_key: Optional[str] = None, session_token: Optional[str] = None,
                        environ: Mapping[str, str] = os.environ):
    """The credentials the gateway runs with.

    Explicit keys win; otherwise botocore's credential chain for ``profile``
    (environment, shared files, SSO, process, ...) with OUTSCALE's conventions in it
    (``OSC_ACCESS_KEY`` / ``OSC_SECRET_KEY``, then ``~/.osc/config.json``:
    ``osc_shim.credentials``), the order the plugin uses.  Returns a botocore
    ``Credentials`` (possibly refreshable); raises ``LookupError`` when none is
    found.
    """
    from botocore.credentials import Credentials

    if access_key or secret_key:
        if not (access_key and secret_key):
            raise LookupError("both an access key and a secret key are needed")
        return Credentials(access_key, secret_key, session_token)
    import botocore.session

    from botocore.exceptions import BotoCoreError, ProfileNotFound

    from osc_shim import credentials as osc_credentials

    session = botocore.session.Session(profile=profile) if profile else botocore.session.Session()
    try:
        osc_credentials.install(session, environ)
        creds = session.get_credentials()
    except ProfileNotFound:
        raise LookupError(f"profile {profile!r} is not in the AWS config or credentials files") from None
    except BotoCoreError as exc:  # e.g. an SSO or process provider that fails
        raise LookupError(f"the credential chain failed: {exc}") from None
    if creds is not None:
        return creds
    where = f"profile {profile!r}" if profile else "the default credential chain"
    raise LookupError(f"no credentials found in {where} (nor OSC_ACCESS_KEY/OSC_SECRET_KEY, "
                      "nor OSC_PROFILE in ~/.osc/config.json)")


def _sigv4_auth():
    """A ``SigV4Auth`` that signs exactly the headers it is given (the client's list)."""
    global _VerifyingAuth
    if _VerifyingAuth is None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import HTTPHeaders

        class VerifyingAuth(SigV4Auth):
            def headers_to_sign(self, request):
                header_map = HTTPHeaders()
                for name, value in request.headers.items():
                    header_map[name.lower()] = value
                return header_map

        _VerifyingAuth = VerifyingAuth
    return _VerifyingAuth


_VerifyingAuth = None


def _parse_date_header(value: str) -> Optional[str]:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(_dt.timezone.utc).strftime(SIGV4_TIMESTAMP)


@functools.lru_cache(maxsize=256)
def _canonical_path(path: str) -> str:
    """The path as botocore's ``SigV4Auth._normalize_url_path`` writes it (paths repeat: cached)."""
    from botocore.utils import normalize_url_path

    return quote(normalize_url_path(path), safe="/~")


def _canonical_url_query(query: str) -> str:
    """The query string as botocore's ``SigV4Auth._canonical_query_string_url`` writes it: pairs split
    on ``&`` and ``=``, sorted, kept as they are (the client's encoding)."""
    if not query:
        return ""
    pairs = []
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        pairs.append((key, value))
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


class Verifier:
    """Checks inbound requests against the gateway's credentials.

    Any OUTSCALE region may be in the credential scope: the region a request is signed
    for is the region it is served in (``routing.route_signed_request``).
    """

    def __init__(self, credentials, region: str, service=SERVICES, max_skew: _dt.timedelta = MAX_SKEW):
        self._credentials = credentials
        self.region = region  # the gateway's default region (named in error messages)
        self.services = (service,) if isinstance(service, str) else tuple(service)
        self.max_skew = max_skew
        self._key_cache = None  # (secret, (date, region, service), signing key)

    def verify(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes,
               now: Optional[_dt.datetime] = None) -> str:
        """Raise an ``Ec2Error`` unless the request is signed by the gateway's key; return that key.

        ``headers`` maps lower-case names to values as received; ``path`` and
        ``query`` are raw (still percent-encoded), ``body`` the raw bytes.
        """
        return self.verify_scope(method, path, query, headers, body, now)[0]

    def verify_scope(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes,
                     now: Optional[_dt.datetime] = None):
        """``verify``, returning (access key, region, service) of the credential scope."""
        auth_header = headers.get("authorization")
        if not auth_header:
            if "X-Amz-Signature=" in query or "Signature=" in query:
                raise auth_failure("query-string (presigned) authentication is not accepted by the gateway; "
                                   "sign with an Authorization header (SigV4), as the AWS SDKs do")
            raise auth_failure("the request is not signed; the gateway accepts only SigV4-signed requests")
        m = _AUTH_RE.match(auth_header)
        if not m:
            if not auth_header.startswith(ALGORITHM):
                algorithm = auth_header.split(" ", 1)[0][:40]
                raise incomplete(f"Unsupported authorization type {algorithm!r}: the gateway accepts only "
                                 f"{ALGORITHM} (SigV4).")
            raise incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
                             "parameters in SigV4 form.")

        frozen = self._credentials.get_frozen_credentials()
        if not hmac.compare_digest(m["ak"].encode(), (frozen.access_key or "").encode()):
            raise auth_failure("the access key is not the one this gateway runs with")

        stamp = headers.get("x-amz-date")
        if not stamp and headers.get("date"):
            stamp = _parse_date_header(headers["date"])
        if not stamp:
            raise incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        try:
            if len(stamp) != 16 or stamp[8] != "T" or stamp[15] != "Z":
                raise ValueError(stamp)
            when = _dt.datetime(int(stamp[0:4]), int(stamp[4:6]), int(stamp[6:8]), int(stamp[9:11]),
                                int(stamp[11:13]), int(stamp[13:15]), tzinfo=_dt.timezone.utc)
        except ValueError:
            raise incomplete("X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z'.") from None
        now = now or _dt.datetime.now(_dt.timezone.utc)
        if abs(now - when) > self.max_skew:
            raise expired(f"Request date {stamp} is more than 15 minutes away from the gateway's clock "
                          f"({now.strftime(SIGV4_TIMESTAMP)}).")
        if m["date"] != stamp[:8]:
            raise mismatch(f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                           f"from HTTP: '{m['date']}' != '{stamp[:8]}'.")
        if m["service"] not in self.services:
            raise mismatch(f"Credential should be scoped to correct service: '{self.services[0]}'.")
        try:
            routing.check_signing_region(m["region"])
        except routing.Refused as exc:
            raise mismatch(f"Credential should be scoped to a valid region, not '{m['region'][:40]}': "
                           f"{exc}") from None

        signed = m["signed"].lower().split(";")
        if "host" not in signed:
            raise mismatch("The 'host' header must be signed.")
        missing = [h for h in signed if h not in headers]
        if missing:
            raise mismatch(f"Signed header {missing[0]!r} is not in the request.")

        declared = headers.get("x-amz-content-sha256")
        if declared is not None and not hmac.compare_digest(declared.encode(), hashlib.sha256(body).hexdigest().encode()):
            raise mismatch("The provided 'x-amz-content-sha256' header does not match the request body "
                           "(unsigned payloads are not accepted).")

        if frozen.token:
            token = headers.get("x-amz-security-token", "")
            if "x-amz-security-token" not in signed or not hmac.compare_digest(token.encode(), frozen.token.encode()):
                raise auth_failure("the security token is missing, unsigned or not the gateway's")

        candidates = [self._signature(frozen, m, stamp, method, path, query, headers, signed, body, None)]
        if query:
            candidates.append(self._signature(frozen, m, stamp, method, path, query, headers, signed, body,
                                              signing.canonical_query(query)))
        for expected in candidates:
            if hmac.compare_digest(expected.encode(), m["sig"].encode()):
                return m["ak"], m["region"], m["service"]
        raise auth_failure("the request signature does not match; check the secret key and the signing method")

    def _signature(self, frozen, m, stamp, method, path, query, headers, signed, body, canonical_query) -> str:
        """SigV4 of the request as the client signed it, by the shim's SigV4 (``osc_shim.signing``) over
        what botocore's ``SigV4Auth`` canonicalises: its path normalisation, its query string as the
        client encoded it, the signed headers as received (a name listed twice signed twice, as
        botocore's header map holds it), the declared payload hash.  Header values that are not plain
        ASCII, and bodies that are not bytes, take botocore's own path (``_botocore_signature``)."""
        values = [headers[name] for name in signed]
        if not isinstance(body, bytes) or not all(v.isascii() for v in values):
            return self._botocore_signature(frozen, m, stamp, method, path, query, headers, signed, body,
                                            canonical_query)
        url = f"http://{headers['host']}{path or '/'}"  # http: the payload is always hashed, as the client did
        if query:
            url += "?" + (query if canonical_query is None else canonical_query)
        parts = urlsplit(url)
        names = sorted(set(signed))
        if len(names) == len(signed):
            signed_values = headers
        else:
            signed_values = {name: ",".join(" ".join(headers[name].split()) for _ in range(signed.count(name)))
                             for name in names}
        if "x-amz-content-sha256" in names:
            payload = headers["x-amz-content-sha256"]
        else:
            payload = hashlib.sha256(body).hexdigest()  # that of b"" when the body is empty
        canonical = signing.canonical_request(method.upper(), _canonical_path(parts.path), signed_values, names,
                                              payload, _canonical_url_query(parts.query))
        date, region, service = stamp[0:8], m["region"], m["service"]
        return signing.signature_of(signing.AWS4, self._signing_key(frozen.secret_key, date, region, service),
                                    stamp, f"{date}/{region}/{service}/{signing.AWS4.terminator}", canonical)

    def _signing_key(self, secret: str, date: str, region: str, service: str) -> bytes:
        """SigV4's signing key, derived once per day, region and service (and secret, which may rotate)."""
        cached = self._key_cache
        if cached is not None and cached[0] == secret and cached[1] == (date, region, service):
            return cached[2]
        key = signing.signing_key(signing.AWS4, secret, date, region, service)
        self._key_cache = (secret, (date, region, service), key)
        return key

    def _botocore_signature(self, frozen, m, stamp, method, path, query, headers, signed, body, canonical_query) -> str:
        from botocore.awsrequest import HTTPHeaders
        from botocore.credentials import ReadOnlyCredentials

        url = f"http://{headers['host']}{path or '/'}"  # http: the payload is always hashed, as the client did
        if query:
            url += "?" + (query if canonical_query is None else canonical_query)
        signed_headers = HTTPHeaders()
        for name in signed:
            signed_headers[name] = headers[name]
        # What SigV4Auth reads of a request, without building (and re-preparing) an AWSRequest.
        request = _SignedRequest(method, url, signed_headers, body, {"timestamp": stamp})
        signer = _sigv4_auth()(ReadOnlyCredentials(frozen.access_key, frozen.secret_key, frozen.token),
                               m["service"], m["region"])
        canonical = signer.canonical_request(request)
        return signer.signature(signer.string_to_sign(request, canonical), request)


class _SignedRequest:
    __slots__ = ("method", "url", "headers", "body", "context", "params")

    def __init__(self, method, url, headers, body, context):
        self.method, self.url, self.headers, self.body, self.context = method, url, headers, body, context
        self.params = {}
