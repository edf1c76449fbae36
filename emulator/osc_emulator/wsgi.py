"""What every face of the emulator reads from and writes to WSGI: request headers, status lines."""

from __future__ import annotations

from http import HTTPStatus


def request_headers(environ) -> dict:
    """Request headers, lower-case names, as the signature check wants them."""
    out = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            out[key.lower().replace("_", "-")] = environ[key]
    return out


def status_line(status: int) -> str:
    """``"404 Not Found"``: the reason phrase is http.HTTPStatus's."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"
