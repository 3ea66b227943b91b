"""The main navigation: each role sees the links it may follow, the current page is marked, and
the links built once per process follow the URL conf and script prefix they were built for."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse, set_script_prefix

from tests.web.conftest import make_role_user
from tests.web.html import parse

pytestmark = pytest.mark.django_db


def _nav(response) -> list[tuple[str, str, bool]]:
    nav = parse(response).find("nav", aria_label="Main")
    return [
        (a.text, a.attrs["href"], a.attrs.get("aria-current") == "page") for a in nav.find_all("a")
    ]


def _client(role: str) -> Client:
    client = Client()
    client.force_login(make_role_user(role))
    return client


def test_a_viewer_sees_the_list_and_the_audit_log_the_current_one_marked():
    response = _client("Viewer").get(reverse("audit:list"))

    assert _nav(response) == [
        ("Connections", "/connections/", False),
        ("Audit log", "/audit/", True),
    ]


def test_an_admin_sees_every_link_and_the_create_page_is_marked_on_it():
    response = _client("Admin").get(reverse("connections:create"))

    assert _nav(response) == [
        ("Connections", "/connections/", False),
        ("New connection", "/connections/new/", True),
        ("Hand-offs", "/connections/handoffs/", False),
        ("Audit log", "/audit/", False),
        ("Settings", "/settings/", False),
        ("Users", "/admin/auth/user/", False),
    ]


def test_the_same_links_under_another_script_prefix_carry_it():
    client = _client("Viewer")
    audit = reverse("audit:list")
    client.get(audit)  # the links without a prefix, built first

    # What gunicorn's handler does for an app served under /admin-tools (the test client doesn't).
    set_script_prefix("/admin-tools/")
    try:
        response = client.get(audit)
    finally:
        set_script_prefix("/")

    assert response.status_code == 200
    assert [href for _label, href, _current in _nav(response)] == [
        "/admin-tools/connections/",
        "/admin-tools/audit/",
    ]


def test_no_navigation_before_signing_in():
    response = Client().get(reverse("login"))

    assert parse(response).find("nav", aria_label="Main") is None
