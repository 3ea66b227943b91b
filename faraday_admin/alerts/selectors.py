"""Reads for alerts: who created a connection, who hears about it, what the pages show."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from faraday_admin.alerts import channels
from faraday_admin.alerts.models import (
    Channel,
    DemoReceivedAlert,
    EmailPreference,
    FaradayWebhookEndpoint,
    Scope,
    SharedChannelPreference,
)
from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.core import roles
from faraday_admin.core.upstream import current_setup

# A create whose outcome was settled later by reading Faraday counts as created here too.
_CREATED = (Outcome.SUCCESS, Outcome.CONFIRMED_LATER)


def connection_creator_id(*, connection_id: str) -> int | None:
    """The user who created the connection here: the audit log's successful create row."""
    return (
        AuditEntry.objects.filter(
            action=Action.CREATE,
            outcome__in=_CREATED,
            faraday_connection_id=connection_id,
            actor__isnull=False,
        )
        .order_by("created_at", "id")
        .values_list("actor_id", flat=True)
        .first()
    )


def email_scope(*, user: AbstractBaseUser) -> str:
    preference = EmailPreference.objects.filter(user=user).first()
    return preference.scope if preference else Scope.MINE


def shared_scopes() -> dict[str, str]:
    """Each shared channel's scope (all connections unless an admin chose otherwise)."""
    chosen = dict(SharedChannelPreference.objects.values_list("channel", "scope"))
    return {channel: chosen.get(channel, Scope.ALL) for channel in channels.SHARED_CHANNELS}


def _hears(scope: str, *, is_creator: bool) -> bool:
    return scope == Scope.ALL or (scope == Scope.MINE and is_creator)


def email_recipients(*, connection_id: str) -> list[str]:
    """The addresses that hear about the connection: people whose choice covers it, who have an
    address, are active and may see connections. Sorted, without repeats."""
    creator_id = connection_creator_id(connection_id=connection_id)
    everything = set(
        EmailPreference.objects.filter(scope=Scope.ALL).values_list("user_id", flat=True)
    )
    candidates = everything | ({creator_id} if creator_id else set())
    users = get_user_model().objects.filter(pk__in=candidates, is_active=True).exclude(email="")
    addresses = set()
    for user in users:
        scope = Scope.ALL if user.pk in everything else email_scope(user=user)
        if _hears(scope, is_creator=user.pk == creator_id) and user.has_perm(
            roles.VIEW_CONNECTIONS
        ):
            addresses.add(user.email)
    return sorted(addresses)


def shared_recipients(*, connection_id: str) -> list[channels.ChannelSetup]:
    """The configured shared channels whose admin-chosen scope covers the connection."""
    scopes = shared_scopes()
    is_creator = connection_creator_id(connection_id=connection_id) is not None
    return [
        setup
        for setup in channels.shared_channel_setups()
        if _hears(scopes[setup.channel], is_creator=is_creator)
    ]


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    label: str
    configured: bool
    where: str  # words, or a masked address when `masked`
    setting: str
    scope: str = ""
    masked: bool = False


def channel_rows() -> list[ChannelRow]:
    """The Settings page's table: each channel, whether it is set up and where it goes."""
    configured = {setup.channel: setup for setup in channels.shared_channel_setups()}
    scopes = shared_scopes()
    rows = [
        ChannelRow(
            Channel.EMAIL, Channel.EMAIL.label, True, channels.email_description(), "EMAIL_URL"
        )
    ]
    for channel, setting in (
        (Channel.SLACK, "ALERTS_SLACK_WEBHOOK_URL"),
        (Channel.TEAMS, "ALERTS_TEAMS_WEBHOOK_URL"),
        (Channel.WEBHOOK, "ALERTS_WEBHOOK_URL"),
    ):
        setup = configured.get(channel)
        where = setup.masked if setup else ""
        if setup and setup.demo_receiver:
            where = "The demo receiver in this app (demo mode)"
        rows.append(
            ChannelRow(
                channel,
                channel.label,
                setup is not None,
                where,
                setting,
                scopes[channel],
                masked=bool(setup) and not setup.demo_receiver,
            )
        )
    return rows


def faraday_webhook() -> FaradayWebhookEndpoint | None:
    return FaradayWebhookEndpoint.objects.filter(pk=FaradayWebhookEndpoint.SINGLETON_ID).first()


@dataclass(frozen=True)
class AlertSettings:
    channels: list[ChannelRow]
    public_url: str
    collapse_minutes: int
    webhook_secret_set: bool
    webhook_secret_valid: bool
    faraday_webhook: FaradayWebhookEndpoint | None
    demo: bool


def alert_settings() -> AlertSettings:
    secret = settings.ALERTS_WEBHOOK_SECRET
    return AlertSettings(
        channels=channel_rows(),
        public_url=settings.APP_PUBLIC_URL,
        collapse_minutes=settings.ALERTS_COLLAPSE_MINUTES,
        webhook_secret_set=bool(secret),
        webhook_secret_valid=bool(secret) and channels.signing.is_valid_secret(secret),
        faraday_webhook=faraday_webhook(),
        demo=current_setup().demo,
    )


def demo_received(*, limit: int = 20) -> list[DemoReceivedAlert]:
    return list(DemoReceivedAlert.objects.all()[:limit])
