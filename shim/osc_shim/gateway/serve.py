"""``osc-shim serve``: run the EC2-compatible gateway under waitress.

``GatewayServer`` wraps waitress (a multi-threaded WSGI server) with a
graceful shutdown: on SIGTERM/SIGINT (or ``shutdown()``) it stops accepting
connections, lets the requests in flight finish and their answers go out
(up to ``grace`` seconds), then stops its threads.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from typing import Optional

import click

log = logging.getLogger("osc_shim.gateway")
# Open connections the gateway holds at most (idle ones are closed by gateway/framing.py's timeouts).
MAX_CONNECTIONS = 4096


# glibc gives each thread that allocates its own malloc arena: with 8 workers building large answers
# (a DescribeImages of 1,000 images is ~1 MB of XML) the freed memory stays spread over 8 arenas.
# One arena (the GIL serialises allocation anyway), and handing free pages back after a large answer,
# keep the process within ~60 MiB under load (bench/gateway_load_bench.py).
MALLOC_ARENAS = 1
LARGE_ANSWER = 256 * 1024
_M_ARENA_MAX = -8


def _libc():
    try:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except (OSError, AttributeError, ImportError):
        return None  # not glibc: nothing to tune


class _TrimAfterLargeAnswers:
    """WSGI middleware: after an answer over ``LARGE_ANSWER`` bytes, free pages go back to the system."""

    def __init__(self, app, libc):
        self.app, self._libc = app, libc

    def __getattr__(self, name):  # config, in_flight, close... stay the app's
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        body = self.app(environ, start_response)
        size = sum(len(chunk) for chunk in body) if isinstance(body, list) else 0
        if size > LARGE_ANSWER:
            body = _trim_when_sent(body, self._libc)
        return body


def _trim_when_sent(chunks, libc):
    yield from chunks
    del chunks
    libc.malloc_trim(0)


def _connection_limit(wanted: int) -> int:
    """``wanted``, within what the process may open (raising its soft descriptor limit if it can)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = wanted + 128
        if soft != resource.RLIM_INFINITY and soft < need:
            target = need if hard == resource.RLIM_INFINITY else min(need, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        return max(16, min(wanted, soft - 128)) if soft != resource.RLIM_INFINITY else wanted
    except (ImportError, ValueError, OSError):
        return wanted


class GatewayServer:
    """A waitress server for one WSGI app, with a stoppable loop and graceful shutdown."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 8788, threads: int = 8,
                 grace: float = 10.0, max_request_body: Optional[int] = None,
                 max_connections: int = MAX_CONNECTIONS, waitress_options: Optional[dict] = None,
                 framing_hooks: bool = True):
        """``waitress_options`` override the settings below and ``framing_hooks=False`` leaves waitress's
        own channels (bench/gateway_load_bench.py compares them side by side)."""
        from waitress.server import BaseWSGIServer, create_server

        from . import framing

        libc = _libc()
        if libc is not None:
            libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS)  # before the worker threads exist
            app = _TrimAfterLargeAnswers(app, libc)
        self.app = app
        self.grace = grace
        self._stop = threading.Event()
        self.stopped = threading.Event()
        max_body = getattr(getattr(app, "config", None), "max_body", 1024 * 1024)
        self.max_connections = _connection_limit(max_connections)
        options = dict(
            # The app answers EC2's RequestEntityTooLarge itself; waitress only guards against abuse.
            max_request_body_size=max_request_body or max(2 * max_body, max_body + 65536),
            clear_untrusted_proxy_headers=True,
            # Idle, half-sent and junk connections must not lock real clients out (docs/performance.md):
            # poll() instead of select() (no 1,024 descriptors ceiling), a high connection limit, and the
            # header / body / idle timeouts of gateway/framing.py swept every second.
            asyncore_use_poll=True, connection_limit=self.max_connections,
            channel_timeout=framing.IDLE_TIMEOUT, cleanup_interval=framing.CHECK_EVERY,
            backlog=2048,
            # Answers up to 8 MiB stay in memory (waitress's default spills those over 1 MiB, a
            # DescribeImages of 1,000 images, to a temporary file).
            outbuf_overflow=8 * 1024 * 1024,
        )
        options.update(waitress_options or {})
        self._use_poll = bool(options["asyncore_use_poll"])
        self._server = create_server(app, host=host, port=port, threads=threads, ident="osc-shim", **options)
        self._map = getattr(self._server, "map", None) or self._server._map
        listeners = [d for d in list(self._map.values()) if isinstance(d, BaseWSGIServer)] or [self._server]
        for listener in listeners if framing_hooks else ():
            listener.channel_class = framing.GatewayChannel
            listener.maintenance = lambda now, listener=listener: framing.maintenance(listener, now)
        self._dispatcher = self._server.task_dispatcher
        if hasattr(self._server, "effective_listen"):
            self.addresses = [tuple(a) for a in self._server.effective_listen]
        else:
            self.addresses = [(self._server.effective_host, self._server.effective_port)]

    @property
    def url(self) -> str:
        host, port = self.addresses[0][:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"

    def shutdown(self) -> None:
        """Ask the loop to stop (thread-safe; also what SIGTERM/SIGINT do)."""
        self._stop.set()

    def _busy(self) -> int:
        from waitress.channel import HTTPChannel

        busy = sum(1 for ch in list(self._map.values())
                   if isinstance(ch, HTTPChannel) and (ch.requests or ch.total_outbufs_len))
        return busy + getattr(self.app, "in_flight", 0)

    def serve_forever(self) -> None:
        from waitress import wasyncore
        from waitress.server import BaseWSGIServer

        try:
            while not self._stop.is_set():
                wasyncore.loop(timeout=0.2, use_poll=self._use_poll, map=self._map, count=1)
            # Stop accepting: close the listening sockets, keep the trigger and the open channels.
            for listener in [d for d in list(self._map.values()) if isinstance(d, BaseWSGIServer)]:
                wasyncore.dispatcher.close(listener)
            deadline = time.monotonic() + self.grace
            busy = self._busy()
            if busy:
                log.info("osc-shim gateway: waiting up to %.0fs for %d request(s) in flight", self.grace, busy)
            while time.monotonic() < deadline and self._busy():
                wasyncore.loop(timeout=0.05, use_poll=self._use_poll, map=self._map, count=1)
            self._dispatcher.shutdown(cancel_pending=True, timeout=max(0.1, deadline - time.monotonic()))
            wasyncore.close_all(self._map)
        finally:
            close = getattr(self.app, "close", None)
            if close:
                close()
            self.stopped.set()


def _setup_logging(access_log: str, quiet: bool, level: str) -> None:
    root = logging.getLogger("osc_shim")
    root.setLevel(getattr(logging, level.upper()))
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.propagate = False
    access = logging.getLogger("osc_shim.gateway.access")
    access.propagate = False
    access.setLevel(logging.INFO if not quiet else logging.WARNING)
    if not quiet:
        handler = logging.StreamHandler(sys.stderr) if access_log == "-" else logging.FileHandler(access_log)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        access.addHandler(handler)
    from osc_shim import redaction

    # Every line printed goes through the redaction filter, whichever osc_shim logger wrote it.
    redaction.guard_handlers("osc_shim", "osc_shim.gateway.access")
    logging.getLogger("waitress").setLevel(logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is N" under load


HELP = """Serve an EC2-compatible endpoint backed by the OUTSCALE API.

\b
boto3 code, other AWS SDKs, Terraform and the AWS CLI (without the plugin)
talk to this endpoint exactly as they talk to EC2:

\b
    osc-shim serve --profile outscale --region eu-west-2
    export AWS_ENDPOINT_URL_EC2=http://127.0.0.1:8788
    python their_script.py            # not one line changed

\b
WHAT IT DOES
  Each request must be signed (SigV4) with the credentials the gateway runs
  with: those of --profile through botocore's credential chain (environment,
  shared files, SSO, ...), else OSC_ACCESS_KEY / OSC_SECRET_KEY, else
  OSC_PROFILE in ~/.osc/config.json.  Clients use the same keys; the region a
  request is signed for is the OUTSCALE region it is served in.  Unsigned requests,
  another key, a bad signature or a clock more than 15 minutes off get EC2's
  AuthFailure, SignatureDoesNotMatch or RequestExpired, and nothing else.
  Actions the shim translates (register-image, describe-images, ...) are
  turned into OUTSCALE API calls and the answers into EC2's XML.  Every other
  EC2 action is forwarded, re-signed, to FCU (https://fcu.REGION.outscale.com,
  or --fcu-endpoint) and FCU's answer passed back untouched; with
  --no-forward such actions get UnsupportedOperation.

\b
SERVICE
  waitress serves with --threads worker threads and holds up to 4,096
  connections (poll()).  A connection must send its request headers within
  5 s of opening (or of its previous answer), its body within 30 s; idle
  kept-alive connections are closed after 60 s; bytes that are not HTTP
  close it at once; framing errors get EC2's XML error.  SIGTERM or Ctrl-C stops
  accepting connections, lets requests in flight finish (up to --grace
  seconds) and exits 0.  One access-log line per request goes to stderr (or
  --access-log FILE): client, action, route (shim / fcu), status, size,
  duration, masked access key ID, request ID; never a secret, a signature or
  a parameter value.  The gateway keeps no state between requests: for more
  processes or machines run the same WSGI app under gunicorn, configured by
  environment variables (OSC_SHIM_PROFILE, OSC_SHIM_REGION, OSC_ENDPOINT_FCU,
  OSC_SHIM_NO_FORWARD, OSC_SHIM_MAX_BODY, OSC_ENDPOINT_API):

\b
    OSC_SHIM_PROFILE=outscale OSC_SHIM_REGION=eu-west-2 \\
      gunicorn -w 4 -b 127.0.0.1:8788 'osc_shim.gateway.app:create_app()'

\b
SECURITY
  It binds 127.0.0.1 by default and speaks plain HTTP.  Put TLS in front of
  it before binding another address; a proxy in front must not rewrite Host
  or the body, or signatures stop matching.

\b
EXAMPLES
  Rehearse offline against the OAPI emulator and moto_server as FCU (both
  the emulator and the gateway take OSC_ACCESS_KEY / OSC_SECRET_KEY):
    osc-shim emulator --port 8443 &
    osc-shim serve --api-endpoint http://127.0.0.1:8443/api/v1 \\
                   --fcu-endpoint http://127.0.0.1:5000
  Translated actions only, nothing sent to FCU:
    osc-shim serve --profile outscale --no-forward

\b
EXIT STATUS
  0 after a graceful stop; 1 when the credentials, the region or the
  address cannot be used (the reason is printed).

\b
ENVIRONMENT
  OSC_ENDPOINT_API   OUTSCALE API base URL used by the shim (e.g. an emulator)
  OSC_ENDPOINT_FCU   FCU base URL for forwarded actions
  HTTPS_PROXY, NO_PROXY, AWS_CA_BUNDLE   honoured for outgoing calls
  OSC_SHIM_MAX_ATTEMPTS, OSC_SHIM_READ_TIMEOUT, OSC_SHIM_CONNECT_TIMEOUT,
  OSC_SHIM_MAX_TOTAL   retries and time limits of OUTSCALE API calls
                     (defaults and behaviour: docs/reliability.md)
"""


@click.command("serve", help=HELP, context_settings={"max_content_width": 100})
@click.option("--host", default="127.0.0.1", show_default=True, envvar="OSC_SHIM_HOST",
              help="Address to bind. Anything but loopback should sit behind TLS.")
@click.option("--port", default=8788, show_default=True, type=click.IntRange(0, 65535), envvar="OSC_SHIM_PORT",
              help="Port to listen on (0: any free port, printed at start).")
@click.option("--profile", envvar="OSC_SHIM_PROFILE", help="Profile whose credentials the gateway runs with "
              "and checks signatures against (default: the default credential chain).")
@click.option("--region", envvar="OSC_SHIM_REGION", help="OUTSCALE region served; clients sign for it "
              "(default: the profile's region, else eu-west-2).")
@click.option("--fcu-endpoint", envvar="OSC_ENDPOINT_FCU", metavar="URL",
              help="Where untranslated actions go (default: https://fcu.REGION.outscale.com).")
@click.option("--api-endpoint", envvar="OSC_ENDPOINT_API", metavar="URL",
              help="OUTSCALE API base URL for translated actions (default: the region's).")
@click.option("--no-forward", is_flag=True, envvar="OSC_SHIM_NO_FORWARD",
              help="Answer untranslated actions with UnsupportedOperation instead of forwarding them.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Worker threads.")
@click.option("--max-body", default=1024 * 1024, show_default=True, type=click.IntRange(1024),
              envvar="OSC_SHIM_MAX_BODY", help="Largest request body accepted, in bytes.")
@click.option("--grace", default=10.0, show_default=True, type=float,
              help="Seconds given to requests in flight at shutdown.")
@click.option("--access-log", default="-", show_default=True, metavar="FILE",
              help="Where access-log lines go ('-': stderr).")
@click.option("--quiet", is_flag=True, help="No access log.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def serve(host, port, profile, region, fcu_endpoint, api_endpoint, no_forward, threads, max_body, grace,
          access_log, quiet, log_level):
    from osc_shim import regions
    from osc_shim.gateway.app import create_app

    _setup_logging(access_log, quiet, log_level)
    if api_endpoint:
        os.environ["OSC_ENDPOINT_API"] = api_endpoint
    try:
        app = create_app(profile=profile, region=region, fcu_endpoint=fcu_endpoint, forward=not no_forward,
                         max_body=max_body)
    except LookupError as exc:
        raise click.ClickException(f"{exc}: give --profile, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                                   "or OSC_ACCESS_KEY/OSC_SECRET_KEY") from None
    except regions.UnknownRegion as exc:
        raise click.ClickException(str(exc)) from None
    try:
        server = GatewayServer(app, host=host, port=port, threads=threads, grace=grace)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    def on_signal(signum, _frame):
        log.info("osc-shim gateway: %s received, stopping", signal.Signals(signum).name)
        server.shutdown()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    route = f"untranslated actions forwarded to {app.fcu_url}" if app.fcu_url else "forwarding off"
    click.echo(f"osc-shim gateway listening on {server.url} (region {app.config.region}; {route}). "
               "SIGTERM or Ctrl-C stops it.", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("warning: listening beyond loopback over plain HTTP; put TLS in front of it.", err=True)
    server.serve_forever()
    click.echo("osc-shim gateway stopped.", err=True)
