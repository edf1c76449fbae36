"""Pre-signed URLs: tell one from a plain object URL, read its expiry, redact it.

OUTSCALE's manifests and their snapshot links are pre-signed for seven days;
an expired link fails on OUTSCALE's side long after the call, so the shim
checks expiry first and says when it ended.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query keys that make a URL pre-signed (SigV2 and SigV4 styles), and the ones
# whose values are secrets or signatures, redacted whenever a URL is shown.
SIGNATURE_KEYS = {"signature", "x-amz-signature"}
CREDENTIAL_KEYS = {"awsaccesskeyid", "x-amz-credential", "x-amz-security-token"}
REDACTED = "REDACTED"
VALIDITY_RULE = ("An exported OMI's manifest and its snapshot links are pre-signed for seven days: "
                 "a manifest is obsolete seven days after its export completed. "
                 "Ask the owner of the image for a fresh pre-signed URL (or export it again).")


def _query(url: str) -> dict:
    return {k.lower(): v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


def is_presigned(url: str) -> bool:
    return is_url(url) and bool(SIGNATURE_KEYS & set(_query(url)))


def expiry(url: str) -> Optional[_dt.datetime]:
    """When a pre-signed URL stops working (None when it carries no expiry)."""
    q = _query(url)
    if "expires" in q:  # SigV2: absolute unix time
        try:
            return _dt.datetime.fromtimestamp(int(q["expires"]), _dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"its Expires value {q['expires']!r} is not a unix time") from None
    if "x-amz-date" in q and "x-amz-expires" in q:  # SigV4: start + seconds
        try:
            start = _dt.datetime.strptime(q["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=_dt.timezone.utc)
            return start + _dt.timedelta(seconds=int(q["x-amz-expires"]))
        except (ValueError, OverflowError):
            raise ValueError("its X-Amz-Date / X-Amz-Expires values are malformed") from None
    return None


def redact(url: str) -> str:
    """The URL with signatures and access keys replaced, safe for messages and logs."""
    if "?" not in url:  # no query string, nothing to redact (the common case: a describe of many images)
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [(k, REDACTED if k.lower() in SIGNATURE_KEYS | CREDENTIAL_KEYS else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="/:")))
