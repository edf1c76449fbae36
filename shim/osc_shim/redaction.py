"""Keep secrets out of what the shim shows: log lines, debug traces, error messages.

``scrub(text)`` replaces, wherever they appear in a text:

- the values of pre-signed URL query parameters that sign or identify
  (``Signature``, ``X-Amz-Signature``, ``X-Amz-Credential``, ``AWSAccessKeyId``,
  ``X-Amz-Security-Token``), as ``presigned.redact`` does for one URL;
- the signature and the key ID of ``Authorization`` headers (``AWS4-HMAC-SHA256``
  and ``OSC4-HMAC-SHA256``), and the values of token headers;
- botocore's own signing trace (``Signature:`` / ``StringToSign:`` lines);
- every secret registered with ``remember`` (secret keys, session tokens) and any
  given to the call.

``RedactingFilter`` applies it to log records (message, arguments and the
traceback text): the AWS CLI plugin puts it on the ``--debug`` output, the
gateway on its loggers.  Only the standard library is used: the plugin loads
this inside the ``aws`` process.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Iterable

REDACTED = "REDACTED"

_QUERY_SECRET = re.compile(
    r"(?i)((?:^|[?&;\s'\"(])(?:signature|x-amz-signature|x-amz-credential|awsaccesskeyid|x-amz-security-token"
    r"|x-osc-security-token)=)[^&\s'\",)\]}]+")
_AUTH = re.compile(r"(?i)\b((?:AWS4|OSC4)-HMAC-SHA256\s+Credential=)([^/\s,'\"]+)(/[^,\s'\"]*)?")
_AUTH_SIGNATURE = re.compile(r"(?i)(\bSignature=)[0-9a-f]{16,}")
_HEADER_VALUE = re.compile(
    r"(?i)(['\"]?(?:x-amz-security-token|x-osc-security-token|authorization)['\"]?\s*[:=]\s*b?['\"])[^'\"]*(['\"])")
# botocore.auth's debug trace: "Signature:\n<hex>", and token lines of "CanonicalRequest:\n..."
_TRACE_SIGNATURE = re.compile(r"(?im)^(\s*Signature:\s*)[0-9a-f]{16,}")
_TOKEN_LINE = re.compile(r"(?im)^((?:x-amz-security-token|x-osc-security-token):).*$")

_lock = threading.Lock()
_secrets: set = set()
MIN_SECRET = 8  # shorter strings are not registered (they would blank out ordinary words)


def remember(*secrets) -> None:
    """Secrets to blank out wherever they appear from now on (this process)."""
    with _lock:
        for secret in secrets:
            if isinstance(secret, str) and len(secret) >= MIN_SECRET:
                _secrets.add(secret)


def mask_key_id(key: str) -> str:
    """``AKIAIOSFODNN7EXAMPLE`` -> ``AKIA...MPLE``."""
    return key[:4] + "..." + key[-4:] if len(key) > 10 else "***"


def scrub(text, secrets: Iterable[str] = ()) -> str:
    """``text`` with signatures, credentials and known secrets replaced."""
    if not isinstance(text, str):
        text = str(text)
    with _lock:
        known = sorted(_secrets.union(s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET),
                       key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "=" in text:
        text = _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
        text = _AUTH.sub(lambda m: m.group(1) + mask_key_id(m.group(2)) + (m.group(3) or ""), text)
        text = _AUTH_SIGNATURE.sub(lambda m: m.group(1) + REDACTED, text)
    if ":" in text or "=" in text:
        text = _HEADER_VALUE.sub(lambda m: m.group(1) + REDACTED + m.group(2), text)
    if ":" in text:
        text = _TRACE_SIGNATURE.sub(lambda m: m.group(1) + REDACTED, text)
        text = _TOKEN_LINE.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Scrubs every record it sees (always lets it through)."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = set(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, self.secrets)
        return True


def redact_record(record: logging.LogRecord, secrets: Iterable[str] = ()) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format: leave the record to logging's own error report
        return
    record.msg = scrub(message, secrets)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub(record.exc_text, secrets)
    if getattr(record, "stack_info", None):
        record.stack_info = scrub(record.stack_info, secrets)


def guard_loggers(*names: str, secrets: Iterable[str] = ()) -> None:
    """Put one RedactingFilter on each named logger (records they log themselves), once."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter(secrets))


def guard_handlers(*loggers: str, secrets: Iterable[str] = ()) -> None:
    """Put one RedactingFilter on every handler of the named loggers (everything they print)."""
    for name in loggers:
        for handler in logging.getLogger(name or None).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter(secrets))
