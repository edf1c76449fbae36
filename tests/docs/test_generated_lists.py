"""The operation lists of the user and migration guides are generated from the table of translated
operations (``python -m osc_shim.docgen``; its ``--check`` runs in tests/config/test_config_regions.py):
here, that each guide holds its generated section, and that the migration guide's hand-written table
says something of every translated command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from osc_shim import docgen
from osc_shim.operations import OPERATIONS

DOCS = Path(docgen.default_docs_dir())


@pytest.mark.parametrize("document,section", sorted(docgen.SECTIONS))
def test_each_guide_holds_its_generated_section(document, section):
    text = (DOCS / document).read_text(encoding="utf-8")
    start, end = docgen.section_markers(section)
    assert text.count(start) == 1 and text.count(end) == 1, (document, section)
    assert docgen.SECTIONS[(document, section)]() in text


def test_the_generated_lists_name_every_translated_operation():
    from botocore import xform_name

    for op in OPERATIONS:
        assert op in docgen.render_operation_list() and f"`{xform_name(op, '-')}`" in docgen.render_command_list()


def test_the_migration_table_has_a_row_for_every_translated_command():
    from botocore import xform_name

    text = (DOCS / "migration-guide.md").read_text(encoding="utf-8")
    table = text.split("## What changes, command by command", 1)[1].split("\n## ", 1)[0]
    first_cells = " ".join(line.split("|")[1] for line in table.splitlines() if line.startswith("| `"))
    # a cell names commands in backquotes, options after them: `create-image --instance-id`
    named = set(re.findall(r"`([a-z][a-z-]*)[^`]*`", first_cells))
    # the table shortens families: `modify-` / `describe-` / `reset-snapshot-attribute`
    for family in re.findall(r"`modify-` / `describe-` / `reset-([a-z-]+)`", first_cells):
        named |= {f"modify-{family}", f"describe-{family}", f"reset-{family}"}
    missing = [xform_name(op, "-") for op in OPERATIONS if xform_name(op, "-") not in named]
    assert missing == [], f"no row of the migration guide's table for {missing}"
