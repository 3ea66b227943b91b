"""The create page's paste box: fills the chosen type's fields, proposes a type the paste
implies, refuses what it can't read, and keeps a pasted password hidden until the form uses it."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.core import serializers

from faraday_admin.audit.models import AuditEntry
from faraday_admin.connections.models import SubmissionToken
from faraday_admin.connections.paste import MAX_LENGTH
from faraday_admin.core.crypto import decrypt
from tests.web.create_helpers import (
    CANARY,
    CREATE_URL,
    FIELDS_URL,
    HTMX,
    issue_token,
    make_onboarder,
)
from tests.web.html import is_partial, parse

PG_URL = f"postgresql://faraday_reader:{CANARY}@db.example.com:5432/analytics?sslmode=require"
PG_FIELDS = {"host": "db.example.com", "port": "5432", "database": "analytics"}
PG_FIELDS |= {"user": "faraday_reader"}
RDS_MYSQL_URL = f"mysql://admin:{CANARY}@shop.c9akciq32.us-east-1.rds.amazonaws.com:3306/shop"

VARIANTS = pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "faraday_admin", "httpx"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def paste(client, token, text, *, type_key="postgres", htmx=True, **typed):
    data = {"type": type_key, "submission_token": token, "action": "paste", "pasted": text}
    return client.post(CREATE_URL, data | typed, headers=HTMX if htmx else None)


def confirm(client, token, type_key, fields_json, *, htmx=True, chosen=""):
    data = {
        "type": chosen,
        "submission_token": token,
        "paste_as": type_key,
        "pasted_fields": fields_json,
    }
    return client.post(CREATE_URL, data, headers=HTMX if htmx else None)


def value(fields, name):
    return fields.control(name).attrs.get("value")


def pasted_marks(fields) -> set[str]:
    return {
        node.attrs["id"].removeprefix("id_").removesuffix("_pasted")
        for node in fields.find_all("p", class_="pasted-note")
    }


def assert_no_canary(*responses):
    for response in responses:
        assert CANARY.encode() not in response.content
        assert all(CANARY not in header for _name, header in response.items())


def everything_stored() -> str:
    return "\n".join(
        serializers.serialize("json", model._base_manager.all())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    )


# ---- filling the chosen type's fields --------------------------------------------------------


@VARIANTS
def test_a_pasted_url_fills_the_chosen_types_fields_and_marks_each(
    client, signed_in_onboarder, create_faraday, htmx
):
    token = issue_token(signed_in_onboarder)

    response = paste(client, token, PG_URL, htmx=htmx, name="Shop DB")

    assert response.status_code == 200
    assert is_partial(response.content) is htmx
    fields = parse(response.content).by_id("type-fields")
    for name, expected in PG_FIELDS.items():
        assert value(fields, name) == expected
        control = fields.control(name)
        assert f"id_{name}_pasted" in control.attrs["aria-describedby"].split()
    assert pasted_marks(fields) == {*PG_FIELDS, "password"}
    assert value(fields, "name") == "Shop DB"  # what was typed stays
    result = fields.by_id("paste-result").text
    assert "Filled 4 fields and the password from a PostgreSQL URL" in result
    assert "Not used: the sslmode setting" in result
    assert create_faraday.create_calls == 0
    assert AuditEntry.objects.count() == 0


@VARIANTS
def test_a_pasted_password_is_never_rendered_and_is_held_encrypted(
    client, signed_in_onboarder, create_faraday, htmx, logs
):
    token = issue_token(signed_in_onboarder)

    response = paste(client, token, PG_URL, htmx=htmx)

    assert_no_canary(response)
    fields = parse(response.content).by_id("type-fields")
    password = fields.control("password")
    assert "value" not in password.attrs
    assert "required" not in password.attrs  # the held password fills it
    note = fields.by_id("id_password_pasted").text
    assert "Password taken from what you pasted (hidden) — type another to replace it." in note
    assert fields.control("use_pasted_password").attrs["value"] == "1"
    stored = SubmissionToken.objects.get(token=token).pasted_password
    assert CANARY not in stored
    assert decrypt(stored) == CANARY
    assert CANARY not in everything_stored().replace(stored, "")
    assert CANARY not in logs.text


def test_a_paste_that_fits_another_flavour_fills_it_and_offers_the_switch(
    client, signed_in_onboarder
):
    token = issue_token(signed_in_onboarder)

    response = paste(client, token, RDS_MYSQL_URL, type_key="mysql")

    fields = parse(response.content).by_id("type-fields")
    assert value(fields, "host") == "shop.c9akciq32.us-east-1.rds.amazonaws.com"
    [switch] = fields.find_all("button", name="paste_as")
    assert switch.attrs["value"] == "aws_rds_mysql"
    assert switch.text == "Switch to RDS (MySQL)"


# ---- proposing a type -----------------------------------------------------------------------


@VARIANTS
def test_a_paste_without_a_chosen_type_proposes_one_and_fills_nothing_yet(
    client, signed_in_onboarder, htmx
):
    token = issue_token(signed_in_onboarder)

    response = paste(client, token, RDS_MYSQL_URL, type_key="", htmx=htmx)

    assert response.status_code == 200
    doc = parse(response.content)
    fields = doc.by_id("type-fields")
    assert fields.find("input", name="host") is None
    [use] = fields.find_all("button", name="paste_as")
    assert (use.attrs["value"], use.text) == ("aws_rds_mysql", "Use RDS (MySQL)")
    assert "it looks like RDS (MySQL)" in fields.by_id("paste-result").text
    carried = fields.control("pasted_fields").attrs["value"]
    assert "shop.c9akciq32" in carried
    assert CANARY not in carried
    if not htmx:  # the select still shows no type: nothing switched silently
        selected = [o for o in doc.by_id("id_type").find_all("option") if "selected" in o.attrs]
        assert selected == []


def test_confirming_a_proposed_type_switches_the_select_and_fills_its_fields(
    client, signed_in_onboarder
):
    token = issue_token(signed_in_onboarder)
    proposal = paste(client, token, RDS_MYSQL_URL, type_key="")
    carried = parse(proposal.content).by_id("type-fields").control("pasted_fields")

    response = confirm(client, token, "aws_rds_mysql", carried.attrs["value"])

    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/connections/new/?type=aws_rds_mysql"
    doc = parse(response.content)
    selected = doc.find("option", value="aws_rds_mysql")
    assert "selected" in selected.attrs
    fields = doc.by_id("type-fields")
    assert fields.attrs["hx-swap-oob"] == "true"
    assert value(fields, "host") == "shop.c9akciq32.us-east-1.rds.amazonaws.com"
    assert value(fields, "database") == "shop"
    assert pasted_marks(fields) == {"host", "port", "database", "user", "password"}
    assert_no_canary(proposal, response)


def test_confirming_without_javascript_renders_the_page_with_the_type_chosen(
    client, signed_in_onboarder
):
    token = issue_token(signed_in_onboarder)
    fields_json = '{"host": "db.example.com", "port": "5432", "user": "u", "database": "app"}'

    response = confirm(client, token, "postgres", fields_json, htmx=False)

    doc = parse(response.content)
    assert "selected" in doc.find("option", value="postgres").attrs
    assert value(doc.by_id("type-fields"), "host") == "db.example.com"


def test_a_paste_for_another_kind_of_type_offers_the_switch_or_keeping_the_type(
    client, signed_in_onboarder
):
    token = issue_token(signed_in_onboarder)

    response = paste(client, token, PG_URL, type_key="snowflake")

    fields = parse(response.content).by_id("type-fields")
    buttons = {b.attrs["value"]: b.text for b in fields.find_all("button", name="paste_as")}
    assert buttons == {
        "postgres": "Switch to Postgres",
        "snowflake": "Keep Snowflake and fill in what fits",
    }
    assert value(fields, "database") is None  # nothing filled before the person decides
    assert pasted_marks(fields) == set()


def test_confirmed_values_are_limited_to_the_types_fields(client, signed_in_onboarder):
    token = issue_token(signed_in_onboarder)
    tampered = '{"host": "db.example.com", "password": "x", "name": "y", "evil": "z"}'

    response = confirm(client, token, "postgres", tampered)

    fields = parse(response.content).by_id("type-fields")
    assert pasted_marks(fields) == {"host"}
    assert value(fields, "name") is None
    assert "value" not in fields.control("password").attrs


def test_a_broken_proposal_payload_fills_nothing_and_does_not_fail(client, signed_in_onboarder):
    token = issue_token(signed_in_onboarder)

    response = confirm(client, token, "postgres", "{not json")

    assert response.status_code == 200
    assert pasted_marks(parse(response.content).by_id("type-fields")) == set()


# ---- refusals ---------------------------------------------------------------------------------


@VARIANTS
@pytest.mark.parametrize(
    "text",
    ["hello, this is not a connection string", "mongodb://u:pw@mongo.example.com/app", "x" * 5000],
    ids=["words", "mongodb", "too-long"],
)
def test_unreadable_text_says_what_was_expected_and_leaves_typed_fields(
    client, signed_in_onboarder, htmx, text
):
    token = issue_token(signed_in_onboarder)

    response = paste(client, token, text, htmx=htmx, name="Shop DB", host="typed.example.com")

    assert response.status_code == 200
    fields = parse(response.content).by_id("type-fields")
    message = fields.by_id("paste-result").text
    assert message.startswith(("✕ Couldn't read this", "✕ That's longer"))
    assert "Nothing in the form was changed." in message
    assert value(fields, "name") == "Shop DB"
    assert value(fields, "host") == "typed.example.com"
    assert pasted_marks(fields) == set()


def test_the_paste_box_caps_what_it_takes(client, signed_in_onboarder):
    response = client.get(CREATE_URL)

    box = parse(response.content).by_id("id_pasted")
    assert box.attrs["maxlength"] == str(MAX_LENGTH)
    assert box.text == ""


def test_a_paste_without_a_type_or_a_hint_asks_for_the_type(client, signed_in_onboarder):
    token = issue_token(signed_in_onboarder)

    response = paste(client, token, "Server: files.example.com\nUser: drop", type_key="")

    message = parse(response.content).by_id("paste-result").text
    assert "doesn't say what kind of connection it is" in message


# ---- the held password, used on submit ---------------------------------------------------------


def submit(client, token, *, password="", marker=True, name="Shop DB", htmx=False):
    data = {"type": "postgres", "submission_token": token, "name": name, "schema": "public"}
    data |= PG_FIELDS | {"password": password}
    if marker:
        data["use_pasted_password"] = "1"
    return client.post(CREATE_URL, data, headers=HTMX if htmx else None)


@VARIANTS
def test_the_held_password_is_sent_to_faraday_when_the_field_is_left_blank(
    client, signed_in_onboarder, create_faraday, htmx, logs
):
    token = issue_token(signed_in_onboarder)
    pasted = paste(client, token, PG_URL)

    created = submit(client, token, htmx=htmx)

    assert created.status_code == 200 if htmx else 302
    assert create_faraday.create_bodies()[0]["options"]["password"] == CANARY
    assert SubmissionToken.objects.get(token=token).pasted_password == ""
    [entry] = AuditEntry.objects.all()
    assert CANARY not in str(entry.options) + str(entry.detail_data) + entry.detail_text
    create_faraday.detail_routes(create_faraday.created[0])
    detail = client.get(f"/connections/{create_faraday.created[0]['id']}/")
    assert detail.status_code == 200
    assert_no_canary(pasted, created, detail)
    assert CANARY not in everything_stored()
    assert CANARY not in logs.text


def test_a_typed_password_wins_and_drops_the_held_one(client, signed_in_onboarder, create_faraday):
    token = issue_token(signed_in_onboarder)
    paste(client, token, PG_URL)

    submit(client, token, password="typed-instead")

    assert create_faraday.create_bodies()[0]["options"]["password"] == "typed-instead"
    assert SubmissionToken.objects.get(token=token).pasted_password == ""


def test_without_the_forms_marker_the_held_password_is_not_used(
    client, signed_in_onboarder, create_faraday
):
    token = issue_token(signed_in_onboarder)
    paste(client, token, PG_URL)

    response = submit(client, token, marker=False)

    assert response.status_code == 422
    assert create_faraday.create_calls == 0
    assert_no_canary(response)


def test_the_held_password_outlives_a_refused_attempt_and_says_so(
    client, signed_in_onboarder, create_faraday
):
    token = issue_token(signed_in_onboarder)
    paste(client, token, PG_URL)

    refused = submit(client, token, name=" ")
    again = submit(client, token)

    assert refused.status_code == 422
    fields = parse(refused.content).by_id("type-fields")
    assert "Password taken from what you pasted" in fields.by_id("id_password_pasted").text
    assert fields.find("p", class_="help secret-again") is None
    assert_no_canary(refused)
    assert again.status_code == 302
    assert create_faraday.create_bodies()[0]["options"]["password"] == CANARY
    assert all(CANARY not in str(e.options) for e in AuditEntry.objects.all())


def test_someone_elses_token_holds_no_password_and_says_so(client, signed_in_onboarder, db):
    others = issue_token(make_onboarder("someone-else"))

    response = paste(client, others, PG_URL)

    assert SubmissionToken.objects.get(token=others).pasted_password == ""
    fields = parse(response.content).by_id("type-fields")
    assert "wasn't kept, because this form is out of date" in fields.by_id("paste-result").text
    assert fields.find("p", id="id_password_pasted") is None
    assert_no_canary(response)


def test_a_password_for_a_type_without_one_is_not_used_and_says_so(client, signed_in_onboarder):
    token = issue_token(signed_in_onboarder)
    url = f"jdbc:snowflake://acme-marketing.snowflakecomputing.com/?db=A&warehouse=W&password={CANARY}"

    response = paste(client, token, url, type_key="snowflake")

    fields = parse(response.content).by_id("type-fields")
    assert value(fields, "organization_name") == "acme"
    assert "Snowflake connections have no password field" in fields.by_id("paste-result").text
    assert_no_canary(response)


def test_a_type_switch_keeps_showing_the_held_password(client, signed_in_onboarder):
    token = issue_token(signed_in_onboarder)
    paste(client, token, PG_URL)

    response = client.get(FIELDS_URL, {"type": "mysql", "submission_token": token}, headers=HTMX)

    fields = parse(response.content).by_id("type-fields")
    assert "Password taken from what you pasted" in fields.by_id("id_password_pasted").text
    assert_no_canary(response)


def test_the_create_page_sends_the_token_along_with_a_type_switch(client, signed_in_onboarder):
    response = client.get(CREATE_URL)

    token_input = parse(response.content).find("input", name="submission_token")
    assert "data-carry" in token_input.attrs  # the select's request includes [data-carry]


def test_a_viewer_cannot_paste_and_the_attempt_is_audited(client, viewer):
    client.force_login(viewer)

    response = paste(client, "not-a-token", PG_URL)

    assert response.status_code == 403
    assert AuditEntry.objects.get().outcome == "rejected"
    assert_no_canary(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_confirming_an_unknown_type_asks_for_a_type_instead_of_failing(
    client, signed_in_onboarder, htmx
):
    token = issue_token(signed_in_onboarder)

    response = confirm(client, token, "no_such_type", '{"host": "db.example.com"}', htmx=htmx)

    assert response.status_code == 200
    fields = parse(response.content).by_id("type-fields")
    assert "Choose a connection type" in fields.text
    assert fields.find("input", name="host") is None
