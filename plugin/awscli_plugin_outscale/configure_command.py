"""``aws configure outscale``: write an OUTSCALE profile from the AWS CLI itself.

Registered on ``building-command-table.configure``.  This module imports
nothing at load time (the AWS CLI imports the plugin on every command): the
command class is built on first use, from the running CLI's ``BasicCommand``,
and the profile-writing logic lives in :mod:`osc_shim.profile` (shared with
``osc-shim configure``).
"""

from __future__ import annotations

COMMAND_NAME = "outscale"

_DESCRIPTION = """\
Configures a profile for OUTSCALE: writes the profile's ``region``, a
``[services osc-REGION]`` section with every OUTSCALE endpoint (FCU for ec2,
OOS for s3, EIM for iam, LBU for elb, DirectLink for directconnect, KMS for
kms) in botocore's format, so that boto3 and other SDKs reach OUTSCALE
with the same profile, the ``outscale = true`` marker that routes image
calls to the OUTSCALE API, and the ``[plugins]`` lines of the running AWS CLI
(``cli_legacy_plugin_path`` only under AWS CLI v2: it breaks AWS CLI v1).

Select the profile with ``--profile`` (default: ``default``) and the region
with ``--region`` (default: the profile's region when it is an OUTSCALE one,
else eu-west-2).  Everything else in the config file, comments included, is
kept; running it again changes nothing; the file is replaced atomically.
Credentials are set as usual with ``aws configure set aws_access_key_id``.
"""

_EXAMPLES = """\
To configure the profile ``osc`` for the region eu-west-2::

    aws configure outscale --profile osc --region eu-west-2

To see what would be written, without writing::

    aws configure outscale --profile osc --region us-east-2 --dry-run
"""

_command_class = None


def add_configure_outscale(command_table, session, **kwargs):
    """``building-command-table.configure`` handler: adds ``aws configure outscale``."""
    command_table[COMMAND_NAME] = _get_command_class()(session)


def register(cli):
    """Wire the command into the CLI's event hooks (called from ``awscli_initialize``)."""
    cli.register("building-command-table.configure", add_configure_outscale,
                 unique_id="outscale:configure-command")


def running_cli_major() -> str:
    """``v1`` or ``v2``: the AWS CLI this process runs."""
    import awscli

    return "v2" if awscli.__version__.startswith("2.") else "v1"


def plugin_path_of_this_process() -> str:
    """The directory this plugin was imported from (what cli_legacy_plugin_path must name)."""
    import os

    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_error(message):
    try:  # AWS CLI v2: rc 252 with the usual formatting
        from awscli.customizations.exceptions import ParamValidationError
    except ImportError:  # AWS CLI v1: rc 255, message printed as is
        ParamValidationError = ValueError
    return ParamValidationError(message)


def _get_command_class():
    global _command_class
    if _command_class is not None:
        return _command_class

    import os
    import sys

    from awscli.customizations.commands import BasicCommand

    class ConfigureOutscaleCommand(BasicCommand):
        NAME = COMMAND_NAME
        DESCRIPTION = _DESCRIPTION
        SYNOPSIS = "aws configure outscale [--profile profile-name] [--region region] [--dry-run]"
        EXAMPLES = _EXAMPLES
        ARG_TABLE = [
            {
                "name": "dry-run",
                "action": "store_true",
                "default": False,
                "help_text": "Print the changes to the config file (a unified diff) and write nothing.",
            },
        ]

        def _run_main(self, parsed_args, parsed_globals):
            from osc_shim import profile as cfg
            from osc_shim.profile import cli_check

            session = self._session
            profile = session.profile or session.get_config_variable("profile") or "default"
            config_file = os.path.expanduser(session.get_config_variable("config_file"))
            cli = running_cli_major()
            plugin_dir = plugin_path_of_this_process() if cli == "v2" else None
            try:
                old, existed = cfg.read_config(config_file)
                plan = cfg.plan(old, profile=profile, region=getattr(parsed_globals, "region", None),
                                cli=cli, plugin_dir=plugin_dir, config_file=config_file, existed=existed)
                if parsed_args.dry_run:
                    sys.stdout.write(plan.diff())
                else:
                    # The plugin runs from plugin_dir already: nothing to copy.
                    cfg.apply(plan, install=False, check=lambda: cli_check.check_this_process(
                        cli, plugin_dir, cfg.V2_PACKAGES, config_file))
            except (cfg.ConfigureError, cli_check.CliCheckError) as e:
                raise _user_error(str(e)) from None
            stream = sys.stderr if parsed_args.dry_run else sys.stdout
            stream.write(cfg.summary(plan, dry_run=parsed_args.dry_run, copied=False) + "\n")
            hint = None if parsed_args.dry_run else cfg.credentials_hint(profile, plan.new_text)
            if hint:
                sys.stderr.write(hint + "\n")
            return 0

    _command_class = ConfigureOutscaleCommand
    return _command_class
