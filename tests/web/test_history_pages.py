"""Diffs on edits, the History tab, changes made outside this app (marker, acknowledgement),
revert, the "broke in the last 24 h" filter, the CSV's diff columns, and the secret canary."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
from django.urls import reverse

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.core import roles
from faraday_admin.core.upstream import forget_cached_reads
from faraday_admin.history.models import Origin, TrackedConnection
from tests.payloads import CONNECTION_ID, listed_connection_json
from tests.web.create_helpers import form_data, issue_token
from tests.web.html import parse
from tests.web.list_helpers import CANARY, serve_detail, upstream_writes

pytestmark = pytest.mark.django_db

PATH = f"/connections/{CONNECTION_ID}"
EDIT_URL = reverse("connections:edit", args=[CONNECTION_ID])
DETAIL_URL = reverse("connections:detail", args=[CONNECTION_ID])
HISTORY_URL = reverse("connections:history", args=[CONNECTION_ID])
ACK_URL = reverse("connections:acknowledge-outside-change", args=[CONNECTION_ID])
OPTIONS = {
    "host": "db1.example.com",
    "port": 5432,
    "database": "analytics",
    "schema": "public",
    "user": "faraday",
}
BEFORE = listed_connection_json(name="Shop", options=OPTIONS)
AFTER = listed_connection_json(
    name="Shop", options=OPTIONS | {"host": "db2.example.com", "port": 6432}
)
FORM = {
    "name": "Shop",
    "host": "db2.example.com",
    "port": "6432",
    "database": "analytics",
    "schema": "public",
    "user": "faraday",
    "password": CANARY,
    "load_balancer": "",
    "ssh_bastion": "",
}


def _edit(client, router, *, after=AFTER) -> AuditEntry:
    router.get(PATH).respond(json=BEFORE)
    router.patch(PATH).respond(json=after)
    response = client.post(EDIT_URL, FORM)
    assert response.status_code == 302, response.content.decode()
    return AuditEntry.objects.get(action=Action.EDIT, outcome=Outcome.SUCCESS)


def test_an_edit_records_before_and_after_from_faradays_answers(client_for, faraday_router):
    entry = _edit(client_for(roles.ONBOARDER), faraday_router)

    assert entry.changes == [
        {"field": "host", "label": "Host", "before": "db1.example.com", "after": "db2.example.com"},
        {"field": "port", "label": "Port", "before": 5432, "after": 6432},
        {"field": "password", "label": "Password", "secret": True, "changed": True},
    ]
    # Faraday's answer is the new baseline: the next read isn't taken for a change outside.
    assert TrackedConnection.objects.get().config["options"]["host"] == "db2.example.com"


def test_the_before_is_faradays_value_not_the_last_one_typed_here(client_for, faraday_router):
    """Someone changed the host elsewhere after this app last saw it: the diff says so."""
    faraday_router.get(PATH).respond(json=listed_connection_json(name="Shop", options=OPTIONS))
    client = client_for(roles.ONBOARDER)
    client.get(EDIT_URL)  # this app saw db1
    elsewhere = listed_connection_json(name="Shop", options=OPTIONS | {"host": "db9.example.com"})
    faraday_router.get(PATH).respond(json=elsewhere)
    faraday_router.patch(PATH).respond(json=AFTER)

    client.post(EDIT_URL, FORM)

    entry = AuditEntry.objects.get(action=Action.EDIT, outcome=Outcome.SUCCESS)
    assert entry.changes[0]["before"] == "db9.example.com"


def test_the_history_tab_lists_entries_newest_first_with_their_diffs(client_for, faraday_router):
    admin = client_for(roles.ADMIN)
    entry = _edit(admin, faraday_router)
    serve_detail(faraday_router, AFTER)

    response = admin.get(HISTORY_URL)

    assert response.status_code == 200
    page = parse(response)
    entries = page.find("ol", class_="history-entries")
    items = [child for child in entries.children if child.tag == "li"]
    assert "Edit" in items[0].text
    assert "Host: db1.example.com → db2.example.com" in items[0].text
    assert "Password: changed" in items[0].text
    revert = reverse("connections:revert", args=[CONNECTION_ID, entry.pk])
    assert page.find("a", href=revert) is not None


def test_only_admins_are_offered_revert(client_for, faraday_router):
    _edit(client_for(roles.ADMIN), faraday_router)
    serve_detail(faraday_router, AFTER)

    html = client_for(roles.ONBOARDER).get(HISTORY_URL).content.decode()

    assert "Revert this change" not in html


def test_a_change_made_outside_is_marked_on_the_list_and_detail_until_acknowledged(
    client_for, faraday_router
):
    faraday_router.get("/connections").respond(json=[BEFORE])
    onboarder = client_for(roles.ONBOARDER)
    onboarder.get(reverse("connections:list"))
    forget_cached_reads()  # as the cache's lifetime would
    faraday_router.get("/connections").respond(json=[AFTER])
    serve_detail(faraday_router, AFTER)

    listed = onboarder.get(reverse("connections:list"), {"q": "Shop"}).content.decode()
    detail = onboarder.get(DETAIL_URL).content.decode()

    assert "Changed outside this app" in listed
    assert "Changed outside this app" in detail
    [seen] = AuditEntry.objects.filter(action=Action.CHANGED_OUTSIDE)
    assert [c["field"] for c in seen.changes] == ["host", "port"]

    response = onboarder.post(ACK_URL, {"back": "history"})

    assert response.status_code == 302
    assert response.url == HISTORY_URL
    assert TrackedConnection.objects.get().drift_at is None
    ack = AuditEntry.objects.get(action=Action.OUTSIDE_ACKNOWLEDGE)
    assert ack.actor_username == "onboarder-user"
    assert "Changed outside this app</strong>" not in onboarder.get(DETAIL_URL).content.decode()


def test_a_viewer_may_not_acknowledge_and_the_attempt_is_audited(client_for, faraday_router):
    response = client_for(roles.VIEWER).post(ACK_URL)

    assert response.status_code == 403
    refused = AuditEntry.objects.get(action=Action.OUTSIDE_ACKNOWLEDGE)
    assert refused.outcome == Outcome.REJECTED


def test_a_connection_created_elsewhere_shows_as_such_with_its_first_seen_time(
    client_for, faraday_router
):
    serve_detail(faraday_router, BEFORE)

    html = client_for(roles.VIEWER).get(DETAIL_URL).content.decode()

    assert TrackedConnection.objects.get().origin == Origin.OUTSIDE
    assert "outside this app (first seen here" in html


def _revert_url(entry: AuditEntry) -> str:
    return reverse("connections:revert", args=[CONNECTION_ID, entry.pk])


def test_revert_shows_the_patch_and_sends_exactly_it(client_for, faraday_router):
    admin = client_for(roles.ADMIN)
    entry = _edit(admin, faraday_router)
    faraday_router.get(PATH).respond(json=AFTER)
    faraday_router.patch(PATH).respond(json=BEFORE)

    page = admin.get(_revert_url(entry))

    expected = {"options": {"type": "postgres", "host": "db1.example.com", "port": 5432}}
    shown = parse(page).find("pre").text
    assert json.loads(shown) == expected
    assert "Secrets can't be reverted" in page.content.decode()
    assert "has changed since" not in page.content.decode()

    response = admin.post(_revert_url(entry))

    assert response.status_code == 302
    assert upstream_writes(faraday_router)[-1] == ("PATCH", PATH, expected)
    revert = AuditEntry.objects.filter(action=Action.EDIT).order_by("-id").first()
    assert revert.outcome == Outcome.SUCCESS
    assert f"audit entry {entry.pk}" in revert.detail_text
    # The History tab words the stored code the same way.
    history_page = admin.get(f"{PATH}/history/").content.decode()
    assert f"revert of the edit recorded as audit entry {entry.pk}" in history_page
    assert revert.changes[0] == {
        "field": "host",
        "label": "Host",
        "before": "db2.example.com",
        "after": "db1.example.com",
    }


def test_revert_warns_when_the_connection_changed_since(client_for, faraday_router):
    admin = client_for(roles.ADMIN)
    entry = _edit(admin, faraday_router)
    moved = listed_connection_json(name="Shop", options=OPTIONS | {"host": "db3.example.com"})
    faraday_router.get(PATH).respond(json=moved)

    html = admin.get(_revert_url(entry)).content.decode()

    assert "The connection has changed since that edit." in html
    assert "the edit set db2.example.com, now db3.example.com" in html


@pytest.mark.parametrize(
    ("now", "says", "outcome"),
    [
        # Deleted in Faraday meanwhile: nothing to revert.
        (
            httpx.Response(404, json={"error": "NOT_FOUND", "note": "gone"}),
            "has been deleted in Faraday",
            Outcome.FARADAY_ERROR,
        ),
        # Someone already put the values back.
        (
            httpx.Response(200, json=BEFORE),
            "already has the values from before that edit",
            Outcome.REJECTED,
        ),
    ],
    ids=["deleted", "already-back"],
)
def test_revert_refuses_sending_nothing_and_audits_it(
    client_for, faraday_router, now, says, outcome
):
    admin = client_for(roles.ADMIN)
    entry = _edit(admin, faraday_router)
    faraday_router.get(PATH).mock(return_value=now)
    writes_before = len(upstream_writes(faraday_router))

    response = admin.post(_revert_url(entry))

    assert response.status_code == 409
    assert says in response.content.decode()
    assert len(upstream_writes(faraday_router)) == writes_before
    refused = AuditEntry.objects.order_by("-id").first()
    assert (refused.action, refused.outcome) == (Action.EDIT, outcome)


def test_an_onboarder_may_not_revert(client_for, faraday_router):
    entry = _edit(client_for(roles.ADMIN), faraday_router)

    response = client_for(roles.ONBOARDER).post(_revert_url(entry))

    assert response.status_code == 403


def test_the_list_filters_connections_that_broke_in_the_last_24_hours(client_for, faraday_router):
    healthy = listed_connection_json("c-ok", name="Healthy")
    broke = listed_connection_json("c-broke", name="Broke", status="error")
    faraday_router.get("/connections").respond(
        json=[healthy, listed_connection_json("c-broke", name="Broke")]
    )
    viewer = client_for(roles.VIEWER)
    viewer.get(reverse("connections:list"))
    forget_cached_reads()  # as the cache's lifetime would
    faraday_router.get("/connections").respond(json=[healthy, broke])

    page = parse(viewer.get(reverse("connections:list"), {"broken": "24h"}))

    names = [th.text for th in page.find("tbody").find_all("th")]
    assert names == ["Broke"]


def test_the_csv_export_carries_each_edits_diff(client_for, faraday_router):
    admin = client_for(roles.ADMIN)
    _edit(admin, faraday_router)

    response = admin.get(reverse("audit:export"))

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    edit = next(r for r in rows if r["\ufeffTime (UTC)"] and r["Action"] == "Edit")
    assert edit["Changes"].splitlines() == [
        "Host: db1.example.com → db2.example.com",
        "Port: 5432 → 6432",
        "Password: changed",
    ]
    assert json.loads(edit["Changes (JSON)"])[2] == {
        "field": "password",
        "label": "Password",
        "secret": True,
        "changed": True,
    }


def test_a_secret_typed_into_an_edit_appears_in_no_diff_snapshot_row_page_or_csv(
    client_for, faraday_router
):
    admin = client_for(roles.ADMIN)
    entry = _edit(admin, faraday_router)
    # Faraday echoing the secret by mistake must not leak it either.
    echoing = listed_connection_json(name="Shop", options=OPTIONS | {"password": CANARY})
    serve_detail(faraday_router, echoing)
    faraday_router.get("/connections").respond(json=[echoing])

    pages = [
        admin.get(HISTORY_URL),
        admin.get(DETAIL_URL),
        admin.get(reverse("connections:list")),
        admin.get(reverse("audit:list")),
        admin.get(_revert_url(entry)),
    ]
    exported = b"".join(admin.get(reverse("audit:export")).streaming_content).decode()

    for response in pages:
        assert CANARY not in response.content.decode()
    assert CANARY not in exported
    for row in AuditEntry.objects.all():
        assert CANARY not in json.dumps([row.options, row.changes, row.detail])
    for tracked in TrackedConnection.objects.all():
        assert CANARY not in json.dumps(tracked.config)


def test_demo_button_changes_the_simulated_connection_for_admins_only(client_for, demo_connections):
    postgres = demo_connections["postgres"]
    url = reverse("connections:demo-outside-change", args=[postgres.id])

    assert client_for(roles.ONBOARDER).post(url).status_code == 403
    response = client_for(roles.ADMIN).post(url)

    assert response.status_code == 302
    detail = client_for(roles.ADMIN).get(reverse("connections:detail", args=[postgres.id]))
    assert "public_outside" in detail.content.decode()


def test_demo_button_changes_nothing_with_a_real_faraday(client_for, faraday_router):
    url = reverse("connections:demo-outside-change", args=[CONNECTION_ID])

    response = client_for(roles.ADMIN).post(url, follow=False)

    assert response.status_code == 302
    assert upstream_writes(faraday_router) == []


def test_reads_are_observed_once_per_cache_fill_not_once_per_page_view(
    client_for, faraday_router, monkeypatch
):
    from faraday_admin.history import services

    observed = []
    observe = services.connections_observe
    monkeypatch.setattr(
        services,
        "connections_observe",
        lambda **kwargs: observed.append(kwargs["source"]) or observe(**kwargs),
    )
    faraday_router.get("/connections").respond(json=[BEFORE])
    viewer = client_for(roles.VIEWER)

    for _viewer in range(50):
        assert viewer.get(reverse("connections:list")).status_code == 200

    assert observed == ["list"]


def _observations_counted(monkeypatch) -> list[str]:
    from faraday_admin.history import services

    observed = []
    observe = services.connections_observe
    monkeypatch.setattr(
        services,
        "connections_observe",
        lambda **kwargs: observed.append(kwargs["source"]) or observe(**kwargs),
    )
    return observed


def test_a_list_answer_seen_before_byte_for_byte_is_not_observed_again(
    client_for, faraday_router, monkeypatch
):
    observed = _observations_counted(monkeypatch)
    listing = faraday_router.get("/connections")
    viewer = client_for(roles.VIEWER)

    for answer in ([BEFORE], [BEFORE], [AFTER]):
        listing.respond(json=answer)
        forget_cached_reads()  # each read fills the cache afresh
        assert viewer.get(reverse("connections:list")).status_code == 200

    # The second answer was the first one again; the third changed.
    assert observed == ["list", "list"]
    assert AuditEntry.objects.filter(action=Action.CHANGED_OUTSIDE).count() == 1


def test_the_same_list_answer_after_an_edit_here_is_observed_and_its_drift_recorded(
    client_for, faraday_router
):
    """An edit made here moves the snapshot: the old answer coming back means someone changed
    it back elsewhere, so the answer seen before must not be skipped."""
    from faraday_admin.faraday_client import Connection
    from faraday_admin.history.services import connection_created_record

    faraday_router.get("/connections").respond(json=[BEFORE])
    viewer = client_for(roles.VIEWER)
    assert viewer.get(reverse("connections:list")).status_code == 200
    connection_created_record(connection=Connection.from_json(AFTER))
    forget_cached_reads()

    assert viewer.get(reverse("connections:list")).status_code == 200

    drift = AuditEntry.objects.get(action=Action.CHANGED_OUTSIDE)
    assert {c["field"] for c in drift.changes} == {"host", "port"}


def test_the_detail_page_shows_how_long_it_has_been_in_error_and_how_often_it_broke(
    client_for, faraday_router
):
    viewer = client_for(roles.VIEWER)
    for status in ("ready", "error", "ready", "error"):
        serve_detail(
            faraday_router, listed_connection_json(name="Shop", options=OPTIONS, status=status)
        )
        viewer.get(DETAIL_URL)
        forget_cached_reads()

    page = parse(viewer.get(DETAIL_URL))

    timeline = page.find("section", id="status-timeline")
    assert "In error since" in timeline.text
    assert "It went into error 2 times in the last 7 days." in timeline.text
    assert len(timeline.find_all("li")) == 4


def test_a_deleted_connections_history_outlives_it(client_for, faraday_router):
    admin = client_for(roles.ADMIN)
    _edit(admin, faraday_router)
    faraday_router.get(PATH).respond(404, json={"error": "NOT_FOUND", "note": "gone"})
    forget_cached_reads()

    response = admin.get(HISTORY_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "This connection has been deleted in Faraday." in html
    assert "Host: db1.example.com → db2.example.com" in html
    assert "Revert this change" not in html


def test_no_connection_and_no_history_is_a_404(client_for, faraday_router):
    faraday_router.get(PATH).respond(404, json={"error": "NOT_FOUND", "note": "gone"})

    assert client_for(roles.VIEWER).get(HISTORY_URL).status_code == 404


def test_the_revert_page_says_what_goes_back_field_by_field(client_for, faraday_router):
    admin = client_for(roles.ADMIN)
    entry = _edit(admin, faraday_router)

    page = parse(admin.get(_revert_url(entry)))

    steps = [li.text for li in page.find("ul", class_="changes").find_all("li")]
    assert steps == ["Host: db2.example.com → db1.example.com", "Port: 6432 → 5432"]


def test_a_create_made_here_is_the_baseline_not_a_change_outside(
    client, signed_in_onboarder, create_faraday
):
    token = issue_token(signed_in_onboarder)
    data, _options = form_data("postgres", token)
    data["password"] = CANARY

    response = client.post(reverse("connections:create"), data)

    assert response.status_code == 302
    [created] = create_faraday.created
    tracked = TrackedConnection.objects.get(faraday_connection_id=created["id"])
    assert tracked.origin == Origin.HERE
    assert CANARY not in json.dumps(tracked.config)
    create_faraday.router.get("/connections").respond(json=[created])
    listed = client.get(reverse("connections:list"))
    assert listed.status_code == 200
    assert "Changed outside this app" not in listed.content.decode()
    assert not AuditEntry.objects.filter(action=Action.CHANGED_OUTSIDE).exists()
