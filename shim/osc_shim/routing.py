"""Where a call goes, decided once: OUTSCALE or not, region, endpoints, credentials.

Pure decisions, no I/O: the AWS CLI plugin (v1 and v2), ``osc-shim translate``, the
gateway and ``osc-shim configure`` / ``aws configure outscale`` all ask this module and
decide nothing on their own.  What a botocore session and the CLI's parsed arguments
hold is read by ``osc_shim.routing_inputs``; this module only judges it.

A command targets OUTSCALE when:

1. its ``--endpoint-url`` (``--endpoint``) is on an OUTSCALE host (``*.outscale.com``,
   ``*.outscale.hk``); an explicit endpoint that is not one leaves it to AWS's rules,
   whatever the profile says (so a marked profile can be pointed at a local server);
2. else the endpoint configured for its service (``AWS_ENDPOINT_URL_<SERVICE>``,
   ``AWS_ENDPOINT_URL``, a ``[services]`` section, the profile's ``endpoint_url``) is on
   an OUTSCALE host;
3. else its profile is marked ``outscale = true`` (OUTSCALE's region names are AWS's
   too: a region never tells the clouds apart).

For a command that targets OUTSCALE (see ``decide``):

* an OUTSCALE host must name a service and a region OUTSCALE has
  (``fcu.eu-west-2.outscale.com``); anything else is refused before anything is sent;
* region: ``--region`` on the command line, else the explicit ``--endpoint-url``'s
  host, else the configured OUTSCALE endpoint's host, else the configured region
  (profile, ``AWS_REGION``, ``AWS_DEFAULT_REGION``), else ``eu-west-2``.  An explicit
  ``--endpoint-url`` whose host names another region than an explicit ``--region`` is
  an error naming both; ``--region`` beats endpoints configured in the profile;
* endpoint of the command's service: the explicit one, else the configured one (the
  region's OUTSCALE endpoint instead when ``--region`` names another region), else the
  region's OUTSCALE endpoint;  a service OUTSCALE does not offer is refused (its
  credentials never go to AWS), except ``sts get-caller-identity``, answered through
  OAPI's ReadAccounts;
* OAPI endpoint: ``OSC_ENDPOINT_API`` (``{region}`` in it replaced), else the region's;
* credentials: botocore's chain, then ``OSC_ACCESS_KEY``/``OSC_SECRET_KEY``, then
  ``OSC_PROFILE`` (else ``default``) of ``~/.osc/config.json`` (``osc_shim.credentials``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Tuple
from urllib.parse import urlsplit

from . import regions

PROFILE_MARKER = "outscale"  # [profile NAME] outscale = true
_TRUE = {"true", "yes", "on", "1"}

# Top-level commands the plugin leaves alone whatever the profile says.
IGNORED_COMMANDS = frozenset({"configure"})

# CLI top-level command -> botocore service name, where they differ.
_COMMAND_TO_SERVICE = {"s3api": "s3"}

# Services OUTSCALE has no counterpart for, whose operations the shim answers itself.
LOCALLY_ANSWERED = {"sts": frozenset({"GetCallerIdentity"})}

OSC_ENDPOINT_API = "OSC_ENDPOINT_API"
OSC_ENDPOINT_FCU = "OSC_ENDPOINT_FCU"
REGION_PLACEHOLDER = "{region}"

CREDENTIALS_ORDER = ("botocore's credential chain (--profile / AWS_PROFILE, AWS_ACCESS_KEY_ID, the shared files, "
                     "SSO, credential_process)", "OSC_ACCESS_KEY / OSC_SECRET_KEY",
                     "OSC_PROFILE (else 'default') in ~/.osc/config.json", "container / instance metadata")


class Refused(ValueError):
    """The call must not be sent: the message says why and what to do instead."""


# -- small facts -----------------------------------------------------------------------------

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
    return regions.AWS_SERVICES.get(service_of_command(command) or "")


def services_key(service: str) -> str:
    """The key of a service in a botocore ``[services NAME]`` section and in ``AWS_ENDPOINT_URL_<KEY>``.

    botocore's snake-cased service id: ``elb`` is ``elastic_load_balancing`` (regions.SERVICE_INFO
    holds it for OUTSCALE's services); for the others the service name, ``-`` as ``_``.
    """
    osc = regions.AWS_SERVICES.get(service)
    key = regions.SERVICE_INFO[osc].config_key if osc else None
    return key or service.replace("-", "_")


def configured_endpoint_url(service: str, scoped_config: Mapping, full_config: Mapping,
                            environ: Mapping) -> Optional[str]:
    """The endpoint botocore would configure for a service (botocore service name), in botocore's order."""
    key = services_key(service)
    value = environ.get(f"AWS_ENDPOINT_URL_{key.upper()}") or environ.get("AWS_ENDPOINT_URL")
    if value:
        return value
    section_name = (scoped_config or {}).get("services")
    if section_name:
        section = ((full_config or {}).get("services") or {}).get(section_name) or {}
        value = (section.get(key) or {}).get("endpoint_url")
        if value:
            return value
    return (scoped_config or {}).get("endpoint_url") or None


def _host(url: str) -> str:
    return (urlsplit(url if "//" in url else "//" + url).hostname or "").lower().rstrip(".")


def check_outscale_endpoint(url: str) -> Tuple[str, str]:
    """(OUTSCALE service, region) of an OUTSCALE endpoint URL; ``Refused`` naming the host otherwise.

    ``<service>.<region>.<domain>`` (``oos`` also with a bucket in front), where OUTSCALE
    has that service, and that region on that domain.
    """
    host = _host(url)
    domain = next((d for d in regions.OUTSCALE_DOMAINS if host == d or host.endswith("." + d)), None)
    if domain is None:
        raise Refused(f"{host!r} is not an OUTSCALE host")
    labels = host[: -len(domain)].rstrip(".").split(".") if host != domain else []
    known = ", ".join(f"{r} ({v.domain})" for r, v in regions.REGIONS.items())
    services = ", ".join(s.host for s in regions.SERVICES.values())
    tail = f" OUTSCALE endpoints are <service>.<region>.<domain>; regions: {known}; services: {services}."
    if len(labels) < 2:
        raise Refused(f"the endpoint host {host} names no OUTSCALE service and region.{tail}")
    prefix, region = labels[-2], labels[-1]
    service = next((name for name, s in regions.SERVICES.items() if s.host == prefix), None)
    if region not in regions.REGIONS:
        raise Refused(f"the endpoint host {host} names region {region!r}, which OUTSCALE does not have.{tail}")
    if regions.REGIONS[region].domain != domain:
        raise Refused(f"the endpoint host {host}: region {region} is on {regions.REGIONS[region].domain}, "
                      f"not {domain}.{tail}")
    if service is None or (len(labels) > 2 and service != "oos"):
        raise Refused(f"the endpoint host {host} names service {prefix!r}, which OUTSCALE does not have.{tail}")
    return service, region


def oapi_endpoint(region: str, environ: Mapping) -> str:
    """OAPI base URL: ``OSC_ENDPOINT_API`` (``{region}`` replaced by the region) wins over the table."""
    override = environ.get(OSC_ENDPOINT_API)
    if override:
        return override.replace(REGION_PLACEHOLDER, region).rstrip("/")
    return regions.endpoint("oapi", region)


def fcu_endpoint(region: str, environ: Mapping, override: Optional[str] = None) -> str:
    """FCU base URL: ``override`` > ``OSC_ENDPOINT_FCU`` (``{region}`` replaced) > the table."""
    url = override or environ.get(OSC_ENDPOINT_FCU) or regions.endpoint("fcu", region)
    url = url.replace(REGION_PLACEHOLDER, region)
    if "//" not in url:
        url = "https://" + url
    return url.rstrip("/")


def unknown_region(region: str, what: str = "region") -> Refused:
    return Refused(f"{what} {region!r} is not an OUTSCALE region; OUTSCALE's regions: {', '.join(regions.REGIONS)}.")


# -- "is this operation translated?" ----------------------------------------------------------

def translator(operation: str, service: str = "ec2"):
    """The shim's translator of an operation (a generator function), or None: the call is not translated."""
    if service == "ec2":
        from .operations import OPERATIONS
    elif service in LOCALLY_ANSWERED:
        from .operations.identity import OPERATIONS
    else:
        return None
    return OPERATIONS.get(operation)


def is_translated(operation: str, service: str = "ec2") -> bool:
    return translator(operation, service) is not None


# -- copy-image across regions ----------------------------------------------------------------

def copy_kind(operation: str, params: Mapping, region: str) -> str:
    """``direct`` (the operation's own translator) or ``cross-region`` (CopyImage from another region:
    the export/import pipeline, ``operations.copy_across_regions``); ``Refused`` for a source region
    OUTSCALE lacks."""
    if operation != "CopyImage":
        return "direct"
    source = params.get("SourceRegion")
    if not isinstance(source, str) or not source or source == region:
        return "direct"  # an ill-typed value is the translator's to refuse (InvalidParameterValue)
    if source not in regions.REGIONS:
        raise unknown_region(str(source)[:40], "--source-region")
    return "cross-region"


# -- a command (plugin, translate) -----------------------------------------------------------

@dataclass(frozen=True)
class Command:
    """What the routing decision needs to know of one CLI command."""

    command: Optional[str]                     # CLI top-level command (ec2, s3api, sts, ...)
    is_service: bool = True                    # the command is a botocore service (not help, configure...)
    explicit_endpoint: Optional[str] = None    # --endpoint-url on the command line
    explicit_region: Optional[str] = None      # --region on the command line
    configured_endpoint: Optional[str] = None  # the endpoint configured for the service (profile, env)
    configured_region: Optional[str] = None    # the profile's / environment's region
    profile_config: Mapping = field(default_factory=dict)
    environ: Mapping = field(default_factory=dict)  # OSC_ENDPOINT_API


@dataclass(frozen=True)
class Decision:
    """The answer for one command: where it goes, and why."""

    outscale: bool                         # the command targets OUTSCALE
    reason: str                            # endpoint | profile | translate (why not: "")
    why: str = ""                          # the reason in words
    region: Optional[str] = None
    region_reason: str = ""
    endpoint_url: Optional[str] = None     # endpoint of the command's service (None: none needed/known)
    endpoint_reason: str = ""
    oapi_endpoint: Optional[str] = None    # where translated calls go
    set_region: bool = False               # the plugin gives the client this region
    set_endpoint: bool = False             # the plugin gives the client this endpoint
    credentials: Tuple[str, ...] = ()      # where credentials are looked for, in order
    error: Optional[str] = None            # refused: nothing is sent, this is said
    notices: Tuple[str, ...] = ()          # told when a call is translated
    warnings: Tuple[str, ...] = ()         # told at once

    def describe(self) -> str:
        """One paragraph for ``aws --debug``: every part of the answer with its reason."""
        if not self.outscale:
            return f"not OUTSCALE ({self.why})" + (f"; {' '.join(self.warnings)}" if self.warnings else "")
        parts = [f"OUTSCALE ({self.why})", f"region {self.region} ({self.region_reason})",
                 f"endpoint {self.endpoint_url or '-'} ({self.endpoint_reason})",
                 f"OAPI {self.oapi_endpoint or '-'}",
                 "credentials: " + " > ".join(self.credentials)]
        if self.error:
            parts.append(f"REFUSED: {self.error}")
        return "; ".join(parts)


def _not_outscale(why: str, environ: Mapping) -> Decision:
    warnings = ()
    if environ.get(OSC_ENDPOINT_API):
        warnings = (f"OSC_ENDPOINT_API is set, but this command does not target OUTSCALE ({why}): it goes "
                    "where the AWS CLI sends it without the plugin. Use an OUTSCALE --endpoint or a profile "
                    "with outscale = true to use the OUTSCALE API.",)
    return Decision(False, "", why, warnings=warnings)


def _refused(reason: tuple, message: str, **known) -> Decision:
    return Decision(True, *reason, error=message, credentials=CREDENTIALS_ORDER, **known)


def decide(cmd: Command, *, assume_outscale: bool = False) -> Decision:
    """Where a command goes.  ``assume_outscale``: judge it as if it targeted OUTSCALE (translate)."""
    if cmd.command in IGNORED_COMMANDS:
        return Decision(False, "", f"aws {cmd.command} is never routed")
    environ = cmd.environ or {}
    explicit, configured = cmd.explicit_endpoint, cmd.configured_endpoint
    explicit_osc = bool(explicit) and regions.is_outscale_url(explicit)
    configured_osc = not explicit and bool(configured) and regions.is_outscale_url(configured)
    if explicit and not explicit_osc:
        if not assume_outscale:
            return _not_outscale(f"--endpoint-url {explicit} is not an OUTSCALE host", environ)
        reason = ("translate", "osc-shim translate")
    elif explicit_osc:
        reason = ("endpoint", f"--endpoint-url {explicit} is an OUTSCALE host")
    elif configured_osc:
        reason = ("endpoint", f"the configured endpoint {configured} is an OUTSCALE host")
    elif is_marked(cmd.profile_config):
        reason = ("profile", f"the profile is marked {PROFILE_MARKER} = true")
    elif assume_outscale:
        reason = ("translate", "osc-shim translate")
    else:
        return _not_outscale("no OUTSCALE endpoint, and the profile is not marked outscale = true", environ)

    # The OUTSCALE host given (explicitly or in the configuration) must exist.
    host_region = None
    for url in (explicit if explicit_osc else None, configured if configured_osc else None):
        if url:
            try:
                host_region = check_outscale_endpoint(url)[1]
            except Refused as exc:
                return _refused(reason, str(exc))

    # Region: what the user typed wins.
    typed = cmd.explicit_region
    notices = []
    if explicit_osc:
        if typed and typed != host_region:
            return _refused(reason, f"--endpoint-url {explicit} is in region {host_region} but --region is {typed}: "
                                    "give one of them, or both for the same region. Nothing was sent.")
        region, region_reason = host_region, "the --endpoint-url host"
    elif typed:
        region, region_reason = typed, "--region on the command line"
    elif configured_osc:
        region, region_reason = host_region, "the configured endpoint's host"
    elif cmd.configured_region:
        region, region_reason = cmd.configured_region, "the configured region (profile or environment)"
    else:
        region, region_reason = regions.DEFAULT_REGION, "no region configured: OUTSCALE's default"
    if cmd.configured_region and cmd.configured_region != region and not typed:
        notices.append(f"the configured region is {cmd.configured_region} but the endpoint is in {region}: "
                       f"the calls go to {region}.")

    # Endpoint of the command's service.
    service = service_of_command(cmd.command)
    osc_service = outscale_service_for(cmd.command)
    set_endpoint = False
    if explicit:
        endpoint, endpoint_reason = explicit, "--endpoint-url"
    elif configured_osc and host_region != region:
        if region not in regions.REGIONS:
            return _refused(reason, str(unknown_region(region)) + " Nothing was sent.", region=region)
        if osc_service is None:
            return _refused(reason, f"--region {region} contradicts the configured endpoint {configured}, and "
                                    f"OUTSCALE has no {service} endpoint to put in its place.")
        endpoint, endpoint_reason, set_endpoint = (regions.endpoint(osc_service, region),
                                                   f"{region}'s OUTSCALE endpoint: --region beats the configured "
                                                   f"endpoint {configured}", True)
    elif configured:
        endpoint, endpoint_reason = configured, "the configured endpoint"
    elif not cmd.is_service or service in LOCALLY_ANSWERED:
        endpoint, endpoint_reason = None, ("none needed" if not cmd.is_service
                                           else f"{service} is answered by the shim through OAPI")
    elif osc_service is not None:
        if region not in regions.REGIONS:
            return _refused(reason, str(unknown_region(region)) + " Give one with --region or in the profile. "
                                                                  "Nothing was sent.", region=region)
        endpoint, endpoint_reason, set_endpoint = (regions.endpoint(osc_service, region),
                                                   f"{region}'s OUTSCALE {osc_service} endpoint", True)
    else:
        offered = ", ".join(f"{aws} ({osc})" for aws, osc in regions.AWS_SERVICES.items())
        return _refused(reason, f"OUTSCALE has no {service} service, and this command targets OUTSCALE "
                                f"({reason[1]}): it is not sent to AWS with OUTSCALE's credentials. OUTSCALE's "
                                f"services: {offered}; for anything else use the OUTSCALE API (oapi-cli, "
                                "osc-shim translate) or a profile without outscale = true.", region=region)

    try:
        oapi = oapi_endpoint(region, environ)
    except regions.UnknownRegion:
        oapi = None
        if service == "ec2" or service in LOCALLY_ANSWERED:
            return _refused(reason, str(unknown_region(region)) + " Nothing was sent.", region=region)
    return Decision(True, *reason, region=region, region_reason=region_reason, endpoint_url=endpoint,
                    endpoint_reason=endpoint_reason, oapi_endpoint=oapi,
                    set_region=region != (cmd.explicit_region or cmd.configured_region),
                    set_endpoint=set_endpoint, credentials=CREDENTIALS_ORDER, notices=tuple(notices))


# -- a signed request (the gateway) ----------------------------------------------------------

@dataclass(frozen=True)
class RequestRoute:
    region: str
    oapi_endpoint: str
    fcu_endpoint: Optional[str]


def check_signing_region(scope_region: str) -> str:
    """``Refused`` unless OUTSCALE has the region a request is signed for."""
    if scope_region not in regions.REGIONS:
        raise unknown_region(scope_region[:40], "the request is signed for region")
    return scope_region


def route_signed_request(scope_region: str, environ: Mapping, fcu_override: Optional[str] = None) -> RequestRoute:
    """The region a request is signed for (its SigV4 credential scope) chooses OAPI's and FCU's region.

    ``Refused`` for a region OUTSCALE does not have (the gateway answers it as EC2 does).
    """
    check_signing_region(scope_region)
    return RequestRoute(scope_region, oapi_endpoint(scope_region, environ),
                        fcu_endpoint(scope_region, environ, fcu_override))


# -- configure --------------------------------------------------------------------------------

def configure_region(given: Optional[str], current: Optional[str]) -> Tuple[str, Tuple[str, ...]]:
    """Region ``configure`` writes: the one given (must exist), else the profile's if OUTSCALE has it,
    else the default.  ``UnknownRegion`` for a given region OUTSCALE does not have."""
    if given is not None:
        return regions.check_region(given), ()
    if current in regions.REGIONS:
        return current, ()
    notes = (f"region {current!r} is not an OUTSCALE region; using {regions.DEFAULT_REGION}",) if current else ()
    return regions.DEFAULT_REGION, notes
