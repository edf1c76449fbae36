"""The gateway's server: waitress, hardened, with a stoppable loop and graceful shutdown.

``GatewayServer`` wraps waitress (a multi-threaded WSGI server): on
``shutdown()`` (what ``osc-shim serve`` calls on SIGTERM/SIGINT) it stops
accepting connections, lets the requests in flight finish and their answers go
out (up to ``grace`` seconds), then stops its threads.  Connections that are not
requests are handled by ``framing``'s hooks.  This is the shim's one serving
helper: ``osc-shim serve``, ``osc-shim rehearse``, the tests and the benches
all run the gateway through it.
"""

from __future__ import annotations

import functools
import gc
import itertools
import logging
import sys
import threading
import time
from typing import Optional

log = logging.getLogger("osc_shim.gateway")
# Open connections the gateway holds at most (idle ones are closed by gateway/framing.py's timeouts).
MAX_CONNECTIONS = 4096


# glibc gives each thread that allocates its own malloc arena: with 8 workers building large answers
# (a DescribeImages of 1,000 images is ~1 MB of XML) the freed memory stays spread over 8 arenas.
# One arena (the GIL serialises allocation anyway), and free pages handed back once the answers that
# left them are sent, keep the process well within 60 MiB under load (bench/gateway_load_bench.py).
MALLOC_ARENAS = 1
LARGE_ANSWER = 256 * 1024
TRIM_EVERY = 256
_M_ARENA_MAX = -8


# The collector's youngest generation is swept every 700 net container allocations (Python's default).
# Translating a DescribeImages of 1,000 images builds ~20,000 dicts and lists, alive until the answer
# is written and then freed by reference counting (they hold no cycles): with the default, every
# such request ran some 25 collections over them, and a full one over the whole process now and
# then -- ~20 ms of the request, more than the translation itself (docs/performance.md).  Above a
# request's allocations, and with the objects of start-up (botocore's model, the app) frozen out of
# the collector's reach, a request runs none.
GC_YOUNG_THRESHOLD = 50_000
_process_tuned = threading.Lock()


def _tune_collector() -> None:
    """Once per process: start-up objects frozen, the youngest generation's threshold raised."""
    if not _process_tuned.acquire(blocking=False):
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(max(GC_YOUNG_THRESHOLD, gc.get_threshold()[0]), *gc.get_threshold()[1:])


def _libc():
    try:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except (OSError, AttributeError, ImportError):
        return None  # not glibc: nothing to tune


class _ReturnFreedMemory:
    """WSGI middleware: notes the answers that leave free pages behind (one over ``LARGE_ANSWER`` bytes;
    small ones a few at a time, so every ``TRIM_EVERY``-th); the server's once-a-second sweep hands them
    back to the system (``return_freed``) when no request is in flight.  Not after each answer: the
    next request on the connection would wait for it (about a millisecond), and then fault the same
    pages back in (about another)."""

    def __init__(self, app, libc):
        self.app, self._libc = app, libc
        self._answers = itertools.count(1)
        self.freed = False

    def __getattr__(self, name):  # config, in_flight, close... stay the app's
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        body = self.app(environ, start_response)
        size = sum(len(chunk) for chunk in body) if isinstance(body, list) else 0
        if size > LARGE_ANSWER or next(self._answers) % TRIM_EVERY == 0:
            self.freed = True
        return body

    def return_freed(self, busy: int) -> None:
        if self.freed and not busy:
            self.freed = False
            self._libc.malloc_trim(0)


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
            app = _ReturnFreedMemory(app, libc)
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
        self._server = create_server(app, host=host, port=port, threads=threads, ident="osc-shim", **options)
        self._map = getattr(self._server, "map", None) or self._server._map
        listeners = [d for d in list(self._map.values()) if isinstance(d, BaseWSGIServer)] or [self._server]
        for listener in listeners:
            if framing_hooks:
                listener.channel_class = framing.GatewayChannel
            sweep = functools.partial(framing.maintenance, listener) if framing_hooks else listener.maintenance
            listener.maintenance = functools.partial(self._maintenance, sweep)
        _tune_collector()  # the app and the server are built: what exists now lives as long as the process
        if libc is not None:  # what start-up freed (botocore's whole EC2 model, read once) goes back
            libc.malloc_trim(0)
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

    def _maintenance(self, sweep, now: float) -> None:
        """waitress's periodic sweep (``cleanup_interval``), in its loop's thread."""
        sweep(now)
        return_freed = getattr(self.app, "return_freed", None)
        if return_freed is not None:
            return_freed(self._busy())

    def _busy(self) -> int:
        from waitress.channel import HTTPChannel

        busy = sum(1 for ch in list(self._map.values())
                   if isinstance(ch, HTTPChannel) and (ch.requests or ch.total_outbufs_len))
        return busy + getattr(self.app, "in_flight", 0)

    def serve_forever(self) -> None:
        from osc_serving import run_until_stopped

        try:
            run_until_stopped(self._server, self._stop, tick=0.2, grace=self.grace, busy=self._busy,
                              draining=lambda busy: log.info("osc-shim gateway: waiting up to %.0fs for %d "
                                                             "request(s) in flight", self.grace, busy))
        finally:
            close = getattr(self.app, "close", None)
            if close:
                close()
            self.stopped.set()


def setup_logging(access_log: str, quiet: bool, level: str) -> None:
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
