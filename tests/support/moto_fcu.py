"""moto_server standing in for FCU: an EC2-shaped endpoint on loopback, one per test session.

moto keeps its state in this process whichever server answers, so one server is all a session needs:
``moto_fcu`` (the gateway's FCU, a URL) and ``moto_ec2`` (the plugin's passthrough endpoint, with
``reset()``) are two names for it, defined in tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import os
import urllib.request
from typing import Iterator


class MotoServer:
    def __init__(self, url: str):
        self.url = url

    def reset(self):
        """Forget every resource (moto's own reset endpoint)."""
        request = urllib.request.Request(self.url + "/moto-api/reset", method="POST", data=b"")
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10):
            pass


@contextlib.contextmanager
def moto_server() -> Iterator[MotoServer]:
    """moto_server on 127.0.0.1:<free port>, without AWS's public AMIs."""
    from moto.server import ThreadedMotoServer

    # moto reads this at each reset: without AWS's thousands of public AMIs it answers at once.
    saved = os.environ.get("MOTO_EC2_LOAD_DEFAULT_AMIS")
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield MotoServer(f"http://{host}:{port}")
    finally:
        server.stop()
        if saved is None:
            os.environ.pop("MOTO_EC2_LOAD_DEFAULT_AMIS", None)
        else:
            os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = saved
