"""The create flow from the issue, in a real Chromium: search, swap, validate, submit, go live."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from faraday_admin.catalog import get_catalog
from tests.e2e.flows import (
    DETAIL_URL,
    LIVE_TIMEOUT_MS,
    POSTGRES,
    choose_type,
    create_postgres,
    fill_fields,
    hold_requests,
    marker_survived,
    release_held,
    search_types,
    set_marker,
    type_options,
    wait_until_held,
)

pytestmark = pytest.mark.e2e


def _types_matching(word: str) -> set[str]:
    return {
        t.type for t in get_catalog().types.values() if word in f"{t.type} {t.label}".casefold()
    }


def test_type_search_narrows_the_select_and_choosing_a_type_swaps_fields_in_place(
    signed_in, artifacts
):
    page = signed_in
    page.goto("/connections/new/")
    set_marker(page)
    seen = len(page.watch.requests)
    artifacts.shot(page, "empty-create-page")

    search_types(page, "snow", {"snowflake"})
    artifacts.shot(page, "searched-snow")
    postgres_types = _types_matching("postgres")
    assert {"postgres", "aws_rds_postgres"} <= postgres_types
    search_types(page, "postgres", postgres_types)
    artifacts.shot(page, "searched-postgres")

    choose_type(page, "postgres", "Postgres")
    expect(page.get_by_label("Host")).to_be_visible()
    expect(page.locator("#create-form [name=password]")).to_have_attribute("type", "password")
    artifacts.shot(page, "postgres-fields")
    assert marker_survived(page), "choosing a type reloaded the page instead of swapping fields"
    assert page.url.endswith("/connections/new/?type=postgres"), "the chosen type isn't in the URL"
    later = page.watch.requests[seen:]
    assert [r.url for r in later if r.resource_type == "document"] == []
    assert {r.resource_type for r in later} == {"xhr"}, "htmx should fetch the pieces"


def test_a_type_chosen_while_a_search_is_in_flight_stays_chosen(signed_in):
    """A late search answer must not swap the list back to "Choose a type…" under the person."""
    page = signed_in
    page.goto("/connections/new/")
    held = hold_requests(page, "**/connections/new/types/**")
    page.get_by_label("Find a type").fill("postgres")
    expect(page.locator("#type-search.htmx-request")).to_have_count(1)
    wait_until_held(page, held, "the search request")

    choose_type(page, "postgres", "Postgres")
    release_held(page, "**/connections/new/types/**", held)
    expect(page.locator(".htmx-request")).to_have_count(0)
    expect(page.locator("#id_type")).to_have_value("postgres")
    expect(page.locator("#type-fields legend")).to_have_text("2. Postgres details")

    # A search sent after the choice carries it along, so the narrowed list keeps it selected.
    search_types(page, "gres", _types_matching("gres"))
    expect(page.locator("#id_type")).to_have_value("postgres")
    expect(page.locator("#type-fields legend")).to_have_text("2. Postgres details")


def _choose_type_the_moment_the_next_swap_lands(page, type_key: str) -> None:
    """As a quick keyboard user would, in the browser's next task: htmx wires up swapped-in
    controls only when it settles them (20 ms on by default), so such a choice used to be lost."""
    page.evaluate(
        """(typeKey) => document.body.addEventListener('htmx:afterSwap', () => setTimeout(() => {
            const select = document.getElementById('id_type');
            select.value = typeKey;
            select.dispatchEvent(new Event('change', {bubbles: true}));
        }), {once: true})""",
        type_key,
    )


def test_a_type_chosen_the_moment_a_search_answer_lands_gets_its_fields(signed_in):
    page = signed_in
    page.goto("/connections/new/")
    _choose_type_the_moment_the_next_swap_lands(page, "postgres")

    search_types(page, "postgres", _types_matching("postgres"))
    expect(page.locator("#id_type")).to_have_value("postgres")
    expect(page.locator("#type-fields legend")).to_have_text("2. Postgres details")


def test_a_type_chosen_the_moment_a_refused_form_comes_back_gets_its_fields(signed_in):
    page = signed_in
    page.goto("/connections/new/?type=postgres")
    page.evaluate("document.getElementById('create-form').noValidate = true")
    _choose_type_the_moment_the_next_swap_lands(page, "mysql")

    page.get_by_role("button", name="Create connection").click()
    expect(page.locator("#id_type")).to_have_value("mysql")
    expect(page.locator("#type-fields legend")).to_have_text("2. MySQL details")


def test_a_search_that_misses_the_chosen_type_leaves_it_chosen(signed_in):
    page = signed_in
    page.goto("/connections/new/")
    choose_type(page, "postgres", "Postgres")

    page.get_by_label("Find a type").fill("snow")
    expect(page.locator("#id_type option[value=mysql]")).to_have_count(0)
    assert set(type_options(page)) == {"postgres", "snowflake"}
    expect(page.locator("#id_type")).to_have_value("postgres")
    expect(page.locator("#type-fields legend")).to_have_text("2. Postgres details")


def test_a_refused_submit_keeps_the_search_and_the_chosen_type(signed_in):
    page = signed_in
    page.goto("/connections/new/")
    search_types(page, "postgres", _types_matching("postgres"))
    choose_type(page, "postgres", "Postgres")
    page.evaluate("document.getElementById('create-form').noValidate = true")
    page.get_by_role("button", name="Create connection").click()

    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.get_by_label("Find a type")).to_have_value("postgres")
    assert set(type_options(page)) == _types_matching("postgres")
    expect(page.locator("#id_type")).to_have_value("postgres")


def test_a_search_sent_while_the_chosen_types_fields_load_still_shows_those_fields(signed_in):
    """The search cuts the fields request short (one request at a time), so it brings them."""
    page = signed_in
    page.goto("/connections/new/")
    held = hold_requests(page, "**/connections/new/fields/**")
    page.get_by_label("Connection type").select_option("postgres")
    wait_until_held(page, held, "the fields request")

    search_types(page, "gres", _types_matching("gres"))
    release_held(page, "**/connections/new/fields/**", held)
    expect(page.locator(".htmx-request")).to_have_count(0)
    expect(page.locator("#id_type")).to_have_value("postgres")
    expect(page.locator("#type-fields legend")).to_have_text("2. Postgres details")
    expect(page.locator("#type-fields")).to_have_count(1)
    assert page.url.endswith("/connections/new/?type=postgres")


def test_invalid_host_is_refused_by_the_browser_before_any_post(signed_in, artifacts):
    page = signed_in
    page.goto("/connections/new/")
    choose_type(page, "postgres", "Postgres")
    fill_fields(page, "Postgres – bad host", {**POSTGRES, "host": "http://db.example.com"})
    host = page.locator("#create-form [name=host]")

    page.get_by_role("button", name="Create connection").click()
    page.wait_for_timeout(500)  # time for a (wrong) request to leave, were one sent

    artifacts.shot(page, "host-refused")
    assert host.evaluate("input => input.validity.patternMismatch") is True
    assert host.evaluate("input => document.activeElement === input"), "focus not on the bad field"
    assert page.watch.posts("/connections/new/") == []
    assert page.url.endswith("/connections/new/?type=postgres")


def test_valid_postgres_is_created_shown_and_its_list_badge_turns_ready_without_reload(
    signed_in, artifacts
):
    page = signed_in
    page.goto("/connections/new/")
    choose_type(page, "postgres", "Postgres")
    fill_fields(page, "Postgres – Warehouse", POSTGRES)
    artifacts.shot(page, "filled-form")

    in_flight: dict[str, object] = {}

    def observe_while_in_flight(route):
        # The request has left the browser but has no answer yet: what does the person see?
        in_flight.update(
            page.evaluate(
                """() => ({
                    disabled: [...document.querySelectorAll('#create-form button[type=submit]')]
                        .every(button => button.matches(':disabled')),
                    locked: [...document.querySelectorAll('#create-form fieldset')]
                        .map(fieldset => fieldset.disabled),
                    progress: getComputedStyle(document.getElementById('create-progress')).display
                        !== 'none',
                    text: document.getElementById('create-progress').textContent.trim(),
                })"""
            )
        )
        route.continue_()

    page.route("**/connections/new/", observe_while_in_flight)
    page.get_by_role("button", name="Create connection").click()
    page.wait_for_url(DETAIL_URL)
    page.unroute("**/connections/new/")
    # The type picker, the paste box and the fields are locked too: nothing typed now would
    # survive the answer.
    assert in_flight == {
        "disabled": True,
        "locked": [True, True, True],
        "progress": True,
        "text": "Sending to Faraday…",
    }

    expect(page.get_by_role("heading", level=1)).to_have_text("Postgres – Warehouse")
    expect(page.get_by_role("status").filter(has_text="created")).to_contain_text(
        "Connection “Postgres – Warehouse” created."
    )
    expect(page.locator(".properties")).to_contain_text("db.example.com")
    expect(page.locator(".properties")).to_contain_text("Set (hidden)")
    assert POSTGRES["password"] not in page.content()
    artifacts.shot(page, "detail-page")

    page.get_by_role("link", name="Connections", exact=True).first.click()
    page.wait_for_url("**/connections/")
    set_marker(page)
    row = page.locator("tbody tr", has=page.get_by_role("link", name="Postgres – Warehouse"))
    badge = row.locator(".badge")
    expect(badge).to_have_count(1)
    assert badge.inner_text().strip().endswith(("New", "Starting", "Running")), badge.inner_text()
    artifacts.shot(page, "list-still-checking")

    expect(badge).to_have_text(re.compile(r"Ready$"), timeout=LIVE_TIMEOUT_MS)
    assert marker_survived(page), "the list reloaded instead of updating the badge in place"
    expect(page.locator("#status-news")).to_have_text(
        "Finished checking: Postgres – Warehouse, Ready."
    )
    # Every row is final, so polling stops.
    expect(page.locator("#status-poller[hx-get]")).to_have_count(0)
    artifacts.shot(page, "list-ready")


def test_wrong_password_connection_shows_its_error_on_the_detail_page_live(signed_in, artifacts):
    page = signed_in
    create_postgres(page, "Postgres – wrong password", password="wrong-password")
    set_marker(page)
    artifacts.shot(page, "detail-checking")

    status = page.locator("#connection-status")
    expect(status.locator(".badge")).to_have_text(re.compile(r"Error$"), timeout=LIVE_TIMEOUT_MS)
    expect(status).to_contain_text("Password incorrect")
    expect(status.get_by_role("alert")).to_contain_text("Faraday couldn't use this connection.")
    assert marker_survived(page), "the detail page reloaded instead of updating the status"
    expect(page.locator("#connection-status[hx-get]")).to_have_count(0)
    # Read out once by the region that stays in place (the swapped section isn't a live region).
    expect(page.get_by_role("status").filter(has_text="Status:")).to_have_text("Status: Error.")
    artifacts.shot(page, "detail-error")


def test_keyboard_alone_creates_a_postgres_connection(signed_in, artifacts):
    page = signed_in
    keyboard = page.keyboard
    page.goto("/connections/new/")

    def focused() -> dict[str, str]:
        return page.evaluate(
            """() => { const el = document.activeElement;
                return {id: el.id, name: el.name || '', tag: el.tagName, type: el.type || '',
                        text: (el.textContent || '').trim()}; }"""
        )

    def tab_to(element_id: str, limit: int = 20) -> None:
        for _ in range(limit):
            keyboard.press("Tab")
            if focused()["id"] == element_id:
                return
        pytest.fail(f"Tab never reached #{element_id}")

    tab_to("type-search")
    keyboard.type("postgres")
    expect(page.locator("#id_type option[value=postgres]")).to_have_count(1)
    expect(page.locator("#id_type option[value=mysql]")).to_have_count(0)
    tab_to("id_type")
    # Down through the matches until Postgres; each step swaps that type's fields in.
    for _ in range(10):
        if page.locator("#id_type").input_value() == "postgres":
            break
        keyboard.press("ArrowDown")
    assert page.locator("#id_type").input_value() == "postgres"
    expect(page.locator("#type-fields legend")).to_have_text("2. Postgres details")
    artifacts.shot(page, "type-chosen-by-keyboard")

    values = {"name": "Postgres – keyboard", **POSTGRES}
    typed = set()
    for _ in range(40):
        keyboard.press("Tab")
        now = focused()
        if now["name"] in values and now["name"] not in typed:
            keyboard.type(values[now["name"]])
            typed.add(now["name"])
        if now["tag"] == "BUTTON" and now["text"] == "Create connection":
            break
    else:
        pytest.fail("Tab never reached the Create connection button")
    assert typed == set(values), f"never reached: {set(values) - typed}"
    artifacts.shot(page, "filled-by-keyboard")

    keyboard.press("Enter")
    page.wait_for_url(DETAIL_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Postgres – keyboard")
    artifacts.shot(page, "detail-after-keyboard")
