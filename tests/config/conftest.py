"""Fixtures for the configuration tests (helpers in config_env.py: the module name
``conftest`` is shared by several test folders, so nothing imports from here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.sandbox_env import isolate_process

from config_env import AWS_V1, Sandbox, clean_env, require_aws_v2


@pytest.fixture
def sandbox(tmp_path, monkeypatch) -> Sandbox:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    env = clean_env(home)
    # `osc-shim configure` runs the `aws` it configures: the venv's v1 (with the plugin) comes first.
    sandbox = Sandbox(home=home, env=env)
    env["PATH"] = sandbox.path_with(AWS_V1)
    monkeypatch.setenv("PATH", env["PATH"])
    # The in-process code (boto3, click's CliRunner) sees the same sandbox.
    isolate_process(monkeypatch, home, config=Path(env["AWS_CONFIG_FILE"]),
                    credentials=Path(env["AWS_SHARED_CREDENTIALS_FILE"]))
    return sandbox


@pytest.fixture
def aws_v2() -> Path:
    return require_aws_v2()
