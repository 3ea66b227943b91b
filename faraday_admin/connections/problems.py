"""Connection-specific wording on top of core.problems: a lifecycle action's failure, what to
check when a connection is in error, and the ready message for whoever can fix it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from faraday_admin.catalog import KEY_PAIR_TYPES, ConnectionType
from faraday_admin.core.problems import ErrorKind, Fixer, Problem, describe_error
from faraday_admin.faraday_client import Conflict, FaradayError


def describe_action_error(
    error: FaradayError, *, action: str, cascade: bool, dependents_listed: bool
) -> Problem:
    """Words for a failed lifecycle action on its confirmation page (which has no fields).

    Faraday refuses to archive or unarchive with CONFLICT while datasets or targets still use
    the connection; its note then speaks API (cascade_to_all), so say what to tick instead.
    """
    if isinstance(error, Conflict) and action in ("archive", "unarchive") and not cascade:
        box = f"“Also {action} the datasets and targets listed above”"
        if dependents_listed:
            step = f"Tick {box} and try again, or {action} those first."
        else:
            step = (
                f"Reload this page to see them, then tick {box} and try again, "
                f"or {action} those first."
            )
        return Problem(
            title=f"Faraday won't {action} it while datasets or targets use it.",
            next_step=step,
            error_id=error.error_id,
            code=error.code,
            kind=ErrorKind.CONFLICT,
        )
    if isinstance(error, Conflict) and action == "delete":
        # Nothing is being created, so "conflicts with something that already exists" misleads.
        step = "Reload this page to see what still uses it: delete those first, or archive "
        step += "this connection instead."
        if error.note:
            step = f"Faraday says: {error.note.strip().rstrip('.')}. {step}"
        return Problem(
            title="Faraday won't delete this connection while something still depends on it.",
            next_step=step,
            error_id=error.error_id,
            code=error.code,
            kind=ErrorKind.CONFLICT,
        )
    return describe_error(error, has_fields=False)


# ---- the detail page's hint after an error --------------------------------------------------

_STORAGE_FIELDS = {"bucket_name": "bucket name", "project_id": "project ID"}


def and_join(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])}, and {items[-1]}"


def _checks_join(checks: Sequence[str]) -> str:
    # Each check may hold an "and" of its own, so two or more are always comma-separated.
    return checks[0] if len(checks) == 1 else f"{', '.join(checks[:-1])}, and {checks[-1]}"


def _lower_first(label: str) -> str:
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


def connection_error_hint(connection_type: ConnectionType | None) -> str:
    """What to check when Faraday couldn't use a connection, naming only the type's own fields."""
    fields = connection_type.fields if connection_type else ()
    names = {f.name for f in fields}
    checks: list[str] = []
    credentials = ["user name"] if names & {"user", "username"} else []
    credentials += ["password"] if "password" in names else []
    credentials += [_lower_first(f.label) for f in fields if f.secret and f.name != "password"]
    if credentials:
        checks.append(f"the {and_join(credentials)}")
    if connection_type and connection_type.type in KEY_PAIR_TYPES:
        checks.append("that Faraday's public key is installed for that user")
    address = [word for word in ("host", "port") if word in names]
    if address:
        verb = "are" if len(address) > 1 else "is"
        checks.append(f"that the {and_join(address)} {verb} right")
        checks.append("that the server accepts connections from Faraday's IP addresses")
    storage = [word for key, word in _STORAGE_FIELDS.items() if key in names]
    if storage:
        place = "bucket" if "bucket_name" in names else "project"
        checks.append(f"the {and_join(storage)}")
        checks.append(f"that Faraday has been given access to the {place}")
    if not checks:
        return (
            "What to check: the details entered for this connection, and that the account "
            "behind it still gives Faraday access."
        )
    return f"What to check: {_checks_join(checks)}."


def status_problem(
    connection, connection_type: ConnectionType | None, *, waiting_for_key: bool = False
) -> Problem:
    """A connection in `error` as a Problem: your IT team fixes it, Faraday's words included.
    `waiting_for_key`: the error is Faraday's key not being installed yet."""
    said = " ".join(p for p in (connection.status_error, connection.contents_error) if p)
    return Problem(
        title="Faraday can't sign in until its public key is installed."
        if waiting_for_key
        else "Faraday couldn't use this connection.",
        next_step=connection_error_hint(connection_type),
        kind=ErrorKind.KEY_NOT_INSTALLED if waiting_for_key else ErrorKind.STATUS_ERROR,
        at=connection.status_changed_at or timezone.now(),
        said=said,
    )


@dataclass(frozen=True)
class FixDetails:
    """What the ready message names about the connection: never a secret field."""

    name: str = ""
    type_label: str = ""
    host: str = ""
    user: str = ""
    asked_by: str = ""


def _ask_to_check(hint: str) -> str:
    """ "What to check: the password, and …." → "Could you check the password, and …?" """
    checks = hint.removeprefix("What to check:").strip().rstrip(".")
    return f"Could you check {checks}?" if checks else ""


def fix_message(problem: Problem, details: FixDetails) -> str:
    """The short message to send whoever fixes it; "" when that is the reader ("you")."""
    route = problem.fix
    if route.fixer is Fixer.YOU:
        return ""
    subject = f"“{details.name}”" if details.name else "a connection"
    if details.type_label:
        subject += f" ({details.type_label})"
    lines = [
        "Hello,",
        f"I'm setting up the Faraday connection {subject} in Faraday Connections Admin "
        "and need your help.",
        f"Server: {details.host}" if details.host else "",
        f"User: {details.user}" if details.user else "",
        f"What happened: {problem.title}",
        f"Faraday said: {problem.said}" if problem.said else "",
        f"Faraday error ID: {problem.error_id}" if problem.error_id else "",
        f"Time: {timezone.localtime(problem.at):%Y-%m-%d %H:%M %Z}",
        route.ask or _ask_to_check(problem.next_step),
        f"Thank you! {details.asked_by}".strip(),
    ]
    return "\n".join(line for line in lines if line)
