"""Top-level test configuration: the fixtures every folder shares, and the markers.

Its presence puts tests/ on sys.path, so every test folder can import the shared helpers of
``tests/support``; and this process imports the working tree's packages first, whatever the
venv's install says.  Each test is marked ``unit`` or ``e2e`` here (rules: support/markers.py);
``make test-fast`` runs ``-m unit``.
"""

import sys

from support.sandbox_env import SOURCE_PATHS

for _path in reversed(SOURCE_PATHS):
    if _path not in sys.path:
        sys.path.insert(0, _path)


# -- fresh environments, shared by the whole session (each costs a pip install) ------------------

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def awscli_only_venv(tmp_path_factory):
    """A fresh venv with only ``awscli`` v1 (and its dependencies): its Python lacks the plugin."""
    from support.fresh_venv import AWSCLI, make_venv

    base = tmp_path_factory.mktemp("awscli-only")
    return make_venv(base / "venv", AWSCLI, home=base)


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory):
    """The sdist and the wheel ``python -m build`` makes of the working tree (built once)."""
    from support.fresh_venv import build_dist

    out = tmp_path_factory.mktemp("dist")
    return build_dist(out, home=out)


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory, built_dist):
    """A fresh venv with ``awscli`` v1 and the built wheel installed the documented way."""
    from support.fresh_venv import AWSCLI, make_venv

    base = tmp_path_factory.mktemp("wheel-venv")
    return make_venv(base / "venv", AWSCLI, str(built_dist["wheel"]), home=base)


# -- markers: unit or e2e, from what each test uses ----------------------------------------------

def pytest_collection_modifyitems(config, items):
    from support.markers import is_e2e

    for item in items:
        item.add_marker(pytest.mark.e2e if is_e2e(item) else pytest.mark.unit)


# -- programs and servers several folders use ---------------------------------------------------

@pytest.fixture(scope="session")
def aws_binary():
    """The venv's ``aws`` v1 (the plugin is loaded from the working tree through PYTHONPATH)."""
    from support.sandbox_env import AWS_V1

    if not AWS_V1.exists():
        pytest.skip(f"no aws binary next to {sys.executable}")
    return AWS_V1


@pytest.fixture(scope="session")
def moto_server():
    """moto_server on loopback for the whole session (support/moto_fcu.py)."""
    pytest.importorskip("moto.server")
    from support.moto_fcu import moto_server as start

    with start() as server:
        yield server


@pytest.fixture(scope="session")
def moto_fcu(moto_server) -> str:
    """moto_server standing in for FCU behind the gateway: its URL."""
    return moto_server.url


@pytest.fixture(scope="session")
def moto_ec2(moto_server):
    """moto_server as the EC2 endpoint a plain ``aws`` talks to: ``.url``, ``.reset()``."""
    return moto_server
