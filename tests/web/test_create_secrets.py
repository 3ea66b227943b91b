"""A secret typed into the create form never comes back in any response, whatever happens."""

import httpx
import pytest
from django.views.debug import SafeExceptionReporterFilter

from faraday_admin.audit.models import AuditEntry
from faraday_admin.catalog import get_catalog
from tests.payloads import api_error
from tests.web.create_helpers import CANARY, CREATE_URL, HTMX, form_data, issue_token
from tests.web.html import parse

SECRET_FIELDS = [
    (t.type, f.name) for t in get_catalog().types.values() for f in t.fields if f.secret
]
# One of each widget kind: a password input and the credentials textarea.
KINDS = [("mysql", "password"), ("databricks_delta_sharing", "credentials_json")]


def data_with_canary(user, type_key, secret_name, **overrides):
    data, _options = form_data(type_key, issue_token(user))
    return data | {secret_name: CANARY} | overrides


def assert_no_canary(*responses):
    for response in responses:
        assert CANARY.encode() not in response.content
        assert all(CANARY not in value for _header, value in response.items())


def assert_audit_masks_canary():
    for entry in AuditEntry.objects.all():
        assert CANARY not in str(entry.options)
        assert CANARY not in entry.detail_text + str(entry.detail_data)


@pytest.mark.parametrize(("type_key", "secret_name"), SECRET_FIELDS)
def test_secret_never_comes_back_after_a_successful_create(
    client, signed_in_onboarder, create_faraday, type_key, secret_name
):
    data = data_with_canary(signed_in_onboarder, type_key, secret_name)

    created = client.post(CREATE_URL, data)
    # Faraday echoing the secret in the stored options must not bring it to the detail page.
    create_faraday.detail_routes(create_faraday.created[0])
    detail = client.get(created["Location"])

    assert create_faraday.create_bodies()[0]["options"][secret_name] == CANARY
    assert created.status_code == 302
    assert detail.status_code == 200
    assert_no_canary(created, detail)
    assert_audit_masks_canary()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("type_key", "secret_name"), SECRET_FIELDS)
def test_secret_never_comes_back_when_the_form_is_refused_here(
    client, signed_in_onboarder, create_faraday, type_key, secret_name, htmx
):
    data = data_with_canary(signed_in_onboarder, type_key, secret_name, name="\u00a0")

    response = client.post(CREATE_URL, data, headers=HTMX if htmx else None)

    assert response.status_code == 422
    assert create_faraday.create_calls == 0
    assert_no_canary(response)
    fields = parse(response.content).by_id("type-fields")
    control = fields.control(secret_name)
    assert "value" not in control.attrs
    assert control.text.strip() == ""
    # The field says why it is empty, right beside it.
    [wrapper] = [
        div
        for div in fields.find_all("div")
        if "field" in (div.attrs.get("class") or "").split()
        and any(node.attrs.get("name") == secret_name for node in div.iter())
    ]
    verb = "paste" if secret_name == "credentials_json" else "type"
    note = wrapper.find("p", class_="help secret-again")
    assert note is not None, f"{type_key}.{secret_name} doesn't say it must be entered again"
    assert note.text.strip().endswith(f"isn't kept between attempts: {verb} it again.")
    assert_audit_masks_canary()


@pytest.mark.parametrize(
    "answer",
    [
        api_error(500, "INTERNAL_SERVER_ERROR"),
        api_error(
            400, "VALIDATION_FAILED", validation_errors=[{"path": "/name", "message": "Taken."}]
        ),
        httpx.ConnectError("[Errno 111] Connection refused"),
    ],
    ids=["500", "400-validation", "refused"],
)
@pytest.mark.parametrize(("type_key", "secret_name"), SECRET_FIELDS)
def test_secret_never_comes_back_when_faraday_fails(
    client, signed_in_onboarder, create_faraday, type_key, secret_name, answer
):
    create_faraday.answer_create(answer)
    data = data_with_canary(signed_in_onboarder, type_key, secret_name)

    response = client.post(CREATE_URL, data)

    assert response.status_code in (422, 502)
    assert create_faraday.create_calls == 1
    assert_no_canary(response)
    assert_audit_masks_canary()


def echoing(code, status, **extra):
    """Faraday's error body quoting the submitted secret back."""
    return api_error(status, code, **extra)


@pytest.mark.parametrize(
    "answer",
    [
        echoing(
            "VALIDATION_FAILED",
            400,
            validation_errors=[
                {
                    "path": "/options/{secret}",
                    "message": f"'{CANARY}' is not accepted.",
                    "suggestion": f"Did you mean {CANARY}2?",
                }
            ],
        ),
        echoing(
            "VALIDATION_FAILED",
            400,
            validation_errors=[{"path": "/weird", "message": f"bad value {CANARY}"}],
        ),
        echoing("CONFLICT", 409, note=f"A connection using {CANARY} already exists."),
        echoing("BAD_REQUEST", 400, note=f"Could not sign in with {CANARY}."),
    ],
    ids=["field-validation", "form-validation", "conflict-note", "bad-request-note"],
)
@pytest.mark.parametrize(("type_key", "secret_name"), KINDS)
def test_secret_quoted_back_in_faradays_error_is_not_shown(
    client, signed_in_onboarder, create_faraday, type_key, secret_name, answer
):
    body = answer.json()
    for item in body.get("validationErrors", []):
        item["path"] = item["path"].format(secret=secret_name)
    create_faraday.answer_create(httpx.Response(answer.status_code, json=body))
    data = data_with_canary(signed_in_onboarder, type_key, secret_name)

    response = client.post(CREATE_URL, data)

    assert response.status_code in (422, 502)
    assert_no_canary(response)
    # Faraday's words are still shown, with the secret masked.
    assert b"[secret]" in response.content


def test_create_hides_typed_secrets_from_error_reports(client, signed_in_onboarder, create_faraday):
    data = data_with_canary(signed_in_onboarder, "mysql", "password")

    response = client.post(CREATE_URL, data)

    post = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert post["password"] != CANARY
    assert all(CANARY not in str(value) for value in post.values())
