"""The rehearsal world behind ``osc-shim rehearse -- COMMAND...`` (the command: osc_shim.cli.rehearse).

What ``awslocal`` is to LocalStack: it starts the emulator (both faces, OAPI and
FCU, over one cloud) and the EC2 gateway in this process on free loopback
ports, writes a throwaway AWS config (a profile marked ``outscale = true``, the
plugin enabled, the emulator's keys), runs COMMAND with

    AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE   -> the throwaway files and profile
    OSC_ENDPOINT_API                                            -> the emulator's OAPI face
    AWS_ENDPOINT_URL_EC2                                        -> the gateway (boto3, SDKs, Terraform)
    OSC_ENDPOINT_FCU                                            -> the emulator's FCU face

stops everything, prints on stderr a summary of the OAPI and FCU calls made and
the errors met, and exits with COMMAND's status.  The user's ``~/.aws`` and
``~/.osc`` are never read or written: every AWS_*/OSC_* variable of the caller
is dropped and the config files live in a temporary directory.
"""

from __future__ import annotations

import collections
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from osc_emulator.models import DEFAULT_ACCESS_KEY, DEFAULT_ACCOUNT_ID, DEFAULT_SECRET_KEY

PROFILE = "rehearsal"
# The emulator's demo account, whatever OSC_ACCESS_KEY the caller has (that one is never used here).
ACCOUNTS = {DEFAULT_ACCESS_KEY: (DEFAULT_SECRET_KEY, DEFAULT_ACCOUNT_ID)}


def write_config(home: Path, region: str, access_key: str, secret_key: str) -> dict:
    """The throwaway AWS config and credentials; returns the variables that point at them."""
    config, credentials = home / "config", home / "credentials"
    config.write_text(f"[plugins]\noutscale = awscli_plugin_outscale\n\n"
                      f"[profile {PROFILE}]\nregion = {region}\noutscale = true\noutput = json\n")
    credentials.write_text(f"[{PROFILE}]\naws_access_key_id = {access_key}\naws_secret_access_key = {secret_key}\n")
    return {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_PROFILE": PROFILE}


def child_env(files: dict, api_url: str, gateway_url: str, fcu_url: str, region: str, environ=os.environ) -> dict:
    """The caller's environment without any AWS_/OSC_ variable, plus the rehearsal's."""
    env = {k: v for k, v in environ.items() if not k.startswith(("AWS_", "OSC_"))}
    env.update(files, OSC_ENDPOINT_API=api_url, AWS_ENDPOINT_URL_EC2=gateway_url, OSC_ENDPOINT_FCU=fcu_url,
               AWS_DEFAULT_REGION=region, AWS_REGION=region,
               AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="")  # offline: no instance metadata, no pager
    return env


@contextmanager
def isolated(files: dict):
    """This process too (the in-process gateway and shim use botocore) reads only the throwaway files:
    the caller's AWS_*/OSC_* variables are set aside for the rehearsal and put back afterwards."""
    saved = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "OSC_"))}
    for key in saved:
        del os.environ[key]
    os.environ.update(files, AWS_EC2_METADATA_DISABLED="true")
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith(("AWS_", "OSC_"))]:
            del os.environ[key]
        os.environ.update(saved)


@contextmanager
def world(seed: dict, region: str, **cloud_options):
    """The emulator and a gateway pointed at it: yields (emulator handle, gateway URL)."""
    from botocore.credentials import Credentials

    from osc_emulator.server import start_emulator
    from .gateway.app import create_app
    from .gateway.server import GatewayServer

    emu = start_emulator(port=0, region=region, accounts=ACCOUNTS, **cloud_options)
    try:
        if seed:
            emu.cloud.seed(seed)
        os.environ["OSC_ENDPOINT_API"] = emu.api_url  # what the in-process shim reads
        app = create_app(credentials=Credentials(emu.access_key, emu.secret_key), region=region,
                         fcu_endpoint=emu.fcu_url, environ={})
        server = GatewayServer(app, host="127.0.0.1", port=0, threads=4, grace=2.0)
        thread = threading.Thread(target=server.serve_forever, name="osc-rehearse-gateway", daemon=True)
        thread.start()
        try:
            yield emu, server.url
        finally:
            server.shutdown()
            thread.join(10)
    finally:
        emu.stop()


def summary(oapi_calls: list, fcu_calls: list) -> str:
    """Calls per face and action, and the errors met (code x count)."""
    lines = []
    for face, calls in (("OAPI", oapi_calls), ("FCU", fcu_calls)):
        counts = collections.Counter(action for action, _ in calls)
        shown = ", ".join(f"{action} x{n}" for action, n in sorted(counts.items())) or "none"
        lines.append(f"  {face} calls ({len(calls)}): {shown}")
    errors = collections.Counter(f"{action} {code}" for face in (oapi_calls, fcu_calls) for action, code in face if code)
    lines.append("  errors: " + (", ".join(f"{e} x{n}" for e, n in sorted(errors.items())) or "none"))
    return "\n".join(lines)
