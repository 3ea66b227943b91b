"""The create page with JavaScript switched off: search, choose a type, submit, all by full reloads.

From the issue: "Without JavaScript the page still works (choose, submit, the server re-renders
with the fields)". Each step is a plain form submission the server answers with a whole page.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORT, close_saving_failure_shot, log_in
from tests.e2e.flows import DETAIL_URL, POSTGRES, fill_fields

pytestmark = pytest.mark.e2e

SHOW_FIELDS = "Show this type's fields"


@pytest.fixture
def no_js_page(browser, live_server, e2e_user, artifacts, request) -> Iterator:
    """A signed-in page in a context with JavaScript disabled (CSP enforced, as in production)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORT,
        locale="en-US",
        java_script_enabled=False,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r))
    page.requests = requests
    log_in(page, e2e_user)
    yield page
    close_saving_failure_shot(context, page, request, artifacts)


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _offered(page) -> set[str]:
    return set(
        page.locator("#id_type option:not([value=''])").evaluate_all(
            "options => options.map(option => option.value)"
        )
    )


def _show_fields_for(page, type_key: str, label: str) -> None:
    """Choose a type in the select and ask the server for its fields, as a no-JS person must."""
    page.get_by_label("Connection type").select_option(type_key)
    with page.expect_navigation():
        page.get_by_role("button", name=SHOW_FIELDS).click()
    expect(page.locator("#type-fields legend")).to_have_text(f"2. {label} details")


def test_scripts_really_are_off(no_js_page):
    page = no_js_page
    page.goto("/connections/new/")
    # With scripts on, <noscript> content is never parsed into elements.
    expect(page.get_by_role("button", name=SHOW_FIELDS)).to_be_visible()
    expect(page.locator("#type-fields")).to_contain_text("Choose a connection type")


def test_enter_in_the_search_box_reloads_the_page_filtered(no_js_page, artifacts):
    page = no_js_page
    page.goto("/connections/new/")
    seen = len(page.requests)
    search = page.get_by_label("Find a type")
    search.fill("snow")
    with page.expect_navigation():
        search.press("Enter")

    assert urlsplit(page.url).path == "/connections/new/"
    assert _query(page)["q"] == ["snow"]
    assert _offered(page) == {"snowflake"}
    expect(search).to_have_value("snow")
    artifacts.shot(page, "searched-snow")
    assert [r.method for r in page.requests[seen:] if r.resource_type == "document"] == ["GET"]


def test_a_search_keeps_the_type_already_chosen(no_js_page, artifacts):
    page = no_js_page
    page.goto("/connections/new/")
    _show_fields_for(page, "postgres", "Postgres")

    search = page.get_by_label("Find a type")
    search.fill("postgres")
    with page.expect_navigation():
        search.press("Enter")

    assert _query(page)["q"] == ["postgres"]
    assert _query(page).get("type") == ["postgres"], "the search dropped the chosen type"
    assert "mysql" not in _offered(page)
    expect(page.get_by_label("Connection type")).to_have_value("postgres")
    expect(page.locator("#type-fields legend")).to_have_text("2. Postgres details")
    artifacts.shot(page, "searched-with-postgres-chosen")


def test_switching_type_is_not_blocked_by_the_empty_fields_of_the_shown_type(no_js_page, artifacts):
    page = no_js_page
    page.goto("/connections/new/")
    _show_fields_for(page, "postgres", "Postgres")
    expect(page.get_by_label("Host")).to_be_visible()
    artifacts.shot(page, "postgres-fields")

    # Postgres's required fields are all empty: the browser must not refuse the switch.
    _show_fields_for(page, "mysql", "MySQL")
    expect(page.get_by_label("Connection type")).to_have_value("mysql")
    expect(page.locator("#create-form [name=schema]")).to_have_count(0)
    artifacts.shot(page, "switched-to-mysql")
    assert page.locator("#create-form .errorlist, #create-form [role=alert]").count() == 0


def test_enter_in_a_field_creates_the_connection(no_js_page, artifacts):
    from faraday_admin.simulator.models import SimulatedConnection

    page = no_js_page
    page.goto("/connections/new/")
    _show_fields_for(page, "postgres", "Postgres")
    fill_fields(page, "Postgres – no JavaScript", POSTGRES)
    artifacts.shot(page, "postgres-filled")

    # Enter submits with the form's default button, which must be "Create connection".
    with page.expect_navigation():
        page.locator("#create-form [name=database]").press("Enter")

    assert DETAIL_URL.search(page.url), f"Enter did not create the connection: {page.url}"
    expect(page.get_by_role("heading", level=1)).to_have_text("Postgres – no JavaScript")
    artifacts.shot(page, "detail-after-enter")
    created = list(SimulatedConnection.objects.all())
    assert [c.name for c in created] == ["Postgres – no JavaScript"]
    assert str(created[0].id) in page.url
    assert created[0].options["host"] == POSTGRES["host"]


PASTE = "Fill in the form from this"


def test_create_connection_comes_before_the_type_switch_in_keyboard_order(no_js_page):
    """The default (first) submit button is "Create connection"; the switch follows it, then
    the hand-off."""
    page = no_js_page
    page.goto("/connections/new/?type=postgres")
    names = page.locator("#create-form button[type=submit]").evaluate_all(
        "buttons => buttons.map(button => button.textContent.trim())"
    )
    # First, the hidden copy of "Create connection" that Enter presses (the paste box's button
    # comes before the fields); then, in keyboard order, the paste box's, Create, the switch,
    # the hand-off.
    assert names == [
        "Create connection",
        PASTE,
        "Create connection",
        SHOW_FIELDS,
        "Send to IT to finish",
    ]
    hidden_default = page.locator("#create-form button[type=submit]").first
    assert hidden_default.get_attribute("tabindex") == "-1"
    assert hidden_default.get_attribute("aria-hidden") == "true"


def test_the_paste_box_fills_the_form_without_javascript(no_js_page):
    page = no_js_page
    page.goto("/connections/new/?type=postgres")
    page.get_by_label("Connection string or link").fill(
        "postgresql://faraday_reader:pw-no-js@db.example.com:5432/analytics"
    )

    with page.expect_navigation():
        page.get_by_role("button", name=PASTE).click()

    expect(page.locator("#create-form [name=host]")).to_have_value("db.example.com")
    expect(page.locator("#id_host_pasted")).to_be_visible()
    expect(page.locator("#id_password_pasted")).to_contain_text(
        "Password taken from what you pasted"
    )
    assert "pw-no-js" not in page.content()
