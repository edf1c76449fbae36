"""The shim's entry point for both front ends (AWS CLI plugin and EC2 gateway).

``call("RegisterImage", params, region=..., credentials=...)`` takes botocore's
API params, performs the OAPI calls and returns botocore's result dict, or
raises ``Ec2Error``.
"""

from __future__ import annotations

import os
from typing import Callable, Optional

from .errors import Ec2Error
from .oapi.client import OapiClient
from .operations import OPERATIONS
from .operations.base import Context, drive
from .regions import UnknownRegion, oapi_endpoint

SUPPORTED = frozenset(OPERATIONS)


def make_client(region: str, credentials, environ=os.environ) -> OapiClient:
    if credentials is None:
        raise Ec2Error("AuthFailure", "Unable to locate credentials: configure an access key and a secret key "
                       "for this profile (aws configure) or set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.", 401)
    try:
        endpoint = oapi_endpoint(region, environ)
    except UnknownRegion as exc:
        raise Ec2Error("InvalidParameterValue", f"{exc}. Pass --region or an OUTSCALE --endpoint.") from None
    return OapiClient(endpoint, region, credentials)


def call(operation: str, params: dict, *, region: str, credentials=None,
         warn: Optional[Callable[[str], None]] = None, client: Optional[OapiClient] = None) -> dict:
    translator = OPERATIONS.get(operation)
    if translator is None:
        raise Ec2Error("UnsupportedOperation", f"The shim does not translate {operation}.")
    ctx = Context(region=region, warn=warn or (lambda message: None))
    clients = [client] if client else []

    def perform(step):
        # The client is made at the first call, so translation errors surface
        # before credentials or endpoints are looked at.
        if not clients:
            clients.append(make_client(region, credentials))
        return clients[0].call(step.action, step.body, idempotent=step.idempotent)

    return drive(translator(dict(params), ctx), perform)
