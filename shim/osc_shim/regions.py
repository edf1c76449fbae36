"""OUTSCALE regions x services: the one table every endpoint is read from.

The docs/ endpoint table is generated from ``REGIONS`` and ``SERVICES``
(see ``osc_shim.docgen``); a test fails when they drift.  The profile that
``aws configure outscale`` / ``osc-shim configure`` writes and the routing
decision (``osc_shim.routing``) read their endpoints from here.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional
from urllib.parse import urlsplit

DEFAULT_REGION = "eu-west-2"


class Region(NamedTuple):
    domain: str
    confirmed: bool


# region -> (domain, confirmed).  ``confirmed`` is False where no current
# OUTSCALE source settles that the region is still served.  Order matters: it
# is the order of listings, error messages and the docs table.
REGIONS: Dict[str, Region] = {
    "eu-west-2": Region("outscale.com", True),
    "us-east-2": Region("outscale.com", True),
    "us-west-1": Region("outscale.com", True),
    "cloudgouv-eu-west-1": Region("outscale.com", True),
    "ap-northeast-1": Region("outscale.com", True),
    "cn-southeast-1": Region("outscale.hk", False),
}

REGION_NOTES: Dict[str, str] = {
    "eu-west-2": "France; the default region",
    "us-east-2": "USA",
    "us-west-1": "USA",
    "cloudgouv-eu-west-1": "France, SecNumCloud",
    "ap-northeast-1": "Japan",
    "cn-southeast-1": "China, on outscale.hk; unconfirmed: no current OUTSCALE source says it is still served",
}


class Service(NamedTuple):
    host: str  # host prefix: <host>.<region>.<domain>
    path: str  # URL path of the base URL ("" for the root)
    aws: Optional[str]  # botocore / AWS CLI service name, None when AWS has no equivalent


# OUTSCALE service -> (host prefix, URL path, botocore service name or None).
SERVICES: Dict[str, Service] = {
    "oapi": Service("api", "/api/v1", None),
    "fcu": Service("fcu", "", "ec2"),
    "oos": Service("oos", "", "s3"),
    "eim": Service("eim", "", "iam"),
    "lbu": Service("lbu", "", "elb"),
    "directlink": Service("directlink", "", "directconnect"),
    "kms": Service("kms", "", "kms"),
    "icu": Service("icu", "", None),
}


class ServiceInfo(NamedTuple):
    config_key: Optional[str]  # key in a botocore ``[services NAME]`` section
    protocol: str
    description: str


# OUTSCALE service -> what the docs and the config writer need besides the URL.
# ``config_key`` is botocore's snake-cased service id (``elb`` is
# ``elastic_load_balancing``): the only key botocore reads in ``[services]``.
SERVICE_INFO: Dict[str, ServiceInfo] = {
    "oapi": ServiceInfo(None, "JSON, OSC4 or AWS4 signature", "OUTSCALE API, the native API (image calls go here via the shim)"),
    "fcu": ServiceInfo("ec2", "EC2 Query, AWS4", "Flexible Compute Unit, EC2-compatible"),
    "oos": ServiceInfo("s3", "S3, AWS4", "OUTSCALE Object Storage, S3-compatible"),
    "eim": ServiceInfo("iam", "Query, AWS4", "Elastic Identity Management, IAM-compatible"),
    "lbu": ServiceInfo("elastic_load_balancing", "Query, AWS4", "Load Balancer Unit, ELB-compatible"),
    "directlink": ServiceInfo("direct_connect", "JSON 1.1, AWS4", "DirectLink, Direct Connect-compatible"),
    "kms": ServiceInfo("kms", "JSON 1.1, AWS4", "OUTSCALE Key Management Service, KMS-compatible"),
    "icu": ServiceInfo(None, "JSON 1.1, AWS4", "account management (legacy); no AWS CLI service"),
}

OUTSCALE_DOMAINS = tuple(sorted({r.domain for r in REGIONS.values()}))

# AWS CLI / botocore service name -> OUTSCALE service ("ec2" -> "fcu").
AWS_SERVICES: Dict[str, str] = {s.aws: name for name, s in SERVICES.items() if s.aws}


class UnknownRegion(ValueError):
    def __init__(self, region: str):
        super().__init__(
            f"Unknown OUTSCALE region {region!r}; valid regions: {', '.join(REGIONS)}"
        )
        self.region = region


def check_region(region: str) -> str:
    """Return ``region`` when OUTSCALE serves it, else raise UnknownRegion."""
    if region not in REGIONS:
        raise UnknownRegion(region)
    return region


def endpoint(service: str, region: str) -> str:
    """Base URL of an OUTSCALE service in a region, e.g. ``endpoint("oapi", "eu-west-2")``.

    ``service`` is an OUTSCALE name (``fcu``) or the AWS name it stands for (``ec2``).
    """
    check_region(region)
    svc = SERVICES[AWS_SERVICES.get(service, service)]
    return f"https://{svc.host}.{region}.{REGIONS[region].domain}{svc.path}"


def aws_endpoints(region: str) -> Dict[str, str]:
    """AWS service name -> OUTSCALE endpoint in ``region``: ``{"ec2": "https://fcu...", ...}``."""
    return {s.aws: endpoint(name, region) for name, s in SERVICES.items() if s.aws}


def services_config(region: str) -> Dict[str, str]:
    """botocore ``[services]`` key -> endpoint: ``{"elastic_load_balancing": "https://lbu...", ...}``."""
    return {i.config_key: endpoint(name, region) for name, i in SERVICE_INFO.items() if i.config_key}


def table(region: Optional[str] = None):
    """The table as rows (dicts), optionally for one region: what ``osc-shim endpoints`` prints."""
    rows = []
    for r in [check_region(region)] if region else REGIONS:
        for name, s in SERVICES.items():
            rows.append(
                {
                    "region": r,
                    "confirmed": REGIONS[r].confirmed,
                    "service": name,
                    "aws_service": s.aws,
                    "endpoint": endpoint(name, r),
                    "protocol": SERVICE_INFO[name].protocol,
                }
            )
    return rows


def is_outscale_host(host: Optional[str]) -> bool:
    host = (host or "").lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in OUTSCALE_DOMAINS)


def is_outscale_url(url: Optional[str]) -> bool:
    return bool(url) and is_outscale_host(urlsplit(url if "//" in url else "//" + url).hostname)
