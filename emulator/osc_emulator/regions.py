"""The OUTSCALE regions this emulator serves, as data (the emulator's own copy of OUTSCALE's facts).

One process serves every region below; each answers under its own domain.  The FCU face's
DescribeRegions lists them with their FCU endpoint host (``fcu.<region>.<domain>``), as OUTSCALE does.
"""

from __future__ import annotations

from typing import Dict

DEFAULT_REGION = "eu-west-2"

# region -> the domain its endpoints are under.  Order: OUTSCALE's listing order.
REGIONS: Dict[str, str] = {
    "eu-west-2": "outscale.com",
    "us-east-2": "outscale.com",
    "us-west-1": "outscale.com",
    "cloudgouv-eu-west-1": "outscale.com",
    "ap-northeast-1": "outscale.com",
    "cn-southeast-1": "outscale.hk",
}

DOMAINS = tuple(sorted(set(REGIONS.values())))


def host(service: str, region: str) -> str:
    """``<service>.<region>.<domain>``: the endpoint host of an OUTSCALE service (``fcu``, ``oos``, ``api``)."""
    return f"{service}.{region}.{REGIONS[region]}"
