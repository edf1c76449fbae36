"""Fixtures for the AWS CLI plugin tests (helpers in ``plugin_sandbox``; ``aws_binary`` and
``moto_ec2`` are shared, in tests/conftest.py)."""

from __future__ import annotations

import re

import pytest

from plugin_sandbox import PLUGIN_LINE, AwsCli, FakeOapiHandler, TextHandler, clean_env, serve, stop


@pytest.fixture(scope="session")
def plugin_config_text(aws_binary, tmp_path_factory) -> str:
    """The config file ``aws configure set plugins.outscale awscli_plugin_outscale`` writes."""
    home = tmp_path_factory.mktemp("configure-home")
    cli = AwsCli(home, clean_env(home))
    done = cli.run("configure", "set", *PLUGIN_LINE)
    assert done.returncode == 0, done.stderr
    text = cli.config_file.read_text()
    assert re.search(r"^\[plugins\]\s*^outscale = awscli_plugin_outscale$", text, re.M), text
    return text


@pytest.fixture
def make_cli(tmp_path, aws_binary, plugin_config_text):
    """``make_cli(plugin=True, **env)``: a sandboxed aws, with or without the plugin line."""
    count = [0]

    def make(plugin: bool = True, **extra_env) -> AwsCli:
        count[0] += 1
        home = tmp_path / f"home{count[0]}"
        home.mkdir()
        cli = AwsCli(home, clean_env(home, **extra_env))
        cli.config_file.write_text(plugin_config_text if plugin else "")
        cli.credentials_file.write_text("")
        return cli

    return make


@pytest.fixture
def text_server():
    """A local web server answering every GET with a short text (and recording the GETs)."""
    server = serve(TextHandler)
    yield server
    stop(server)


@pytest.fixture
def fake_oapi():
    """A stand-in OAPI endpoint (``server.url + "/api/v1"``) recording the calls it gets."""
    server = serve(FakeOapiHandler)
    server.api_url = server.url + "/api/v1"
    yield server
    stop(server)
