"""Fixtures for the gateway tests: real HTTP on loopback, real boto3, moto_server as FCU (``moto_fcu``,
shared, in tests/conftest.py).

Every test runs with a temporary HOME, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE and
without the caller's AWS_*/OSC_* variables: the real ~/.aws and ~/.osc are never read.
"""

from __future__ import annotations

import pytest
from support.gateway_stack import RunningGateway, serve_gateway
from support.sandbox_env import isolate_process


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """This process too: no real AWS/OSC configuration, no proxy."""
    return isolate_process(monkeypatch, tmp_path / "home")


@pytest.fixture
def start_gateway():
    """Start a gateway (waitress, in a thread, port 0); stopped at the end of the test."""
    running = []

    def start(**kw) -> RunningGateway:
        gw = serve_gateway(**kw)
        running.append(gw)
        return gw

    yield start
    for gw in running:
        gw.stop()
    for gw in running:
        assert gw.app.problems == [], "answers botocore cannot parse for their operation"
