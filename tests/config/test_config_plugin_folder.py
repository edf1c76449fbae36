"""The AWS CLI v2 plugin folder holds what the plugin imports, and not the other front ends.

``osc-shim configure --cli v2`` copies the plugin and the shim into ``~/.aws/outscale-plugin``,
leaving out ``osc_shim.profile.NOT_ON_PLUGIN_PATH`` (the gateway, the commands...; the emulator is a package of its own).
Here every ``osc_shim`` module the plugin can import (at load time or lazily inside a function,
followed from module to module) must be in the copy, and none of them may be left out by that
rule.  test_config_awscli_v2.py runs AWS CLI v2 on the copy.
"""

import ast
from pathlib import Path

import pytest

import awscli_plugin_outscale
import osc_shim
from osc_shim import profile as cfg

ROOTS = {name: Path(pkg.__file__).parent for name, pkg in (("awscli_plugin_outscale", awscli_plugin_outscale),
                                                           ("osc_shim", osc_shim))}


def source(module):
    """The file of a dotted module name of ROOTS, None when the name is not a module (a function...)."""
    top, *rest = module.split(".")
    base = ROOTS[top].joinpath(*rest)
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def imported_by(module):
    """The ROOTS modules ``module`` imports anywhere in its text, with their parent packages."""
    path = source(module)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        if name.split(".")[0] not in ROOTS:
            continue
        while source(name) is None:
            name = name.rpartition(".")[0]
        parts = name.split(".")
        found.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return found


def plugin_path():
    """Every module reachable from the plugin's modules."""
    todo = [f"awscli_plugin_outscale.{p.stem}" if p.stem != "__init__" else "awscli_plugin_outscale"
            for p in ROOTS["awscli_plugin_outscale"].glob("*.py")]
    seen = set()
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(imported_by(module) - seen)
    return seen


def copied(module, folder):
    top, *rest = module.split(".")
    base = folder / top
    return (base.joinpath(*rest) / "__init__.py").is_file() or base.joinpath(*rest).with_suffix(".py").is_file()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("v2") / "outscale-plugin"
    cfg.install_plugin_dir(str(path))
    return path


def test_the_plugin_path_is_followed():
    needed = plugin_path()
    # what the handlers, `aws configure outscale` and the help notes reach (a check on the walk itself)
    for module in ("osc_shim.core", "osc_shim.routing", "osc_shim.operations.register_image", "osc_shim.oapi.client",
                   "osc_shim.profile.install", "osc_shim.profile.cli_check", "osc_shim.help_text"):
        assert module in needed


def test_every_module_the_plugin_imports_is_copied(folder):
    missing = sorted(m for m in plugin_path() if not copied(m, folder))
    assert not missing, f"the plugin imports these, absent from the v2 folder: {missing}"


def test_what_is_left_out_is_not_on_the_plugin_path(folder):
    needed = plugin_path()
    for package, left_out in cfg.NOT_ON_PLUGIN_PATH.items():
        for name in left_out:
            module = f"{package}.{name}"
            assert not any(m == module or m.startswith(module + ".") for m in needed), module
            assert not copied(module, folder), module
    for name in ("gateway", "cli"):
        assert name in cfg.NOT_ON_PLUGIN_PATH["osc_shim"]
    # the emulator is a package of its own (osc_emulator): nothing of it is copied
    assert not (folder / "osc_emulator").exists() and not (folder / "osc_shim" / "emulator").exists()


def test_no_compiled_files_are_copied(folder):
    assert not list(folder.rglob("__pycache__")) and not list(folder.rglob("*.pyc"))
