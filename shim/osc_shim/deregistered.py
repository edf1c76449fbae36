"""Images deregistered through this process, remembered for a while.

EC2 answers a just-deregistered image as gone, not as unknown: DescribeImages by its ID gives an
empty list (where an ID that never existed is ``InvalidAMIID.NotFound``), and deregistering it again,
or reading/changing its attributes, is ``InvalidAMIID.Unavailable``.  Terraform's and Ansible's
waiters rely on it ("absent" = the image is no longer listed).  OUTSCALE keeps no trace of a deleted
image (ReadImages answers nothing for it, as for an ID that never existed), so only the front end
that deregistered it can tell the two apart: the gateway, a long-running process, remembers; each
``aws`` command is a new process, so with the CLI plugin a later command sees ``NotFound``.

Entries are scoped by (OAPI endpoint, access key): one account's deregistration says nothing about
another's IDs.  The memory is bounded in time (``WINDOW``) and size (``LIMIT``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Hashable

WINDOW = 3600.0  # seconds: about how long EC2 keeps answering a deregistered image as such
LIMIT = 10_000   # entries; the oldest are forgotten first


class Deregistered:
    """(scope, image ID) -> when it was deregistered; thread-safe (the gateway's workers share it)."""

    def __init__(self, window: float = WINDOW, limit: int = LIMIT, clock: Callable[[], float] = time.monotonic):
        self.window, self.limit, self.clock = window, limit, clock
        self._seen: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def add(self, scope: Hashable, image_id: str) -> None:
        with self._lock:
            self._seen.pop((scope, image_id), None)
            self._seen[(scope, image_id)] = self.clock()
            while len(self._seen) > self.limit:
                self._seen.popitem(last=False)

    def has(self, scope: Hashable, image_id: str) -> bool:
        with self._lock:
            when = self._seen.get((scope, image_id))
            if when is None:
                return False
            if self.clock() - when > self.window:
                del self._seen[(scope, image_id)]
                return False
            return True

    def scoped(self, scope: Hashable) -> "Scoped":
        return Scoped(self, scope)


class Scoped:
    """What a translator sees (``Context.deregistered``): the memory of one account on one endpoint."""

    def __init__(self, memory: Deregistered, scope: Hashable):
        self.memory, self.scope = memory, scope

    def add(self, image_id: str) -> None:
        self.memory.add(self.scope, image_id)

    def __contains__(self, image_id: str) -> bool:
        return self.memory.has(self.scope, image_id)


# The process's memory (core.call scopes it per endpoint and access key).
RECENT = Deregistered()
