"""botocore's EC2 service model, loaded once: what the Query parser and serialiser are driven by."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def service_model():
    """botocore's EC2 service model (loaded once, read-only afterwards)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("ec2")


@functools.lru_cache(maxsize=None)
def operation_model(name: str):
    return service_model().operation_model(name)


@functools.lru_cache(maxsize=1)
def operation_names() -> frozenset:
    return frozenset(service_model().operation_names)
