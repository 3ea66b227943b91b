"""Editing a connection: PATCH name and options, blank secrets kept, managed ones refused."""

from __future__ import annotations

import httpx
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.connections import services
from tests.payloads import CONNECTION_ID, ERROR_ID, error_json, listed_connection_json
from tests.web.html import parse
from tests.web.list_helpers import CANARY, login, upstream_calls, upstream_writes

pytestmark = pytest.mark.django_db

EDIT_URL = reverse("connections:edit", args=[CONNECTION_ID])
DETAIL_URL = reverse("connections:detail", args=[CONNECTION_ID])
# Faraday checks an edited connection again: the detail page follows its status for a while.
DETAIL_FOLLOWING = f"{DETAIL_URL}?follow=6"
PATH = f"/connections/{CONNECTION_ID}"
STORED = listed_connection_json(
    name="Warehouse",
    options={
        "host": "db.example.com",
        "port": 5432,
        "database": "analytics",
        "schema": "public",
        "user": "faraday",
        "password": CANARY,
    },
)
FORM = {
    "name": "Warehouse (EU)",
    "host": "eu.db.example.com",
    "port": "5433",
    "database": "analytics",
    "schema": "public",
    "user": "faraday",
    "password": "",
    "load_balancer": "",
    "ssh_bastion": "",
}
# A merge patch of what changed: untouched fields and the blank password are absent.
EXPECTED_OPTIONS = {"type": "postgres", "host": "eu.db.example.com", "port": 5433}


@pytest.fixture
def faraday(faraday_router):
    """The mocked Faraday, serving the stored connection."""
    faraday_router.get(PATH).respond(json=STORED)
    return faraday_router


@pytest.fixture
def editor(client, django_user_model):
    return login(client, django_user_model, "view_connections", "edit_connection")


def _patch_ok(router):
    return router.patch(PATH).respond(json=listed_connection_json(name=FORM["name"], status="new"))


def test_edit_page_prefills_settings_and_never_shows_the_secret(client, editor, faraday):
    response = client.get(EDIT_URL)

    assert response.status_code == 200
    assert upstream_calls(faraday) == [("GET", f"/v1{PATH}")]
    html = response.content.decode()
    assert CANARY not in html
    form = parse(response).find("form", id="edit-form")
    assert form.find("input", name="name").attrs["value"] == "Warehouse"
    assert form.find("input", name="host").attrs["value"] == "db.example.com"
    password = form.find("input", name="password")
    assert password.attrs["type"] == "password"
    assert "value" not in password.attrs
    assert "required" not in password.attrs  # blank keeps the stored one
    assert form.find("input", name="csrfmiddlewaretoken") is not None
    assert "Leave a password or key empty to keep the one Faraday has" in form.text


def test_edit_with_blank_password_patches_without_it(client, editor, faraday):
    _patch_ok(faraday)

    response = client.post(EDIT_URL, FORM)

    assert response.status_code == 302
    assert response.url == DETAIL_FOLLOWING
    assert upstream_writes(faraday) == [
        ("PATCH", PATH, {"name": "Warehouse (EU)", "options": EXPECTED_OPTIONS})
    ]
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (Action.EDIT, Outcome.SUCCESS)
    assert entry.faraday_connection_id == CONNECTION_ID
    assert "password" not in entry.options
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Saved changes to “Warehouse (EU)”. Faraday is checking it again."
    ]


def test_edit_with_new_password_sends_it_and_audits_it_masked(client, editor, faraday):
    _patch_ok(faraday)

    client.post(EDIT_URL, {**FORM, "password": "n3w-pass"})

    [(_method, _path, body)] = upstream_writes(faraday)
    assert body["options"]["password"] == "n3w-pass"
    [entry] = AuditEntry.objects.all()
    assert entry.options["password"] == AuditEntry.SECRET_MARKER
    assert "n3w-pass" not in str(entry.options)


def test_edit_over_htmx_redirects_with_hx_redirect(client, editor, faraday):
    _patch_ok(faraday)

    response = client.post(EDIT_URL, FORM, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == DETAIL_FOLLOWING


def test_invalid_edit_is_422_sends_nothing_and_is_audited_as_rejected(client, editor, faraday):
    response = client.post(
        EDIT_URL, {**FORM, "name": "   ", "host": "http://bad host", "password": CANARY}
    )

    assert response.status_code == 422
    assert upstream_writes(faraday) == []
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (Action.EDIT, Outcome.REJECTED)
    assert entry.faraday_connection_id == CONNECTION_ID
    assert entry.detail_text == "host; name"
    assert entry.options["password"] == AuditEntry.SECRET_MARKER
    assert CANARY not in str(entry.options)
    form = parse(response).find("form", id="edit-form")
    assert form.find(class_="field-errors") is not None
    summary = form.find(id="error-summary")
    assert [a.attrs["href"] for a in summary.find_all("a")] == ["#id_name", "#id_host"]
    # Blank keeps the stored secret, so the note only asks for a new one to be retyped.
    [wrapper] = [div for div in form.find_all("div", class_="field") if div.find(name="password")]
    assert wrapper.find("p", class_="secret-again").text == (
        "For your security this isn't kept between attempts: if you entered a new one, "
        "type it again."
    )


def test_invalid_edit_over_htmx_answers_with_the_form_partial_only(client, editor, faraday):
    response = client.post(EDIT_URL, {**FORM, "name": "   "}, headers={"HX-Request": "true"})

    assert response.status_code == 422
    text = response.content.decode()
    assert "<html" not in text and "<h1" not in text
    assert text.lstrip().startswith('<form id="edit-form"')
    assert parse(response).find(id="error-summary") is not None


def test_edit_of_managed_connection_is_refused_without_a_patch(client, editor, faraday):
    faraday.get(PATH).respond(json={**STORED, "managed": True})

    page = client.get(EDIT_URL)
    response = client.post(EDIT_URL, FORM)

    for result in (page, response):
        assert result.status_code == 302
        assert result.url == DETAIL_URL
    assert upstream_writes(faraday) == []
    assert "managed by Faraday and can't be edited" in " ".join(
        str(m) for m in get_messages(response.wsgi_request)
    )
    refused = AuditEntry.objects.get()  # the POST only: opening the page is no attempt
    assert (refused.action, refused.outcome) == (Action.EDIT, Outcome.REJECTED)
    assert refused.faraday_connection_id == CONNECTION_ID
    assert refused.detail_text.startswith("not sent: This connection is managed by Faraday")


def test_edit_without_permission_is_403_and_reaches_no_upstream(client, django_user_model, faraday):
    login(client, django_user_model, "view_connections", "archive_connection")

    assert client.get(EDIT_URL).status_code == 403
    assert client.post(EDIT_URL, FORM).status_code == 403
    assert faraday.calls.call_count == 0
    refused = AuditEntry.objects.get()  # the POST only: looking at the page is no attempt
    assert (refused.action, refused.outcome) == (Action.EDIT, Outcome.REJECTED)
    assert refused.faraday_connection_id == CONNECTION_ID


def test_edit_post_without_csrf_token_is_refused(django_user_model, faraday):
    strict = Client(enforce_csrf_checks=True)
    login(strict, django_user_model, "view_connections", "edit_connection")

    response = strict.post(EDIT_URL, FORM)

    assert response.status_code == 403
    assert faraday.calls.call_count == 0


def test_edit_validation_refused_by_faraday_marks_the_field(client, editor, faraday):
    faraday.patch(PATH).respond(
        422,
        json={
            **error_json("VALIDATION_FAILED", "invalid"),
            "validationErrors": [{"path": "/options/host", "message": "Host unreachable"}],
        },
    )

    response = client.post(EDIT_URL, FORM)

    assert response.status_code == 422
    page = parse(response)
    assert "Host unreachable" in page.find("ul", id="id_host_error").text
    assert ERROR_ID in page.find(id="upstream-error").text
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (Action.EDIT, Outcome.FARADAY_ERROR)
    assert entry.faraday_error_code == "VALIDATION_FAILED"


@pytest.mark.parametrize(
    ("answer", "outcome", "title"),
    [
        (httpx.Response(500, json=error_json()), Outcome.FARADAY_ERROR, "Faraday had a problem"),
        (httpx.ReadTimeout("slow"), Outcome.NETWORK_FAULT, "Faraday didn't answer in time"),
        (httpx.Response(200, text="not json"), Outcome.BAD_RESPONSE, "couldn't read"),
    ],
)
def test_edit_upstream_fault_shows_banner_and_writes_audit_row(
    client, editor, faraday, answer, outcome, title
):
    route = faraday.patch(PATH)
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)

    response = client.post(EDIT_URL, FORM)

    assert response.status_code == 502
    assert title in parse(response).find(id="upstream-error").text
    assert route.call_count == 1  # a write is never retried
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (Action.EDIT, outcome)
    assert entry.faraday_connection_id == CONNECTION_ID


# ---- a merge patch: clearing a field sends null ----------------------------------------------

SNOWFLAKE = listed_connection_json(
    name="Snow",
    type="snowflake",
    options={
        "account_name": "acct",
        "organization_name": "org",
        "database": "analytics",
        "role": "FARADAY_ROLE",
        "schema": "public",
        "user": "faraday",
        "warehouse": "compute_wh",
    },
)


def test_clearing_an_optional_field_patches_it_as_null_and_leaves_untouched_ones_out(
    client, editor, faraday
):
    faraday.get(PATH).respond(json=SNOWFLAKE)
    faraday.patch(PATH).respond(json=SNOWFLAKE)
    form = {
        "name": "Snow",
        "account_name": "acct",
        "organization_name": "org",
        "database": "analytics",
        "legacy_account_locator": "",
        "role": "",
        "schema": "public",
        "user": "faraday",
        "warehouse": "compute_wh",
    }

    response = client.post(EDIT_URL, form)

    assert response.status_code == 302
    assert upstream_writes(faraday) == [
        ("PATCH", PATH, {"options": {"type": "snowflake", "role": None}})
    ]


def test_clearing_fields_keeps_a_blank_password_out_of_the_patch(client, editor, faraday):
    stored = {**STORED, "options": {**STORED["options"], "load_balancer": "lb.example.com"}}
    faraday.get(PATH).respond(json=stored)
    _patch_ok(faraday)

    client.post(EDIT_URL, {**FORM, "load_balancer": "", "password": ""})

    [(_method, _path, body)] = upstream_writes(faraday)
    assert body["options"]["load_balancer"] is None
    assert "password" not in body["options"]


SFTP = listed_connection_json(
    name="Files",
    type="sftp",
    options={
        "host": "files.example.com",
        "port": 22,
        "user": "faraday",
        "compression": True,
        "encryption": "aes256-ctr",
    },
)
SFTP_FORM = {
    "name": "Files",
    "host": "files.example.com",
    "port": "22",
    "user": "faraday",
    "password": "",
    "host_key": "",
    "encryption": "aes256-ctr",
    "compression": "true",
}


def test_faradays_default_for_a_yes_no_option_and_a_cleared_text_are_patched_as_null(
    client, editor, faraday
):
    faraday.get(PATH).respond(json=SFTP)
    faraday.patch(PATH).respond(json=SFTP)

    response = client.post(EDIT_URL, {**SFTP_FORM, "compression": "unknown", "encryption": ""})

    assert response.status_code == 302, parse(response).text
    assert upstream_writes(faraday) == [
        ("PATCH", PATH, {"options": {"type": "sftp", "compression": None, "encryption": None}})
    ]


@pytest.mark.parametrize(
    ("stored", "chosen", "sent"), [(True, "false", False), (False, "true", True)]
)
def test_a_yes_no_option_is_patched_both_ways(client, editor, faraday, stored, chosen, sent):
    faraday.get(PATH).respond(json={**SFTP, "options": {**SFTP["options"], "compression": stored}})
    faraday.patch(PATH).respond(json=SFTP)

    client.post(EDIT_URL, {**SFTP_FORM, "compression": chosen})

    assert upstream_writes(faraday) == [
        ("PATCH", PATH, {"options": {"type": "sftp", "compression": sent}})
    ]


# ---- refusals and faults before anything is sent --------------------------------------------


def test_edit_of_managed_connection_over_htmx_redirects_with_hx_redirect(client, editor, faraday):
    faraday.get(PATH).respond(json={**STORED, "managed": True})

    response = client.post(EDIT_URL, FORM, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == DETAIL_URL
    assert upstream_writes(faraday) == []


def test_edit_of_unknown_type_over_htmx_redirects_with_hx_redirect(client, editor, faraday):
    faraday.get(PATH).respond(json=listed_connection_json(type="brand_new_db", options={}))

    response = client.post(EDIT_URL, FORM, headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == DETAIL_URL
    assert upstream_writes(faraday) == []
    assert "doesn't know the connection type “brand_new_db”" in " ".join(
        str(m) for m in get_messages(response.wsgi_request)
    )


def test_edit_post_whose_first_read_fails_is_audited_and_shows_the_banner(
    client, editor, faraday_router
):
    faraday_router.get(PATH).mock(side_effect=httpx.ConnectError("refused"))

    response = client.post(EDIT_URL, FORM)

    assert response.status_code == 502
    assert parse(response).find(id="upstream-error") is not None
    assert upstream_writes(faraday_router) == []
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (Action.EDIT, Outcome.NETWORK_FAULT)
    assert entry.faraday_connection_id == CONNECTION_ID
    assert entry.detail_text.startswith("not sent: reading the connection first failed")


def test_htmx_save_whose_first_read_fails_puts_the_banner_above_the_form_as_typed(
    client, editor, faraday_router
):
    faraday_router.get(PATH).mock(side_effect=httpx.ConnectError("refused"))

    response = client.post(EDIT_URL, FORM, headers={"HX-Request": "true"})

    # The form stays in the browser; only its banner slot is filled.
    assert response.status_code == 502
    assert response["HX-Retarget"] == "#edit-problem"
    assert response["HX-Reswap"] == "innerHTML"
    doc = parse(response)
    assert doc.find("form") is None
    banner = doc.find(id="upstream-error")
    assert "reach" in banner.text
    assert "autofocus" in banner.attrs, "sending locked the form, so the banner takes the focus"
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (Action.EDIT, Outcome.NETWORK_FAULT)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_save_of_a_connection_deleted_meanwhile_goes_to_the_list_and_says_so(
    client, editor, faraday_router, htmx
):
    faraday_router.get(PATH).respond(404, json=error_json("NOT_FOUND", "gone"))

    response = client.post(EDIT_URL, FORM, headers={"HX-Request": "true"} if htmx else {})

    went_to = response["HX-Redirect"] if htmx else response["Location"]
    assert went_to == reverse("connections:list")
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == [
        "Your changes weren't saved: this connection no longer exists in Faraday. "
        "Someone may have deleted it."
    ]
    assert upstream_writes(faraday_router) == []
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (Action.EDIT, Outcome.FARADAY_ERROR)


def test_edit_page_whose_read_fails_writes_no_audit_row(client, editor, faraday_router):
    faraday_router.get(PATH).respond(500, json=error_json())

    response = client.get(EDIT_URL)

    assert response.status_code == 502
    assert AuditEntry.objects.count() == 0


def test_edit_hides_typed_secrets_from_error_reports(client, editor, faraday):
    _patch_ok(faraday)

    response = client.post(EDIT_URL, {**FORM, "password": CANARY})

    post = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert post["password"] != CANARY
    assert post["name"] != FORM["name"]  # every POST value is hidden, not a list of names


def test_connection_update_service_reads_fresh_and_refuses_a_managed_connection_unsent(
    editor, faraday
):
    faraday.get(PATH).respond(json={**STORED, "managed": True})

    with pytest.raises(services.WriteFailed, match="managed by Faraday") as failed:
        services.connection_update(actor=editor, connection_id=CONNECTION_ID, data=FORM)

    assert failed.value.reason is services.Reason.REFUSED
    assert upstream_writes(faraday) == []
    refused = AuditEntry.objects.get()
    assert (refused.action, refused.outcome) == (Action.EDIT, Outcome.REJECTED)
