"""AWS CLI plugin: drive OUTSCALE's API (OAPI) with ``aws ec2 ...`` commands.

Enable it with::

    aws configure set plugins.outscale awscli_plugin_outscale

The plugin acts only when a command targets OUTSCALE: an ``--endpoint(-url)`` on an
OUTSCALE host (``*.outscale.com``, ``*.outscale.hk``), or a profile marked with
``outscale = true`` (the decision is :mod:`osc_shim.routing`'s). Every other call
reaches its endpoint exactly as without the plugin.

This module stays tiny: the AWS CLI imports it on every command, so it imports
nothing at load time; the handlers import the translation shim only when needed.
"""

__all__ = ["awscli_initialize"]


def awscli_initialize(cli):
    """Entry point called by the AWS CLI with its event hooks (an ``EventAliaser``)."""
    # Every event the plugin touches is wired here, through these tables:
    # handlers.OutscalePlugin.events: session-initialized, building-argument-table.ec2.<op>,
    #   load-cli-arg.ec2.<op>.<arg>, before-parameter-build.ec2, before-call.ec2
    # configure_command.register: building-command-table.configure (`aws configure outscale`)
    # help_notes.register: doc-description.ec2, doc-option.ec2 (OUTSCALE notes in `aws ec2 <op> help`)
    from .handlers import register_handlers

    register_handlers(cli)
    from . import configure_command, help_notes

    configure_command.register(cli)
    help_notes.register(cli)
