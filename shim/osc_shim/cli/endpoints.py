"""``osc-shim endpoints``: OUTSCALE's region x service endpoint table (osc_shim.regions)."""

from __future__ import annotations

import json

import click

from .. import regions


@click.command("endpoints")
@click.option("--region", default=None, help=f"Only this region ({', '.join(regions.REGIONS)}).")
@click.option("--json", "as_json", is_flag=True, help="JSON output (a list of objects), for scripts.")
def endpoints(region, as_json):
    """Print OUTSCALE's region x service endpoint table.

    \b
    Columns: region, OUTSCALE service, the AWS CLI service it stands for, base
    URL.  Regions marked "unconfirmed" may no longer be served.

    \b
    Examples:
      osc-shim endpoints --region eu-west-2
      osc-shim endpoints --json | jq -r '.[] | select(.aws_service=="ec2") | .endpoint'
    """
    try:
        rows = regions.table(region)
    except regions.UnknownRegion as e:
        raise click.BadParameter(str(e), param_hint="'--region'") from None
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    headers = ("REGION", "SERVICE", "AWS", "ENDPOINT")
    data = [
        (
            r["region"] + ("" if r["confirmed"] else " (unconfirmed)"),
            r["service"],
            r["aws_service"] or "-",
            r["endpoint"],
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in data)) for i, h in enumerate(headers)]
    for row in (headers, *data):
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
