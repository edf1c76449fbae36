"""Fixtures for the reliability tests: the emulator with fault injection, sandboxed environments.

Nothing here reads the real ~/.aws or ~/.osc: every test gets a temporary HOME and config
files, and loses the caller's AWS_*/OSC_* variables.
"""

from __future__ import annotations

import pytest
from support.emulator_process import emulator_fixture
from support.sandbox_env import isolate_process

from reliability_env import ACCESS_KEY, ACCOUNT, FAST, REGION, SECRET_KEY


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    return isolate_process(monkeypatch, tmp_path / "home")


@pytest.fixture
def fast(monkeypatch):
    """Short timeouts and backoff for this process's shim calls."""
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    return FAST


# One emulator per module (fault injection cleared between tests by ``emu``).
emu_module = emulator_fixture("module", accounts={ACCESS_KEY: (SECRET_KEY, ACCOUNT)}, region=REGION,
                              pending_reads=0, export_reads=0, threads=8)


@pytest.fixture
def emu(emu_module, monkeypatch):
    """The module's emulator, faults cleared; OSC_ENDPOINT_API points at it."""
    emu_module.clear_faults()
    monkeypatch.setenv("OSC_ENDPOINT_API", emu_module.api_url)
    yield emu_module
    emu_module.clear_faults()
