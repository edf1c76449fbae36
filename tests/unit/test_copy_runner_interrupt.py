"""Ctrl-C during a copy across regions stops it, even when Python drops the KeyboardInterrupt.

A signal's handler runs wherever the main thread is; when that is a destructor, Python prints
"Exception ignored" and carries on (an HTTP response or a socket is finalised at every look at the
export), so a copy could go on polling after the user pressed Ctrl-C.  The runner notes the press
and stops at its next step, with the same "interrupted ... run the same command again" notice.
"""

from __future__ import annotations

import signal
import sys

import pytest

from osc_shim import copy_runner

PARAMS = {"SourceImageId": "ami-12345678", "SourceRegion": "eu-west-2", "Name": "copy", "ClientToken": "t"}


class _Client:
    """OAPI in both regions: the source image exists, the export it starts stays pending."""

    def __init__(self, started: list):
        self.started = started

    def perform(self, step, reconciliation=None, warn=None):
        if step.action == "ReadImages":
            wanted = step.body.get("Filters", {}).get("ImageIds")
            return {"Images": [{"ImageId": wanted[0], "State": "available"}] if wanted else []}
        if step.action == "ReadImageExportTasks":
            return {"ImageExportTasks": self.started}
        if step.action == "CreateImageExportTask":
            self.started.append({"TaskId": "image-export-1", "ImageId": "ami-12345678", "State": "pending",
                                 "Progress": 0, "OsuExport": {}})
            return {"ImageExportTask": self.started[-1]}
        raise AssertionError(f"unexpected call {step.action}")


class _DropsCtrlC:
    """Ctrl-C pressed while this is finalised: the KeyboardInterrupt is raised in ``__del__``."""

    def __del__(self):
        signal.raise_signal(signal.SIGINT)
        sum(range(10))  # bytecode after the signal: Python runs the handler here


@pytest.fixture
def python_ctrl_c():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in `aws` (test runners differ)
    yield
    signal.signal(signal.SIGINT, previous)


def _copy(sleep, warnings):
    started = []
    return copy_runner.run(dict(PARAMS), "us-east-2", object(), lambda region: _Client(started),
                           settings={"outscale_transfer_bucket": "b"}, warn=warnings.append,
                           environ={copy_runner.POLL_ENV: "0"}, sleep=sleep)


def test_a_ctrl_c_dropped_in_a_destructor_still_stops_the_copy(python_ctrl_c, monkeypatch):
    pauses, warnings, dropped = [], [], []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: dropped.append(unraisable.exc_type))

    def sleep(seconds):
        pauses.append(seconds)
        assert len(pauses) < 5, "the copy went on polling after Ctrl-C"
        if len(pauses) == 1:
            _DropsCtrlC()  # made and finalised at once

    with pytest.raises(KeyboardInterrupt):
        _copy(sleep, warnings)
    assert dropped == [KeyboardInterrupt]  # Python dropped it ("Exception ignored in ...", on stderr in `aws`)
    assert len(pauses) == 1  # stopped at the step after the press
    assert warnings and "interrupted" in warnings[-1] and "run the same command again" in warnings[-1]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is given back


def test_a_plain_ctrl_c_stops_it_as_before(python_ctrl_c):
    warnings = []

    def sleep(seconds):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _copy(sleep, warnings)
    assert "interrupted" in warnings[-1]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
