"""Invalid submissions: refused here before Faraday, or refused by Faraday field by field."""

import pytest

from faraday_admin.audit.models import AuditEntry, Outcome
from faraday_admin.catalog import get_catalog
from faraday_admin.connections.field_help import PATTERN_HINTS
from faraday_admin.connections.models import SubmissionToken
from tests.payloads import ERROR_ID, api_error
from tests.web.create_helpers import CREATE_URL, HTMX, form_data, issue_token, mysql_submission
from tests.web.html import field_errors, form_errors, is_partial, parse

REQUIRED = "This field is required."
PASSWORD = "pw-9d2e-valid"
MYSQL = get_catalog().types["mysql"]


def hint(field_name: str) -> str:
    spec = get_catalog().name_field if field_name == "name" else MYSQL.field(field_name)
    return PATTERN_HINTS[spec.pattern]


@pytest.fixture
def mysql_data(signed_in_onboarder):
    data = mysql_submission(signed_in_onboarder, PASSWORD)
    return data | {"ssh_bastion": "faraday@bastion.example.com"}


def assert_non_secrets_kept(doc, data, *, secret_names=("password",)):
    fields = doc.by_id("type-fields")
    for control in fields.controls():
        name = control.attrs["name"]
        if name in secret_names:
            assert "value" not in control.attrs, f"{name} was rendered back"
        elif control.tag == "input" and name in data:
            assert control.attrs.get("value", "") == data[name], name


# ---- patterns and required fields, checked here ---------------------------------------------

REJECTED = [
    ("host", "http://db.example.com", hint("host")),
    ("host", "db.example.com:3306", hint("host")),
    ("host", "db example.com", hint("host")),
    ("host", "", REQUIRED),
    ("ssh_bastion", "fàraday@bastion.example.com", hint("ssh_bastion")),
    ("ssh_bastion", "faraday@bastion example.com", hint("ssh_bastion")),
    ("database", "1db", hint("database")),
    ("database", "d", hint("database")),
    ("database", "shop-db", hint("database")),
    ("user", "a b", hint("user")),
    ("user", "1reader", hint("user")),
    ("user", "réader", hint("user")),
    ("name", "", REQUIRED),
    ("name", "   ", hint("name")),
    ("name", "\u00a0", hint("name")),
    ("name", "\t\u3000\ufeff", hint("name")),
    ("name", "Shop\nDB", hint("name")),
    ("password", "line1\nline2", hint("password")),
    ("password", "secret\n", hint("password")),
    ("password", "pass\u2028word", hint("password")),
    ("password", "", REQUIRED),
    ("port", "0", "Ensure this value is greater than or equal to 1."),
    ("port", "65536", "Ensure this value is less than or equal to 65535."),
    ("port", "3306abc", "Enter a whole number."),
    # What a number input never sends, and what it refuses itself (not whole, out of range).
    ("port", "+3306", "Enter a whole number."),
    ("port", " 3306", "Enter a whole number."),
    ("port", "3306.", "Enter a whole number."),
    ("port", "3306.5", "Enter a whole number."),
    ("port", "1e400", "Enter a whole number."),
    ("port", "1e99999999999999999999", "Enter a whole number."),
    ("port", "٣٣٠٦", "Enter a whole number."),
    ("port", "6.5536e4", "Ensure this value is less than or equal to 65535."),
]


@pytest.mark.parametrize(
    ("typed", "sent"), [("3306", 3306), ("3306.0", 3306), ("3.306e3", 3306), ("33060E-1", 3306)]
)
def test_port_spelled_as_the_browser_allows_is_sent_as_that_integer(
    client, create_faraday, mysql_data, typed, sent
):
    response = client.post(CREATE_URL, mysql_data | {"port": typed})

    assert response.status_code == 302
    assert create_faraday.create_bodies()[0]["options"]["port"] == sent


@pytest.mark.parametrize(("field", "value", "message"), REJECTED, ids=repr)
def test_value_breaking_a_rule_is_refused_on_its_field_without_calling_faraday(
    client, create_faraday, mysql_data, field, value, message
):
    data = mysql_data | {field: value}

    response = client.post(CREATE_URL, data)

    assert create_faraday.router.calls.call_count == 0
    assert response.status_code == 422
    doc = parse(response.content)
    assert message in field_errors(doc, field)
    others = [n for n in ("name", *(f.name for f in MYSQL.fields)) if n != field]
    assert all(field_errors(doc, other) == [] for other in others)
    assert_non_secrets_kept(doc, data)
    assert PASSWORD not in response.content.decode()
    if field == "password" and value:
        assert value not in response.content.decode()


def test_refused_submission_has_a_summary_linking_each_error_to_its_field(
    client, create_faraday, mysql_data
):
    data = mysql_data | {"host": "http://db.example.com", "port": "0"}

    response = client.post(CREATE_URL, data, headers=HTMX)

    doc = parse(response.content)
    summary = doc.by_id("error-summary")
    assert "autofocus" not in summary.attrs, "the first field in error takes the focus"
    assert "autofocus" in doc.by_id("id_host").attrs
    links = {a.attrs["href"]: a.text for a in summary.find_all("a")}
    assert links == {
        "#id_host": f"Host: {hint('host')}",
        "#id_port": "Port: Ensure this value is greater than or equal to 1.",
    }


def test_refused_htmx_submission_keeps_the_search_and_its_narrowed_list(
    client, create_faraday, mysql_data
):
    response = client.post(CREATE_URL, mysql_data | {"host": "", "q": "sql"}, headers=HTMX)

    doc = parse(response.content)
    assert doc.by_id("type-search").attrs["value"] == "sql"
    select = doc.by_id("id_type")
    listed = [o.attrs["value"] for o in select.find_all("option") if o.attrs.get("value")]
    assert "mysql" in listed and "snowflake" not in listed
    assert "selected" in select.find("option", value="mysql").attrs


def test_valid_form_has_no_error_summary(client, create_faraday, signed_in_onboarder):
    response = client.get(CREATE_URL, {"type": "mysql"})

    assert parse(response.content).find(id="error-summary") is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("host", "http://db.example.com", hint("host")), ("name", "\u00a0", hint("name"))],
    ids=repr,
)
def test_refused_htmx_submission_returns_the_form_partial_with_422(
    client, create_faraday, mysql_data, field, value, message
):
    response = client.post(CREATE_URL, mysql_data | {field: value}, headers=HTMX)

    assert response.status_code == 422
    assert is_partial(response.content)
    doc = parse(response.content)
    assert doc.by_id("create-form")
    assert message in field_errors(doc, field)
    assert create_faraday.router.calls.call_count == 0


def test_refused_submission_is_audited_once_as_rejected_with_the_secret_masked(
    client, create_faraday, mysql_data
):
    client.post(CREATE_URL, mysql_data | {"host": "http://db.example.com"})

    audit = AuditEntry.objects.get()
    assert audit.outcome == Outcome.REJECTED
    assert audit.options["host"] == "http://db.example.com"
    assert audit.options["password"] == AuditEntry.SECRET_MARKER
    assert "host" in audit.detail_text


def test_refused_submission_leaves_the_token_usable(client, create_faraday, mysql_data):
    client.post(CREATE_URL, mysql_data | {"user": "a b"})

    token = SubmissionToken.objects.get(token=mysql_data["submission_token"])
    assert token.claimed_at is None


def test_snowflake_account_name_without_organization_name_is_refused_on_organization_name(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("snowflake", issue_token(signed_in_onboarder), required_only=True)
    data["account_name"] = "acme_account"

    response = client.post(CREATE_URL, data)

    assert response.status_code == 422
    assert create_faraday.router.calls.call_count == 0
    doc = parse(response.content)
    assert any("organization name" in e for e in field_errors(doc, "organization_name"))
    assert field_errors(doc, "account_name") == []
    assert doc.by_id("type-fields").control("account_name").attrs["value"] == "acme_account"


def test_snowflake_organization_name_without_account_name_is_refused_on_account_name(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("snowflake", issue_token(signed_in_onboarder), required_only=True)
    data["organization_name"] = "acme_org"

    response = client.post(CREATE_URL, data)

    assert response.status_code == 422
    assert create_faraday.router.calls.call_count == 0
    assert field_errors(parse(response.content), "account_name")


# ---- Faraday's VALIDATION_FAILED, mapped onto the form --------------------------------------


def refuse(create_faraday, *errors, status=400, code="VALIDATION_FAILED"):
    create_faraday.answer_create(
        api_error(status, code, note="The request was invalid.", validation_errors=list(errors))
    )


HOST_PATHS = [
    "/options/host",
    "options.host",
    ".options.host",
    "$.options.host",
    "body.options.host",
    "host",
    "options[host]",
    "$['options']['host']",
    "/body/options/host",
]


@pytest.mark.parametrize("path", HOST_PATHS)
def test_faraday_validation_error_on_host_lands_on_the_host_field(
    client, create_faraday, mysql_data, path
):
    refuse(
        create_faraday,
        {
            "path": path,
            "message": "Faraday can't resolve this host.",
            "suggestion": "Check the spelling.",
            "context": {"errorType": "format"},
        },
    )

    response = client.post(CREATE_URL, mysql_data)

    assert response.status_code == 422
    assert create_faraday.create_calls == 1
    doc = parse(response.content)
    assert field_errors(doc, "host") == ["Faraday can't resolve this host. Check the spelling."]
    assert form_errors(doc) == []
    banner = doc.by_id("upstream-error")
    assert "Faraday didn't accept some of the details." in banner.text
    assert "autofocus" not in banner.attrs, "the field Faraday blamed takes the focus"
    assert ERROR_ID in banner.text
    assert_non_secrets_kept(doc, mysql_data)


@pytest.mark.parametrize("path", ["/name", "name", "$.name", "body.name"])
def test_faraday_validation_error_on_name_lands_on_the_name_field(
    client, create_faraday, mysql_data, path
):
    refuse(create_faraday, {"path": path, "message": "Name already taken."})

    response = client.post(CREATE_URL, mysql_data)

    doc = parse(response.content)
    assert field_errors(doc, "name") == ["Name already taken."]
    assert form_errors(doc) == []


NO_PATH = object()  # the item has no "path" key at all


@pytest.mark.parametrize(
    "path",
    [
        "/options/nonexistent",
        "/weird",
        "/options",
        "options.type",
        "",
        "/options/host/x",
        NO_PATH,
        ["options", "host"],
        None,
    ],
)
def test_unmappable_validation_path_goes_to_the_form_level_list_with_its_suggestion(
    client, create_faraday, mysql_data, path
):
    item = {"message": "Something is off.", "suggestion": "Try again."}
    if path is not NO_PATH:
        item["path"] = path
    refuse(create_faraday, item)

    response = client.post(CREATE_URL, mysql_data)

    assert response.status_code == 422
    doc = parse(response.content)
    [error] = form_errors(doc)
    assert "Something is off." in error and "Try again." in error
    assert all(not field_errors(doc, n) for n in ("name", *(f.name for f in MYSQL.fields)))


def test_several_validation_errors_each_land_where_they_belong(client, create_faraday, mysql_data):
    refuse(
        create_faraday,
        {"path": "/options/port", "message": "Port is closed."},
        {"path": "options.user", "message": "No such user."},
        {"path": "/options/password", "message": "Password incorrect."},
        {"path": "/weird", "message": "Odd."},
    )

    response = client.post(CREATE_URL, mysql_data, headers=HTMX)

    assert response.status_code == 422
    assert is_partial(response.content)
    doc = parse(response.content)
    assert field_errors(doc, "port") == ["Port is closed."]
    assert field_errors(doc, "user") == ["No such user."]
    assert field_errors(doc, "password") == ["Password incorrect."]
    assert len(form_errors(doc)) == 1
    assert PASSWORD not in response.content.decode()


def test_bad_request_carrying_validation_errors_is_mapped_like_validation_failed(
    client, create_faraday, mysql_data
):
    refuse(create_faraday, {"path": "/options/host", "message": "Bad host."}, code="BAD_REQUEST")

    response = client.post(CREATE_URL, mysql_data)

    assert response.status_code == 422
    assert field_errors(parse(response.content), "host") == ["Bad host."]


def test_faraday_validation_failure_is_audited_once_and_releases_the_token(
    client, create_faraday, mysql_data
):
    refuse(create_faraday, {"path": "/options/host", "message": "Bad host."})

    client.post(CREATE_URL, mysql_data)

    audit = AuditEntry.objects.get()
    assert audit.outcome == Outcome.FARADAY_ERROR
    assert (audit.faraday_error_code, audit.faraday_error_id) == ("VALIDATION_FAILED", ERROR_ID)
    assert audit.http_status == 400
    token = SubmissionToken.objects.get(token=mysql_data["submission_token"])
    assert token.claimed_at is None


def test_rejected_form_autofocuses_the_first_field_in_error_only(
    client, create_faraday, mysql_data
):
    data = {**mysql_data, "host": "http://db.example.com", "user": "a b"}

    response = client.post(CREATE_URL, data)

    assert response.status_code == 422
    doc = parse(response.content)
    fields = doc.by_id("type-fields")
    assert "autofocus" in fields.control("host").attrs
    assert "autofocus" not in fields.control("user").attrs
    assert "autofocus" not in fields.control("name").attrs


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("options.type", "Connection type"),
        ("/options/type", "Connection type"),
        ("/options/warehouse", "Warehouse"),  # a field of another type: its catalog label
        ("/options/nonexistent", "Faraday"),
        ("/weird", "Faraday"),
        ("", "Faraday"),
    ],
)
def test_unmappable_validation_path_is_labelled_in_plain_words_not_shown_raw(
    client, create_faraday, mysql_data, path, label
):
    refuse(
        create_faraday, {"path": path, "message": "Something is off.", "suggestion": "Try again."}
    )

    response = client.post(CREATE_URL, mysql_data)

    assert form_errors(parse(response.content)) == [f"{label}: Something is off. Try again."]
