"""axe-core on each main page, in the state a person meets it: no serious or critical violation.

axe is injected as a script, which the app's CSP (rightly) refuses, so these pages run in a
context with the CSP bypassed; test_page_hygiene.py checks the pages with the CSP enforced.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import finish_check, log_in
from tests.e2e.flows import POSTGRES, add_audit_entries, create_postgres

pytestmark = pytest.mark.e2e

BLOCKING = ("serious", "critical")


def assert_no_serious_violations(page, axe_source: str, artifacts, step: str) -> None:
    artifacts.shot(page, step)
    page.add_script_tag(content=axe_source)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    report = [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {"target": n["target"], "html": n["html"][:200], "why": n["failureSummary"]}
                for n in v["nodes"][:5]
            ],
        }
        for v in blocking
    ]
    assert report == [], f"axe on {step} ({page.url}):\n{json.dumps(report, indent=2)}"


@pytest.fixture
def a11y_page(csp_bypassed_page, e2e_user):
    log_in(csp_bypassed_page, e2e_user)
    return csp_bypassed_page


def test_login_page_has_no_serious_accessibility_violations(
    csp_bypassed_page, e2e_user, axe_source, artifacts
):
    page = csp_bypassed_page
    page.goto("/login/")
    assert_no_serious_violations(page, axe_source, artifacts, "login")
    # And with its error showing.
    page.get_by_label("User name").fill(e2e_user.get_username())
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_serious_violations(page, axe_source, artifacts, "login-error")


def test_list_with_rows_has_no_serious_accessibility_violations(
    a11y_page, create_in_simulator, axe_source, artifacts
):
    options = {**POSTGRES, "type": "postgres", "port": 5432}
    create_in_simulator("Warehouse – checking", **options)
    finish_check(create_in_simulator("Warehouse – ready", **options).id)
    bad_password = {**options, "password": "wrong-password"}
    finish_check(create_in_simulator("Warehouse – bad password", **bad_password).id)
    page = a11y_page
    page.goto("/connections/")
    rows = page.locator("#connection-rows")
    expect(rows.locator("tr")).to_have_count(3)
    for state in ("badge-error", "badge-ready"):
        expect(rows.locator(f".{state}")).to_have_count(1)
    expect(rows.locator(".badge-new, .badge-starting, .badge-running")).to_have_count(1)
    expect(page.locator("#status-poller .polling-note")).to_be_visible()
    assert_no_serious_violations(page, axe_source, artifacts, "list")


def test_create_form_with_server_errors_has_no_serious_accessibility_violations(
    a11y_page, axe_source, artifacts
):
    page = a11y_page
    page.goto("/connections/new/?type=postgres")
    assert_no_serious_violations(page, axe_source, artifacts, "create-empty")
    page.evaluate("document.getElementById('create-form').noValidate = true")
    page.locator("#create-form [name=host]").fill("http://db.example.com")
    page.locator("#create-form [name=ssh_bastion]").fill("fàraday@bastion.example.com")
    page.get_by_role("button", name="Create connection").click()
    expect(page.locator("#create-form .field-errors").first).to_be_visible()
    assert page.locator("#create-form .has-error").count() >= 3
    # Each invalid input points at its own error text, so a screen reader reads it out.
    unlinked = page.locator("#create-form [aria-invalid=true]").evaluate_all(
        """inputs => inputs.filter(input => {
            const ids = (input.getAttribute('aria-describedby') || '').split(/\\s+/);
            return !ids.some(id => document.getElementById(id)?.classList.contains('field-errors'));
        }).map(input => input.name)"""
    )
    assert unlinked == [], f"errors not referenced by aria-describedby: {unlinked}"
    assert_no_serious_violations(page, axe_source, artifacts, "create-with-errors")


def test_detail_pages_have_no_serious_accessibility_violations(
    a11y_page, create_in_simulator, axe_source, artifacts
):
    page = a11y_page
    url = create_postgres(page, "Detail – bad password", password="wrong-password")
    expect(page.locator("#connection-status .polling-note")).to_be_visible()
    assert_no_serious_violations(page, axe_source, artifacts, "detail-checking")

    finish_check(url.rstrip("/").rsplit("/", 1)[-1])
    page.goto(url)
    expect(page.locator("#connection-status .badge")).to_have_text("✕ Error")
    assert_no_serious_violations(page, axe_source, artifacts, "detail-error")

    ready = create_in_simulator("Detail – fine", **{**POSTGRES, "type": "postgres", "port": 5432})
    finish_check(ready.id)
    page.goto(f"/connections/{ready.id}/")
    expect(page.locator("#connection-status .badge")).to_have_text("✓ Ready")
    expect(page.locator("#connection-status table.contents")).to_be_visible()
    assert_no_serious_violations(page, axe_source, artifacts, "detail-ready")


def test_audit_log_has_no_serious_accessibility_violations(a11y_page, axe_source, artifacts):
    page = a11y_page
    # One failed and one successful attempt, so the log has rows of both kinds.
    page.goto("/connections/new/?type=postgres")
    page.evaluate("document.getElementById('create-form').noValidate = true")
    page.get_by_role("button", name="Create connection").click()
    expect(page.locator("#create-form .field-errors").first).to_be_visible()
    create_postgres(page, "Audited – Warehouse")

    response = page.goto("/audit/")
    assert response.status == 200, f"/audit/ answered {response.status}: is audit:list routed?"
    expect(page.locator("table.audit-log tbody tr")).to_have_count(2)
    assert_no_serious_violations(page, axe_source, artifacts, "audit-log")

    page.goto("/audit/?from=2024-13-45")
    expect(page.locator("#audit-results").get_by_role("alert")).to_be_visible()
    assert_no_serious_violations(page, axe_source, artifacts, "audit-log-bad-date")


def test_audit_log_pager_has_no_serious_accessibility_violations(
    a11y_page, e2e_user, axe_source, artifacts
):
    from faraday_admin.audit.models import Action

    add_audit_entries(e2e_user, [Action.CREATE] * 60)
    page = a11y_page
    for number in (1, 2):  # each end of the pager has a placeholder
        page.goto(f"/audit/?page={number}")
        expect(page.locator(".pagination")).to_contain_text(f"Page {number} of 2")
        assert_no_serious_violations(page, axe_source, artifacts, f"audit-log-page-{number}")
