"""``osc-shim serve``: run the EC2-compatible gateway (osc_shim.gateway) under waitress."""

from __future__ import annotations

import os
import signal

import click

from osc_shim.gateway.server import GatewayServer, log, setup_logging


HELP = """Serve an EC2-compatible endpoint backed by the OUTSCALE API.

\b
boto3 code, other AWS SDKs, Terraform and the AWS CLI (without the plugin)
talk to this endpoint exactly as they talk to EC2:

\b
    osc-shim serve --profile outscale --region eu-west-2
    export AWS_ENDPOINT_URL_EC2=http://127.0.0.1:8788
    python their_script.py            # not one line changed

\b
WHAT IT DOES
  Each request must be signed (SigV4) with the credentials the gateway runs
  with: those of --profile through botocore's credential chain (environment,
  shared files, SSO, ...), else OSC_ACCESS_KEY / OSC_SECRET_KEY, else
  OSC_PROFILE in ~/.osc/config.json.  Clients use the same keys; the region a
  request is signed for is the OUTSCALE region it is served in.  Unsigned requests,
  another key, a bad signature or a clock more than 15 minutes off get EC2's
  AuthFailure, SignatureDoesNotMatch or RequestExpired, and nothing else.
  Actions the shim translates (register-image, describe-images, ...) are
  turned into OUTSCALE API calls and the answers into EC2's XML.  Every other
  EC2 action is forwarded, re-signed, to FCU (https://fcu.REGION.outscale.com,
  or --fcu-endpoint) and FCU's answer passed back untouched; with
  --no-forward such actions get UnsupportedOperation.

\b
SERVICE
  waitress serves with --threads worker threads and holds up to 4,096
  connections (poll()).  A connection must send its request headers within
  5 s of opening (or of its previous answer), its body within 30 s; idle
  kept-alive connections are closed after 60 s; bytes that are not HTTP
  close it at once; framing errors get EC2's XML error.  SIGTERM or Ctrl-C stops
  accepting connections, lets requests in flight finish (up to --grace
  seconds) and exits 0.  One access-log line per request goes to stderr (or
  --access-log FILE): client, action, route (shim / fcu), status, size,
  duration, masked access key ID, request ID; never a secret, a signature or
  a parameter value.  The gateway keeps no state between requests: for more
  processes or machines run the same WSGI app under gunicorn, configured by
  environment variables (OSC_SHIM_PROFILE, OSC_SHIM_REGION, OSC_ENDPOINT_FCU,
  OSC_SHIM_NO_FORWARD, OSC_SHIM_MAX_BODY, OSC_ENDPOINT_API):

\b
    OSC_SHIM_PROFILE=outscale OSC_SHIM_REGION=eu-west-2 \\
      gunicorn -w 4 -b 127.0.0.1:8788 'osc_shim.gateway.app:create_app()'

\b
SECURITY
  It binds 127.0.0.1 by default and speaks plain HTTP.  Put TLS in front of
  it before binding another address; a proxy in front must not rewrite Host
  or the body, or signatures stop matching.

\b
EXAMPLES
  Rehearse offline against the OAPI emulator and moto_server as FCU (both
  the emulator and the gateway take OSC_ACCESS_KEY / OSC_SECRET_KEY):
    osc-shim emulator --port 8443 &
    osc-shim serve --api-endpoint http://127.0.0.1:8443/api/v1 \\
                   --fcu-endpoint http://127.0.0.1:5000
  Translated actions only, nothing sent to FCU:
    osc-shim serve --profile outscale --no-forward

\b
EXIT STATUS
  0 after a graceful stop; 1 when the credentials, the region or the
  address cannot be used (the reason is printed).

\b
ENVIRONMENT
  OSC_ENDPOINT_API   OUTSCALE API base URL used by the shim (e.g. an emulator)
  OSC_ENDPOINT_FCU   FCU base URL for forwarded actions
  HTTPS_PROXY, NO_PROXY, AWS_CA_BUNDLE   honoured for outgoing calls
  OSC_SHIM_MAX_ATTEMPTS, OSC_SHIM_READ_TIMEOUT, OSC_SHIM_CONNECT_TIMEOUT,
  OSC_SHIM_MAX_TOTAL   retries and time limits of OUTSCALE API calls
                     (defaults and behaviour: docs/reliability.md)
"""


@click.command("serve", help=HELP, context_settings={"max_content_width": 100})
@click.option("--host", default="127.0.0.1", show_default=True, envvar="OSC_SHIM_HOST",
              help="Address to bind. Anything but loopback should sit behind TLS.")
@click.option("--port", default=8788, show_default=True, type=click.IntRange(0, 65535), envvar="OSC_SHIM_PORT",
              help="Port to listen on (0: any free port, printed at start).")
@click.option("--profile", envvar="OSC_SHIM_PROFILE", help="Profile whose credentials the gateway runs with "
              "and checks signatures against (default: the default credential chain).")
@click.option("--region", envvar="OSC_SHIM_REGION", help="OUTSCALE region served; clients sign for it "
              "(default: the profile's region, else eu-west-2).")
@click.option("--fcu-endpoint", envvar="OSC_ENDPOINT_FCU", metavar="URL",
              help="Where untranslated actions go (default: https://fcu.REGION.outscale.com).")
@click.option("--api-endpoint", envvar="OSC_ENDPOINT_API", metavar="URL",
              help="OUTSCALE API base URL for translated actions (default: the region's).")
@click.option("--no-forward", is_flag=True, envvar="OSC_SHIM_NO_FORWARD",
              help="Answer untranslated actions with UnsupportedOperation instead of forwarding them.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Worker threads.")
@click.option("--max-body", default=1024 * 1024, show_default=True, type=click.IntRange(1024),
              envvar="OSC_SHIM_MAX_BODY", help="Largest request body accepted, in bytes.")
@click.option("--grace", default=10.0, show_default=True, type=float,
              help="Seconds given to requests in flight at shutdown.")
@click.option("--access-log", default="-", show_default=True, metavar="FILE",
              help="Where access-log lines go ('-': stderr).")
@click.option("--quiet", is_flag=True, help="No access log.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def serve(host, port, profile, region, fcu_endpoint, api_endpoint, no_forward, threads, max_body, grace,
          access_log, quiet, log_level):
    from osc_shim import regions
    from osc_shim.gateway.app import create_app

    setup_logging(access_log, quiet, log_level)
    if api_endpoint:
        os.environ["OSC_ENDPOINT_API"] = api_endpoint
    try:
        app = create_app(profile=profile, region=region, fcu_endpoint=fcu_endpoint, forward=not no_forward,
                         max_body=max_body)
    except LookupError as exc:
        raise click.ClickException(f"{exc}: give --profile, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                                   "or OSC_ACCESS_KEY/OSC_SECRET_KEY") from None
    except regions.UnknownRegion as exc:
        raise click.ClickException(str(exc)) from None
    try:
        server = GatewayServer(app, host=host, port=port, threads=threads, grace=grace)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    def on_signal(signum, _frame):
        log.info("osc-shim gateway: %s received, stopping", signal.Signals(signum).name)
        server.shutdown()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    route = f"untranslated actions forwarded to {app.fcu_url}" if app.fcu_url else "forwarding off"
    click.echo(f"osc-shim gateway listening on {server.url} (region {app.config.region}; {route}). "
               "SIGTERM or Ctrl-C stops it.", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("warning: listening beyond loopback over plain HTTP; put TLS in front of it.", err=True)
    server.serve_forever()
    click.echo("osc-shim gateway stopped.", err=True)
