"""Which tests are end-to-end: decided here, from what a test uses, and applied by tests/conftest.py.

``e2e``: the test runs a real program or server: the ``aws`` binary (v1 or v2) or its driver
(``osc-shim translate`` in this process), ``osc-shim`` as a subprocess, the emulator or the gateway on
loopback, moto_server, Terraform, Ansible, node, a fresh venv.  ``unit``: everything else (in-process, no socket, no subprocess): ``make test-fast`` runs these.
"""

from __future__ import annotations

import dis
from pathlib import Path

# Folders whose every test drives real clients, real installs or the real binaries.
E2E_FOLDERS = frozenset({"clients", "packaging", "rehearse"})

# Fixtures (requested directly or through other fixtures) that start a program or a server.
E2E_FIXTURES = frozenset({
    "aws_binary", "aws_v2", "plugin_config_text", "make_cli",      # the aws binary
    "isolated_aws_env",                                              # the AWS CLI's driver, in this process
    "sandbox",                                                       # config/: the venv's aws first on PATH
    "emu", "emu_module", "make_emulator",                            # the emulator on loopback
    "start_gateway", "stack",                                        # the gateway on loopback
    "moto_server", "moto_fcu", "moto_ec2",                           # moto_server
    "awscli_only_venv", "built_dist", "wheel_venv",                  # fresh venvs, python -m build
})

# Names a test function, a fixture it uses, or a helper of their module uses (or imports) to start a
# program or a server.
E2E_NAMES = frozenset({
    "subprocess", "AWS_V1", "AWS_V2", "AWS", "OSC_SHIM", "require_aws_v2", "detect_cli",  # programs
    "ThreadedMotoServer", "start_emulator", "emulators", "serve_gateway", "GatewayServer",  # servers
})
_LOADS = ("LOAD_GLOBAL", "LOAD_NAME", "IMPORT_NAME", "IMPORT_FROM")


def _names(code, module_globals, seen) -> set:
    """Global names a function's code uses, following the module's own functions it calls."""
    if code in seen:
        return set()
    seen.add(code)
    names = {ins.argval for ins in dis.get_instructions(code) if ins.opname in _LOADS
             and isinstance(ins.argval, str)}
    names |= {ins.argval for ins in dis.get_instructions(code) if ins.opname in ("LOAD_ATTR", "LOAD_METHOD")
              and isinstance(ins.argval, str) and ins.argval in E2E_NAMES}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            names |= _names(const, module_globals, seen)
    for name in list(names):
        helper = module_globals.get(name)
        if getattr(helper, "__module__", None) != module_globals.get("__name__"):
            continue
        if isinstance(helper, type):  # a class of the test module: its methods
            for member in vars(helper).values():
                if hasattr(member, "__code__"):
                    names |= _names(member.__code__, module_globals, seen)
        elif hasattr(helper, "__code__"):
            names |= _names(helper.__code__, module_globals, seen)
    return names


def _uses_e2e_names(function) -> bool:
    code = getattr(function, "__code__", None)
    return code is not None and bool(E2E_NAMES & _names(code, function.__globals__, set()))


def is_e2e(item) -> bool:
    folder = Path(str(item.fspath)).parent.name
    if folder in E2E_FOLDERS:
        return True
    fixtures = set(getattr(item, "fixturenames", ()))
    if E2E_FIXTURES & fixtures:
        return True
    if _uses_e2e_names(getattr(item, "function", None)):
        return True
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    return any(_uses_e2e_names(getattr(defs[-1], "func", None)) for name, defs in definitions.items()
               if name in fixtures and defs)
