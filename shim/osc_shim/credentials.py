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


def from_osc_variables(environ: Mapping) -> Optional[tuple]:
    """(access key, secret key, token) from ``OSC_ACCESS_KEY`` / ``OSC_SECRET_KEY``, or None."""
    ak, sk = environ.get("OSC_ACCESS_KEY"), environ.get("OSC_SECRET_KEY")
    return (ak, sk, environ.get("OSC_SESSION_TOKEN") or None) if ak and sk else None


def from_osc_config_file(environ: Mapping) -> Optional[tuple]:
    """(access key, secret key, None) from ``~/.osc/config.json``'s ``OSC_PROFILE``, or None."""
    entry = read_osc_profile(environ)
    if entry and entry.get("access_key") and entry.get("secret_key"):
        return entry["access_key"], entry["secret_key"], None
    return None


# In their order: (botocore method name, where the keys are read).
SOURCES = ((METHOD_ENV, from_osc_variables), (METHOD_FILE, from_osc_config_file))


def found(environ: Mapping = os.environ) -> bool:
    """True when OUTSCALE's conventions hold a key (``configure`` then needs no credentials hint)."""
    return any(read(environ) for _, read in SOURCES)


def providers(environ: Mapping = os.environ):
    """The providers (botocore ``CredentialProvider``s) of ``SOURCES``, in their order."""
    from botocore.credentials import CredentialProvider, Credentials

    class OscProvider(CredentialProvider):
        def __init__(self, method, read):
            super().__init__()
            self.METHOD = self.CANONICAL_NAME = method
            self._read = read

        def load(self):
            keys = self._read(environ)
            return Credentials(*keys, method=self.METHOD) if keys else None

    return [OscProvider(method, read) for method, read in SOURCES]


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
