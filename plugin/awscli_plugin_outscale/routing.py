"""Does this ``aws`` process talk to OUTSCALE? Pure decisions, no I/O.

A command targets OUTSCALE when:

1. its ``--endpoint-url`` (``--endpoint`` as OUTSCALE's documentation writes it) is on an
   OUTSCALE host (``*.outscale.com``, ``*.outscale.hk``); or
2. no ``--endpoint-url`` is given and the endpoint configured for the command's
   service (``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_ENDPOINT_URL``, a ``[services]``
   section, the profile's ``endpoint_url``) is on an OUTSCALE host; or
3. no ``--endpoint-url`` is given and the profile is marked as OUTSCALE::

       [profile osc]
       outscale = true
       region = eu-west-2

   (``aws configure set outscale true --profile osc`` writes it). The marker is needed
   because OUTSCALE's region names (``eu-west-2``, ``us-east-2``, ...) are also AWS's:
   a region never tells the clouds apart. A marked profile with no endpoint configured
   gets its region's OUTSCALE endpoint for the command's service (``fcu`` for ``ec2``,
   ``oos`` for ``s3``/``s3api``, ...), so the operations the shim does not translate still
   reach OUTSCALE, never AWS. An ``--endpoint-url`` on the command line that is not an
   OUTSCALE host overrides the marker (the command line beats the profile), so a marked
   profile can still be pointed at a local test server.

Region: the configured one (``--region``, the profile, ``AWS_DEFAULT_REGION``), else the
endpoint host's (``fcu.eu-west-2.outscale.com`` -> ``eu-west-2``), else ``eu-west-2``.
The OUTSCALE API calls go to the endpoint host's region when it names one (that is where
the user sent the command), else to that region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

from osc_shim import regions

PROFILE_MARKER = "outscale"
_TRUE = {"true", "yes", "on", "1"}

# Top-level commands the plugin leaves alone whatever the profile says.
IGNORED_COMMANDS = frozenset({"configure"})

# CLI top-level command -> botocore service name, where they differ.
_COMMAND_TO_SERVICE = {"s3api": "s3"}


@dataclass(frozen=True)
class Target:
    """How this process reaches OUTSCALE."""

    reason: str                    # "endpoint" (an OUTSCALE host) or "profile" (the marker)
    region: str                    # region of the botocore client
    oapi_region: str               # region the OUTSCALE API calls go to
    endpoint_url: Optional[str]    # the endpoint the command's client uses (None: not an OUTSCALE service)
    set_region: bool               # the plugin fills in the region (none was configured)
    set_endpoint: bool             # the plugin fills in endpoint_url (marked profile, none configured)
    notices: Tuple[str, ...] = ()  # told to the user when a call is translated
    warnings: Tuple[str, ...] = ()  # told to the user at once


def is_marked(profile_config: Optional[Mapping]) -> bool:
    """True when the profile carries ``outscale = true``."""
    value = (profile_config or {}).get(PROFILE_MARKER)
    return isinstance(value, str) and value.strip().lower() in _TRUE


def service_of_command(command: Optional[str]) -> Optional[str]:
    """botocore service name of a CLI top-level command (``s3api`` -> ``s3``)."""
    if not command:
        return None
    return _COMMAND_TO_SERVICE.get(command, command)


def outscale_service_for(command: Optional[str]) -> Optional[str]:
    """OUTSCALE service behind a CLI command (``ec2`` -> ``fcu``), None when OUTSCALE has none."""
    service = service_of_command(command)
    for osc_name, spec in regions.SERVICES.items():  # spec: (host prefix, path, botocore name)
        if spec[2] and spec[2] == service:
            return osc_name
    return None


def configured_endpoint_url(service_id: str, scoped_config: Mapping, full_config: Mapping,
                            environ: Mapping) -> Optional[str]:
    """The endpoint botocore would configure for a service, in botocore's order.

    ``service_id`` is the snake-case service id (``ec2``, ``elastic_load_balancing``).
    """
    sid = service_id.replace("-", "_")
    value = environ.get(f"AWS_ENDPOINT_URL_{sid.upper()}") or environ.get("AWS_ENDPOINT_URL")
    if value:
        return value
    section_name = (scoped_config or {}).get("services")
    if section_name:
        section = ((full_config or {}).get("services") or {}).get(section_name) or {}
        value = (section.get(sid.lower()) or {}).get("endpoint_url")
        if value:
            return value
    return (scoped_config or {}).get("endpoint_url") or None


def decide(*, command: Optional[str], explicit_endpoint: Optional[str],
           configured_endpoint: Optional[str], profile_config: Optional[Mapping],
           configured_region: Optional[str]) -> Optional[Target]:
    """Whether (and how) a command targets OUTSCALE; None means: leave everything as AWS does."""
    if command in IGNORED_COMMANDS:
        return None
    marked = is_marked(profile_config)
    if explicit_endpoint:
        if regions.is_outscale_url(explicit_endpoint):
            reason = "endpoint"
        else:
            return None  # an explicit non-OUTSCALE endpoint beats the profile marker
        endpoint = explicit_endpoint
    elif configured_endpoint and regions.is_outscale_url(configured_endpoint):
        reason, endpoint = "endpoint", configured_endpoint
    elif marked:
        reason, endpoint = "profile", configured_endpoint
    else:
        return None

    host_region = regions.region_from_url(endpoint) if endpoint else None
    region = configured_region or host_region or regions.DEFAULT_REGION
    oapi_region = host_region or region
    notices = []
    if configured_region and host_region and configured_region != host_region:
        notices.append(f"the endpoint {endpoint} is in region {host_region} but the configured region "
                       f"is {configured_region}: translated calls go to {host_region}.")

    set_endpoint = False
    warnings = []
    if not endpoint:
        osc_service = outscale_service_for(command)
        if osc_service is not None:
            if region in regions.REGIONS:
                endpoint, set_endpoint = regions.endpoint(osc_service, region), True
            else:
                warnings.append(f"region {region!r} is not an OUTSCALE region (known: "
                                f"{', '.join(regions.REGIONS)}): this {command} command is sent to "
                                f"AWS's endpoint. Set an OUTSCALE region with --region or in the profile.")
    return Target(reason=reason, region=region, oapi_region=oapi_region, endpoint_url=endpoint,
                  set_region=not configured_region, set_endpoint=set_endpoint, notices=tuple(notices),
                  warnings=tuple(warnings))
