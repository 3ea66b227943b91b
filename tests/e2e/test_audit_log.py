"""The audit log's filters in a real Chromium: htmx swaps the results, the page keeps up."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import add_audit_entries, marker_survived, set_marker

pytestmark = pytest.mark.e2e


def test_filtering_in_place_offers_clear_filters_and_it_clears_them(signed_in, e2e_user):
    from faraday_admin.audit.models import Action

    add_audit_entries(e2e_user, [Action.CREATE, Action.DELETE])
    page = signed_in
    page.goto("/audit/")
    set_marker(page)
    expect(page.locator("#clear-filters")).to_be_empty()

    page.get_by_label("Action").select_option("delete")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("table.audit-log tbody tr")).to_have_count(1)
    assert marker_survived(page), "filtering reloaded the page instead of swapping the results"
    page.get_by_role("link", name="Clear filters").click()

    expect(page.locator("table.audit-log tbody tr")).to_have_count(2)
    expect(page.get_by_label("Action")).to_have_value("")
