"""``osc-shim configure``: write an OUTSCALE profile (the logic: osc_shim.profile)."""

from __future__ import annotations

import os

import click

from .. import profile as cfg
from .. import regions
from ..profile import cli_check


def _region_choice_help() -> str:
    return ", ".join(regions.REGIONS)


@click.command("configure")
@click.option(
    "--profile",
    envvar="AWS_PROFILE",
    default="default",
    show_default=True,
    help="Profile to write (AWS_PROFILE when set).",
)
@click.option(
    "--region",
    default=None,
    help=f"OUTSCALE region: {_region_choice_help()}. "
    f"Default: the profile's region when it is an OUTSCALE one, else {regions.DEFAULT_REGION}.",
)
@click.option(
    "--cli",
    "cli",
    type=click.Choice(["auto", "v1", "v2"]),
    default="auto",
    show_default=True,
    help="AWS CLI major version that reads this config file; auto: v2 only when the `aws` on PATH "
    "reports aws-cli/2.",
)
@click.option(
    "--plugin-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="AWS CLI v2 only: directory the plugin and the shim are copied into and that "
    "cli_legacy_plugin_path names. Default: outscale-plugin/ beside the config file "
    "(~/.aws/outscale-plugin).",
)
@click.option(
    "--config-file",
    type=click.Path(dir_okay=False),
    envvar="AWS_CONFIG_FILE",
    default=None,
    help="Config file to edit (AWS_CONFIG_FILE when set, else ~/.aws/config).",
)
@click.option(
    "--aws",
    "aws",
    default=None,
    metavar="PATH",
    help="The `aws` this config file is for (default: the first on PATH). Before writing, it is run once on "
    "a temporary copy of the new config to check that it loads the plugin.",
)
@click.option("--dry-run", is_flag=True, help="Print what would change (a unified diff) and write nothing.")
def configure(profile, region, cli, plugin_dir, config_file, aws, dry_run):
    """Write an OUTSCALE profile into the AWS config file.

    \b
    Sets, for PROFILE:
      region = REGION, services = osc-REGION, outscale = true
      [services osc-REGION]   every OUTSCALE endpoint (FCU for ec2, OOS for s3,
                              EIM for iam, LBU for elb, DirectLink, KMS), in
                              botocore's format: boto3 and other SDKs read it
      [plugins]               outscale = awscli_plugin_outscale
                              (+ cli_legacy_plugin_path for AWS CLI v2, after
                              copying the plugin and the shim into --plugin-dir)

    It is the same logic as `aws configure outscale`, for a CLI that does not
    load the plugin yet.  Before writing, the `aws` it configures (--aws, else
    the first on PATH) is run once on a temporary copy of the new file: if its
    Python cannot import the plugin, the file is left unchanged and the error
    says which `aws` and Python were found and how to install into them.  Everything else in the file (comments included) is
    kept, a second run changes nothing, and the file is replaced atomically.

    cli_legacy_plugin_path makes every AWS CLI v1 command fail, so it is
    written only for v2, and removed when configuring for v1.

    \b
    Examples:
      osc-shim configure --profile osc --region eu-west-2
      osc-shim configure --profile osc --cli v2 --dry-run
    """
    config_file = os.path.expanduser(config_file) if config_file else cfg.default_config_file()
    try:
        found = cli_check.locate(aws)
        cli = found.major or "v1" if cli == "auto" else cli
        cli_check.check_cli_choice(found, cli)
        if cli == "v2":
            plugin_dir = os.path.abspath(os.path.expanduser(plugin_dir or cfg.default_plugin_dir(config_file)))
        else:
            plugin_dir = None
        old, existed = cfg.read_config(config_file)
        p = cfg.plan(
            old,
            profile=profile,
            region=region,
            cli=cli,
            plugin_dir=plugin_dir,
            config_file=config_file,
            existed=existed,
        )
        if dry_run:
            diff = p.diff()
            if diff:
                click.echo(diff, nl=False)
        else:
            # For v2 the plugin is copied first: the probe loads it from there.
            cfg.apply(p, check=lambda: cli_check.probe(found, p.new_text, profile, config_file))
    except (cfg.ConfigureError, cli_check.CliCheckError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(cfg.summary(p, dry_run=dry_run), err=dry_run)
    hint = cfg.credentials_hint(profile, p.new_text)
    if hint and not dry_run:
        click.echo(hint, err=True)
