"""Client for Faraday's connections API. Django-free: it depends on httpx only.

Build one pooled httpx.Client per process with `build_http_client`, then wrap it in a
`FaradayClient` carrying the current API key whenever a call is needed.
"""

from faraday_admin.faraday_client.client import (
    API_KEY_SHAPE,
    USER_AGENT,
    FaradayClient,
    build_http_client,
)
from faraday_admin.faraday_client.errors import (
    ApiError,
    AuthFailed,
    BadRequest,
    BadResponse,
    Conflict,
    FaradayError,
    Forbidden,
    LimitReached,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
    ValidationErrorItem,
    ValidationFailed,
)
from faraday_admin.faraday_client.models import (
    WEBHOOK_EVENT_TYPES,
    Account,
    Connection,
    ContentsItem,
    ResourceRef,
    WebhookEndpoint,
)
from faraday_admin.faraday_client.paths import path_segments
from faraday_admin.faraday_client.retry import RetryPolicy

__all__ = [
    "API_KEY_SHAPE",
    "USER_AGENT",
    "WEBHOOK_EVENT_TYPES",
    "Account",
    "ApiError",
    "AuthFailed",
    "BadRequest",
    "BadResponse",
    "Conflict",
    "Connection",
    "ContentsItem",
    "FaradayClient",
    "FaradayError",
    "Forbidden",
    "LimitReached",
    "NetworkError",
    "NotFound",
    "RateLimited",
    "ResourceRef",
    "RetryPolicy",
    "ServerError",
    "ValidationErrorItem",
    "ValidationFailed",
    "WebhookEndpoint",
    "build_http_client",
    "path_segments",
]
