"""The shim's entry point for both front ends (AWS CLI plugin and EC2 gateway).

``call("RegisterImage", params, region=..., credentials=...)`` takes botocore's
API params, performs the OAPI calls and returns botocore's result dict, or
raises ``Ec2Error``.

This is where the layers meet: the translator (``operations``) is run by the
engine (``operations.engine``), each of its calls performed by the OAPI client
(``oapi.client``, I/O only), and a call whose answer is lost is reconciled with
its plan (``operations.reconcile``), whose lookups the same engine runs with the
client's reads (``Reconciliation``).
"""

from __future__ import annotations

import os
from typing import Callable, Mapping, Optional

from . import deregistered
from .errors import Ec2Error
from .oapi.client import OapiClient
from .oapi.retry import Budget, policy_from
from .operations import OPERATIONS
from .operations import limits, reconcile
from .operations.engine import Call, Context, look, run
from .regions import UnknownRegion
from .routing import oapi_endpoint, translator

CROSS_REGION_HERE = (
    "Copying an image from {source} to {region} takes an export, an import and minutes to hours; this front end "
    "answers within one request, so it does not start it (and never copies within {region} instead). Run it with "
    "the AWS CLI and the plugin: aws ec2 copy-image --source-region {source} --region {region} --source-image-id "
    "ID --name NAME (transfer bucket: outscale_transfer_bucket or OSC_TRANSFER_BUCKET), or share it: "
    "url=$(osc-shim share-image --image-id ID --region {source}); aws ec2 register-image --image-location \"$url\" "
    "--region {region}.")

# The EC2 operations the shim translates (routing.translator is the one answer; this is its list).
SUPPORTED = frozenset(OPERATIONS)


def make_client(region: str, credentials, environ=os.environ, **options) -> OapiClient:
    if credentials is None:
        raise Ec2Error("AuthFailure", "Unable to locate credentials: configure an access key and a secret key "
                       "for this profile (aws configure) or set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.", 401)
    try:
        endpoint = oapi_endpoint(region, environ)
    except UnknownRegion as exc:
        raise Ec2Error("InvalidParameterValue", f"{exc}. Pass --region or an OUTSCALE --endpoint.") from None
    if "retry" not in options:  # OSC_SHIM_* settings (oapi.retry.SETTINGS), else AWS standard mode's defaults
        options["retry"] = policy_from(environ, options.pop("settings", None))
    options.setdefault("first_looks", reconcile.FirstLooks())
    return OapiClient(endpoint, region, credentials, **options)


class Reconciliation:
    """A call's reconciliation plan as the OAPI client uses it (see ``oapi.client``): the plan's pure
    lookups, run by the engine with the reads the client hands in."""

    retry_window = reconcile.CLIENT_RETRY_WINDOW

    def __init__(self, plan: reconcile.Reconcile):
        self._plan = plan
        self.what = plan.what
        self.check_hint = plan.check_hint
        self.conflict_codes = plan.conflict_codes
        self.gone_codes = plan.gone_codes
        self.resend = plan.resend
        self.settle = plan.settle
        self.finds = plan.find is not None
        self.looks_before = plan.before is not None

    def before(self, call: Call, read):
        return look(self._plan.before(call), read)

    def find(self, call: Call, since: float, before, read):
        return look(self._plan.find(call, since, before), read,
                    reconcile.Unknown("the lookup got no answer in the time left"))


def reconciliation(call: Call) -> Optional[Reconciliation]:
    """The plan for ``call`` (its own, else ``reconcile.PLANS``'s for its action), or None."""
    plan = reconcile.plan_for(call)
    return Reconciliation(plan) if plan is not None else None


def call(operation: str, params: dict, *, region: str, credentials=None,
         warn: Optional[Callable[[str], None]] = None, client: Optional[OapiClient] = None,
         retried: bool = False, settings: Optional[Mapping] = None, api: str = "ec2",
         invocation: Optional[str] = None, copy_settings: Optional[Mapping] = None,
         progress: Optional[Callable] = None, deferred: bool = False) -> dict:
    """``api``: the AWS service the operation is of (``ec2``; ``sts`` for GetCallerIdentity).
    ``retried``: the front end's client says this request repeats an earlier one (an SDK retry):
    a create it asks for may already have happened (``oapi.client.OapiClient.perform``); ``invocation``:
    the client's ID of the request, the same on its retries (``amz-sdk-invocation-id``).
    ``settings``: retry/timeout settings from the front end (``oapi.retry.policy_from``).
    ``deferred``: the front end writes EC2's answer itself and takes OAPI items still to convert
    (``operations.conversion.Unconverted``: the gateway's XML writer); others get converted lists."""
    from .routing import Refused, copy_kind

    # copy_settings: the profile's transfer settings (outscale_transfer_bucket...): a front end that gives
    # them runs a copy from another region (copy_runner); one that does not (the gateway: no request is held
    # for the minutes it takes) answers it with an error naming the command.
    try:
        kind = copy_kind(operation, params, region) if api == "ec2" else "direct"
    except Refused as exc:
        raise Ec2Error("InvalidParameterValue", f"{exc}") from None
    if kind == "cross-region":
        if copy_settings is None:
            raise Ec2Error("UnsupportedOperation", CROSS_REGION_HERE.format(source=params["SourceRegion"], region=region))
        from . import copy_runner

        return copy_runner.run(params, region, credentials,
                               lambda where: make_client(where, credentials, settings=settings),
                               settings=copy_settings, warn=warn or (lambda message: None), progress=progress)
    translate = translator(operation, api)
    if translate is None:
        raise Ec2Error("UnsupportedOperation", f"The shim does not translate {operation}.")
    limits.check(operation, params)  # before anything is sent, whatever the front end
    ctx = Context(region=region, warn=warn or (lambda message: None),
                  deregistered=_deregistered_scope(region, credentials, client), deferred=deferred)
    clients = [client] if client else []
    budgets = []  # one time budget for the whole EC2 call (OSC_SHIM_MAX_TOTAL), whatever its OAPI calls

    def perform(step):
        # The client is made at the first call, so translation errors surface
        # before credentials or endpoints are looked at.
        if not clients:
            clients.append(make_client(region, credentials, settings=settings))
        if not budgets:
            policy = getattr(clients[0], "retry", None)
            budgets.append(Budget(policy) if policy is not None else None)
        return clients[0].perform(step, reconciliation(step), warn=ctx.warn, retried=retried, budget=budgets[0],
                                 invocation=invocation)

    try:
        return run(translate, params, ctx, perform)
    except (Ec2Error, KeyboardInterrupt):
        raise
    except Exception as exc:
        problem = _ill_typed(operation, params) if api == "ec2" and not type(exc).__module__.startswith("botocore") else None
        if problem is not None:
            raise problem from None
        raise  # a bug of the shim: each front end reports it as InternalError, without a traceback


def _deregistered_scope(region: str, credentials, client: Optional[OapiClient]):
    """This caller's memory of deregistered images: one per OAPI endpoint and access key."""
    try:
        endpoint = getattr(client, "endpoint", None) or oapi_endpoint(region, os.environ)
    except UnknownRegion:
        return None
    credentials = credentials or getattr(client, "credentials", None)
    return deregistered.RECENT.scoped((endpoint.rstrip("/"), getattr(credentials, "access_key", None)))


def _ill_typed(operation: str, params) -> Optional[Ec2Error]:
    """An ``InvalidParameterValue`` when ``params`` do not fit botocore's EC2 model (wrong types, unknown
    members), else None.  Only checked after a failure: the CLI and the gateway already hand over
    params of the right types, code calling ``call`` directly may not."""
    try:
        from botocore.validate import ParamValidator

        shape = _ec2_model().operation_model(operation).input_shape
        report = ParamValidator().validate(params, shape)
    except Exception:  # no model to judge by: let the original failure stand
        return None
    if not report.has_errors():
        return None
    text = " ".join(report.generate_report().split())
    return Ec2Error("InvalidParameterValue", text[:1000])


_MODEL = []


def _ec2_model():
    if not _MODEL:
        import botocore.session

        _MODEL.append(botocore.session.get_session().get_service_model("ec2"))
    return _MODEL[0]
