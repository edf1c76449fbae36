"""Running a waitress server until told to stop: the one serving loop of the gateway and the emulator.

waitress's own ``run()`` is stopped by closing its sockets from another thread, which races with its
loop (descriptors closed twice get reused).  Here the loop polls a stop flag instead, and everything
is closed by the thread that ran it: the listening sockets first (no new connections), then, within
``grace``, the requests in flight finish and their answers go out, then the workers stop.

It is infrastructure, not a model of either API: the shim's gateway and the emulator both use it
without importing each other (tests/unit/test_layers.py).
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional

__all__ = ["run_until_stopped"]


def run_until_stopped(server, stop: threading.Event, *, tick: float = 0.05, grace: float = 5.0,
                      busy: Optional[Callable[[], int]] = None,
                      draining: Optional[Callable[[int], None]] = None) -> None:
    """Serve ``server`` (``waitress.create_server``'s) on this thread until ``stop`` is set.

    ``busy`` counts the requests still in flight after the listeners are closed (the loop keeps
    serving them for up to ``grace`` seconds; ``draining`` is told how many first); without it the
    workers get ``grace`` seconds to finish.
    """
    from waitress import wasyncore
    from waitress.server import BaseWSGIServer

    socket_map = getattr(server, "map", None) or server._map
    use_poll = server.adj.asyncore_use_poll
    try:
        while not stop.is_set():
            wasyncore.loop(timeout=tick, use_poll=use_poll, map=socket_map, count=1)
        for listener in [d for d in list(socket_map.values()) if isinstance(d, BaseWSGIServer)]:
            wasyncore.dispatcher.close(listener)
        deadline = time.monotonic() + grace
        if busy is not None:
            waiting = busy()
            if waiting and draining is not None:
                draining(waiting)
            while waiting and time.monotonic() < deadline:
                wasyncore.loop(timeout=0.05, use_poll=use_poll, map=socket_map, count=1)
                waiting = busy()
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=max(0.1, deadline - time.monotonic()))
    finally:
        wasyncore.close_all(socket_map, ignore_all=True)
