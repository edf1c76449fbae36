"""Constants and helpers shared by the gateway tests (imported by conftest and the tests)."""

from __future__ import annotations


from support.sandbox_env import BIN, REPO, SOURCE_PATHS, clean_env  # noqa: F401  (re-exported to the tests)

from support.gateway_stack import AK, REGION, SK  # noqa: F401  (one home, shared with tests/clients)


