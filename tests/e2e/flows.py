"""Steps the e2e tests share: picking a type and filling the create form as a person would."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect

# A detail page: /connections/<id>/ but not /connections/new/.
DETAIL_URL = re.compile(r"/connections/(?!new/|rows/)[^/?]+/(\?.*)?$")
LIVE_TIMEOUT_MS = 15_000

POSTGRES = {
    "host": "db.example.com",
    "port": "5432",
    "database": "analytics",
    "schema": "public",
    "user": "faraday_reader",
    "password": "s3cret-pass",
}


def set_marker(page: Page) -> None:
    """A value on `window` that only survives if the page is never reloaded."""
    page.evaluate("window.__e2eMarker = 'still-the-same-page'")


def marker_survived(page: Page) -> bool:
    return page.evaluate("window.__e2eMarker === 'still-the-same-page'")


def type_options(page: Page) -> list[str]:
    return page.locator("#id_type option:not([value=''])").evaluate_all(
        "options => options.map(option => option.value)"
    )


def search_types(page: Page, query: str, expected: set[str]) -> None:
    """Type into "Find a type" and wait until the select offers exactly `expected`."""
    page.get_by_label("Find a type").fill(query)
    expect(page.locator("#id_type option:not([value=''])")).to_have_count(len(expected))
    assert set(type_options(page)) == expected


def choose_type(page: Page, type_key: str, label: str) -> None:
    page.get_by_label("Connection type").select_option(type_key)
    expect(page.locator("#type-fields legend")).to_have_text(f"2. {label} details")


def fill_fields(page: Page, name: str, values: dict[str, str]) -> None:
    page.locator("#create-form [name=name]").fill(name)
    for field_name, value in values.items():
        page.locator(f"#create-form [name={field_name}]").fill(value)


def create_postgres(page: Page, name: str, **overrides: str) -> str:
    """Create a Postgres connection through the form; return the detail page's URL."""
    page.goto("/connections/new/")
    choose_type(page, "postgres", "Postgres")
    fill_fields(page, name, {**POSTGRES, **overrides})
    page.get_by_role("button", name="Create connection").click()
    page.wait_for_url(DETAIL_URL)
    return page.url


def hold_requests(page: Page, url_pattern: str) -> list[Route]:
    """Hold the requests matching `url_pattern` in the network, to answer later
    (`route.continue_()`): how a test makes a request slow enough to race another."""
    held: list[Route] = []
    page.route(url_pattern, lambda route: held.append(route))  # Playwright wants a Python function
    return held


def release_held(page: Page, url_pattern: str, held: list[Route]) -> None:
    """Let the held requests go on, and stop holding new ones."""
    for route in held:
        route.continue_()
    page.unroute(url_pattern)


def wait_until_held(page: Page, held: list[Route], what: str) -> None:
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1, f"{what} never reached the network"


def add_audit_entries(user, actions) -> None:
    """One successful audit entry by `user` per action, straight into the live server's database."""
    from faraday_admin.audit.models import AuditEntry, Outcome

    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=user,
            actor_username=user.get_username(),
            action=action,
            outcome=Outcome.SUCCESS,
            connection_name=f"Entry {number}",
        )
        for number, action in enumerate(actions)
    )
