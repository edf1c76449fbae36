"""STS's XML for the one STS action the gateway answers: GetCallerIdentity (through OAPI).

A client signing for ``sts`` against the gateway (``boto3.client("sts", endpoint_url=...)``,
``AWS_ENDPOINT_URL_STS``) asks who it runs as; the answer comes from OAPI's ReadAccounts
(``operations/identity.py``), never from AWS.  Errors are STS's error document
(``ErrorResponse``, ``RequestId``) for a request signed for STS.
"""

from __future__ import annotations

from typing import Mapping, Optional

from osc_shim.errors import Ec2Error
from osc_shim.gateway.query_serialize import XML_DECLARATION, xml_text

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"


def serialize_result(operation: str, result: Optional[Mapping], request_id: str) -> bytes:
    members = "".join(f"<{k}>{xml_text(str(v))}</{k}>" for k, v in (result or {}).items())
    return (f'{XML_DECLARATION}<{operation}Response xmlns="{STS_NAMESPACE}"><{operation}Result>{members}'
            f"</{operation}Result><ResponseMetadata><RequestId>{xml_text(request_id)}</RequestId>"
            f"</ResponseMetadata></{operation}Response>").encode("utf-8")


def serialize_error(error: Ec2Error, request_id: str) -> bytes:
    kind = "Sender" if error.status < 500 else "Receiver"
    return (f'{XML_DECLARATION}<ErrorResponse xmlns="{STS_NAMESPACE}"><Error><Type>{kind}</Type>'
            f"<Code>{xml_text(str(error.code))}</Code><Message>{xml_text(str(error.message))}</Message></Error>"
            f"<RequestId>{xml_text(request_id)}</RequestId></ErrorResponse>").encode("utf-8")
