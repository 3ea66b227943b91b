"""A keyboard user keeps their place when htmx replaces the part of the page they are on."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from faraday_admin.simulator.transport import SimulatorTransport
from tests.e2e.conftest import log_in
from tests.e2e.flows import LIVE_TIMEOUT_MS, POSTGRES, add_audit_entries, fill_fields

pytestmark = pytest.mark.e2e


def test_focus_on_a_connections_name_survives_its_live_status_update(
    signed_in, create_in_simulator
):
    page = signed_in
    create_in_simulator("Focus – Warehouse", **{**POSTGRES, "type": "postgres", "port": 5432})
    page.goto("/connections/")
    link = page.get_by_role("link", name="Focus – Warehouse")
    row = page.locator("tbody tr", has=link)
    expect(page.locator("#status-poller[hx-get]")).to_have_count(1)
    row.evaluate("row => { row.dataset.beforeUpdate = 'yes'; }")
    link.focus()

    expect(page.locator("tbody tr[data-before-update]")).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    expect(link).to_be_focused()


def test_paging_the_audit_log_by_keyboard_keeps_focus_on_the_link(signed_in, e2e_user):
    from faraday_admin.audit.models import Action

    add_audit_entries(e2e_user, [Action.CREATE] * 120)
    page = signed_in
    page.goto("/audit/")
    older = page.get_by_role("link", name="Older →")
    older.focus()

    page.keyboard.press("Enter")
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 3")
    expect(older).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".pagination")).to_contain_text("Page 3 of 3")
    # The last page has no older one: focus stays on the link's place, not the page's top.
    expect(page.locator("#audit-older")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("link", name="← Newer")).to_be_focused()


def test_a_refused_submit_focuses_the_first_field_and_its_summary_links_lead_to_the_others(
    signed_in,
):
    page = signed_in
    page.goto("/connections/new/?type=postgres")
    page.locator("#create-form [name=host]").fill("http://db.example.com")
    page.evaluate("document.getElementById('create-form').noValidate = true")
    page.get_by_role("button", name="Create connection").click()

    expect(page.locator("#create-form [name=name]")).to_be_focused()
    host_link = page.locator("#error-summary").get_by_role("link").nth(1)
    expect(host_link).to_have_attribute("href", "#id_host")
    host_link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#create-form [name=host]")).to_be_focused()


def test_a_refused_submit_without_a_field_to_blame_focuses_the_summary(signed_in):
    page = signed_in
    page.goto("/connections/new/")
    page.evaluate("document.getElementById('create-form').noValidate = true")
    page.get_by_role("button", name="Create connection").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Choose a connection type first.").press("Enter")
    expect(page.locator("#id_type")).to_be_focused()


def test_a_submit_faraday_cannot_take_puts_focus_on_the_banner(signed_in, monkeypatch):
    page = signed_in
    page.goto("/connections/new/?type=postgres")
    fill_fields(page, "Outage – Warehouse", POSTGRES)

    def unreachable(transport, request):
        raise httpx.ConnectError("refused", request=request)

    monkeypatch.setattr(SimulatorTransport, "handle_request", unreachable)
    page.locator("#create-form [name=password]").press("Enter")

    expect(page.locator("#upstream-error")).to_be_focused()
    expect(page.locator("#upstream-error")).to_contain_text("reach")


def test_testing_the_key_from_the_keyboard_lands_on_its_outcome(page, e2e_user, django_user_model):
    from django.contrib.auth.models import Permission

    from faraday_admin.core import roles

    app_label, codename = roles.MANAGE_API_KEY.split(".")
    e2e_user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    log_in(page, e2e_user)
    page.goto("/settings/")
    page.get_by_role("button", name="Test key").focus()

    page.keyboard.press("Enter")

    outcome = page.locator("#key-test-result .notice-success")
    expect(outcome).to_contain_text("The key works.")
    expect(outcome).to_be_focused()
