"""docs/reliability.md states the defaults the code uses (the table fails this test when they drift)."""

from __future__ import annotations

import re

from osc_emulator.fault_injection import KINDS
from osc_shim.oapi.retry import SETTINGS, RetryPolicy, THROTTLING_CODES

from reliability_env import REPO

DOC = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default():
    defaults = RetryPolicy()
    for env, (field, _, _) in SETTINGS.items():
        row = re.search(rf"^\| `{env}` \| ([^|]+) \|", DOC, re.M)
        assert row, f"{env} is missing from the settings table"
        assert float(row.group(1)) == float(getattr(defaults, field)), (env, row.group(1), getattr(defaults, field))


def test_throttling_codes_and_fault_kinds_are_documented():
    for code in THROTTLING_CODES:
        assert f"code {code}" in DOC or f" {code} `" in DOC or f"{code} `Error" in DOC, code
    for kind in KINDS:
        assert f"`{kind}`" in DOC, kind
