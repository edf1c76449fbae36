"""OUTSCALE notes in the AWS CLI's own help: ``aws ec2 <operation> help`` for a translated operation.

Registered on the AWS CLI's documentation events (``doc-description.ec2`` and ``doc-option.ec2``,
which botocore's emitter calls after awscli's own, more specific handlers): after AWS's
description, a section says what the operation becomes on OUTSCALE and lists every option as
sent, handled or refused; each option's own entry gets the same one-line note. The text comes
from the shim's member tables (``osc_shim.help_text``), imported only when help is rendered:
this module imports nothing at load time (the AWS CLI imports the plugin on every command).
"""

from __future__ import annotations

SECTION_TITLE = "On OUTSCALE (awscli-plugin-outscale)"
# how each kind of rule reads in the help (reStructuredText)
FORMAT = {"sent": "{text}", "handled": "handled: {text}", "refused": "**refused**: {text}"}


def _operation(help_command):
    """The translated operation this help page documents, else None (other pages are left alone)."""
    model = getattr(help_command, "obj", None)
    name = getattr(model, "name", None)
    if not name or not hasattr(model, "input_shape"):
        return None
    try:
        from osc_shim.help_text import translated
    except ImportError:  # the shim is missing: AWS's help as it is
        return None
    return name if translated(name) else None


def add_operation_notes(help_command, **kwargs):
    """``doc-description.ec2``: the OUTSCALE section, after AWS's description."""
    operation = _operation(help_command)
    if operation is None:
        return
    from botocore import xform_name
    from osc_shim.help_text import WHEN, becomes, option_notes

    doc = help_command.doc
    doc.style.h2(SECTION_TITLE)
    doc.write(f"On OUTSCALE this operation becomes {becomes(operation)}, on the OUTSCALE API "
              "(``https://api.<region>.outscale.com/api/v1``). " + WHEN)
    doc.style.new_paragraph()
    doc.style.start_ul()
    for option, kind, where, text in option_notes(operation, lambda m: xform_name(m, "-")):
        doc.style.li(f"``{option}``{f' ``{where}``' if where else ''}: {FORMAT[kind].format(text=text)}")
    doc.style.end_ul()
    doc.style.new_paragraph()


def add_option_note(help_command, arg_name=None, **kwargs):
    """``doc-option.ec2``: one line under each option of a translated operation."""
    operation = _operation(help_command)
    argument = (getattr(help_command, "arg_table", None) or {}).get(arg_name)
    if operation is None or argument is None:
        return
    from osc_shim.help_text import notes_for_option

    member = getattr(argument, "_serialized_name", None)
    own = [(kind, text) for kind, where, text in notes_for_option(operation, member) if not where]
    noted = help_command.__dict__.setdefault("_outscale_noted", set())
    if not own or member in noted:  # --dry-run and --no-dry-run are one member
        return
    noted.add(member)
    kind, text = own[0]
    doc = help_command.doc
    doc.style.indent()
    doc.write(f"On OUTSCALE: {FORMAT[kind].format(text=text)}")
    doc.style.dedent()
    doc.style.new_paragraph()


def register(cli):
    """Wire the help handlers into the CLI's event hooks (called from ``awscli_initialize``)."""
    cli.register("doc-description.ec2", add_operation_notes, unique_id="outscale:help-description")
    cli.register("doc-option.ec2", add_option_note, unique_id="outscale:help-option")
