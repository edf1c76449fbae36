"""Constants and helpers shared by the gateway tests (imported by conftest and the tests)."""

from __future__ import annotations


from sandbox_env import BIN, REPO, SOURCE_PATHS, clean_env  # noqa: F401  (re-exported to the tests)

AK = "AKIAGATEWAYTEST0001"
SK = "gateway/test/secret/key/0123456789abcdef"
REGION = "eu-west-2"


