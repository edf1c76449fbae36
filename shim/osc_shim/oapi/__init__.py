"""The one layer that performs OAPI calls."""

from .client import OapiClient, RetryPolicy

__all__ = ["OapiClient", "RetryPolicy"]
