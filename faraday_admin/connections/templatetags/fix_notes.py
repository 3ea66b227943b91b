"""{% fix_note_for problem as fix %}: who can fix an error, and the ready message for them,
named from what the page shows (the form's or the connection's non-secret details)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django import template

from faraday_admin.catalog import get_catalog
from faraday_admin.connections.problems import FixDetails, fix_message
from faraday_admin.core import roles
from faraday_admin.core.problems import ErrorKind, Fixer, Problem

register = template.Library()

_HOST_FIELDS = ("host", "instance_connection_name", "bucket_name", "account_name")
_USER_FIELDS = ("user", "username")


# Titles for errors shown without a Problem (this app's own refusals).
_KIND_TITLES = {
    ErrorKind.MISSING_ROLE: "My account's role doesn't allow what I tried to do.",
    ErrorKind.FORM_INVALID: "The form needs correcting.",
    ErrorKind.MANAGED: "Faraday manages this connection, so this app can't change it.",
    ErrorKind.REFUSED: "This app refused the change.",
}


@dataclass(frozen=True)
class FixNote:
    fixer: Fixer
    reader_can_fix: bool
    message: str
    mailto: str
    element_id: str


def _details(context) -> FixDetails:
    """The connection's name, type, host and user from the page's form or connection."""
    values: dict = {}
    type_key = ""
    form = context.get("form")
    connection = context.get("connection") or getattr(context.get("row"), "connection", None)
    if form is not None and getattr(form, "connection_type", None) is not None:
        type_key = form.connection_type.type
        source = form.data if form.is_bound else form.initial
        secret = form.connection_type.secret_field_names
        values = {
            k: source.get(k) for k in ("name", *_HOST_FIELDS, *_USER_FIELDS) if k not in secret
        }
    elif connection is not None:
        type_key = connection.type
        values = {"name": connection.name, **connection.options}
    connection_type = get_catalog().get(type_key)
    secret = connection_type.secret_field_names if connection_type else frozenset()

    def first(names) -> str:
        return next((str(values[n]) for n in names if values.get(n) and n not in secret), "")

    request = context.get("request")
    user = getattr(request, "user", None)
    return FixDetails(
        name=str(values.get("name") or ""),
        type_label=connection_type.label if connection_type else type_key,
        host=first(_HOST_FIELDS),
        user=first(_USER_FIELDS),
        asked_by=user.get_username() if user is not None and user.is_authenticated else "",
    )


@register.simple_tag(takes_context=True)
def fix_note_for(context, problem: Problem | str) -> FixNote | None:
    """`problem`: a Problem, or an ErrorKind's value for an error that has no Problem."""
    if isinstance(problem, str):
        kind = ErrorKind(problem)
        request = context.get("request")
        problem = Problem(
            title=_KIND_TITLES.get(kind, ""),
            next_step="",
            kind=kind,
            said=f"Page: {request.path}" if request is not None else "",
        )
    if not isinstance(problem, Problem):
        return None
    route = problem.fix
    request = context.get("request")
    user = getattr(request, "user", None)
    can_fix = route.fixer is Fixer.YOU or (
        route.fixer is Fixer.ADMIN
        and problem.kind is not ErrorKind.MISSING_ROLE
        and user is not None
        and user.has_perm(roles.MANAGE_API_KEY)
    )
    message = "" if can_fix else fix_message(problem, _details(context))
    subject = "Help with a Faraday connection"
    mailto = f"mailto:?subject={quote(subject)}&body={quote(message)}" if message else ""
    return FixNote(route.fixer, can_fix, message, mailto, f"fix-message-{problem.kind}")
