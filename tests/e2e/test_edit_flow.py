"""Editing in a real Chromium: a save that can't reach Faraday loses nothing the person typed."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from faraday_admin.simulator.transport import SimulatorTransport
from tests.e2e.flows import DETAIL_URL, POSTGRES

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
