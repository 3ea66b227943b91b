"""Record before sending (issue 12, item 3): every write's audit row is written "sent, outcome
pending" in its own transaction before Faraday is called, and completed after; a row the app
lost track of is settled later by reading Faraday; the 500 page claims nothing about Faraday."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.audit.services import audit_record
from faraday_admin.connections.models import ConnectionRecord
from faraday_admin.connections.services import audit_reconcile_pending
from faraday_admin.faraday_client.retry import RetryPolicy
from tests.payloads import created_json
from tests.web.create_helpers import CREATE_URL, fake_faraday, mysql_submission

pytestmark = pytest.mark.django_db

PASSWORD = "pw-canary-3c9d"
LATER = timedelta(minutes=3)


@pytest.fixture
def creator() -> User:
    return User.objects.create_superuser("maker", password="unused-pw-123")


@pytest.fixture
def creator_client(creator) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(creator)
    return client


def _pending_rows() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(outcome=Outcome.PENDING))


def test_the_create_is_recorded_as_pending_before_it_is_sent(creator, creator_client):
    seen_while_sending: list[list[tuple[str, str]]] = []
    with fake_faraday() as faraday:

        def answer(request: httpx.Request) -> httpx.Response:
            seen_while_sending.append(
                [(e.outcome, e.connection_name) for e in AuditEntry.objects.all()]
            )
            body = json.loads(request.content)
            return httpx.Response(
                201, json=created_json(name=body["name"], options=body["options"])
            )

        faraday.answer_create(answer)
        creator_client.post(CREATE_URL, mysql_submission(creator, PASSWORD))

    assert seen_while_sending == [[(Outcome.PENDING, "Shop DB")]]
    [row] = AuditEntry.objects.all()  # completed in place: still one row
    assert row.outcome == Outcome.SUCCESS
    assert row.faraday_connection_id
    assert row.http_status == 201


def test_a_database_failure_after_faraday_created_it_keeps_the_pending_row(creator, creator_client):
    with (
        fake_faraday() as faraday,
        mock.patch.object(
            ConnectionRecord.objects, "update_or_create", side_effect=DatabaseError("db went away")
        ),
    ):
        response = creator_client.post(CREATE_URL, mysql_submission(creator, PASSWORD))

    assert faraday.create_calls == 1
    assert response.status_code == 500
    text = response.content.decode()
    assert "Nothing you typed was lost" not in text
    assert "may or may not have reached Faraday" in text
    [row] = AuditEntry.objects.all()
    assert (row.outcome, row.action, row.actor, row.connection_name) == (
        Outcome.PENDING,
        Action.CREATE,
        creator,
        "Shop DB",
    )
    assert row.connection_type == "mysql"
    assert row.options["password"] == AuditEntry.SECRET_MARKER
    assert PASSWORD not in json.dumps(row.options)


def test_nothing_is_sent_when_the_pending_row_cant_be_written(creator, creator_client):
    real_create = AuditEntry.objects.create

    def failing_create(**fields):
        if fields["outcome"] == Outcome.PENDING:
            raise DatabaseError("db went away")
        return real_create(**fields)

    with (
        fake_faraday() as faraday,
        mock.patch.object(AuditEntry.objects, "create", side_effect=failing_create),
    ):
        response = creator_client.post(CREATE_URL, mysql_submission(creator, PASSWORD))

    assert response.status_code == 500
    assert faraday.create_calls == 0


@pytest.mark.parametrize(
    ("url_name", "method", "path"),
    [
        ("delete", "DELETE", ""),
        ("archive", "POST", "/archive"),
        ("force-update", "POST", "/force_update"),
    ],
)
def test_lifecycle_writes_are_pending_while_sent_and_completed_after(
    creator_client, url_name, method, path
):
    resource = created_json(name="Shop", options={"type": "postgres", "host": "db.example.com"})
    seen: list[str] = []
    with fake_faraday() as faraday:
        faraday.detail_routes(resource)

        def answer(request):
            seen.extend(AuditEntry.objects.values_list("outcome", flat=True))
            return httpx.Response(204)

        route = getattr(faraday.router, method.lower())
        route(f"/connections/{resource['id']}{path}").mock(side_effect=answer)
        creator_client.post(reverse(f"connections:{url_name}", args=[resource["id"]]))

    assert seen == [Outcome.PENDING]
    [row] = AuditEntry.objects.all()
    assert row.outcome == Outcome.SUCCESS


def test_a_failed_write_completes_its_pending_row_with_faradays_error(creator_client):
    resource = created_json(name="Shop", options={"type": "postgres", "host": "db.example.com"})
    with fake_faraday() as faraday:
        faraday.detail_routes(resource)
        faraday.router.post(f"/connections/{resource['id']}/force_update").respond(
            500, json={"error": "INTERNAL_SERVER_ERROR", "id": "err-1", "note": "boom"}
        )
        creator_client.post(reverse("connections:force-update", args=[resource["id"]]))

    [row] = AuditEntry.objects.all()
    assert (row.outcome, row.faraday_error_id, row.http_status) == (
        Outcome.FARADAY_ERROR,
        "err-1",
        500,
    )


# ---- a pending row is completed once, and nothing else changes ------------------------------


def test_only_a_pending_row_can_be_completed_and_only_once():
    pending = audit_record(actor=None, action=Action.EDIT, outcome=Outcome.PENDING)
    done = audit_record(actor=None, action=Action.EDIT, outcome=Outcome.SUCCESS)

    first = AuditEntry.objects.filter(pk=pending.pk).complete_pending(outcome=Outcome.SUCCESS)
    second = AuditEntry.objects.filter(pk=pending.pk).complete_pending(
        outcome=Outcome.FARADAY_ERROR
    )
    other = AuditEntry.objects.filter(pk=done.pk).complete_pending(outcome=Outcome.FARADAY_ERROR)

    assert (first, second, other) == (1, 0, 0)
    assert AuditEntry.objects.get(pk=pending.pk).outcome == Outcome.SUCCESS
    assert AuditEntry.objects.get(pk=done.pk).outcome == Outcome.SUCCESS
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=done.pk).update(outcome=Outcome.REJECTED)
    with pytest.raises(ValueError):
        AuditEntry.objects.filter(pk=pending.pk).complete_pending(detail="no outcome")


# ---- settling rows the app lost track of -----------------------------------------------------


def _lost_create(creator, name="Shop DB", type_key="mysql") -> AuditEntry:
    return audit_record(
        actor=creator,
        action=Action.CREATE,
        outcome=Outcome.PENDING,
        connection_type=type_key,
        connection_name=name,
    )


def test_a_lost_create_is_found_in_faraday_by_name_type_and_time(creator):
    row = _lost_create(creator)
    ours = created_json(
        name="Shop DB", options={"type": "mysql"}, created_at=row.created_at + timedelta(seconds=3)
    )
    namesake_from_before = created_json(
        name="Shop DB", options={"type": "mysql"}, created_at=row.created_at - timedelta(days=1)
    )
    other_type = created_json(
        name="Shop DB", options={"type": "postgres"}, created_at=row.created_at
    )
    with fake_faraday() as faraday:
        faraday.router.get("/connections").respond(json=[namesake_from_before, other_type, ours])
        settled = audit_reconcile_pending(now=timezone.now() + LATER)

    row.refresh_from_db()
    assert settled == 1
    assert (row.outcome, row.faraday_connection_id) == (Outcome.CONFIRMED_LATER, ours["id"])
    assert "found by name, type and time" in row.detail_text
    record = ConnectionRecord.objects.get(faraday_id=ours["id"])
    assert record.created_by == creator


def test_a_lost_create_faraday_never_got_is_marked_not_done(creator):
    row = _lost_create(creator)
    with fake_faraday() as faraday:
        faraday.router.get("/connections").respond(json=[])
        audit_reconcile_pending(now=timezone.now() + LATER)

    row.refresh_from_db()
    assert row.outcome == Outcome.NOT_FOUND_LATER


def test_a_row_still_in_flight_is_left_alone(creator):
    row = _lost_create(creator)
    with fake_faraday() as faraday:
        listing = faraday.router.get("/connections").respond(json=[])
        settled = audit_reconcile_pending()

    row.refresh_from_db()
    assert settled == 0 and row.outcome == Outcome.PENDING
    assert listing.call_count == 0


def test_a_lost_delete_is_settled_by_whether_the_connection_is_gone(creator):
    gone = audit_record(
        actor=creator, action=Action.DELETE, outcome=Outcome.PENDING, faraday_connection_id="c-1"
    )
    still = audit_record(
        actor=creator, action=Action.DELETE, outcome=Outcome.PENDING, faraday_connection_id="c-2"
    )
    edit = audit_record(
        actor=creator, action=Action.EDIT, outcome=Outcome.PENDING, faraday_connection_id="c-3"
    )
    with fake_faraday() as faraday:
        faraday.router.get("/connections/c-1").respond(
            404, json={"error": "NOT_FOUND", "id": "e", "note": "gone"}
        )
        faraday.router.get("/connections/c-2").respond(
            json=created_json(name="x", options={"type": "mysql"}, connection_id="c-2")
        )
        audit_reconcile_pending(now=timezone.now() + LATER)

    outcomes = [AuditEntry.objects.get(pk=r.pk).outcome for r in (gone, still, edit)]
    assert outcomes == [Outcome.CONFIRMED_LATER, Outcome.NOT_FOUND_LATER, Outcome.UNCONFIRMED]


def test_faraday_unreachable_leaves_rows_pending_and_asks_only_once(creator):
    rows = [_lost_create(creator, name=f"Shop {n}") for n in range(3)]
    with fake_faraday() as faraday:
        listing = faraday.router.get("/connections").mock(side_effect=httpx.ConnectError("down"))
        settled = audit_reconcile_pending(now=timezone.now() + LATER)

    assert settled == 0
    assert all(AuditEntry.objects.get(pk=r.pk).outcome == Outcome.PENDING for r in rows)
    # One request (with the client's own retries on a network fault), not one per row.
    assert listing.call_count == RetryPolicy().max_retries + 1


def test_the_audit_page_shows_pending_and_settled_rows_as_such(creator):
    _lost_create(creator, name="Lost one")
    settled = audit_record(
        actor=creator,
        action=Action.CREATE,
        outcome=Outcome.PENDING,
        connection_type="mysql",
        connection_name="Found one",
    )
    AuditEntry.objects.filter(pk=settled.pk).complete_pending(outcome=Outcome.CONFIRMED_LATER)
    client = Client()
    client.force_login(creator)

    with fake_faraday():  # nothing is stale yet: Faraday isn't asked
        text = client.get(reverse("audit:list")).content.decode()

    assert "Sent, outcome pending" in text
    assert "Done (confirmed later from Faraday)" in text
