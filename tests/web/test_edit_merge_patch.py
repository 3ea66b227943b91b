"""An edit sends a merge patch of what the person changed, and only what Faraday's model admits:
untouched fields stay out (a change made elsewhere meanwhile stands), null only where nullable,
Yes/No both ways, a clearable secret removed only on purpose."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.core import faraday_cache
from tests.payloads import CONNECTION_ID, listed_connection_json
from tests.web.html import parse, submitted_values
from tests.web.list_helpers import login, upstream_writes

pytestmark = pytest.mark.django_db

EDIT_URL = reverse("connections:edit", args=[CONNECTION_ID])
DETAIL_URL = reverse("connections:detail", args=[CONNECTION_ID])
PATH = f"/connections/{CONNECTION_ID}"
POSTGRES = listed_connection_json(
    name="Warehouse",
    options={
        "host": "db.example.com",
        "port": 5432,
        "database": "analytics",
        "schema": "public",
        "user": "faraday",
    },
)


@pytest.fixture
def editor(client, django_user_model):
    return login(client, django_user_model, "view_connections", "edit_connection")


def _edit_page_values(client) -> dict[str, str]:
    response = client.get(EDIT_URL)
    assert response.status_code == 200
    return submitted_values(parse(response).find("form", id="edit-form"))


def _serve(router, stored, answer=None):
    """Faraday's answers from now on; the shared cache's copies have run out (it keeps them for
    a few seconds), so the app reads these."""
    cache.clear()
    faraday_cache.forget_parsed()
    router.get(PATH).respond(json=stored)
    router.patch(PATH).respond(json=answer or stored)


def test_a_field_changed_elsewhere_while_the_form_was_open_is_not_overwritten(
    client, editor, faraday_router
):
    faraday_router.get(PATH).respond(json=POSTGRES)
    shown = _edit_page_values(client)
    # Meanwhile someone moves the database in Faraday's dashboard.
    moved = {**POSTGRES, "options": {**POSTGRES["options"], "host": "db2.example.com"}}
    _serve(faraday_router, moved)

    response = client.post(EDIT_URL, {**shown, "port": "6543"})

    assert response.status_code == 302
    assert upstream_writes(faraday_router) == [
        ("PATCH", PATH, {"options": {"type": "postgres", "port": 6543}})
    ]


def test_a_rename_alone_sends_only_the_name(client, editor, faraday_router):
    faraday_router.get(PATH).respond(json=POSTGRES)
    shown = _edit_page_values(client)
    _serve(faraday_router, POSTGRES, {**POSTGRES, "name": "Warehouse (EU)"})

    client.post(EDIT_URL, {**shown, "name": "Warehouse (EU)"})

    assert upstream_writes(faraday_router) == [("PATCH", PATH, {"name": "Warehouse (EU)"})]


def test_a_rename_of_a_bigquery_connection_without_a_region_sends_no_null_region(
    client, editor, faraday_router
):
    bigquery = listed_connection_json(
        name="BQ", type="bigquery", options={"project_id": "acme", "dataset_name": "sales"}
    )
    faraday_router.get(PATH).respond(json=bigquery)
    shown = _edit_page_values(client)
    _serve(faraday_router, bigquery)

    client.post(EDIT_URL, {**shown, "name": "BQ (sales)"})

    assert upstream_writes(faraday_router) == [("PATCH", PATH, {"name": "BQ (sales)"})]


def test_saving_without_a_change_sends_nothing_and_says_so(client, editor, faraday_router):
    faraday_router.get(PATH).respond(json=POSTGRES)
    shown = _edit_page_values(client)

    response = client.post(EDIT_URL, shown)

    assert response.status_code == 302
    assert response.url == DETAIL_URL
    assert upstream_writes(faraday_router) == []
    assert not AuditEntry.objects.exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You didn't change anything, so nothing was sent to Faraday."
    ]


def test_an_option_faraday_cannot_empty_is_required_once_set_and_refused_when_emptied(
    client, editor, faraday_router
):
    bigquery = listed_connection_json(
        name="BQ",
        type="bigquery",
        options={"project_id": "acme", "dataset_name": "sales", "region": "us-east1"},
    )
    faraday_router.get(PATH).respond(json=bigquery)
    page = parse(client.get(EDIT_URL))
    region = page.find("select", name="region")
    # No "Faraday's default" to pick, and the label says the field can't be left empty.
    assert "" not in [option.attrs.get("value") for option in region.find_all("option")]
    assert "(required)" in page.find("label", for_="id_region").text

    form = page.find("form", id="edit-form")
    response = client.post(EDIT_URL, {**submitted_values(form), "region": ""})

    assert response.status_code == 422
    assert "Faraday can't empty this once it's set" in parse(response).text
    assert upstream_writes(faraday_router) == []
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (Action.EDIT, Outcome.REJECTED)


def test_an_optional_option_faraday_can_empty_keeps_its_default_choice(
    client, editor, faraday_router
):
    sftp = listed_connection_json(
        name="Files",
        type="sftp",
        options={"host": "files.example.com", "port": 22, "user": "u", "compression": True},
    )
    faraday_router.get(PATH).respond(json=sftp)

    page = parse(client.get(EDIT_URL))

    compression = page.find("select", name="compression")
    assert "required" not in compression.attrs
    labels = [option.text for option in compression.find_all("option")]
    assert labels == ["Faraday's default", "Yes", "No"]
    assert compression.find("option", selected=None).attrs["value"] == "true"


SFTP = listed_connection_json(
    name="Files",
    type="sftp",
    options={"host": "files.example.com", "port": 22, "user": "faraday"},
)


def test_removing_a_clearable_saved_password_sends_null_and_is_audited_as_removed(
    client, editor, faraday_router
):
    faraday_router.get(PATH).respond(json=SFTP)
    shown = _edit_page_values(client)
    _serve(faraday_router, SFTP)

    response = client.post(EDIT_URL, {**shown, "remove_password": "on"})

    assert response.status_code == 302
    assert upstream_writes(faraday_router) == [
        ("PATCH", PATH, {"options": {"type": "sftp", "password": None}})
    ]
    [entry] = AuditEntry.objects.all()
    assert entry.options == {"type": "sftp", "password": None}


def test_the_remove_box_explains_what_follows_and_appears_only_for_clearable_secrets(
    client, editor, faraday_router
):
    _serve(faraday_router, SFTP)
    sftp_page = parse(client.get(EDIT_URL))
    _serve(faraday_router, POSTGRES)
    postgres_page = parse(client.get(EDIT_URL))

    box = sftp_page.find("input", name="remove_password")
    assert box.attrs["type"] == "checkbox"
    described = sftp_page.find(id=box.attrs["aria-describedby"])
    assert "Faraday then signs in with its own SSH key." in described.text
    # Postgres can't run without its password: Faraday's model admits no null there.
    assert postgres_page.find("input", name="remove_password") is None


def test_typing_a_new_password_and_ticking_remove_is_refused_and_sends_nothing(
    client, editor, faraday_router
):
    faraday_router.get(PATH).respond(json=SFTP)
    shown = _edit_page_values(client)

    response = client.post(EDIT_URL, {**shown, "password": "n3w", "remove_password": "on"})

    assert response.status_code == 422
    assert "also asked to remove the saved one" in parse(response).text
    assert upstream_writes(faraday_router) == []


def test_a_blank_password_with_the_box_unticked_keeps_the_saved_one(client, editor, faraday_router):
    faraday_router.get(PATH).respond(json=SFTP)
    shown = _edit_page_values(client)
    _serve(faraday_router, SFTP)

    client.post(EDIT_URL, {**shown, "user": "files"})

    assert upstream_writes(faraday_router) == [
        ("PATCH", PATH, {"options": {"type": "sftp", "user": "files"}})
    ]


def test_a_refused_edit_keeps_what_the_form_first_showed(client, editor, faraday_router):
    """After a refusal the form is shown again: its record of the original values must be the
    original's, or the next save would count the person's own first try as "unchanged"."""
    faraday_router.get(PATH).respond(json=POSTGRES)
    shown = _edit_page_values(client)
    refused = client.post(EDIT_URL, {**shown, "host": "bad host!", "port": "6543"})
    assert refused.status_code == 422
    again = submitted_values(parse(refused).find("form", id="edit-form"))
    _serve(faraday_router, POSTGRES)

    client.post(EDIT_URL, {**again, "host": "db.example.com"})

    assert upstream_writes(faraday_router) == [
        ("PATCH", PATH, {"options": {"type": "postgres", "port": 6543}})
    ]
