"""Running ``operations.copy_across_regions``: OAPI calls in both regions, OOS pre-signing and
deletion (botocore's S3 client), pauses with progress, and what an interruption leaves.

The plan decides everything; this module only performs its steps.  ``OSC_SHIM_POLL_SECONDS``
(default 5) is the pause between two looks at an export or an import in progress;
``OSC_ENDPOINT_OOS`` (``{region}`` replaced) overrides the OOS endpoint the transfer objects are
deleted through (pre-signed URLs always name the region's public OOS host, the one OUTSCALE reads).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from typing import Callable, Mapping, Optional

from . import regions
from .operations import copy_across_regions as plan
from .operations.engine import drive
from .core import reconciliation

POLL_ENV = "OSC_SHIM_POLL_SECONDS"
OOS_ENDPOINT_ENV = "OSC_ENDPOINT_OOS"
WAITING_STAGES = ("exporting", "importing")
_TRUE = {"1", "true", "yes", "on"}


def is_true(value) -> bool:
    return str(value or "").strip().lower() in _TRUE


def options_from(settings: Mapping, environ: Mapping = os.environ) -> plan.Options:
    """The transfer bucket and keep flag: the profile's keys, else the environment."""
    return plan.Options(transfer_bucket=settings.get(plan.BUCKET_SETTING) or environ.get(plan.BUCKET_ENV),
                        keep_transfer_objects=is_true(settings.get(plan.KEEP_SETTING) or environ.get(plan.KEEP_ENV)))


def _s3(region: str, credentials, endpoint_url: str, signature_version: str = "s3v4"):
    import botocore.session
    from botocore.config import Config

    frozen = credentials.get_frozen_credentials() if hasattr(credentials, "get_frozen_credentials") else credentials
    return botocore.session.get_session().create_client(
        "s3", region_name=region, endpoint_url=endpoint_url, aws_access_key_id=frozen.access_key,
        aws_secret_access_key=frozen.secret_key, aws_session_token=getattr(frozen, "token", None),
        config=Config(signature_version=signature_version, s3={"addressing_style": "path"}))


def presign(region: str, bucket: str, key: str, credentials, expires_in: int = plan.MAX_PRESIGN_SECONDS) -> str:
    """A SigV4 pre-signed GET URL of an object in ``region``'s OOS (seven days at most), made offline."""
    expires_in = max(1, min(int(expires_in), plan.MAX_PRESIGN_SECONDS))
    s3 = _s3(region, credentials, regions.endpoint("oos", region))
    return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in)


def delete_objects(step: plan.DeleteObjects, credentials, environ: Mapping = os.environ) -> list:
    """Delete every object under the step's prefixes; the keys deleted."""
    override = environ.get(OOS_ENDPOINT_ENV)
    endpoint = override.replace("{region}", step.region) if override else regions.endpoint("oos", step.region)
    s3 = _s3(step.region, credentials, endpoint)
    deleted = []
    for prefix in step.keys:
        listing = s3.list_objects_v2(Bucket=step.bucket, Prefix=prefix)
        for obj in listing.get("Contents") or []:
            s3.delete_object(Bucket=step.bucket, Key=obj["Key"])
            deleted.append(obj["Key"])
    return deleted


@contextlib.contextmanager
def _ctrl_c_noted():
    """Ctrl-C during a copy is noted as well as raised: one that lands in a destructor (where Python
    prints "Exception ignored" and drops it) still stops the copy, at its next step.  Yields the
    question "was it pressed?".  Only the main thread handles signals; where Ctrl-C is ignored
    (a background job), it stays ignored."""
    noted = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):  # SIG_IGN, or SIG_DFL (the process dies at once): nothing to note
        yield lambda: False
        return

    def handler(signum, frame):
        noted.append(signum)
        previous(signum, frame)  # Python's own handler: raises KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: bool(noted)
    finally:
        signal.signal(signal.SIGINT, previous)


def _performer(region: str, credentials, make_client: Callable, warn, progress, environ, sleep,
               interrupted: Callable[[], bool] = lambda: False):
    poll = float(environ.get(POLL_ENV) or 5)
    progress = progress or (lambda stage, percent, note: None)
    clients = {}

    def perform(step):
        if interrupted():
            raise KeyboardInterrupt
        if isinstance(step, plan.Pause):
            progress(step.stage, step.percent, step.note)
            if step.stage in WAITING_STAGES:
                sleep(poll)
            return None
        if isinstance(step, plan.Presign):
            return presign(step.region, step.bucket, step.key, credentials, step.expires_in)
        if isinstance(step, plan.DeleteObjects):
            return delete_objects(step, credentials, environ)
        where = step.region or region
        if where not in clients:
            clients[where] = make_client(where)
        return clients[where].perform(step, reconciliation(step), warn=warn)

    return perform


def share(image_id: str, region: str, credentials, make_client: Callable, *, bucket: Optional[str],
          expires_in: int, progress: Optional[Callable] = None, environ: Mapping = os.environ,
          sleep: Callable[[float], None] = time.sleep) -> str:
    """The pre-signed manifest URL of ``image_id``'s export (``osc-shim share-image``)."""
    with _ctrl_c_noted() as interrupted:
        perform = _performer(region, credentials, make_client, lambda m: None, progress, environ, sleep, interrupted)
        return drive(plan.share(image_id, region, plan.Options(transfer_bucket=bucket), expires_in), perform)


def run(params: dict, region: str, credentials, make_client: Callable, *, settings: Mapping,
        warn: Callable[[str], None], progress: Optional[Callable] = None, environ: Mapping = os.environ,
        sleep: Callable[[float], None] = time.sleep) -> dict:
    """Copy ``params["SourceImageId"]`` from ``params["SourceRegion"]`` to ``region``; EC2's answer."""
    from .operations.create_copy_deregister import check_copy

    options = options_from(settings, environ)
    try:
        with _ctrl_c_noted() as interrupted:
            perform = _performer(region, credentials, make_client, warn, progress, environ, sleep, interrupted)
            return drive(plan.pipeline(dict(params), region, options, check_copy), perform,
                         dry_run=bool(params.get("DryRun")))
    except KeyboardInterrupt:
        done = "; ".join(options.resume_note) or "nothing was made yet, or an export task was started"
        warn(f"interrupted: {done}. Nothing half-made is left: run the same command again to resume "
             "(it reuses the export task and finds the image already registered).")
        raise
