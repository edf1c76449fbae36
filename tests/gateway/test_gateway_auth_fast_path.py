"""The verifier's own SigV4 computation is botocore's, byte for byte.

``Verifier._signature`` computes the canonical request and the signature itself (no
``email.message`` header map, the signing key cached per day); ``_botocore_signature`` is the
same computation through botocore's ``SigV4Auth``.  Both must agree on every request -- paths
with dot segments and escapes, raw and canonicalised query strings, header values with runs of
whitespace, names signed twice, a signed ``X-Amz-Content-SHA256``, any body -- and fail alike.
"""

from __future__ import annotations

import hashlib

from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from osc_shim.gateway.auth import Verifier
from osc_shim.signing import canonical_query as _canonical_query

from gateway_testlib import AK, REGION, SK

ASCII = st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=24)
ANY_TEXT = st.text(max_size=24)
NAMES = ["host", "x-amz-date", "content-type", "x-amz-content-sha256", "x-amz-security-token", "user-agent",
         "x-custom"]


def both(v: Verifier, frozen, m, stamp, method, path, query, headers, signed, body, canonical_query):
    out = []
    for compute in (v._signature, v._botocore_signature):
        try:
            out.append(compute(frozen, m, stamp, method, path, query, headers, signed, body, canonical_query))
        except Exception as exc:  # both must fail alike
            out.append(type(exc).__name__)
    return out


@settings(max_examples=400, deadline=None)
@given(
    names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=6),
    values=st.lists(st.one_of(ASCII, st.sampled_from(["  a \t b  ", "127.0.0.1:8788", "", "x\x1fy\x0bz"]),
                              ANY_TEXT), min_size=7, max_size=7),
    body=st.one_of(st.binary(max_size=40), st.just(b"")),
    path=st.one_of(st.sampled_from(["/", "", "/a/../b/./c", "//x", "/%2F%7e", "/é"]), ASCII),
    query=st.one_of(st.sampled_from(["", "Action=X&b=1&a=2", "a&b=&=c", "x=1#frag", "a=%20+b"]), ASCII),
    canonicalise=st.booleans(),
    method=st.sampled_from(["POST", "GET", "get"]),
    region=st.sampled_from([REGION, "us-east-1"]),
    stamp=st.sampled_from(["20240101T000000Z", "20240102T101010Z"]),
    sha_is_body=st.booleans(),
)
def test_fast_signature_is_botocores(names, values, body, path, query, canonicalise, method, region, stamp,
                                     sha_is_body):
    v = Verifier(Credentials(AK, SK), REGION)
    frozen = v._credentials.get_frozen_credentials()
    signed = list(names) if "host" in names else list(names) + ["host"]
    headers = {name: values[i] for i, name in enumerate(NAMES)}
    if sha_is_body:
        headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    m = {"region": region, "service": "ec2", "date": stamp[:8]}
    canonical_query = _canonical_query(query) if canonicalise and query else None
    fast, reference = both(v, frozen, m, stamp, method, path, query, headers, signed, body, canonical_query)
    assert fast == reference
    # and again, with the signing key now cached
    assert both(v, frozen, m, stamp, method, path, query, headers, signed, body, canonical_query)[0] == reference


def test_signing_key_follows_the_secret_and_the_day():
    v = Verifier(Credentials(AK, SK), REGION)
    first = v._signing_key(SK, "20240101", REGION, "ec2")
    assert v._signing_key(SK, "20240101", REGION, "ec2") == first
    assert v._signing_key(SK, "20240102", REGION, "ec2") != first
    assert v._signing_key(SK + "x", "20240101", REGION, "ec2") != first
    assert v._signing_key(SK, "20240101", REGION, "ec2") == first
