"""The emulator's OOS, as S3 clients reach it (botocore, ``aws s3api``): path style under
``/oos/<region>/``, i.e. ``OSC_ENDPOINT_OOS=http://127.0.0.1:PORT/oos/{region}``.

Enough for the transfer objects of a copy across regions: ListObjectsV2 (``GET /<bucket>?list-type=2
&prefix=``), GetObject, PutObject, DeleteObject, CreateBucket (``PUT /<bucket>``).  Requests are
SigV4-signed with an account's key (checked as the OAPI face checks its own).  Every region's path
reaches the same buckets: one OOS.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, unquote
from xml.sax.saxutils import escape

from .signature import SignatureError, check_authorization

PREFIX = "/oos/"


def _error(status: int, code: str, message: str):
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    return status, body.encode(), "application/xml"


def handle(cloud, method: str, path: str, query: str, headers: dict, body: bytes):
    """(status, body bytes, content type) for an S3 request to the emulator's OOS."""
    rest = path[len(PREFIX):]
    _region, _, rest = rest.partition("/")
    try:
        check_authorization(method, quote(path, safe="/~"), headers, body, cloud.secret_for, query=query)
    except SignatureError as exc:
        return _error(403, "SignatureDoesNotMatch" if exc.kind == "bad-signature" else "AccessDenied", exc.reason)
    bucket, _, key = rest.partition("/")
    bucket, key = unquote(bucket), unquote(key)
    if not bucket:
        return _error(400, "InvalidBucketName", "name a bucket")
    if method == "PUT" and not key:
        cloud.create_bucket(bucket)
        return 200, b"", "application/xml"
    if bucket not in cloud.buckets:
        return _error(404, "NoSuchBucket", f"The bucket {bucket} does not exist")
    if method == "GET" and not key:
        prefix = (parse_qs(query).get("prefix") or [""])[0]
        keys = sorted(k for k in cloud.buckets[bucket] if k.startswith(prefix))
        items = "".join(f"<Contents><Key>{escape(k)}</Key><Size>{len(cloud.buckets[bucket][k])}</Size></Contents>"
                        for k in keys)
        xml = (f"<?xml version='1.0' encoding='UTF-8'?><ListBucketResult><Name>{escape(bucket)}</Name>"
               f"<Prefix>{escape(prefix)}</Prefix><KeyCount>{len(keys)}</KeyCount><MaxKeys>1000</MaxKeys>"
               f"<IsTruncated>false</IsTruncated>{items}</ListBucketResult>")
        return 200, xml.encode(), "application/xml"
    if method == "GET":
        data = cloud.get_object(bucket, key)
        return (200, data, "application/octet-stream") if data is not None else _error(404, "NoSuchKey", key)
    if method == "PUT":
        cloud.put_object(bucket, key, body)
        return 200, b"", "application/xml"
    if method == "DELETE":
        cloud.delete_object(bucket, key)
        return 204, b"", "application/xml"
    return _error(405, "MethodNotAllowed", method)
