"""Sub-generators that read one resource or the caller's account, shared by the translators."""

from __future__ import annotations

import re

from ..errors import Ec2Error, OapiError, to_ec2
from .engine import Call
from .image_shape import check_id, image_not_found, image_unavailable
from .placeholders import next_page_token, pick

ACCOUNT_ID_RE = re.compile(r"^\d{12}$")


def own_account_id():
    """Sub-generator: the caller's OUTSCALE account ID (OAPI ReadAccounts)."""
    try:
        answer = yield Call("ReadAccounts", {}, idempotent=True, prepares=True)
    except OapiError as err:
        cause = to_ec2(err)
        raise Ec2Error(cause.code, "Resolving 'self' needs your account ID, and ReadAccounts failed: "
                       f"{cause.message}. Give your account ID instead of self.", cause.status) from None
    accounts = answer.get("Accounts") or []
    if not accounts or not accounts[0].get("AccountId"):
        raise Ec2Error("AuthFailure", "Resolving 'self' needs your account ID, and ReadAccounts returned none. "
                       "Give your account ID instead of self.", 401)
    return accounts[0]["AccountId"]


def read_image(image_id: str, deregistered=()):
    """Sub-generator: the OAPI image ``image_id`` (ReadImages), or EC2's InvalidAMIID.NotFound
    (``InvalidAMIID.Unavailable`` for an image in ``deregistered``, Context.deregistered)."""
    check_id(image_id, "ami-")
    def not_found(ids):
        return image_unavailable(image_id) if image_id in (deregistered or ()) else image_not_found(ids)

    image = yield from read_one("ReadImages", "Images", "ImageId", image_id, not_found)
    return image


def read_one(action: str, plural: str, id_member: str, resource_id: str, not_found):
    """Sub-generator: the one OAPI resource ``resource_id`` (``ReadImages``, ``ReadSnapshots``, ...), or
    ``not_found([resource_id])``."""
    body = {"Filters": {f"{id_member}s": [resource_id]}}
    answer = yield Call(action, body, idempotent=True)
    found = pick(answer.get(plural) or [], id_member, resource_id)
    if found is None:
        raise not_found([resource_id])
    return found


def with_next_token(result: dict, answer) -> dict:
    """``result`` with EC2's ``NextToken`` when the OAPI answer has a next page."""
    token = next_page_token(answer)
    if token is not None:
        result["NextToken"] = token
    return result
