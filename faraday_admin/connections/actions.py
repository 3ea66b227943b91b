"""The lifecycle actions, written out once: each one's URL, permission, audit action, the words
of its confirmation page, the rule that refuses it, and the call it sends to Faraday.

urls.py builds one URL per entry, views.py shows its confirmation page, services.py sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from faraday_admin.audit.models import Action
from faraday_admin.catalog import KEY_PAIR_TYPES
from faraday_admin.connections.refusals import Refusal
from faraday_admin.connections.selectors import ConnectionDetail
from faraday_admin.core import roles
from faraday_admin.faraday_client import FaradayClient


def _managed(detail: ConnectionDetail) -> Refusal | None:
    return Refusal("managed_action") if detail.row.connection.managed else None


def _still_used(detail: ConnectionDetail) -> Refusal | None:
    if not detail.dependents:
        return None
    archived = sum(1 for ref in detail.dependents if ref.archived_at is not None)
    return Refusal("still_used", {"count": len(detail.dependents), "archived": archived})


def _not_key_pair(detail: ConnectionDetail) -> Refusal | None:
    return None if detail.row.connection.type in KEY_PAIR_TYPES else Refusal("key_pair_only")


def _archived(detail: ConnectionDetail) -> Refusal | None:
    return Refusal("already_archived") if detail.row.connection.is_archived else None


def _not_archived(detail: ConnectionDetail) -> Refusal | None:
    return None if detail.row.connection.is_archived else Refusal("not_archived")


# A call to Faraday: the client, the connection's id and type, and whether to cascade.
Send = Callable[[FaradayClient, str, str, bool], Any]


@dataclass(frozen=True)
class LifecycleAction:
    """One action: who may send it, how its confirmation page reads, what it sends."""

    slug: str  # URL name and path segment, and the `action` the views and templates see
    permission: str
    audit_action: Action
    title: str
    button: str
    explanation: str
    done: str  # the success message; {name} is the connection's name
    send: Send
    # This app's own rules, in order: each gives its Refusal, or None to let the action through.
    rules: tuple[Callable[[ConnectionDetail], Refusal | None], ...] = ()
    shows_dependents: bool = False
    offers_cascade: bool = False
    # Where the person lands after it is sent: the detail page, following its status, or the list.
    lands_on: str = "detail"


ACTIONS: dict[str, LifecycleAction] = {
    action.slug: action
    for action in (
        LifecycleAction(
            slug="archive",
            permission=roles.ARCHIVE_CONNECTION,
            audit_action=Action.ARCHIVE,
            title="Archive connection",
            button="Archive",
            explanation="An archived connection stops receiving updates but stays visible. "
            "You can unarchive it later.",
            done="Archived “{name}”.",
            send=lambda c, id_, _type, cascade: c.archive_connection(id_, cascade_to_all=cascade),
            rules=(_managed, _archived),
            shows_dependents=True,
            offers_cascade=True,
        ),
        LifecycleAction(
            slug="unarchive",
            permission=roles.ARCHIVE_CONNECTION,
            audit_action=Action.UNARCHIVE,
            title="Unarchive connection",
            button="Unarchive",
            explanation="The connection starts receiving updates again.",
            done="Unarchived “{name}”.",
            send=lambda c, id_, _type, cascade: c.unarchive_connection(id_, cascade_to_all=cascade),
            rules=(_managed, _not_archived),
            shows_dependents=True,
            offers_cascade=True,
        ),
        LifecycleAction(
            slug="delete",
            permission=roles.DELETE_CONNECTION,
            audit_action=Action.DELETE,
            title="Delete connection",
            button="Delete for good",
            explanation="Deleting can't be undone.",
            done="Deleted “{name}”.",
            send=lambda c, id_, _type, _cascade: c.delete_connection(id_),
            rules=(_managed, _still_used),
            shows_dependents=True,
            lands_on="list",
        ),
        LifecycleAction(
            slug="force-update",
            permission=roles.FORCE_UPDATE_CONNECTION,
            audit_action=Action.FORCE_UPDATE,
            title="Update connection now",
            button="Update now",
            explanation="Faraday re-reads the connection now instead of waiting for its schedule.",
            done="Faraday is updating “{name}” now.",
            send=lambda c, id_, _type, _cascade: c.force_update_connection(id_),
            rules=(_managed,),
            lands_on="follow",
        ),
        LifecycleAction(
            slug="rotate",
            permission=roles.ROTATE_CREDENTIALS,
            audit_action=Action.ROTATE,
            title="Rotate key-pair credentials",
            button="Rotate credentials",
            explanation="Faraday creates a new key pair for this connection. Install the new "
            "public key where the old one was, or Faraday will lose access.",
            done="Rotated the credentials of “{name}”. Now install the new public key (see "
            "“Finish on your side” below) where the old one was, or Faraday will lose access.",
            send=lambda c, id_, type_, _cascade: c.rotate_connection_credentials(id_, type=type_),
            rules=(_managed, _not_key_pair),
        ),
    )
}
