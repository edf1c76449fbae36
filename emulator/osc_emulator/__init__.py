"""An offline OUTSCALE API (OAPI) for images, snapshots, tags and exports.

Public API::

    start_emulator(host="127.0.0.1", port=0, accounts=None, region="eu-west-2", **options) -> EmulatorHandle
    Cloud(accounts=None, region="eu-west-2", pending_reads=1, ...)   # the in-memory state
    make_manifest(name, architecture="x86_64", snapshots=None, ...) -> dict
    presigned_url(region, bucket, key, expires_in=SEVEN_DAYS, now=None, style="v2") -> str
    DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, DEFAULT_ACCOUNT_ID

Modules: ``schema`` (the spec as validator), ``models`` / ``store`` / ``views`` / ``seeding`` (the
cloud: its records, their keeper, their OAPI shapes, what fills it), ``access`` (a caller's
resources by ID), ``errors`` (OAPI's and EC2's error answers), ``signature`` (inbound signature
checks), ``regions``, ``app`` (WSGI), ``control`` (the ``/_emulator/`` endpoints),
``fault_injection`` (misbehaviour on purpose), ``server`` (waitress), ``command``
(``osc-shim emulator``); one module per family of OAPI actions (``images``, ``snapshots``,
``tags``, ``exports``, ``accounts``); the FCU face: ``fcu`` with ``query_protocol``, ``fcu_common``,
``fcu_instances``, ``fcu_storage``; OOS: ``oos`` (URLs, manifests), ``oos_api`` (S3 requests).

This package never imports ``osc_shim``: it is the test oracle of the shim, so it shares no code
with it (``tests/unit/test_layers.py``).
"""

from .oos import SEVEN_DAYS, make_manifest, presigned_url
from .models import DEFAULT_ACCESS_KEY, DEFAULT_ACCOUNT_ID, DEFAULT_SECRET_KEY, default_accounts
from .seeding import default_vm_id
from .store import Cloud


def start_emulator(*args, **kwargs):
    """See ``osc_emulator.server.start_emulator`` (imported lazily: it pulls in waitress)."""
    from .server import start_emulator as _start

    return _start(*args, **kwargs)


__all__ = ["start_emulator", "Cloud", "make_manifest", "presigned_url", "SEVEN_DAYS", "DEFAULT_ACCESS_KEY",
           "DEFAULT_SECRET_KEY", "DEFAULT_ACCOUNT_ID", "default_accounts", "default_vm_id"]
