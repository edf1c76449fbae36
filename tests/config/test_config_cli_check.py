"""``osc-shim configure`` writes ``[plugins]`` only for an ``aws`` that can load the plugin.

The ``aws`` whose Python lacks the plugin is a real one: AWS CLI v1 installed from the index into
a fresh venv (shared fixture ``awscli_only_venv``), as with a pyenv or system ``aws`` first on PATH.
``osc-shim`` runs this tree's code with no PYTHONPATH, so the probed ``aws`` sees only its own Python.
"""

import os
import sys

import pytest

from config_env import AWS_V1, REPO

SOURCES = [str(REPO / "plugin"), str(REPO / "shim")]
OSC_SHIM_OF_THIS_TREE = [sys.executable, "-c",
                         f"import sys; sys.path[:0] = {SOURCES!r}; from osc_shim.cli import main; main()"]
BEFORE = "# mine\n[profile other]\nregion = us-east-1\n"


def configure(sandbox, *args, path=None):
    env = {"PATH": path} if path else None
    return sandbox.run(*OSC_SHIM_OF_THIS_TREE, "configure", "--profile", "osc", *args, env=env)


def test_refuses_an_aws_whose_python_lacks_the_plugin(sandbox, awscli_only_venv):
    sandbox.write(BEFORE)
    aws = awscli_only_venv.aws
    for how in (["--aws", str(aws)], []):  # named, then first on PATH
        path = os.pathsep.join([str(aws.parent), "/usr/bin", "/bin"])
        out = configure(sandbox, *how, path=path)
        assert out.returncode == 1, out.stdout + out.stderr
        assert out.stderr.count("\n") <= 4 and "Traceback" not in out.stderr, out.stderr
        assert f"the `aws` at {aws} (AWS CLI 1." in out.stderr
        assert f"run by {awscli_only_venv.python}" in out.stderr
        assert "No module named 'awscli_plugin_outscale'" in out.stderr
        assert f"`{awscli_only_venv.python} -m pip install <awscli-plugin-outscale wheel>`" in out.stderr
        assert f"{sandbox.config} was left unchanged" in out.stderr
        assert sandbox.read() == BEFORE
    # and that aws still works with the file
    assert sandbox.run(aws, "--version", check=True).stdout.startswith("aws-cli/1.")


def test_writes_for_the_real_v1_and_it_still_runs(sandbox):
    sandbox.write(BEFORE)
    out = configure(sandbox, "--aws", str(AWS_V1), "--region", "us-east-2")
    assert out.returncode == 0, out.stderr
    assert "[plugins]\noutscale = awscli_plugin_outscale\n" in sandbox.read()
    assert sandbox.run(AWS_V1, "--version", check=True).stdout.startswith("aws-cli/1.")
    listed = sandbox.run(AWS_V1, "configure", "outscale", "--profile", "osc", "--dry-run", check=True)
    assert "already configured" in listed.stderr


def test_refuses_a_v2_config_for_a_v1_aws(sandbox):
    sandbox.write(BEFORE)
    out = configure(sandbox, "--cli", "v2", "--aws", str(AWS_V1))
    assert out.returncode == 1
    assert "is AWS CLI v1, but the configuration asked for is for v2" in out.stderr
    assert sandbox.read() == BEFORE
    assert not (sandbox.config.parent / "outscale-plugin").exists()


def test_no_aws_at_all(sandbox, tmp_path):
    sandbox.write(BEFORE)
    out = configure(sandbox, path=str(tmp_path / "empty"))
    assert out.returncode == 1 and "no `aws` on PATH" in out.stderr and "Traceback" not in out.stderr
    assert sandbox.read() == BEFORE


@pytest.mark.awscli_v2
def test_v2_checks_the_copied_plugin(sandbox, aws_v2):
    sandbox.write(BEFORE)
    out = configure(sandbox, "--aws", str(aws_v2))  # --cli auto: v2
    assert out.returncode == 0, out.stderr
    assert "cli_legacy_plugin_path" in sandbox.read()
    assert sandbox.run(aws_v2, "--version", check=True).stdout.startswith("aws-cli/2.")


def test_aws_configure_outscale_checks_its_own_copy(tmp_path):
    """``aws configure outscale`` under v2 writes cli_legacy_plugin_path only if that dir holds the shim too."""
    from osc_shim.profile import cli_check

    plugin_only = tmp_path / "pd"
    (plugin_only / "awscli_plugin_outscale").mkdir(parents=True)
    (plugin_only / "awscli_plugin_outscale" / "__init__.py").write_text("")
    with pytest.raises(cli_check.CliCheckError, match="osc_shim cannot be imported from the directory"):
        cli_check.check_this_process("v2", str(plugin_only), ("awscli_plugin_outscale", "osc_shim"), "cfg")
    (plugin_only / "osc_shim").mkdir()
    (plugin_only / "osc_shim" / "__init__.py").write_text("")
    cli_check.check_this_process("v2", str(plugin_only), ("awscli_plugin_outscale", "osc_shim"), "cfg")


def test_interpreter_of_a_pyenv_style_wrapper(tmp_path):
    """A non-Python ``aws`` (a shell wrapper): no Python to name, and the message says so."""
    from osc_shim.profile import cli_check

    wrapper = tmp_path / "aws"
    wrapper.write_text("#!/bin/sh\nexec true\n")
    wrapper.chmod(0o755)
    assert cli_check.interpreter(str(wrapper), {"PATH": "/bin"}) is None
    env_script = tmp_path / "aws2"
    env_script.write_text("#!/usr/bin/env python3\n")
    assert cli_check.interpreter(str(env_script), {"PATH": os.path.dirname(sys.executable)}).endswith("python3")
