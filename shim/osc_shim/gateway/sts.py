"""STS's XML for the one STS action the gateway answers: GetCallerIdentity (through OAPI).

A client signing for ``sts`` against the gateway (``boto3.client("sts", endpoint_url=...)``,
``AWS_ENDPOINT_URL_STS``) asks who it runs as; the answer comes from OAPI's ReadAccounts
(``operations/identity.py``), never from AWS.  Errors keep EC2's error document, which
botocore's query parser reads for STS as well.
"""

from __future__ import annotations

from typing import Mapping, Optional

from osc_shim.gateway.query_protocol import XML_DECLARATION, xml_text

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"


def serialize_result(operation: str, result: Optional[Mapping], request_id: str) -> bytes:
    members = "".join(f"<{k}>{xml_text(str(v))}</{k}>" for k, v in (result or {}).items())
    return (f'{XML_DECLARATION}<{operation}Response xmlns="{STS_NAMESPACE}"><{operation}Result>{members}'
            f"</{operation}Result><ResponseMetadata><RequestId>{xml_text(request_id)}</RequestId>"
            f"</ResponseMetadata></{operation}Response>").encode("utf-8")
