"""An alert in plain words: what happened, what Faraday said, who can fix it and what to check
(the same words as the connection's error banner, from connections.problems), and a link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from faraday_admin.alerts.models import Alert
from faraday_admin.catalog import get_catalog
from faraday_admin.connections.problems import status_problem


@dataclass(frozen=True)
class _ErrorState:
    """What status_problem reads from a connection, as the alert recorded it."""

    status_error: str
    contents_error: None
    status_changed_at: datetime


@dataclass(frozen=True)
class AlertText:
    subject: str
    summary: str  # one line, for chat channels' previews
    lines: tuple[str, ...]
    link: str
    faraday_said: str = ""
    who_can_fix: str = ""
    what_to_check: str = ""

    @property
    def text(self) -> str:
        return "\n".join([*self.lines, f"Open the connection: {self.link}"])


def connection_link(connection_id: str) -> str:
    """The connection's page, absolute when APP_PUBLIC_URL is set (it should be, for alerts)."""
    path = reverse("connections:detail", args=[connection_id])
    return settings.APP_PUBLIC_URL.rstrip("/") + path


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


def alert_text(alert: Alert) -> AlertText:
    """The words of `alert`, never holding a secret: Faraday's status message and names only."""
    connection_type = get_catalog().get(alert.connection_type)
    name = f"“{alert.connection_name}”"
    if connection_type:
        name += f" ({connection_type.label})"
    flapping = ""
    if alert.transitions > 1:
        minutes = settings.ALERTS_COLLAPSE_MINUTES
        flapping = (
            f"Its status changed {alert.transitions} times since the last alert (alerts are "
            f"sent at most every {minutes} minutes); this is where it stands now."
        )
    link = connection_link(alert.faraday_connection_id)
    if alert.kind == Alert.Kind.RECOVERED:
        return AlertText(
            subject=f"Connection {alert.connection_name} works again",
            summary=f"✓ The Faraday connection {name} works again.",
            lines=tuple(
                line
                for line in (
                    f"The Faraday connection {name} is ready again since "
                    f"{_when(alert.changed_at)}. Nothing needs doing.",
                    flapping,
                )
                if line
            ),
            link=link,
        )
    problem = status_problem(
        _ErrorState(alert.status_message, None, alert.changed_at), connection_type
    )
    if alert.kind == Alert.Kind.STILL_IN_ERROR:
        since = alert.error_since or alert.changed_at
        subject = f"Connection {alert.connection_name} is still in error after 24 hours"
        opening = f"The Faraday connection {name} has been in error since {_when(since)}."
    else:
        subject = f"Connection {alert.connection_name} stopped working"
        opening = (
            f"The Faraday connection {name} stopped working at {_when(alert.changed_at)}: "
            f"{problem.title}"
        )
    fixer = problem.fix.fixer.value
    lines = (
        opening,
        f"Faraday said: {problem.said}" if problem.said else "",
        f"Who can fix it: {fixer}.",
        problem.next_step,
        flapping,
    )
    return AlertText(
        subject=subject,
        summary=f"✕ {subject}.",
        lines=tuple(line for line in lines if line),
        link=link,
        faraday_said=problem.said,
        who_can_fix=fixer,
        what_to_check=problem.next_step,
    )
