"""Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature), through the
`standardwebhooks` package: signing what the alerts webhook sends, verifying what arrives."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from faraday_admin.core import crypto

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
# Faraday's events may carry Svix's names for the same three headers.
_SVIX_NAMES = {
    "svix-id": "webhook-id",
    "svix-timestamp": "webhook-timestamp",
    "svix-signature": "webhook-signature",
}


class SignatureRefused(Exception):
    """The delivery's headers or signature don't check out; `reason` is safe to show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_valid_secret(secret: str) -> bool:
    """Whether `secret` is a `whsec_` key whose rest is base64 of at least 16 bytes."""
    if not secret.startswith(SECRET_PREFIX):
        return False
    try:
        return len(base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)) >= 16
    except ValueError:
        return False


def demo_secret() -> str:
    """The demo receiver's key when ALERTS_WEBHOOK_SECRET isn't set: stable per installation."""
    key = crypto.derived_key("demo-receiver", settings.SECRET_KEY)
    return SECRET_PREFIX + base64.b64encode(key).decode()


def sign_headers(*, secret: str, msg_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def verify(*, secret: str, headers: Mapping[str, str], body: bytes) -> str:
    """Check the signature and that the timestamp is within 5 minutes of now.

    Returns the delivery's webhook-id (for the replay check). Raises SignatureRefused.
    """
    named = {}
    for key, value in headers.items():
        lowered = key.lower()
        named[_SVIX_NAMES.get(lowered, lowered)] = value
    try:
        Webhook(secret).verify(body, named, json_parse=False)
    except WebhookVerificationError as error:
        raise SignatureRefused(str(error)) from None
    return named["webhook-id"]
