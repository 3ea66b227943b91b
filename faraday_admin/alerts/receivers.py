"""Receivers of history's signals (see apps.py): both run inside the transaction that sends
them, so an alert's outbox rows commit or roll back with the status change."""

from __future__ import annotations

from faraday_admin.alerts import services


def on_status_changed(sender, *, change, **kwargs) -> None:
    services.alert_for_status_change(change=change)


def on_still_in_error(
    sender,
    *,
    connection_id,
    connection_name,
    connection_type,
    since,
    status_message,
    observed_at,
    **kwargs,
) -> None:
    services.alert_for_still_in_error(
        connection_id=connection_id,
        connection_name=connection_name,
        connection_type=connection_type,
        since=since,
        status_message=status_message,
        observed_at=observed_at,
    )
