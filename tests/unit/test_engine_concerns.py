"""The engine's concerns stay in the engine, read from the source (ast).

DryRun (``engine.run``) and placeholder answers (``osc-shim translate``: ``placeholders``) are decided in
one place; a translator takes a decision from an answer's content through the placeholder helpers
(``pick``, ``missing``, ``may_be``, ``read_answer``, ``next_page_token``) and never asks whether an answer
is a placeholder or raises DryRunOperation itself.
"""

import ast
import inspect
from pathlib import Path

import osc_shim.operations as operations
from osc_shim.operations import MODULES

ENGINE_NAMES = {"is_symbolic", "Symbolic", "dry_run_error"}

# Modules of osc_shim.operations that may name them, and why.
ENGINE_SIDE = {
    "engine": "runs every translator: DryRun, placeholder_answers",
    "placeholders": "the placeholder and the helpers that decide on it",
    "filters": "EC2 filter evaluation: a placeholder may pass any filter",
    "conversion": "the table-compiled converters pass a placeholder member through unconverted",
}


def _names(path: Path) -> set:
    """Every identifier the module uses or imports (not its strings or comments)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name.rsplit(".", 1)[-1] for alias in node.names)
    return names


def _translator_side() -> dict:
    folder = Path(inspect.getsourcefile(operations)).parent
    return {path.stem: path for path in sorted(folder.glob("*.py"))
            if path.stem != "__init__" and path.stem not in ENGINE_SIDE}


def test_no_translator_module_asks_whether_an_answer_is_a_placeholder_or_raises_dry_run():
    modules = _translator_side()
    assert {m.__name__.rsplit(".", 1)[-1] for m in MODULES} <= set(modules)  # every translator is read
    offenders = {name: sorted(_names(path) & ENGINE_NAMES) for name, path in modules.items()}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_scan_sees_the_engine_names_where_they_live():
    folder = Path(inspect.getsourcefile(operations)).parent
    assert {"is_symbolic", "Symbolic"} <= _names(folder / "placeholders.py")
    assert {"dry_run_error", "Symbolic"} <= _names(folder / "engine.py")
