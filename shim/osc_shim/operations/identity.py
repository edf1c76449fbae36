"""STS GetCallerIdentity, answered through OAPI's ReadAccounts.

OUTSCALE has no STS, and nearly every AWS script starts with
``ACCOUNT=$(aws sts get-caller-identity --query Account --output text)``: for a
command that targets OUTSCALE the shim answers it (never AWS).  ReadAccounts gives
the account of the access key; it says nothing of the user behind the key, so only
``Account`` is answered (``UserId`` and ``Arn`` are optional in botocore's model, and
inventing them would be a lie a script could act on).
"""

from __future__ import annotations

from ..errors import Ec2Error, OapiError, to_ec2
from .engine import Call, Context, check_members

GET_CALLER_IDENTITY = {}  # GetCallerIdentity has no input member


def get_caller_identity(params: dict, ctx: Context):
    check_members("GetCallerIdentity", GET_CALLER_IDENTITY, params)
    try:
        answer = yield Call("ReadAccounts", {}, idempotent=True)
    except OapiError as err:
        cause = to_ec2(err)
        raise Ec2Error(cause.code, f"GetCallerIdentity is answered by OUTSCALE's ReadAccounts, which failed: "
                       f"{cause.message}", cause.status) from None
    accounts = answer.get("Accounts") or []
    if not accounts:
        raise Ec2Error("AuthFailure", "GetCallerIdentity is answered by OUTSCALE's ReadAccounts, which returned "
                       "no account for this access key.", 401)
    return {"Account": accounts[0]["AccountId"]}


OPERATIONS = {"GetCallerIdentity": get_caller_identity}
