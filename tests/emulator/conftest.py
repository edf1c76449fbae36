"""Fixtures: a fresh emulator per test, signing clients, a clock the test drives."""

from __future__ import annotations

import pytest
from emulator_helpers import ACCOUNTS, OTHER_ACCOUNT, Client, Clock

from osc_emulator import start_emulator


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_emulator(clock):
    started = []

    def make(**options):
        options.setdefault("accounts", ACCOUNTS)
        options.setdefault("clock", clock)
        emu = start_emulator(**options)
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def emu(make_emulator):
    return make_emulator()


@pytest.fixture
def api(emu):
    return Client(emu)


@pytest.fixture
def other(emu):
    """A second account of the same cloud."""
    return Client(emu, *OTHER_ACCOUNT[:2])
