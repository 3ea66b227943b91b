"""The create page's fields per type, the htmx partials that swap them, and the type search."""

import pytest
from django.contrib.auth.models import User
from django.utils.html import escape

from faraday_admin.catalog import FieldSpec, get_catalog
from faraday_admin.connections.field_help import FIELD_HELP, description_html
from faraday_admin.connections.models import SubmissionToken
from tests.web.create_helpers import (
    ALL_TYPES,
    CANARY,
    CREATE_URL,
    FIELDS_URL,
    HTMX,
    PATTERN_EXAMPLES,
    TYPES_URL,
    catalog_type,
    fake_faraday,
)
from tests.web.html import Node, is_partial, parse, urls_in

POSTGRES_TYPES = sorted(t for t in ALL_TYPES if "postgres" in t)


def expected_help(spec: FieldSpec) -> str:
    """The catalog description, or the project's own words when it only repeats the label."""
    thin = spec.description.strip().rstrip(".").casefold() in {
        spec.label.casefold(),
        spec.name.replace("_", " ").casefold(),
        f"snowflake {spec.name}",
    }
    text = FIELD_HELP[spec.name] if thin and spec.name in FIELD_HELP else spec.description
    if spec.kind == "boolean":
        return f"{text.rstrip('.')}. “Faraday's default” leaves the choice to Faraday."
    return text


def assert_field_rendered(fields: Node, spec: FieldSpec) -> None:
    control = fields.control(spec.name)
    attrs = control.attrs
    where = f"{spec.name} ({spec.kind})"
    if spec.kind == "integer":
        assert (control.tag, attrs.get("type")) == ("input", "number"), where
        assert attrs.get("min") == (None if spec.min is None else str(spec.min)), where
        assert attrs.get("max") == (None if spec.max is None else str(spec.max)), where
    elif spec.kind == "enum":
        assert control.tag == "select", where
        values = [option.attrs.get("value") for option in control.find_all("option")]
        assert values == ["", *spec.choices], where
    elif spec.kind == "boolean":
        # Yes, No or Faraday's default: an unticked box couldn't say "No".
        assert control.tag == "select", where
        values = [option.attrs.get("value") for option in control.find_all("option")]
        assert values == ["unknown", "true", "false"], where
    elif spec.name == "credentials_json":
        assert control.tag == "textarea", where
    elif spec.secret:
        assert (control.tag, attrs.get("type")) == ("input", "password"), where
    else:
        assert (control.tag, attrs.get("type")) == ("input", "text"), where

    if spec.suggested_value is not None:
        assert attrs.get("placeholder") == str(spec.suggested_value), where
    if spec.name == "port":
        assert spec.suggested_value is not None, f"{where}: ports carry a suggested value"

    expected_pattern = spec.compiled_pattern.browser if spec.pattern else None
    assert attrs.get("pattern") == expected_pattern, where

    label = fields.find("label", for_=f"id_{spec.name}")
    assert label is not None, where
    required_shown = label.find("span", class_="required-marker") is not None
    assert required_shown == (spec.required and spec.kind != "boolean"), where
    assert ("required" in attrs) == (spec.required and spec.kind != "boolean"), where

    help_text = expected_help(spec)
    help_node = fields.find("p", id=f"id_{spec.name}_helptext")
    if not help_text:
        assert help_node is None, where
        return
    assert help_node is not None, where
    # Text equal to the source proves everything was escaped; only links may be markup.
    assert help_node.text == help_text, where
    assert {n.tag for n in help_node.iter()} <= {"a"}, where
    links = [(a.attrs.get("href"), a.text) for a in help_node.find_all("a")]
    assert links == [(url, url) for url in urls_in(help_text)], where


def assert_type_fields(fields: Node, type_key: str) -> None:
    connection_type = catalog_type(type_key)
    names = [control.attrs["name"] for control in fields.controls()]
    # Every catalog field, once, in reading order: required before optional.
    assert sorted(names) == sorted(["name", *(spec.name for spec in connection_type.fields)])
    assert names[0] == "name"
    required = [connection_type.field(n).required for n in names[1:]]
    assert required == sorted(required, reverse=True)
    name_input = fields.control("name")
    assert name_input.attrs.get("pattern") == get_catalog().name_field.compiled_pattern.browser
    assert "required" in name_input.attrs
    assert fields.find("label", for_="id_name").find("span", class_="required-marker")
    for spec in connection_type.fields:
        assert_field_rendered(fields, spec)
    if not connection_type.fields:
        assert "needs no further details" in fields.text


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_create_page_for_type_renders_each_catalog_field_with_its_input(
    client, signed_in_onboarder, type_key
):
    response = client.get(CREATE_URL, {"type": type_key})

    assert response.status_code == 200
    assert b"<html" in response.content
    doc = parse(response.content)
    selected = [
        o.attrs["value"] for o in doc.by_id("id_type").find_all("option") if "selected" in o.attrs
    ]
    assert selected == [type_key]
    assert_type_fields(doc.by_id("type-fields"), type_key)


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_htmx_type_fields_request_returns_only_the_fields_partial(
    client, signed_in_onboarder, type_key
):
    response = client.get(FIELDS_URL, {"type": type_key}, headers=HTMX)

    assert response.status_code == 200
    assert is_partial(response.content)
    assert b'id="type-fields"' in response.content
    assert b'id="create-form"' not in response.content
    assert response["HX-Push-Url"] == f"{CREATE_URL}?type={type_key}"
    assert_type_fields(parse(response.content).by_id("type-fields"), type_key)


def test_every_documented_pattern_has_a_matching_example():
    patterns = {f.pattern: f for t in get_catalog().types.values() for f in t.fields if f.pattern}
    assert set(patterns) == set(PATTERN_EXAMPLES)
    for source, spec in patterns.items():
        assert spec.compiled_pattern.fullmatch(PATTERN_EXAMPLES[source]), source


def test_help_text_keeps_http_links_and_escapes_everything_else():
    text = 'Use <b>bold</b> & "quotes" — see https://example.com/a?b=1&c=<x> or http://e.org/p.'

    html = str(description_html(text))

    assert "<b>" not in html
    assert escape('<b>bold</b> & "quotes"') in html
    assert '<a href="https://example.com/a?b=1&amp;c=" rel="noopener noreferrer">' in html
    assert '<a href="http://e.org/p" rel="noopener noreferrer">http://e.org/p</a>.' in html
    assert escape("<x>") in html


def test_non_link_schemes_in_help_text_stay_plain_text():
    html = str(description_html("javascript:alert(1) and ftp://files.example.com"))

    assert "<a" not in html


# ---- switching type keeps the shared values -------------------------------------------------


def test_switching_to_mysql_keeps_shared_values_and_drops_secrets_from_the_query(
    client, signed_in_onboarder
):
    query = {
        "type": "mysql",
        "name": "X",
        "host": "h.example.com",
        "port": "3306",
        "password": CANARY,
        "private_api_key": CANARY,
        "token": CANARY,
        "schema": "public",
    }

    response = client.get(FIELDS_URL, query, headers=HTMX)

    assert response.status_code == 200
    assert CANARY.encode() not in response.content
    fields = parse(response.content).by_id("type-fields")
    assert fields.control("name").attrs.get("value") == "X"
    assert fields.control("host").attrs.get("value") == "h.example.com"
    assert fields.control("port").attrs.get("value") == "3306"
    assert "value" not in fields.control("password").attrs
    assert "schema" not in [c.attrs["name"] for c in fields.controls()]


def test_switching_to_a_type_without_the_field_drops_its_value(client, signed_in_onboarder):
    response = client.get(FIELDS_URL, {"type": "bigquery", "host": "h.example.com"}, headers=HTMX)

    assert b"h.example.com" not in response.content


def test_switching_to_an_unknown_type_shows_the_choose_prompt(client, signed_in_onboarder):
    response = client.get(FIELDS_URL, {"type": "nope"}, headers=HTMX)

    assert response.status_code == 200
    assert is_partial(response.content)
    assert "Choose a connection type" in parse(response.content).by_id("type-fields").text
    assert response["HX-Push-Url"] == CREATE_URL


def test_choose_type_post_without_javascript_rerenders_new_fields_without_calling_faraday(
    client, signed_in_onboarder
):
    token = client.get(CREATE_URL).context["submission_token"]
    data = {
        "action": "choose-type",
        "submission_token": str(token),
        "type": "mysql",
        "name": "Shop DB",
        "host": "db.example.com",
        "port": "3306",
        "user": "reader",
        "password": CANARY,
    }

    with fake_faraday() as faraday:
        response = client.post(CREATE_URL, data)

    assert response.status_code == 200
    assert faraday.router.calls.call_count == 0
    assert CANARY.encode() not in response.content
    doc = parse(response.content)
    fields = doc.by_id("type-fields")
    assert fields.control("name").attrs.get("value") == "Shop DB"
    assert fields.control("host").attrs.get("value") == "db.example.com"
    assert fields.control("port").attrs.get("value") == "3306"
    assert fields.control("user").attrs.get("value") == "reader"
    assert "value" not in fields.control("password").attrs
    assert doc.control("submission_token").attrs["value"] == str(token)
    assert SubmissionToken.objects.get(token=token).claimed_at is None


def test_post_without_a_type_asks_for_one_without_calling_faraday(client, signed_in_onboarder):
    with fake_faraday() as faraday:
        response = client.post(CREATE_URL, {"name": "X", "submission_token": "t"})

    assert response.status_code == 422
    assert faraday.router.calls.call_count == 0
    assert "Choose a connection type first." in response.content.decode()


@pytest.mark.parametrize("type_key", ["", "brand_new_db"])
def test_htmx_post_with_an_unknown_type_answers_the_form_partial(
    client, signed_in_onboarder, type_key
):
    with fake_faraday() as faraday:
        response = client.post(
            CREATE_URL, {"type": type_key, "name": "X", "submission_token": "t"}, headers=HTMX
        )

    assert response.status_code == 422
    assert faraday.router.calls.call_count == 0
    assert is_partial(response.content)
    form = parse(response.content).by_id("create-form")
    # Said inside the swapped form, not left waiting in the session for the next page.
    assert "Choose a connection type first." in form.find(role="alert").text
    # No field to focus, so the summary takes the focus; its link leads to the type select.
    summary = form.by_id("error-summary")
    assert "autofocus" in summary.attrs
    assert summary.find("a").attrs["href"] == "#id_type"


# ---- type search ----------------------------------------------------------------------------


def listed_types(content: bytes) -> list[str]:
    """The type select's options (not those of any fields that came along out of band)."""
    doc = parse(content)
    fields = doc.find(id="type-fields")
    field_options = fields.find_all("option") if fields else []
    options = [o for o in doc.find_all("option") if not any(o is f for f in field_options)]
    return [o.attrs["value"] for o in options if o.attrs.get("value")]


def test_type_search_snow_lists_snowflake(client, signed_in_onboarder):
    response = client.get(TYPES_URL, {"q": "snow"}, headers=HTMX)

    assert response.status_code == 200
    assert is_partial(response.content)
    assert b"<select" not in response.content, "only the options: the select keeps its listener"
    assert listed_types(response.content) == ["snowflake"]


@pytest.mark.parametrize("query", ["pg", "postgres", "PostgreSQL", "  postgres  "])
def test_type_search_for_postgres_lists_every_postgres_type_and_nothing_else(
    client, signed_in_onboarder, query
):
    response = client.get(TYPES_URL, {"q": query}, headers=HTMX)

    assert sorted(listed_types(response.content)) == POSTGRES_TYPES


def test_type_search_without_query_lists_all_types(client, signed_in_onboarder):
    response = client.get(TYPES_URL, headers=HTMX)

    assert sorted(listed_types(response.content)) == ALL_TYPES


def test_type_search_without_match_says_so_and_lists_nothing(client, signed_in_onboarder):
    response = client.get(TYPES_URL, {"q": "<zzz>"}, headers=HTMX)

    assert listed_types(response.content) == []
    assert "No type matches “&lt;zzz&gt;”" in response.content.decode()


def test_type_search_keeps_the_chosen_type_selected(client, signed_in_onboarder):
    query = {"q": "snow", "type": "snowflake", "shown": "snowflake"}
    response = client.get(TYPES_URL, query, headers=HTMX)

    doc = parse(response.content)
    assert "selected" in doc.find("option", value="snowflake").attrs
    assert doc.find(id="type-fields") is None, "the fields shown already match the choice"
    assert "HX-Push-Url" not in response


@pytest.mark.parametrize(
    ("query", "placeholder"), [("snow", "Choose a type…"), ("zzz", "No type matches “zzz”")]
)
def test_type_search_that_misses_the_chosen_type_keeps_it_listed_and_selected(
    client, signed_in_onboarder, query, placeholder
):
    response = client.get(
        TYPES_URL, {"q": query, "type": "postgres", "shown": "postgres"}, headers=HTMX
    )

    doc = parse(response.content)
    kept = doc.find("optgroup", label="Your choice (not in this search)")
    assert [(o.attrs["value"], "selected" in o.attrs) for o in kept.find_all("option")] == [
        ("postgres", True)
    ]
    assert doc.find("option", value="").text == placeholder
    assert listed_types(response.content)[1:] == (["snowflake"] if query == "snow" else [])


def test_page_searched_without_javascript_keeps_the_chosen_type_it_misses(
    client, signed_in_onboarder
):
    response = client.get(CREATE_URL, {"q": "snow", "type": "postgres"})

    doc = parse(response.content)
    selected = [o.attrs["value"] for o in doc.find_all("option") if "selected" in o.attrs]
    assert selected == ["postgres"]
    assert "Postgres details" in doc.by_id("type-fields").text


def test_type_search_that_finds_the_chosen_type_lists_it_once(client, signed_in_onboarder):
    response = client.get(TYPES_URL, {"q": "snow", "type": "snowflake"}, headers=HTMX)

    assert listed_types(response.content) == ["snowflake"]
    assert b"Your choice (not in this search)" not in response.content


def test_type_search_brings_the_chosen_types_fields_when_they_are_not_shown(
    client, signed_in_onboarder
):
    # The search cut short the fields request of the type just chosen: mysql's are still shown.
    query = {"q": "snow", "type": "snowflake", "shown": "mysql", "database": "analytics"}
    response = client.get(TYPES_URL, query, headers=HTMX)

    doc = parse(response.content)
    assert "selected" in doc.find("option", value="snowflake").attrs
    fields = doc.by_id("type-fields")
    assert fields.attrs["hx-swap-oob"] == "true"
    assert "Snowflake details" in fields.text
    assert fields.control("database").attrs["value"] == "analytics"
    assert doc.by_id("fields-shown").attrs["value"] == "snowflake"
    assert response["HX-Push-Url"] == f"{CREATE_URL}?type=snowflake"


def test_create_page_with_type_query_preselects_that_type(client, signed_in_onboarder):
    response = client.get(CREATE_URL, {"type": "snowflake"})

    select = parse(response.content).by_id("id_type")
    selected = [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs]
    assert selected == ["snowflake"]
    assert "Snowflake details" in parse(response.content).by_id("type-fields").text


def test_create_page_without_permission_is_forbidden(client, db):
    client.force_login(User.objects.create_user("viewer-only"))

    assert client.get(CREATE_URL).status_code == 403
    assert client.get(FIELDS_URL, {"type": "mysql"}).status_code == 403


def test_type_search_box_belongs_to_its_own_get_form_so_enter_never_submits_the_connection(
    client, signed_in_onboarder
):
    response = client.get("/connections/new/?type=postgres")

    html = response.content.decode()
    assert "{#" not in html and "#}" not in html  # no template comment leaks into the page
    search_input = html[html.index('id="type-search"') - 200 : html.index('id="type-search"') + 400]
    assert 'form="type-search-form"' in search_input
    search_form = html[html.index('<form id="type-search-form"') :]
    search_form = search_form[: search_form.index("</form>")]
    assert 'method="get"' in search_form
    assert html.index('<form id="type-search-form"') < html.index('<form id="create-form"')


def test_postgres_fields_come_in_reading_order_not_alphabetical(client, signed_in_onboarder):
    response = client.get(f"{CREATE_URL}?type=postgres")

    fields = parse(response.content).by_id("type-fields")
    names = [control.attrs["name"] for control in fields.controls()]
    assert names == [
        "name", "host", "port", "database", "schema", "user", "password",
        "load_balancer", "ssh_bastion",
    ]  # fmt: skip
