"""A missing optional part (an extra) is one line naming the install command, exit 1, no traceback.

Each ``osc-shim`` runs in a subprocess whose import system refuses the extra's module (a meta-path
finder), as in an environment where ``pip install`` was run without that extra.
"""

import subprocess
import sys

import pytest

from support.sandbox_env import SOURCE_PATHS, clean_env

RUN_WITHOUT = r"""
import importlib.abc, sys
BLOCKED = set(sys.argv[1].split(","))

class Blocked(importlib.abc.MetaPathFinder):  # as if the module had never been installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, Blocked())
sys.path[:0] = SOURCES
sys.argv = ["osc-shim", *sys.argv[2:]]
from osc_shim.cli import main
main()
""".replace("SOURCES", repr(SOURCE_PATHS))


def osc_shim_without(tmp_path, modules, *args):
    return subprocess.run([sys.executable, "-c", RUN_WITHOUT, ",".join(modules), *args], env=clean_env(tmp_path),
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("blocked, args, extra", [
    (["osc_sdk_python"], ["emulator", "--port", "0"], "emulator"),
    (["yaml"], ["emulator", "--port", "0"], "emulator"),
    (["openapi_schema_validator"], ["emulator", "--port", "0"], "emulator"),
    (["waitress"], ["emulator", "--port", "0"], "emulator"),
    (["waitress"], ["serve", "--port", "0"], "gateway"),
    (["awscli"], ["translate", "--", "aws", "ec2", "describe-images"], "cli"),
    (["awscli"], ["demo"], "cli"),
])
def test_missing_extra_is_one_line(tmp_path, blocked, args, extra):
    done = osc_shim_without(tmp_path, blocked, *args)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"osc-shim {args[0]} needs the '{extra}' extra ({blocked[0]} is not installed" in done.stderr
    assert f"pip install '.[{extra}]'" in done.stderr


def test_help_works_without_the_extra(tmp_path):
    done = osc_shim_without(tmp_path, ["osc_sdk_python", "yaml", "waitress"], "emulator", "--help")
    assert done.returncode == 0 and "Usage: osc-shim emulator" in done.stdout


def test_commands_without_extras_still_run(tmp_path):
    done = osc_shim_without(tmp_path, ["osc_sdk_python", "yaml", "waitress", "awscli"], "endpoints",
                            "--region", "eu-west-2")
    assert done.returncode == 0 and "fcu.eu-west-2.outscale.com" in done.stdout


def test_extras_table_matches_pyproject():
    """Every module the extras table names comes from the extra of the same name in pyproject.toml."""
    import tomllib

    from osc_shim.cli.extras import EXTRAS
    from support.sandbox_env import REPO

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    distribution = {"osc_sdk_python": "osc-sdk-python", "yaml": "pyyaml", "waitress": "waitress", "awscli": "awscli",
                    "openapi_schema_validator": "openapi-schema-validator", "jsonschema": "jsonschema"}
    for extra, modules in EXTRAS.items():
        names = {d.split(">")[0].split("[")[0].strip().lower() for d in declared[extra]}
        assert {distribution[m] for m in modules} <= names, extra
