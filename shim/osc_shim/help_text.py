"""OUTSCALE's notes for the AWS CLI's own help (``aws ec2 <operation> help``), from the member tables.

The plugin's help handlers (``awscli_plugin_outscale.help_notes``) ask this module what to write:
what an operation becomes on OUTSCALE, and for each option whether it is sent (and as what),
handled by the translator, or refused. The member tables are the same data docs/mappings.md is
generated from (``osc_shim.docgen``), so the help cannot say something the translation does not do.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

WHEN = ("These notes apply when the command targets OUTSCALE (an ``--endpoint`` on ``*.outscale.com`` or "
        "``*.outscale.hk``, an OUTSCALE endpoint configured for ec2, or a profile marked ``outscale = true``); "
        "otherwise the command runs exactly as without the plugin.")


def translated(operation: str) -> bool:
    from .operations import OPERATIONS

    return operation in OPERATIONS


def becomes(operation: str) -> str:
    from .operations import BECOMES  # each translator module declares it beside its translators

    return BECOMES[operation]


def rule_text(rule) -> Tuple[str, str]:
    """(kind, text) of a member table rule: kind is sent, handled or refused."""
    from .operations.engine import Handled, Map, Refuse

    if isinstance(rule, Map):
        return "sent", f"sent as {rule.target}"
    if isinstance(rule, Refuse):
        return "refused", rule.reason
    if isinstance(rule, Handled):
        return "handled", rule.note
    return "handled", repr(rule)


def member_notes(operation: str) -> Dict[str, List[Tuple[str, str, str]]]:
    """Top-level member -> [(kind, where, text)]: its own rule first (where ""), then its nested members'."""
    from .operations import MEMBER_TABLES

    notes: Dict[str, List[Tuple[str, str, str]]] = {}
    tables = [(path, table) for (op, path), table in MEMBER_TABLES.items() if op == operation]
    for path, table in sorted(tables, key=lambda item: len(item[0])):
        for member, rule in table.items():
            kind, text = rule_text(rule)
            top = path[0] if path else member
            where = ".".join((*path[1:], member)) if path else ""
            notes.setdefault(top, []).append((kind, where, text))
    return notes


def option_notes(operation: str, cli_name_of) -> List[Tuple[str, str, str, str]]:
    """[(cli option, kind, where, text)] for every member, in the table's order; ``cli_name_of``
    turns a member name into its option (botocore's xform_name with "-")."""
    out = []
    for member, notes in member_notes(operation).items():
        for kind, where, text in notes:
            out.append((f"--{cli_name_of(member)}", kind, where, text))
    return out


def notes_for_option(operation: str, member: Optional[str]) -> List[Tuple[str, str, str]]:
    return member_notes(operation).get(member or "", [])
