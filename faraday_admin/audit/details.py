"""What an audit row says happened, stored as a code and data and worded only on display (like
LogEntry's change_message): the audit page, its CSV export and the admin all call `detail_text`.

Codes whose words live above this app (a connections refusal) are worded by what that app
registers with `register_words` when it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

Words = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class Detail:
    """One row's detail: a code from WORDS (or a registered one) and the data it is worded from."""

    code: str
    data: Mapping[str, Any] = field(default_factory=dict)


def _local_time(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return str(text)
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


def _sign_in(data: Mapping[str, Any]) -> str:
    if data.get("locked_until"):
        return f"from {data.get('ip', '')}: locked out until {_local_time(data['locked_until'])}"
    return f"from {data.get('ip', '')}: {data.get('reason') or 'wrong user name or password'}"


def _key_tested(data: Mapping[str, Any]) -> str:
    text = f"tested the {data.get('source', '')}"
    if data.get("account") is not None:
        return f"{text}: account “{data['account']}”"
    return f"{text}; network fault: {data['network']}" if data.get("network") else text


def _read_failed(data: Mapping[str, Any]) -> str:
    text = "not sent: reading the connection first failed"
    return f"{text} (network fault: {data['network']})" if data.get("network") else text


def _webhook_endpoint(data: Mapping[str, Any]) -> str:
    endpoint = f"endpoint {data['endpoint']}" if data.get("endpoint") else ""
    return " for ".join(part for part in (endpoint, data.get("url", "")) if part)


WORDS: dict[str, Words] = {
    "pending": lambda d: "sent, outcome pending",
    "network_fault": lambda d: f"network fault: {d.get('kind', '')}",
    "form_invalid": lambda d: "; ".join(d.get("fields", ())),
    "no_type": lambda d: "not sent: no connection type chosen",
    "unknown_type": lambda d: "not sent: a connection type this app doesn't know",
    "token_unknown": lambda d: "not sent: the form's one-time code wasn't recognised",
    "already_submitted": lambda d: "not sent: this form was already submitted",
    "role_missing": lambda d: "not sent: the person's role doesn't allow it",
    "read_failed": _read_failed,
    "found_after_unclear_answer": lambda d: (
        f"found in the list after an unclear answer ({d.get('answer', '')})"
    ),
    "lost_track": lambda d: (
        "sent; the app lost track of Faraday's answer. Check the connection in Faraday."
    ),
    "created_later": lambda d: "checked later: Faraday has it (found by name, type and time)",
    "not_created_later": lambda d: (
        "checked later: no connection of this name and type was created in Faraday at that time"
    ),
    "gone_later": lambda d: "checked later: the connection is gone",
    "still_there_later": lambda d: "checked later: the connection still exists in Faraday",
    "handoff": lambda d: (
        f"hand-off {d.get('handoff', '')}, link valid until {d.get('valid_until', '')} UTC"
    ),
    "key_in_environment": lambda d: "not saved: FARADAY_API_KEY is set in the environment",
    "key_saved": lambda d: f"saved the key ending …{d.get('last4', '')}",
    "key_invalid": lambda d: "not saved: " + ", ".join(d.get("errors", ())),
    "key_removed": lambda d: "removed the stored key",
    "no_key_stored": lambda d: "no key was stored",
    "no_key_to_test": lambda d: "no key to test",
    "key_tested": _key_tested,
    "sign_in_refused": _sign_in,
    "alert_sent": lambda d: d.get("what", ""),
    "alert_given_up": lambda d: (
        f"{d.get('what', '')}; gave up after {d.get('attempts', '')} attempt(s): "
        f"{d.get('reason', '')}"
    ),
    "no_public_url": lambda d: "not sent: APP_PUBLIC_URL is not set",
    "webhook_endpoint": _webhook_endpoint,
    "revert": lambda d: f"revert of the edit recorded as audit entry {d.get('entry', '')}",
    "changed_outside": lambda d: "seen in Faraday: differs from what this app last saw",
    "outside_acknowledged": lambda d: (
        f"acknowledged the change seen {_local_time(d.get('seen', ''))}"
    ),
}


def register_words(code: str, words: Words) -> None:
    """Word `code` with `words` (for an app above audit, whose wording audit can't import)."""
    WORDS[code] = words


def detail_text(code: str, data: Mapping[str, Any]) -> str:
    """The words for a stored detail; a code no one words shows as itself, with its data."""
    words = WORDS.get(code)
    if words is None:
        return f"{code} {dict(data)}" if data else code
    return words(data)
