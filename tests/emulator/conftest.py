"""Fixtures: a fresh emulator per test, signing clients, a clock the test drives."""

from __future__ import annotations

import pytest
from emulator_helpers import ACCOUNTS, OTHER_ACCOUNT, Client, Clock
from support.emulator_process import emulators


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_emulator(clock):
    """``make(**options)``: an emulator with this folder's accounts and clock unless told otherwise."""
    with emulators() as start:
        yield lambda **options: start(**{"accounts": ACCOUNTS, "clock": clock, **options})


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
