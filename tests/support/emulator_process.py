"""The OUTSCALE emulator as the tests run it: on loopback (waitress in a thread, port 0), stopped
when the test, module or session that started it ends.

A test module declares the emulator it needs in one line, e.g.::

    emu = emulator_fixture("module", accounts={AK: (SK, ACCOUNT)}, buckets=["exports"])

and gets a fixture named as the attribute it is bound to.  What differs between modules (scope,
accounts, buckets, ``OSC_ENDPOINT_API``) is said there; how an emulator is started and stopped is
said here only.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterable, Iterator, Optional

import pytest


@contextlib.contextmanager
def emulators() -> Iterator[Callable]:
    """``make(**options)`` starts an emulator (``start_emulator``'s options); all are stopped on exit."""
    emulator = pytest.importorskip("osc_emulator")
    pytest.importorskip("waitress")
    started = []

    def make(**options):
        handle = emulator.start_emulator(**options)
        started.append(handle)
        return handle

    try:
        yield make
    finally:
        for handle in started:
            handle.stop()


def emulator_fixture(scope: str = "function", *, buckets: Iterable[str] = (), endpoint_env: Optional[str] = None,
                     **options):
    """A fixture yielding one running emulator.

    ``buckets``: created in its OOS at start.  ``endpoint_env``: ``"url"`` or ``"template"`` sets
    ``OSC_ENDPOINT_API`` to ``api_url`` / ``api_url_template`` while the fixture lives.
    ``options`` go to ``start_emulator`` (accounts, region, pending_reads, ...).
    """
    assert endpoint_env in (None, "url", "template"), endpoint_env

    @pytest.fixture(scope=scope)
    def running_emulator():
        with emulators() as make, pytest.MonkeyPatch.context() as mp:
            handle = make(**options)
            for bucket in buckets:
                handle.cloud.create_bucket(bucket)
            if endpoint_env:
                mp.setenv("OSC_ENDPOINT_API", handle.api_url if endpoint_env == "url" else handle.api_url_template)
            yield handle

    return running_emulator
