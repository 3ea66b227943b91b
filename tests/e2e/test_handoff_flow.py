"""A hand-off played by both people: the onboarder starts the form and sends the link; IT opens
it in a fresh browser with no session, types the password, creates the connection and watches
its status turn ready; the onboarder then sees the hand-off done."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _new_page, close_saving_failure_shot
from tests.e2e.flows import LIVE_TIMEOUT_MS, POSTGRES, choose_type, fill_fields
from tests.e2e.test_accessibility import assert_no_serious_violations

pytestmark = pytest.mark.e2e


@pytest.fixture
def it_page(browser, live_server, e2e_settings, request, artifacts):
    """The IT person's browser: its own context, no session (CSP bypassed only for axe)."""
    context, page = _new_page(browser, live_server, bypass_csp=True)
    yield page
    close_saving_failure_shot(context, page, request, artifacts)


def test_onboarder_sends_the_link_and_it_finishes_the_connection(
    signed_in, it_page, axe_source, artifacts
):
    onboarder = signed_in
    onboarder.goto("/connections/new/")
    choose_type(onboarder, "postgres", "Postgres")
    without_password = {k: v for k, v in POSTGRES.items() if k != "password"}
    fill_fields(onboarder, "Warehouse via IT", without_password)
    onboarder.get_by_role("button", name="Send to IT to finish").click()
    onboarder.wait_for_url("**/connections/handoffs/**")
    row = onboarder.locator("table.handoffs tbody tr").first
    expect(row).to_contain_text("Waiting")
    link = row.locator("code").inner_text()
    assert "/handoff/" in link

    it = it_page
    it.goto(link)
    expect(it.get_by_role("heading", level=1)).to_have_text(
        "Finish setting up a Postgres connection"
    )
    expect(it.get_by_text("Still needed: Password.")).to_be_visible()
    expect(it.locator("[name=host]")).to_have_value(POSTGRES["host"])
    expect(it.locator("#setup-guide")).to_be_visible()
    assert_no_serious_violations(it, axe_source, artifacts, "handoff-link-page")

    it.locator("[name=password]").fill(POSTGRES["password"])
    it.get_by_role("button", name="Create connection").click()
    expect(it.get_by_role("heading", level=1)).to_have_text("This link has been used")
    status = it.locator("#handoff-status")
    expect(status.locator(".badge-ready")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(status).to_contain_text("All done")
    assert POSTGRES["password"] not in it.content()
    assert_no_serious_violations(it, axe_source, artifacts, "handoff-done")

    onboarder.reload()
    row = onboarder.locator("table.handoffs tbody tr").first
    expect(row).to_contain_text("Done")
    row.get_by_role("link", name="open the connection").click()
    expect(onboarder.get_by_role("heading", level=1)).to_have_text("Warehouse via IT")
