"""``osc-shim translate -- aws ec2 <command> ...``: print the OAPI calls a command becomes (osc_shim.translate)."""

from __future__ import annotations

import json
import sys

import click

from osc_shim.translate import SERVICE_ERROR_STATUS, render_text, translate_command


@click.command("translate", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False,
                                              "help_option_names": ["-h", "--help"]})
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: for people; json: one document for scripts.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def translate(command, fmt):
    """Show the OUTSCALE API calls an `aws ec2` command becomes, without sending anything.

    \b
        osc-shim translate -- aws ec2 copy-image --source-image-id ami-12345678 \\
            --source-region eu-west-2 --name my-copy
        osc-shim translate --format json -- aws ec2 describe-images --owners self

    The command line is read by the AWS CLI's own parser (shorthand, JSON and
    file:// values, --region/--profile/--endpoint), and translated by the same
    code as the AWS CLI plugin.  Each OAPI call is printed as its JSON body and
    as the equivalent `oapi-cli` and `osc-cli api` command lines, so a script
    can move to OUTSCALE's native tools.  A value OUTSCALE would return is shown
    as <Action.Member>.  --query/--output are kept: on the native lines as the
    jq filter that picks the same value from OUTSCALE's answer.

    \b
    Exit status: 0 when the command is translated (the calls are printed) and
    when it passes through unchanged (an operation the plugin sends to FCU as
    it is: it says so and prints the command); 255, as `aws` (v1), when the
    translation refuses it (the EC2-style error is printed); 2 for a command
    line the AWS CLI itself rejects.
    """
    t = translate_command(list(command))
    if fmt == "json":
        click.echo(json.dumps(t.as_dict(), indent=2))
    else:
        click.echo(render_text(t))
    if t.outcome == "refused":
        sys.exit(SERVICE_ERROR_STATUS)
