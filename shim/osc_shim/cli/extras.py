"""The optional parts of the package (pip extras), and the one-line message when one is missing.

A plain ``pip install`` brings the plugin, the shim and ``osc-shim``'s small commands; the
emulator, the gateway's server and the commands that drive the AWS CLI's parser need an extra.
A command checks its extras first (:func:`require`), so a missing one is one line naming the
install command and exit status 1, never a traceback from deep inside.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Optional

import click

DISTRIBUTION = "awscli-plugin-outscale"

# extra -> the top-level modules it brings (kept in step with pyproject.toml's optional-dependencies)
EXTRAS = {
    "emulator": ("osc_sdk_python", "yaml", "openapi_schema_validator", "jsonschema", "waitress"),  # OUTSCALE's schema
    # (outscale.yaml), its parser, the OpenAPI validator over jsonschema, HTTP
    "gateway": ("waitress",),  # the WSGI server of `osc-shim serve`
    "cli": ("awscli",),  # the AWS CLI's own parser (`osc-shim translate`, `osc-shim demo`)
}


class MissingExtra(click.ClickException):
    exit_code = 1


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken or blocked install
        return False


def _missing(modules) -> list:
    return [m for m in modules if not _importable(m)]


def message(extra: str, module: str, what: str) -> str:
    return (f"{what} needs the '{extra}' extra ({module} is not installed in {sys.executable}): "
            f"pip install '{DISTRIBUTION}[{extra}]' (from a clone: pip install '.[{extra}]'; "
            f"from a wheel: pip install '<wheel>[{extra}]')")


def require(*extras: str, what: str) -> None:
    """Raise MissingExtra (one line) unless every module of ``extras`` is importable."""
    for extra in extras:
        missing = _missing(EXTRAS[extra])
        if missing:
            raise MissingExtra(message(extra, missing[0], what))


def extra_of(module_name: Optional[str]) -> Optional[str]:
    """The extra that brings ``module_name`` (a ModuleNotFoundError's ``name``), if any."""
    top = (module_name or "").split(".")[0]
    return next((extra for extra, modules in EXTRAS.items() if top in modules), None)
