"""``osc-shim rehearse -- COMMAND...``: run a migrated script against one offline OUTSCALE, in one step
(the emulator, the gateway and the throwaway config: osc_shim.rehearse)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from osc_emulator.models import DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY
from ..rehearse import PROFILE, child_env, isolated, summary, world, write_config


def _seed_of(seed_file, buckets) -> dict:
    seed = json.load(seed_file) if seed_file is not None else {}
    if not isinstance(seed, dict):
        raise click.BadParameter("the seed file must hold a JSON object (see osc-shim emulator --help)",
                                 param_hint="--seed")
    seed["buckets"] = list(seed.get("buckets") or []) + list(buckets)
    return seed


@click.command(context_settings={"max_content_width": 100, "ignore_unknown_options": True})
@click.option("--bucket", "buckets", multiple=True, metavar="NAME",
              help="An OOS bucket the command needs (repeatable).")
@click.option("--seed", "seed_file", type=click.File("r"), metavar="FILE.json",
              help="Resources to start with, as `osc-shim emulator --seed` takes them (buckets, objects, "
                   "manifests, VMs, snapshots, images).")
@click.option("--region", default="eu-west-2", show_default=True, help="The region of the emulated cloud.")
@click.option("--pending-reads", default=0, show_default=True, type=click.IntRange(0),
              help="A new image stays pending until read this many times (0: available at the first read, "
                   "so `aws ec2 wait image-available` returns at once).")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def rehearse(buckets, seed_file, region, pending_reads, command):
    """Run COMMAND (a migrated script, a boto3 program, terraform apply) on an offline OUTSCALE.

    \b
    DESCRIPTION
      Starts the emulator (OAPI and FCU faces over one cloud) and the EC2
      gateway on free loopback ports, writes a throwaway AWS config with a
      profile marked OUTSCALE (the plugin enabled, the emulator's keys), runs
      COMMAND with AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE,
      OSC_ENDPOINT_API, AWS_ENDPOINT_URL_EC2 and OSC_ENDPOINT_FCU set, stops
      everything, and prints on stderr the OAPI and FCU calls made and the
      errors met.  Exits with COMMAND's status.  Your ~/.aws and ~/.osc are
      never read or written; your AWS_* and OSC_* variables are not passed on.

    \b
    EXAMPLES
      osc-shim rehearse -- aws ec2 describe-images --owners Outscale
      osc-shim rehearse --bucket exports -- sh ./migrate-images.sh
      osc-shim rehearse --seed world.json -- python deploy.py
    """
    seed = _seed_of(seed_file, buckets)
    caller_env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="osc-shim-rehearse-") as tmp:
        files = write_config(Path(tmp), region, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY)
        with isolated(files), world(seed, region, pending_reads=pending_reads) as (emu, gateway_url):
            status = _run(command, child_env(files, emu.api_url, gateway_url, emu.fcu_url, region, caller_env),
                          emu, gateway_url, tmp)
    sys.exit(status)


def _run(command, env: dict, emu, gateway_url: str, tmp: str) -> int:
    click.echo(f"osc-shim rehearse: OAPI {emu.api_url}, FCU {emu.fcu_url}, gateway {gateway_url}; "
               f"profile {PROFILE} in {tmp}", err=True)
    try:
        status = subprocess.call(list(command), env=env)
    except OSError as exc:
        click.echo(f"osc-shim rehearse: cannot run {command[0]!r}: {exc.strerror}", err=True)
        status = 127
    click.echo(f"osc-shim rehearse: {command[0]} exited {status}\n"
               + summary(list(emu.app.calls), list(emu.app.fcu.calls)), err=True)
    return status
