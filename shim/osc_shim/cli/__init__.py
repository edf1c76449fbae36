"""``osc-shim``: the command-line face of the shim.

Each subcommand is a module of this package (``cli/<command>.py``), imported only
when invoked, so ``osc-shim --help`` stays fast; the logic it calls lives in the
modules named for what they do.  Add a command by adding a line to COMMANDS.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command
COMMANDS = {
    "emulator": "osc_emulator.command:emulator",
    "demo": "osc_shim.cli.demo:demo",
    "configure": "osc_shim.cli.configure:configure",
    "endpoints": "osc_shim.cli.endpoints:endpoints",
    "serve": "osc_shim.cli.serve:serve",
    "translate": "osc_shim.cli.translate:translate",
    "rehearse": "osc_shim.cli.rehearse:rehearse",
    "share-image": "osc_shim.cli.share_image:share_image",
}


# name -> the extras it needs (osc_shim.cli.extras): checked before the command runs
NEEDS = {
    "emulator": ("emulator",),
    "demo": ("emulator", "cli"),
    "serve": ("gateway",),
    "rehearse": ("emulator", "gateway"),
    "translate": ("cli",),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            command = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:  # an extra's module imported at load time
            from .extras import MissingExtra, extra_of, message

            extra = extra_of(exc.name)
            if extra is None:
                raise
            raise MissingExtra(message(extra, exc.name, f"osc-shim {name}")) from None
        return command

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        # `osc-shim CMD --help` works without the extras; running CMD needs them.
        if name in NEEDS and not any(a in ("-h", "--help") for a in rest):
            from .extras import require

            require(*NEEDS[name], what=f"osc-shim {name}")
        return name, command, rest


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="awscli-plugin-outscale")
def main():
    """Drive the OUTSCALE API with AWS habits.

    The shim translates EC2 requests (as the AWS CLI and boto3 send them) into
    OUTSCALE API (OAPI) calls and turns the answers back into EC2's.  Its
    commands serve an offline OAPI emulator, an EC2-compatible gateway, and
    tools for migrating AWS scripts.
    """
