"""Fixtures for the reliability tests: the emulator with fault injection, sandboxed environments.

Nothing here reads the real ~/.aws or ~/.osc: every test gets a temporary HOME and config
files, and loses the caller's AWS_*/OSC_* variables.
"""

from __future__ import annotations

import sys

import pytest
from sandbox_env import isolate_process

from reliability_env import AWS, FAST, start


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    return isolate_process(monkeypatch, tmp_path / "home")


@pytest.fixture
def fast(monkeypatch):
    """Short timeouts and backoff for this process's shim calls."""
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    return FAST


@pytest.fixture(scope="module")
def emu_module():
    pytest.importorskip("waitress")
    handle = start(pending_reads=0, export_reads=0, threads=8)
    yield handle
    handle.stop()


@pytest.fixture
def emu(emu_module, monkeypatch):
    """The module's emulator, faults cleared; OSC_ENDPOINT_API points at it."""
    emu_module.clear_faults()
    monkeypatch.setenv("OSC_ENDPOINT_API", emu_module.api_url)
    yield emu_module
    emu_module.clear_faults()


@pytest.fixture(scope="session")
def aws_binary():
    if not AWS.exists():
        pytest.skip(f"no aws binary next to {sys.executable}")
    return AWS
