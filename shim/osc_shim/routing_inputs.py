"""What a botocore session and the AWS CLI's parsed arguments tell ``osc_shim.routing``.

The plugin (under AWS CLI v1 and v2) and ``osc-shim translate`` read a command the
same way here, so they cannot decide differently: ``--region`` / ``--endpoint-url``
as typed, the endpoint botocore would configure for the service, the profile.
"""

from __future__ import annotations

from typing import Mapping

from . import routing


def command_from_cli(session, parsed_args, environ: Mapping) -> routing.Command:
    """``routing.Command`` of an AWS CLI command at ``session-initialized``."""
    command = getattr(parsed_args, "command", None)
    explicit = getattr(parsed_args, "endpoint_url", None)
    typed_region = getattr(parsed_args, "region", None)
    try:
        scoped = session.get_scoped_config()
        # With --region, botocore's value is the typed one: the configured one is not needed then.
        configured_region = None if typed_region else session.get_config_variable("region")
    except Exception:  # ProfileNotFound: botocore reports it when the client is made
        if not explicit:
            raise
        scoped, configured_region = {}, None  # an OUTSCALE --endpoint still decides
    service = routing.service_of_command(command)
    try:
        is_service = bool(service) and service in session.get_available_services()
    except Exception:
        is_service = bool(service)
    configured = None
    if not explicit and service and not session.get_config_variable("ignore_configured_endpoint_urls"):
        configured = routing.configured_endpoint_url(service, scoped, session.full_config, environ)
    return routing.Command(command=command, is_service=is_service, explicit_endpoint=explicit,
                           explicit_region=typed_region, configured_endpoint=configured,
                           configured_region=configured_region, profile_config=scoped or {}, environ=environ)
