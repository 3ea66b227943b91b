"""The channels alerts go out on, configured from the environment (settings), and one send per
delivery. Each send raises DeliveryFailed with a reason that holds no secret (no URL token,
no key), saying whether trying again later can help."""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from faraday_admin.alerts import signing
from faraday_admin.alerts.messages import AlertText
from faraday_admin.alerts.models import Alert, Channel
from faraday_admin.core.upstream import current_setup

SHARED_CHANNELS = (Channel.SLACK, Channel.TEAMS, Channel.WEBHOOK)
# A webhook answering one of these may accept the same request later.
_RETRY_STATUSES = frozenset({408, 409, 425, 429})
_EVENT_TYPES = {
    Alert.Kind.BROKE: "connection.errored",
    Alert.Kind.RECOVERED: "connection.recovered",
    Alert.Kind.STILL_IN_ERROR: "connection.still_in_error",
}


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, retry: bool):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


@dataclass(frozen=True)
class ChannelSetup:
    channel: Channel
    url: str = field(default="", repr=False)
    secret: str = field(default="", repr=False)
    demo_receiver: bool = False

    @property
    def masked(self) -> str:
        return mask_url(self.url)


def public_url(path: str) -> str:
    """`path` on APP_PUBLIC_URL; "" while that isn't set."""
    base = settings.APP_PUBLIC_URL.rstrip("/")
    return base + path if base else ""


def shared_channel_setups() -> list[ChannelSetup]:
    """The shared channels the environment configures. In demo mode, without ALERTS_WEBHOOK_URL,
    the webhook goes to the app's own demo receiver (once APP_PUBLIC_URL says where that is)."""
    setups = []
    if settings.ALERTS_SLACK_WEBHOOK_URL:
        setups.append(ChannelSetup(Channel.SLACK, settings.ALERTS_SLACK_WEBHOOK_URL))
    if settings.ALERTS_TEAMS_WEBHOOK_URL:
        setups.append(ChannelSetup(Channel.TEAMS, settings.ALERTS_TEAMS_WEBHOOK_URL))
    webhook = webhook_setup()
    if webhook is not None:
        setups.append(webhook)
    return setups


def webhook_setup() -> ChannelSetup | None:
    if settings.ALERTS_WEBHOOK_URL:
        return ChannelSetup(
            Channel.WEBHOOK, settings.ALERTS_WEBHOOK_URL, settings.ALERTS_WEBHOOK_SECRET
        )
    demo_url = public_url(reverse("alerts:demo-receiver-hook"))
    if current_setup().demo and demo_url:
        return ChannelSetup(Channel.WEBHOOK, demo_url, demo_receiver_secret(), demo_receiver=True)
    return None


def demo_receiver_secret() -> str:
    return settings.ALERTS_WEBHOOK_SECRET or signing.demo_secret()


def mask_url(url: str) -> str:
    """Scheme, host and the path's last four characters: enough to tell two apart, never the
    token a Slack or Teams URL carries in its path or query."""
    if not url:
        return ""
    parts = urlsplit(url)
    tail = (parts.path + ("?" + parts.query if parts.query else "")).rstrip("/")
    shown = f"{parts.scheme}://{parts.hostname or ''}"
    return f"{shown}/…{tail[-4:]}" if len(tail) > 8 else shown + "/…"


def email_description() -> str:
    """Where email goes, in words, without the SMTP password or user name."""
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    if backend == "smtp":
        port = f":{settings.EMAIL_PORT}" if settings.EMAIL_PORT else ""
        return f"SMTP server {settings.EMAIL_HOST}{port}"
    if backend == "console":
        return "Printed in the app's log (console backend: nothing is really sent)"
    return f"Django's {backend} email backend"


@lru_cache(maxsize=1)
def _http() -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0), follow_redirects=False)


def send_email(text: AlertText, recipient: str) -> None:
    message = EmailMessage(subject=text.subject, body=text.text, from_email=None, to=[recipient])
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryFailed("the mail server refused the address", retry=False) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(f"mail server: {type(error).__name__}", retry=True) from None


def slack_body(text: AlertText) -> dict:
    """An incoming webhook message: the plain text, and the same as blocks with a button."""
    lines = "\n".join(text.lines)
    return {
        "text": f"{text.summary}\n{lines}\n<{text.link}|Open the connection>",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{text.summary}*\n{lines}"}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open the connection"},
                        "url": text.link,
                    }
                ],
            },
        ],
    }


def teams_body(text: AlertText) -> dict:
    """A Teams workflow ("When a Teams webhook request is received") message: an Adaptive Card."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": text.summary,
                            "weight": "Bolder",
                            "wrap": True,
                        },
                        *({"type": "TextBlock", "text": line, "wrap": True} for line in text.lines),
                    ],
                    "actions": [
                        {"type": "Action.OpenUrl", "title": "Open the connection", "url": text.link}
                    ],
                },
            }
        ],
    }


def webhook_body(alert: Alert, text: AlertText) -> dict:
    """The generic webhook's event: the facts for a machine, the words for a person."""
    return {
        "type": _EVENT_TYPES[Alert.Kind(alert.kind)],
        "timestamp": alert.changed_at.isoformat(),
        "data": {
            "connection_id": alert.faraday_connection_id,
            "connection_name": alert.connection_name,
            "connection_type": alert.connection_type,
            "status": "ready" if alert.kind == Alert.Kind.RECOVERED else "error",
            "faraday_said": text.faraday_said,
            "who_can_fix": text.who_can_fix,
            "what_to_check": text.what_to_check,
            "status_changes": alert.transitions,
            "url": text.link,
        },
        "subject": text.subject,
        "text": text.text,
    }


def _encoded(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def _post(url: str, content: bytes, headers: dict[str, str] | None = None) -> None:
    try:
        response = _http().post(
            url, content=content, headers={"content-type": "application/json", **(headers or {})}
        )
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"network: {type(error).__name__}", retry=True) from None
    if response.is_success:
        return
    status = response.status_code
    retry = status >= 500 or status in _RETRY_STATUSES
    raise DeliveryFailed(f"the receiver answered HTTP {status}", retry=retry)


def send_shared(setup: ChannelSetup, alert: Alert, text: AlertText, *, msg_id: str) -> None:
    """Post `alert` to a shared channel. Raises DeliveryFailed."""
    if setup.channel == Channel.SLACK:
        _post(setup.url, _encoded(slack_body(text)))
    elif setup.channel == Channel.TEAMS:
        _post(setup.url, _encoded(teams_body(text)))
    else:
        if not signing.is_valid_secret(setup.secret):
            raise DeliveryFailed(
                "ALERTS_WEBHOOK_SECRET is missing or not a whsec_ key", retry=False
            )
        # Signed bytes go out exactly as signed.
        content = _encoded(webhook_body(alert, text))
        # The wall clock, as receivers check the timestamp against theirs.
        headers = signing.sign_headers(
            secret=setup.secret, msg_id=msg_id, at=datetime.now(tz=UTC), body=content
        )
        _post(setup.url, content, headers)
