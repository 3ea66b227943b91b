"""The paste box in a real Chromium: a postgresql:// URL fills the form, its password stays
hidden, and the connection is created with it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from faraday_admin.simulator.models import SimulatedConnection
from faraday_admin.simulator.validation import _mask
from tests.e2e.conftest import log_in
from tests.e2e.flows import DETAIL_URL, choose_type, marker_survived, set_marker
from tests.e2e.test_accessibility import assert_no_serious_violations

pytestmark = pytest.mark.e2e

CANARY = "Pasted-CANARY-pw-5b1e"
URL = f"postgresql://faraday_reader:{CANARY}@db.example.com:5432/analytics?sslmode=require"
FILLED = {"host": "db.example.com", "port": "5432", "database": "analytics"}
FILLED |= {"user": "faraday_reader"}


def record_html(page) -> list[tuple[str, str]]:
    """(url, body) of every HTML answer the page receives from now on, read as it arrives
    (a body is gone once the page navigates on; redirects carry none)."""
    bodies: list[tuple[str, str]] = []

    def keep(response) -> None:
        if "text/html" in response.headers.get("content-type", "") and response.status < 300:
            bodies.append((response.url, response.text()))

    page.on("response", keep)
    return bodies


def paste_into_form(page, text: str) -> None:
    page.get_by_label("Connection string or link").fill(text)
    page.get_by_role("button", name="Fill in the form from this").click()
    expect(page.locator("#paste-result")).to_be_visible()


def test_pasting_a_postgres_url_fills_the_form_and_creates_with_the_hidden_password(
    signed_in, artifacts
):
    page = signed_in
    bodies = record_html(page)
    page.goto("/connections/new/")
    set_marker(page)
    choose_type(page, "postgres", "Postgres")

    paste_into_form(page, URL)

    artifacts.shot(page, "filled-from-paste")
    assert marker_survived(page), "pasting reloaded the page instead of swapping the fields"
    expect(page.locator("#paste-result")).to_contain_text("Filled 4 fields and the password")
    expect(page.locator("#paste-result")).to_be_focused()
    for name, value in FILLED.items():
        expect(page.locator(f"#create-form [name={name}]")).to_have_value(value)
        expect(page.locator(f"#id_{name}_pasted")).to_have_text(
            "✎ Filled from what you pasted: check it."
        )
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#id_password_pasted")).to_contain_text(
        "Password taken from what you pasted (hidden) — type another to replace it."
    )
    page.locator("#create-form [name=name]").fill("Pasted warehouse")
    page.locator("#create-form [name=schema]").fill("public")
    page.get_by_role("button", name="Create connection").click()
    page.wait_for_url(DETAIL_URL)
    artifacts.shot(page, "created")

    created = SimulatedConnection.objects.get(name="Pasted warehouse")
    assert created.options["password"] == _mask(CANARY)  # the upstream got the pasted password
    assert {k: str(created.options[k]) for k in FILLED} == FILLED
    assert len(bodies) >= 4  # the page, the type's fields, the paste, the detail page
    leaks = [url for url, body in bodies if CANARY in body]
    assert leaks == [], f"the pasted password came back in {leaks}"


def test_a_proposed_type_is_confirmed_before_anything_is_filled(signed_in, artifacts):
    page = signed_in
    page.goto("/connections/new/")

    paste_into_form(page, "mysql://admin@shop.c9akciq32.us-east-1.rds.amazonaws.com:3306/shop")

    expect(page.locator("#paste-result")).to_contain_text("it looks like RDS (MySQL)")
    expect(page.get_by_label("Connection type")).to_have_value("")  # nothing switched silently
    artifacts.shot(page, "proposal")
    page.get_by_role("button", name="Use RDS (MySQL)").click()
    expect(page.locator("#type-fields legend")).to_have_text("2. RDS (MySQL) details")
    expect(page.get_by_label("Connection type")).to_have_value("aws_rds_mysql")
    expect(page.locator("#create-form [name=host]")).to_have_value(
        "shop.c9akciq32.us-east-1.rds.amazonaws.com"
    )
    expect(page.locator("#id_host_pasted")).to_be_visible()
    assert page.url.endswith("/connections/new/?type=aws_rds_mysql")
    artifacts.shot(page, "confirmed")


def test_the_create_page_with_a_paste_has_no_serious_accessibility_violations(
    csp_bypassed_page, e2e_user, axe_source, artifacts
):
    page = csp_bypassed_page
    log_in(page, e2e_user)
    page.goto("/connections/new/")
    paste_into_form(page, "not a connection string")
    assert_no_serious_violations(page, axe_source, artifacts, "paste-refused")
    paste_into_form(page, URL)
    expect(page.locator("#paste-result")).to_contain_text("it looks like Postgres")
    assert_no_serious_violations(page, axe_source, artifacts, "paste-proposal")
    page.get_by_role("button", name="Use Postgres").click()
    expect(page.locator("#id_host_pasted")).to_be_visible()
    assert_no_serious_violations(page, axe_source, artifacts, "paste-filled")
