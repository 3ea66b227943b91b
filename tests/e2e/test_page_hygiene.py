"""With the CSP enforced, the pages only talk to their own server and break no CSP rule."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.e2e.flows import POSTGRES, choose_type, create_postgres, search_types

pytestmark = pytest.mark.e2e

CSP_TEXT = "Content Security Policy"


def test_pages_request_only_their_own_server_and_report_no_csp_violation(
    page, e2e_user, live_server, artifacts
):
    page.goto("/login/")
    artifacts.shot(page, "login")
    log_in(page, e2e_user)

    page.goto("/connections/new/")
    search_types(page, "snow", {"snowflake"})
    choose_type(page, "snowflake", "Snowflake")
    page.get_by_label("Find a type").fill("postgres")
    expect(page.locator("#id_type option[value=postgres]")).to_have_count(1)
    choose_type(page, "postgres", "Postgres")
    # A server-side refusal (422) swapped in by htmx.
    page.evaluate("document.getElementById('create-form').noValidate = true")
    page.get_by_role("button", name="Create connection").click()
    expect(page.locator("#create-form .field-errors").first).to_be_visible()
    artifacts.shot(page, "create-refused")

    create_postgres(page, "Hygiene – Warehouse", **POSTGRES)
    artifacts.shot(page, "detail")
    page.goto("/connections/")
    with page.expect_response("**/connections/rows/**", timeout=10_000):
        pass  # the list's live status poll
    artifacts.shot(page, "list")
    page.goto("/audit/")
    artifacts.shot(page, "audit")

    own = urlsplit(live_server.url)[:2]  # scheme and host:port
    foreign = [r.url for r in page.watch.requests if urlsplit(r.url)[:2] != own]
    assert foreign == [], f"requests to other hosts: {foreign}"
    assert len(page.watch.requests) > 10, "the request listener saw nothing"
    assert page.watch.console_matching(CSP_TEXT) == []
    assert [str(e) for e in page.watch.page_errors] == []

    # The listener does hear the browser's CSP reports: an inline style is refused and reported.
    page.evaluate("document.querySelector('h1').setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    assert page.watch.console_matching(CSP_TEXT), "no CSP report for an inline style"
    page.watch.console.clear()  # expected here; the `page` fixture fails on any other
