"""Top-level test configuration.

Its presence puts tests/ on sys.path, so every test folder can import the shared
``sandbox_env`` helpers; and this process imports the working tree's packages first,
whatever the venv's install says.
"""

import sys

from sandbox_env import SOURCE_PATHS

for _path in reversed(SOURCE_PATHS):
    if _path not in sys.path:
        sys.path.insert(0, _path)


# -- fresh environments, shared by the whole session (each costs a pip install) ------------------

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def awscli_only_venv(tmp_path_factory):
    """A fresh venv with only ``awscli`` v1 (and its dependencies): its Python lacks the plugin."""
    from fresh_venv import AWSCLI, make_venv

    base = tmp_path_factory.mktemp("awscli-only")
    return make_venv(base / "venv", AWSCLI, home=base)


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory):
    """The sdist and the wheel ``python -m build`` makes of the working tree (built once)."""
    from fresh_venv import build_dist

    out = tmp_path_factory.mktemp("dist")
    return build_dist(out, home=out)


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory, built_dist):
    """A fresh venv with ``awscli`` v1 and the built wheel installed the documented way."""
    from fresh_venv import AWSCLI, make_venv

    base = tmp_path_factory.mktemp("wheel-venv")
    return make_venv(base / "venv", AWSCLI, str(built_dist["wheel"]), home=base)
