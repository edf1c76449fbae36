"""``osc-shim share-image``: export an image and print a pre-signed URL of its manifest, for another
account (or region) to register with ``aws ec2 register-image --image-location "$url"``."""

from __future__ import annotations

import datetime as _dt
import os
import sys

import click


@click.command("share-image", context_settings={"max_content_width": 100})
@click.option("--image-id", required=True, metavar="ami-…", help="The image to share (yours, available).")
@click.option("--expires-in", default=7 * 24 * 3600, show_default=True, type=click.IntRange(1, 7 * 24 * 3600),
              metavar="SECONDS", help="How long the URL works; OOS allows seven days at most.")
@click.option("--profile", envvar="AWS_PROFILE", help="The AWS CLI profile whose keys and region are used.")
@click.option("--region", help="The image's region. Default: the profile's, else eu-west-2.")
@click.option("--bucket", help="The OOS bucket the export goes to. Default: the profile key "
                               "outscale_transfer_bucket, else OSC_TRANSFER_BUCKET.")
def share_image(image_id, expires_in, profile, region, bucket):
    """Export IMAGE into an OOS bucket and print the pre-signed URL of its manifest.

    \b
    Only the URL goes to standard output, so it can be captured; its expiry
    and the progress go to standard error.  A re-run reuses the finished
    export.  The receiver (any account, any region) registers it:

    \b
      url=$(osc-shim share-image --image-id ami-12345678 --profile owner)
      aws ec2 register-image --name shared --image-location "$url" --profile receiver
    """
    import botocore.session

    from .. import copy_runner, credentials as osc_credentials, regions
    from ..errors import Ec2Error
    from ..operations import copy_across_regions as plan
    from ..progress import Reporter
    from ..core import make_client

    session = botocore.session.Session(profile=profile)
    try:
        osc_credentials.install(session, os.environ)
        scoped = session.get_scoped_config() or {}
    except Exception as exc:  # an unknown profile
        raise click.ClickException(str(exc)) from None
    region = region or scoped.get("region") or os.environ.get("OSC_REGION") or regions.DEFAULT_REGION
    bucket = bucket or scoped.get(plan.BUCKET_SETTING) or os.environ.get(plan.BUCKET_ENV)
    creds = session.get_credentials()
    try:
        url = copy_runner.share(image_id, region, creds, lambda where: make_client(where, creds), bucket=bucket,
                                expires_in=expires_in, progress=Reporter(sys.stderr))
    except Ec2Error as err:
        raise click.ClickException(f"{err.code}: {err.message}") from None
    until = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=expires_in)
    click.echo(f"share-image: the URL works until {until:%Y-%m-%dT%H:%M:%SZ} ({expires_in} s)", err=True)
    click.echo(url)
