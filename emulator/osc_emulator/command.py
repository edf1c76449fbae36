"""``osc-shim emulator``: serve the OUTSCALE API emulator until interrupted."""

from __future__ import annotations

import json
import logging
import signal
import threading

import click

from .regions import DEFAULT_REGION, REGIONS


def startup_message(emu, region: str, secret_given: bool) -> list:
    """What a client needs, printed at start: where, which keys, how to point the tools at it.

    The ``export`` lines can be pasted (or eval'ed) in another shell; add a line to ``exports``
    for another endpoint.  A secret key the user gave is never printed (only the demo one).
    """
    from .seeding import default_vm_id

    acct = emu.cloud.default_account
    secret = "the one you gave (--secret-key / OSC_SECRET_KEY), not shown" if secret_given else acct.secret_key
    exports = [
        ("OSC_ENDPOINT_API", emu.api_url),  # the plugin, `osc-shim serve` and OUTSCALE's SDKs read it
        ("OSC_ENDPOINT_FCU", emu.fcu_url),  # the EC2 (FCU) face over the same cloud: `osc-shim serve` forwards there
        ("AWS_ACCESS_KEY_ID", acct.access_key),
        ("AWS_SECRET_ACCESS_KEY", '"$OSC_SECRET_KEY"' if secret_given else acct.secret_key),
    ]
    return [
        f"OUTSCALE API emulator ({region}) listening on {emu.url}",
        f"  endpoint    {emu.api_url}",
        f"  access key  {acct.access_key}",
        f"  secret key  {secret}",
        f"  account     {acct.account_id}; VM to create images from: {default_vm_id(acct.account_id)}",
        *(f"  account     {other.account_id} (access key {other.access_key})"
          for other in list(emu.cloud.accounts.values())[1:]),
        "Use it from another shell (the AWS CLI with the plugin, osc-shim serve, boto3 through the gateway):",
        *(f"export {name}={value}" for name, value in exports),
        f"  aws ec2 describe-images --owners self --endpoint https://fcu.{region}.outscale.com",
    ]


def parse_accounts(specs) -> dict:
    """``AK:SK[:ACCOUNT_ID]`` items -> ``Cloud``'s accounts ({AK: (SK, account id)}), in the order given."""
    from .models import DEFAULT_ACCOUNT_ID

    accounts = {}
    for i, spec in enumerate(specs):
        parts = spec.split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"{spec.split(':')[0]}:...: give AK:SK or AK:SK:ACCOUNT_ID")
        account_id = parts[2] if len(parts) == 3 else f"{int(DEFAULT_ACCOUNT_ID) + i:012d}"
        if not (account_id.isdigit() and len(account_id) == 12):
            raise ValueError(f"account ID {account_id!r}: 12 digits")
        if parts[0] in accounts:
            raise ValueError(f"access key {parts[0]} given twice")
        accounts[parts[0]] = (parts[1], account_id)
    return accounts


@click.command(context_settings={"max_content_width": 100})
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep the loopback address unless other machines must reach it: "
                   "beyond loopback the test hooks are off unless --control-token is given.")
@click.option("--port", default=8443, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (plain HTTP). 0 picks a free one.")
@click.option("--region", default=DEFAULT_REGION, show_default=True, type=click.Choice(sorted(REGIONS)),
              help="The region the emulated cloud is in (SourceRegionName must name it).")
@click.option("--access-key", envvar="OSC_ACCESS_KEY", show_envvar=True, metavar="AK",
              help="Access key of the emulated account. Default: the demo key AKIAEMULATOR0000001.")
@click.option("--secret-key", envvar="OSC_SECRET_KEY", show_envvar=True, metavar="SK",
              help="Secret key of the emulated account. Default: the demo secret emulator-secret-key-do-not-use.")
@click.option("--account", "account_specs", multiple=True, metavar="AK:SK[:ACCOUNT_ID]",
              help="An emulated account with its own keys (repeatable; the first is the default, and replaces "
                   "--access-key/--secret-key). Account IDs default to 123456789012, 123456789013, ...")
@click.option("--seed", "seed_file", type=click.File("r"), metavar="FILE.json",
              help="Resources to start with: buckets, objects, manifests, VMs, snapshots, images (see FORMAT below).")
@click.option("--pending-reads", default=1, show_default=True, type=click.IntRange(0),
              help="A new image stays pending until ReadImages has returned it pending this many times.")
@click.option("--pending-seconds", type=click.FloatRange(0), metavar="S",
              help="...or until this many seconds have passed, whichever comes first.")
@click.option("--export-reads", default=2, show_default=True, type=click.IntRange(0),
              help="An image export task completes after ReadImageExportTasks has returned it pending this many times.")
@click.option("--no-hooks", is_flag=True, help="Do not serve the /_emulator/ test hooks.")
@click.option("--control-token", envvar="OSC_EMULATOR_CONTROL_TOKEN", show_envvar=True, metavar="TOKEN",
              help="Every /_emulator/ hook request must carry it (X-Emulator-Token header). Without it, "
                   "the hooks are off unless the emulator listens on loopback.")
@click.option("--fault", "fault_specs", multiple=True, metavar="SPEC",
              help="Inject a fault (repeatable), e.g. kind=reset-after,action=CreateImage,times=1. "
                   "Kinds: latency, http-500, http-503, throttle-503, throttle-429, reset-before, reset-after, "
                   "timeout, stall, truncated, not-json (see FAULTS below).")
@click.option("--faults", "faults_file", type=click.File("r"), metavar="FILE.json",
              help="Faults to inject: a JSON list of rules (same fields as --fault).")
@click.option("-v", "--verbose", is_flag=True, help="Log one line per request (never headers or keys).")
def emulator(host, port, region, access_key, secret_key, account_specs, seed_file, pending_reads, pending_seconds,
             export_reads, no_hooks, control_token, fault_specs, faults_file, verbose):
    """Serve an offline OUTSCALE API (OAPI) for images, snapshots, tags and exports.

    \b
    DESCRIPTION
      The emulator answers POST /api/v1/<Action> (and /api/latest/<Action>)
      with JSON, like https://api.<region>.outscale.com.  Every request must be
      signed (OSC4-HMAC-SHA256 or AWS4-HMAC-SHA256); every body is checked
      against OUTSCALE's published OpenAPI spec (outscale.yaml from
      osc-sdk-python) and refused with OAPI's own error codes.  State lives in
      memory and is lost when the emulator stops.

    \b
      Actions: CreateImage (from a VM, a copy, snapshots, a bucket with or
      without a manifest), ReadImages, UpdateImage, DeleteImage, CreateTags,
      DeleteTags, CreateSnapshot, ReadSnapshots, UpdateSnapshot,
      DeleteSnapshot, CreateImageExportTask, ReadImageExportTasks,
      DeleteExportTask.  Other OAPI actions answer 501.

    \b
      FCU face: EC2 Query requests (POST /, SigV4 with the same keys) over the
      same cloud: RunInstances, DescribeInstances, DescribeInstanceStatus,
      Stop/Start/TerminateInstances, Create/Describe/Attach/Detach/DeleteVolume,
      CreateSnapshot, CopySnapshot, DescribeSnapshots, DeleteSnapshot,
      Modify/Describe/ResetSnapshotAttribute, Create/Delete/DescribeTags,
      DescribeRegions, DescribeAvailabilityZones.  Other EC2 actions answer
      UnsupportedOperation.  A VM started there can be imaged with OAPI
      CreateImage; snapshots and tags are the same on both faces.

    \b
      Each account starts with one VM (its ID is printed) and every account sees
      one public image owned by "Outscale".  Every region is served under
      /<region>/api/v1 (OSC_ENDPOINT_API=http://HOST:PORT/{region}/api/v1), each
      with its own state; one OOS serves them all: its S3 face (ListObjectsV2,
      Get/Put/DeleteObject, SigV4) is /oos/<region>/
      (OSC_ENDPOINT_OOS=http://HOST:PORT/oos/{region}), and pre-signed URLs are
      checked as OOS checks them (SigV2 or SigV4 with the account's key, expiry).

    \b
    TEST HOOKS (unsigned, only under /_emulator/)
      PUT  /_emulator/oos/BUCKET[/KEY]   create a bucket / store an object
      POST /_emulator/presign            {"Bucket","Key"} -> a pre-signed URL
      POST /_emulator/seed               add resources (FORMAT below)
      POST /_emulator/clock              {"Advance": seconds}
      POST /_emulator/reset              start over
      GET  /_emulator/state              everything, as JSON
      POST /_emulator/faults             inject faults (FAULTS below); GET lists, DELETE clears

\b
    FAULTS (--fault, --faults, /_emulator/faults)
      Fields: kind, action (default: every action), times (default 1; null:
      always), skip, every, probability + seed, delay (latency/timeout/stall),
      code (throttles: 6, 24, 25), keep (truncated), after (processed first),
      or sequence: one kind per consecutive call (a schedule, - lets one by).
      latency       answer late by delay (0.5 s)
      http-500      500, OAPI InternalError body
      http-503      503, a load balancer's HTML page
      throttle-503  503, code 6;  throttle-429: 429, code 24 (or code=25)
      reset-before  connection closed, request not processed
      reset-after   connection closed after the request was processed
      timeout       processed, answer held delay (5 s): past a client's timeout
      stall         held delay (5 s), then processed and answered
      truncated     processed, the answer breaks off midway
      not-json      processed, answered with an HTML page

    \b
    FORMAT of --seed and /_emulator/seed
      {"buckets": [...], "objects": [{"Bucket","Key","Body"|"Json"}],
       "manifests": [{"Bucket","Key","Manifest"}], "vms": [...],
       "snapshots": [{"VolumeSize", ...}], "images": [{"ImageName", ...}]}

    \b
    EXAMPLES
      osc-shim emulator --port 8443
      export OSC_ENDPOINT_API=http://127.0.0.1:8443/api/v1
      export OSC_ENDPOINT_FCU=http://127.0.0.1:8443
      osc-shim emulator --port 0 --pending-reads 3 --seed demo.json
      osc-shim emulator --fault kind=reset-after,action=CreateImage
      osc-shim emulator --account AKOWNER:SKOWNER --account AKPEER:SKPEER

    Stop it with Ctrl-C; it shuts down gracefully.
    """
    from .fault_injection import FaultSpecError, rule_from, rule_from_text
    from .server import start_emulator
    from .models import default_accounts

    try:
        rules = [rule_from_text(spec) for spec in fault_specs]
        if faults_file is not None:
            loaded = json.load(faults_file)
            rules += [rule_from(spec) for spec in (loaded if isinstance(loaded, list) else [loaded])]
    except (FaultSpecError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--fault/--faults") from None

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(message)s")
    try:
        accounts = parse_accounts(account_specs) if account_specs else default_accounts(access_key, secret_key)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--account") from None
    stop = threading.Event()
    # Ctrl-C and SIGTERM end the wait below instead of unwinding through whatever runs.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    emu = start_emulator(host, port, accounts, region, hooks=not no_hooks, pending_reads=pending_reads,
                         pending_seconds=pending_seconds, export_reads=export_reads, control_token=control_token)
    if not no_hooks and not emu.app.hooks_enabled:
        click.echo(f"Test hooks off: {host} is not loopback and no --control-token was given.", err=True)
    for rule in rules:
        emu.faults.add(rule)
    try:
        if seed_file is not None:
            made = emu.cloud.seed(json.load(seed_file))
            click.echo(f"Seeded: {json.dumps({k: v for k, v in made.items() if v})}")
        for line in startup_message(emu, region, secret_given=bool(secret_key) and not account_specs):
            click.echo(line)
        while not stop.wait(0.5):
            pass
    finally:
        emu.stop()
        click.echo("Emulator stopped.")
