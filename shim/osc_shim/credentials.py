"""OUTSCALE's own credential conventions, as botocore credential providers.

People who use OUTSCALE's tools (oapi-cli, osc-cli, osc-sdk-python) keep their keys in
``OSC_ACCESS_KEY`` / ``OSC_SECRET_KEY`` or in ``~/.osc/config.json``::

    {"default": {"access_key": "...", "secret_key": "...", "region": "eu-west-2"},
     "other":   {"access_key": "...", "secret_key": "...", "region": "us-east-2"}}

(the profile is ``OSC_PROFILE``, else ``default``).  ``install`` puts both into a
botocore session's own credential chain, after the providers that read AWS's
configuration (environment, shared files, SSO, ``credential_process``...) and before
container / instance metadata: where the AWS configuration has no key, OUTSCALE's
conventions are looked at before the network is.  The order is ``routing.CREDENTIALS_ORDER``.
"""

from __future__ import annotations

import json
import os
from typing import Mapping, Optional

METHOD_ENV = "osc-env"
METHOD_FILE = "osc-config-file"
# The first of these found in the chain: ours go before it (metadata lookups use the network).
_BEFORE = ("container-role", "iam-role")


def read_osc_profile(environ: Mapping) -> Optional[dict]:
    """The ``OSC_PROFILE`` (else ``default``) entry of ``~/.osc/config.json``, or None."""
    path = os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".osc", "config.json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    entry = data.get(environ.get("OSC_PROFILE") or "default") if isinstance(data, dict) else None
    return entry if isinstance(entry, dict) else None


def providers(environ: Mapping = os.environ):
    """The two providers (botocore ``CredentialProvider``s), in their order."""
    from botocore.credentials import CredentialProvider, Credentials

    class OscEnvProvider(CredentialProvider):
        METHOD = METHOD_ENV
        CANONICAL_NAME = "OscEnv"

        def load(self):
            ak, sk = environ.get("OSC_ACCESS_KEY"), environ.get("OSC_SECRET_KEY")
            if ak and sk:
                return Credentials(ak, sk, environ.get("OSC_SESSION_TOKEN") or None, method=self.METHOD)
            return None

    class OscConfigFileProvider(CredentialProvider):
        METHOD = METHOD_FILE
        CANONICAL_NAME = "OscConfigFile"

        def load(self):
            entry = read_osc_profile(environ)
            if entry and entry.get("access_key") and entry.get("secret_key"):
                return Credentials(entry["access_key"], entry["secret_key"], method=self.METHOD)
            return None

    return [OscEnvProvider(), OscConfigFileProvider()]


def install(session, environ: Mapping = os.environ) -> None:
    """Insert OUTSCALE's providers into ``session``'s credential resolver (once)."""
    resolver = session.get_component("credential_provider")
    names = [getattr(p, "METHOD", None) for p in resolver.providers]
    if METHOD_ENV in names:
        return
    new = providers(environ)
    anchor = next((name for name in _BEFORE if name in names), None)
    for provider in new:
        if anchor is None:
            resolver.providers.append(provider)
        else:
            resolver.insert_before(anchor, provider)
