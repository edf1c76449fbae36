"""Serving the emulator: waitress in a daemon thread, a handle to stop it.

    with start_emulator() as emu:            # 127.0.0.1, a free port
        emu.api_url                          # http://127.0.0.1:PORT/api/v1 (the default region)
        emu.api_url_template                 # http://127.0.0.1:PORT/{region}/api/v1: OSC_ENDPOINT_API
        emu.cloud_for("us-east-2")           # that region's state (each region has its own)
        emu.cloud.put_object("b", "k", b"")  # direct access to the state
"""

from __future__ import annotations

import os
import threading
from typing import Optional

from .regions import DEFAULT_REGION
from . import oos
from .app import MAX_BODY, EmulatorApp
from .store import Cloud


class EmulatorHandle:
    """A running emulator: ``url``, ``api_url``, ``cloud``, ``stop()``; a context manager."""

    def __init__(self, server, thread: threading.Thread, stopping: threading.Event, app: EmulatorApp, host: str):
        self._server = server
        self._thread = thread
        self._stopping = stopping
        self.app = app
        self.cloud: Cloud = app.cloud
        self.host = host
        # one socket: TcpWSGIServer; a name with several addresses: MultiSocketServer
        self.port: int = getattr(server, "effective_port", None) or server.effective_listen[0][1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}"
        self.api_url = self.url + "/api/v1"
        self.fcu_url = self.url  # the FCU (EC2 Query) face over the same cloud
        self.api_url_template = self.url + "/{region}/api/v1"

    def api_url_for(self, region: str) -> str:
        return self.api_url_template.replace("{region}", region)

    def cloud_for(self, region: str) -> Cloud:
        """The state of ``region`` (made on first use)."""
        cloud = self.app.cloud_for(region)
        if cloud is None:
            raise KeyError(region)
        return cloud

    @property
    def region(self) -> str:
        return self.cloud.region

    @property
    def access_key(self) -> str:
        return self.cloud.default_account.access_key

    @property
    def secret_key(self) -> str:
        return self.cloud.default_account.secret_key

    def put_manifest(self, bucket: str, key: str, manifest: dict, expires_in: int = oos.SEVEN_DAYS) -> str:
        return self.cloud.put_manifest(bucket, key, manifest, expires_in)

    # -- injected faults (fault_injection.py) ---------------------------------------------------
    @property
    def faults(self):
        """The emulator's ``FaultInjector`` (``.rules``, ``.applied``)."""
        return self.app.faults

    def inject(self, kind: Optional[str] = None, action: str = "*", times: Optional[int] = 1, **options):
        """Make the next matching call(s) misbehave, e.g. ``inject("reset-after", "CreateImage")``."""
        return self.app.faults.inject(kind, action, times, **options)

    def schedule(self, action: str, kinds, **options):
        """One fault kind (or None) per consecutive call of ``action``."""
        return self.app.faults.schedule(action, kinds, **options)

    def clear_faults(self) -> None:
        self.app.faults.clear()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and wait for the server thread (idempotent)."""
        self.app.faults.released.set()  # requests held by a fault are let go
        self._stopping.set()
        self._thread.join(timeout)

    def __enter__(self) -> "EmulatorHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<EmulatorHandle {self.api_url} region={self.region}>"


def start_emulator(host: str = "127.0.0.1", port: int = 0, accounts: Optional[dict] = None,
                   region: str = DEFAULT_REGION, *, max_body: int = MAX_BODY, hooks: bool = True,
                   check_responses: bool = True, threads: int = 4, control_token: Optional[str] = None,
                   **cloud_options) -> EmulatorHandle:
    """Serve a fresh emulated cloud; return its handle at once (the server runs in a daemon thread).

    ``accounts``: {access key: (secret key, account id[, alias])}; default: one account with
    ``OSC_ACCESS_KEY``/``OSC_SECRET_KEY`` or the demo keys, account 123456789012.
    ``cloud_options`` go to ``Cloud``: pending_reads, pending_seconds, export_reads,
    export_seconds, clock, default_seed, rng.
    """
    from waitress.server import create_server

    from . import schema

    schema.spec()  # parse the spec now (once per process), not on the first request
    oos_store: dict = {}  # one OOS reachable from every region, as OUTSCALE's buckets are from anywhere
    cloud = Cloud(accounts, region, oos_store=oos_store, **cloud_options)
    from . import control

    # The /_emulator/ hooks are unsigned: beyond loopback only with a control token (control.py).
    token = control_token or os.environ.get(control.TOKEN_ENV) or None
    app = EmulatorApp(cloud, max_body=max_body, hooks_enabled=hooks and control.hooks_allowed(host, token),
                      check_responses=check_responses, control_token=token,
                      make_cloud=lambda other: Cloud(accounts, other, oos_store=oos_store, **cloud_options))
    server = create_server(app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True,
                           ident="osc-shim-emulator",
                           # waitress's own 413 is plain text: leave the app room to answer OAPI's shape
                           max_request_body_size=max_body * 4)
    stopping = threading.Event()
    thread = threading.Thread(target=_serve, args=(server, stopping), name="osc-emulator",
                              daemon=True)
    thread.start()
    return EmulatorHandle(server, thread, stopping, app, host)


def _serve(server, stopping: threading.Event) -> None:
    from osc_serving import run_until_stopped

    run_until_stopped(server, stopping)
