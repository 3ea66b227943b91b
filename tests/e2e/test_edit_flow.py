"""Changing a connection in a real Chromium: nothing typed is lost, nothing is sent twice."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import expect

from faraday_admin.simulator.transport import SimulatorTransport
from tests.e2e.conftest import finish_check
from tests.e2e.flows import DETAIL_URL, POSTGRES, hold_requests, release_held, wait_until_held

pytestmark = pytest.mark.e2e


def test_a_save_while_faraday_is_unreachable_keeps_the_form_as_typed(
    signed_in, create_in_simulator, monkeypatch
):
    page = signed_in
    connection = create_in_simulator(
        "Outage – Warehouse", **{**POSTGRES, "type": "postgres", "port": 5432}
    )
    page.goto(f"/connections/{connection.id}/edit/")
    page.locator("#edit-form [name=name]").fill("Outage – Renamed")
    page.locator("#edit-form [name=password]").fill("a-new-password")

    def unreachable(transport, request):
        raise httpx.ConnectError("refused", request=request)

    with monkeypatch.context() as outage:
        outage.setattr(SimulatorTransport, "handle_request", unreachable)
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator("#edit-problem").get_by_role("alert")).to_contain_text("reach")
    # Sending locked the form, which dropped the focus: the banner picks it up.
    expect(page.locator("#upstream-error")).to_be_focused()

    expect(page.locator("#edit-form [name=name]")).to_have_value("Outage – Renamed")
    expect(page.locator("#edit-form [name=password]")).to_have_value("a-new-password")
    expect(page.get_by_role("button", name="Save changes")).to_be_enabled()
    expect(page.locator("#edit-form [name=name]")).to_be_editable()

    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(DETAIL_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Outage – Renamed")


def test_a_confirmation_cannot_be_sent_again_while_it_is_being_sent(signed_in, create_in_simulator):
    from faraday_admin.audit.models import Action, AuditEntry

    page = signed_in
    options = {**POSTGRES, "type": "postgres", "port": 5432}
    connection = create_in_simulator("Twice – Warehouse", **options)
    finish_check(connection.id)
    url = f"/connections/{connection.id}/force-update/"
    page.goto(url)
    pattern = f"**{url}"
    held = hold_requests(page, pattern)
    button = page.get_by_role("button", name="Update now")

    button.click()
    wait_until_held(page, held, "the confirmation")
    expect(button).to_be_disabled()
    button.click(force=True)  # a second click, as an impatient person's, changes nothing
    release_held(page, pattern, held)

    page.wait_for_url(DETAIL_URL)
    expect(page.get_by_role("status").filter(has_text="updating")).to_be_visible()
    assert AuditEntry.objects.filter(action=Action.FORCE_UPDATE).count() == 1
    assert len(held) == 1, "the second click sent the confirmation again"


def test_a_rename_in_the_browser_sends_only_the_name_as_a_merge_patch(
    signed_in, create_in_simulator, monkeypatch
):
    """A BigQuery connection made without a region: re-sending every option would send a null
    region, which Faraday's MergePatch model refuses (and so does the simulator)."""
    page = signed_in
    connection = create_in_simulator(
        "Rename – BigQuery", type="bigquery", project_id="acme-analytics", dataset_name="sales"
    )
    sent: list[tuple[str, str, bytes]] = []
    handle = SimulatorTransport.handle_request

    def recording(transport, request):
        if request.method == "PATCH":
            sent.append((request.method, request.headers["Content-Type"], request.read()))
        return handle(transport, request)

    monkeypatch.setattr(SimulatorTransport, "handle_request", recording)
    page.goto(f"/connections/{connection.id}/edit/")
    page.locator("#edit-form [name=name]").fill("Rename – BigQuery sales")
    page.get_by_role("button", name="Save changes").click()

    page.wait_for_url(DETAIL_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Rename – BigQuery sales")
    assert [(m, t, json.loads(b)) for m, t, b in sent] == [
        ("PATCH", "application/merge-patch+json", {"name": "Rename – BigQuery sales"})
    ]
