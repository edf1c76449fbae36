"""The layers stay honest, read from the source (ast): who may import whom.

* ``osc_emulator`` (the test oracle: an offline OUTSCALE) imports nothing of ``osc_shim`` or the
  plugin, so a mistake in the shim cannot hide in shared code.
* ``osc_shim`` and the plugin do not import ``osc_emulator``, except the few modules that start an
  emulator on purpose, listed in ``MAY_START_THE_EMULATOR``.  A dotted name in a string counts too
  (``cli``'s lazy command table names ``osc_emulator.command:emulator``).
* ``osc_serving`` (the waitress loop both servers run) is infrastructure: it imports none of the three.
* Inside the shim, the pure layer stays pure: the translators (``osc_shim.operations``) import nothing
  of the OAPI client, the gateway, the core that wires them, the commands or the plugin; and the OAPI
  client (I/O) does not reach back into the translators.
"""

import ast
from pathlib import Path

import pytest

from support.sandbox_env import REPO

PACKAGES = {
    "osc_emulator": REPO / "emulator" / "osc_emulator",
    "osc_shim": REPO / "shim" / "osc_shim",
    "awscli_plugin_outscale": REPO / "plugin" / "awscli_plugin_outscale",
    "osc_serving": REPO / "serving" / "osc_serving",
}

# osc_shim modules allowed to reach the emulator, and why.
MAY_START_THE_EMULATOR = {
    "osc_shim.cli",       # the `osc-shim emulator` entry point (a lazy "module:command" string)
    "osc_shim.cli.demo",  # `osc-shim demo` runs against an emulator it starts
    "osc_shim.cli.rehearse",  # `osc-shim rehearse` runs a script against an emulator it starts...
    "osc_shim.rehearse",  # ...whose accounts and endpoints it sets up here
    "osc_shim.docgen",    # the docs list the FCU face's actions
}


def _modules(package: str):
    root = PACKAGES[package]
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, path.name == "__init__.py"


def _resolve(module: str, is_package: bool, level: int, target) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([target] if target else []))


def imported(package: str) -> dict:
    """module -> the top-level packages it names (imports, and dotted names in strings)."""
    out = {}
    for name, path, is_package in _modules(package):
        tops = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                tops.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(name, is_package, node.level, node.module) if node.level else node.module
                tops.add(target.split(".")[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                head = node.value.split(":")[0].split(".")[0]
                if head in PACKAGES and head != package and node.value.startswith(head + "."):
                    tops.add(head)
        out[name] = tops
    return out


def test_the_emulator_imports_nothing_of_the_shim_or_the_plugin():
    found = {m: sorted(t & {"osc_shim", "awscli_plugin_outscale"}) for m, t in imported("osc_emulator").items()}
    assert {m: t for m, t in found.items() if t} == {}


def test_the_shim_reaches_the_emulator_only_where_it_starts_one():
    reaching = {m for m, tops in imported("osc_shim").items() if "osc_emulator" in tops}
    assert reaching <= MAY_START_THE_EMULATOR, sorted(reaching - MAY_START_THE_EMULATOR)


def test_the_serving_loop_imports_none_of_the_products():
    found = {m: sorted(t & {"osc_shim", "osc_emulator", "awscli_plugin_outscale"})
             for m, t in imported("osc_serving").items()}
    assert {m: t for m, t in found.items() if t} == {}


def test_the_gateway_and_the_emulator_share_the_serving_loop():
    """One serving loop: both servers run osc_serving's, neither has its own."""
    assert "osc_serving" in imported("osc_shim")["osc_shim.gateway.server"]
    assert "osc_serving" in imported("osc_emulator")["osc_emulator.server"]


def test_the_plugin_never_reaches_the_emulator():
    assert [m for m, tops in imported("awscli_plugin_outscale").items() if "osc_emulator" in tops] == []


def test_the_scan_sees_imports():
    """The scan itself: it finds the emulator's own relative imports and the shim's entry point."""
    assert "osc_emulator" in imported("osc_emulator")["osc_emulator.app"]
    assert any("osc_emulator" in tops for tops in imported("osc_shim").values())


def imported_modules(package: str) -> dict:
    """module -> the dotted module names it imports (``from a import b`` counts as ``a`` and ``a.b``)."""
    out = {}
    for name, path, is_package in _modules(package):
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node.level, node.module) if node.level else node.module
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)
        out[name] = targets
    return out


# layer -> what it must never import (a module or any module below it)
FORBIDDEN = {
    "osc_shim.operations": ("osc_shim.oapi", "osc_shim.gateway", "osc_shim.core", "osc_shim.cli",
                            "osc_shim.translate", "osc_shim.copy_runner", "osc_emulator", "awscli_plugin_outscale",
                            "awscli"),
    "osc_shim.oapi": ("osc_shim.operations", "osc_shim.gateway", "osc_shim.core", "osc_shim.cli",
                      "osc_emulator", "awscli_plugin_outscale"),
}


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_inside_the_shim(layer):
    breaches = sorted((module, target) for module, targets in imported_modules("osc_shim").items()
                      if _under(module, layer) for target in targets
                      if any(_under(target, bad) for bad in FORBIDDEN[layer]))
    assert breaches == []


def test_the_layer_scan_sees_imports():
    """The scan itself: core wires the client and the engine, so both appear among its imports."""
    found = imported_modules("osc_shim")["osc_shim.core"]
    assert any(_under(t, "osc_shim.oapi") for t in found) and any(_under(t, "osc_shim.operations") for t in found)
