"""A connection's history in a real Chromium: edit → changed outside this app → acknowledge →
revert, in demo mode, with the demo's button playing the person who changes it elsewhere."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, finish_check, log_in
from tests.e2e.flows import DETAIL_URL, POSTGRES
from tests.e2e.test_accessibility import assert_no_serious_violations

pytestmark = pytest.mark.e2e

HISTORY_URL = re.compile(r"/connections/[^/]+/history/$")


@pytest.fixture
def e2e_admin(e2e_settings, live_server, django_user_model):
    """An Admin: every `connections` permission, the audit log, and reverting edits."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    user = django_user_model.objects.create_user(username="e2e-admin", password=PASSWORD)
    user.user_permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label="connections")
            | Q(content_type__app_label="audit", codename="view_auditentry")
            | Q(content_type__app_label="history", codename="revert_edit")
        )
    )
    return user


def _edit_host_then_change_it_outside(page, create_in_simulator) -> str:
    connection = create_in_simulator(
        "History – Warehouse", **{**POSTGRES, "type": "postgres", "port": 5432}
    )
    finish_check(connection.id)
    page.goto(f"/connections/{connection.id}/edit/")
    page.locator("#edit-form [name=host]").fill("db2.example.com")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(DETAIL_URL)

    page.get_by_role("button", name="Demo: change it outside this app").click()
    page.wait_for_url(DETAIL_URL)
    return connection.id


def test_edit_then_a_change_outside_is_acknowledged_and_the_edit_reverted(
    page, e2e_admin, create_in_simulator
):
    from faraday_admin.simulator.models import SimulatedConnection

    log_in(page, e2e_admin)
    connection_id = _edit_host_then_change_it_outside(page, create_in_simulator)

    notice = page.locator(".outside-change")
    expect(notice).to_contain_text("Changed outside this app")
    page.goto("/connections/?q=History")
    expect(page.locator(f"#row-{connection_id}")).to_contain_text("Changed outside this app")

    page.goto(f"/connections/{connection_id}/")
    page.get_by_role("button", name="Acknowledge this change").click()
    expect(page.get_by_text("the change made outside this app is acknowledged")).to_be_visible()
    expect(page.locator(".outside-change")).to_have_count(0)

    page.get_by_role("link", name="History").click()
    page.wait_for_url(HISTORY_URL)
    entries = page.locator("ol.history-entries > li")
    expect(entries.nth(0)).to_contain_text("Acknowledge a change made outside")
    expect(entries.nth(1)).to_contain_text("Changed outside this app")
    expect(entries.nth(1)).to_contain_text("Schema: public → public_outside")
    edit = entries.filter(has_text="Host: db.example.com → db2.example.com")
    expect(edit).to_contain_text("Password: unchanged")

    edit.get_by_role("link", name="Revert this change").click()
    patch = json.loads(page.locator("pre").inner_text())
    assert patch == {"options": {"type": "postgres", "host": "db.example.com"}}
    expect(page.get_by_text("Secrets (passwords, keys) are never stored here")).to_be_visible()
    page.get_by_role("button", name="Revert this change").click()

    page.wait_for_url(HISTORY_URL)
    expect(page.get_by_text("Reverted that edit")).to_be_visible()
    expect(entries.nth(0)).to_contain_text("Host: db2.example.com → db.example.com")
    expect(entries.nth(0)).to_contain_text("revert of the edit")
    stored = SimulatedConnection.objects.get(id=connection_id).options
    # Only the edit's field went back: the change made outside stays.
    assert (stored["host"], stored["schema"]) == ("db.example.com", "public_outside")


def test_history_pages_have_no_serious_accessibility_violations(
    csp_bypassed_page, e2e_admin, create_in_simulator, axe_source, artifacts
):
    page = csp_bypassed_page
    log_in(page, e2e_admin)
    connection_id = _edit_host_then_change_it_outside(page, create_in_simulator)
    assert_no_serious_violations(page, axe_source, artifacts, "detail-changed-outside")

    page.goto(f"/connections/{connection_id}/history/")
    assert_no_serious_violations(page, axe_source, artifacts, "history")

    page.get_by_role("link", name="Revert this change").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revert a change")
    assert_no_serious_violations(page, axe_source, artifacts, "revert-confirmation")
