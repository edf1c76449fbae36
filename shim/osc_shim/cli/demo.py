"""``osc-shim demo``: OUTSCALE's "Importing an OMI from a Bucket" page, run for real, offline
(its sandbox and constants: osc_shim.demo)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from ..demo import BLOCK_DEVICE_MAPPING, DOC_EXPIRED_URL, ENDPOINT, PROFILE, find_aws, sandbox_env
from ..presigned import redact
from ..redaction import scrub


class Runner:
    def __init__(self, aws: str, env: dict):
        self.aws, self.env = aws, env

    def run(self, args: list, title: str, *, shown=None) -> subprocess.CompletedProcess:
        click.secho(f"\n# {title}", fg="cyan")
        click.echo("$ " + " ".join(shlex.quote(a) for a in ["aws"] + (shown or args)))
        done = subprocess.run([self.aws] + args, env=self.env, capture_output=True, text=True, timeout=120)
        # The demo's screen is a notice for people: the pre-signed URLs the answers hold are redacted.
        if done.stdout:
            click.echo(scrub(done.stdout.rstrip()))
        if done.stderr:
            click.secho(scrub(done.stderr.rstrip()), fg="yellow", err=False)
        click.echo(f"(exit {done.returncode})")
        return done


@click.command()
@click.option("--aws", "aws_path", default=None, help="The aws executable to run (default: the one beside this Python).")
def demo(aws_path):
    """Register an OMI from a bucket with the real `aws` CLI, on the embedded emulator.

    Runs the command of OUTSCALE's documentation page "Importing an OMI from a
    Bucket" (`aws ec2 register-image ... --endpoint https://fcu.eu-west-2.outscale.com`)
    with the plugin enabled; the call becomes an OAPI CreateImage on a local
    emulator (loopback only) and the EC2-shaped result is printed.  Exits
    non-zero when the main registration fails.
    """
    from osc_emulator.oos import make_manifest
    from osc_emulator.server import start_emulator

    aws = find_aws(aws_path)
    with tempfile.TemporaryDirectory(prefix="osc-shim-demo-") as tmp, start_emulator() as emu:
        home = Path(tmp)
        (home / "credentials").write_text(
            f"[{PROFILE}]\naws_access_key_id = {emu.access_key}\naws_secret_access_key = {emu.secret_key}\n")
        runner = Runner(aws, sandbox_env(home, OSC_ENDPOINT_API=emu.api_url))
        click.secho(f"OUTSCALE API emulator on {emu.api_url} (OSC_ENDPOINT_API); temporary AWS config in {home}",
                    fg="green")

        manifest = make_manifest("exported-omi", architecture="x86_64", description="an exported OMI",
                                 region=emu.region)
        url = emu.put_manifest("bucket", "object", manifest)

        runner.run(["configure", "set", "plugins.outscale", "awscli_plugin_outscale"],
                   "Enable the plugin (the README's one line)")
        doc_args = ["ec2", "register-image", "--profile", PROFILE, "--name", "Test Image", "--description", "Test",
                    "--architecture", "x86_64", "--image-location", url, "--root-device-name", "/dev/sda1",
                    "--block-device-mapping", BLOCK_DEVICE_MAPPING, "--endpoint", ENDPOINT]
        shown = [redact(a) for a in doc_args]
        main = runner.run(doc_args, "The documentation's command, with a fresh pre-signed manifest URL", shown=shown)
        try:
            image_id = json.loads(main.stdout)["ImageId"]
        except (ValueError, KeyError, TypeError):
            click.secho("The registration failed: see the output above.", fg="red")
            sys.exit(1)

        expired = [DOC_EXPIRED_URL if a == url else a for a in doc_args]
        runner.run(expired, "The same command with the page's own URL (it expired in 2017)",
                   shown=[redact(a) for a in expired])
        runner.run(["ec2", "register-image", "--profile", PROFILE, "--name", "from a bucket path",
                    "--image-location", "bucket/disk.qcow2", "--endpoint", ENDPOINT,
                    "--query", "ImageId", "--output", "text"],
                   "A bucket path without a manifest needs the devices: the error names what is missing")
        snapshot = emu.cloud.add_snapshot(emu.cloud.default_account.account_id, 10, "a root volume snapshot")
        runner.run(["ec2", "register-image", "--profile", PROFILE, "--name", "from a snapshot",
                    "--root-device-name", "/dev/sda1", "--block-device-mappings",
                    f"DeviceName=/dev/sda1,Ebs={{SnapshotId={snapshot.snapshot_id},VolumeSize=20}}",
                    "--endpoint", ENDPOINT, "--query", "ImageId", "--output", "text"],
                   "From a snapshot (shorthand syntax); the architecture defaults to i386 as on AWS")

        runner.run(["ec2", "describe-images", "--profile", PROFILE, "--image-ids", image_id,
                    "--endpoint", ENDPOINT, "--query",
                    "Images[0].{ImageId:ImageId,Name:Name,State:State,Architecture:Architecture,"
                    "RootDeviceType:RootDeviceType,ImageLocation:ImageLocation}"],
                   "Read it back the EC2 way (OAPI ReadImages underneath; RootDeviceType bsu -> ebs)")

        click.secho("\n# What the OUTSCALE API (emulator) now holds", fg="cyan")
        for img in emu.cloud.dump()["Images"]:
            click.echo(f"{img['ImageId']}  {img['State']:<9} {img['Architecture']:<6} {img['ImageName']!r}  "
                       f"from {redact(img.get('FileLocation') or '')}")
        click.secho(f"\nRegistered {image_id} as the documentation shows.", fg="green")
