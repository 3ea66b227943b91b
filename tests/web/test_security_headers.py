"""Every page: a strict Content-Security-Policy, markup that needs no exception to it, and the
other security headers; in production settings, Secure + HttpOnly cookies and HSTS over https.

The test settings are the production settings with DEBUG off (faraday_admin/settings_test.py),
so what is asserted here is what a deployment sends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from faraday_admin.core import roles
from faraday_admin.faraday_client import Connection
from tests.web.conftest import ANONYMOUS

HSTS_MIN_SECONDS = 31536000  # one year, what the HSTS preload list asks for
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction"})
UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'")


@dataclass(frozen=True)
class Page:
    id: str
    role: str
    # A path, or a function of the demo connections giving one; fetched with GET unless `data`.
    path: str | Callable[[dict[str, Connection]], str]
    status: int = 200
    data: dict[str, str] | None = None


PAGES = [
    Page("login", ANONYMOUS, "/login/"),
    Page("list", roles.ADMIN, "/connections/"),
    Page("create", roles.ADMIN, "/connections/new/"),
    Page("create-with-type", roles.ADMIN, "/connections/new/?type=postgres"),
    Page(
        "create-invalid",
        roles.ADMIN,
        "/connections/new/",
        status=422,
        data={"type": "postgres", "name": " ", "host": "http://db", "port": "1e3"},
    ),
    Page("detail", roles.ADMIN, lambda c: f"/connections/{c['postgres'].id}/"),
    Page("edit", roles.ADMIN, lambda c: f"/connections/{c['postgres'].id}/edit/"),
    Page("force-update", roles.ADMIN, lambda c: f"/connections/{c['postgres'].id}/force-update/"),
    Page("audit", roles.ADMIN, "/audit/"),
    Page("settings", roles.ADMIN, "/settings/"),
    Page("not-found", roles.ADMIN, "/no-such-page/", status=404),
    Page("forbidden", roles.VIEWER, "/connections/new/", status=403),
]


@pytest.fixture(params=PAGES, ids=lambda page: page.id)
def page_response(request, client_for):
    page: Page = request.param
    client = client_for(page.role)
    if callable(page.path):
        # Only these pages need the simulator's demo data; seeding it for all is slow.
        path = page.path(request.getfixturevalue("demo_connections"))
    else:
        path = page.path
    if page.data is None:
        response = client.get(path, secure=True)
    else:
        response = client.post(path, page.data, secure=True)
    assert response.status_code == page.status, f"{page.id}: {response.status_code}"
    return response


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name.lower()] = sources
    return directives


class _InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, inline styles, handlers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.script_bodies: list[str] = []
        self.style_blocks = 0
        self.style_attributes: list[str] = []
        self.handler_attributes: list[str] = []
        self.javascript_urls: list[str] = []
        self.scripts = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "style":
                self.style_attributes.append(f"<{tag} style={value!r}>")
            elif name.startswith(("on", "hx-on")):
                self.handler_attributes.append(f"<{tag} {name}={value!r}>")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.javascript_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.scripts += 1
            self._in_script = True
            self.script_bodies.append("")
        elif tag == "style":
            self.style_blocks += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_bodies[-1] += data


def inline_code(response) -> _InlineCode:
    parser = _InlineCode()
    parser.feed(response.content.decode())
    parser.close()
    return parser


# ---- the Content-Security-Policy ------------------------------------------------------------


def test_every_page_sends_a_csp_without_any_unsafe_source(page_response):
    directives = csp_directives(page_response)
    unsafe = {
        name: [s for s in sources if s.lower() in UNSAFE_SOURCES]
        for name, sources in directives.items()
    }
    assert {name: found for name, found in unsafe.items() if found} == {}
    assert "Content-Security-Policy-Report-Only" not in page_response.headers


def test_every_page_allows_scripts_from_its_own_origin_only(page_response):
    directives = csp_directives(page_response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


def test_every_page_forbids_being_framed_by_csp_and_x_frame_options(page_response):
    assert csp_directives(page_response)["frame-ancestors"] == ["'none'"]
    assert page_response.headers["X-Frame-Options"] == "DENY"


def test_every_page_sends_nosniff_and_a_referrer_policy(page_response):
    assert page_response.headers["X-Content-Type-Options"] == "nosniff"
    assert page_response.headers["Referrer-Policy"] == "same-origin"


def test_every_page_over_https_sends_hsts_for_a_year_with_subdomains(page_response):
    hsts = [p.strip() for p in page_response.headers["Strict-Transport-Security"].split(";")]
    max_age = int(next(p for p in hsts if p.startswith("max-age=")).removeprefix("max-age="))
    assert max_age >= HSTS_MIN_SECONDS
    assert "includeSubDomains" in hsts


# ---- markup that the policy would block --------------------------------------------------


def test_every_page_loads_scripts_by_src_only_with_no_inline_script_body(page_response):
    found = inline_code(page_response)
    assert [body for body in found.script_bodies if body.strip()] == []
    assert found.scripts >= 1  # htmx, from base.html: the whole page was inspected


def test_every_page_has_no_style_attribute_and_no_style_block(page_response):
    found = inline_code(page_response)
    assert (found.style_attributes, found.style_blocks) == ([], 0)


def test_every_page_has_no_inline_event_handler_or_javascript_url(page_response):
    found = inline_code(page_response)
    assert (found.handler_attributes, found.javascript_urls) == ([], [])


def test_the_parser_finds_inline_code_when_a_page_has_some():
    """The three checks above can fail: the parser sees each kind of inline code."""
    found = _InlineCode()
    found.feed(
        '<div style="color:red" onclick="x()"><a href=" JavaScript:alert(1)">a</a>'
        "<script>alert(1)</script><style>p{}</style><button hx-on:click='y'>b</button></div>"
    )
    assert found.script_bodies == ["alert(1)"]
    assert found.style_blocks == 1
    assert len(found.style_attributes) == 1
    assert len(found.handler_attributes) == 2
    assert len(found.javascript_urls) == 1


# ---- cookies and HSTS with production settings -------------------------------------------


def test_the_suite_runs_with_production_security_settings():
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY


def test_login_over_https_sets_secure_httponly_csrf_and_session_cookies(db, django_user_model):
    django_user_model.objects.create_user("alice", password="a-long-password-123")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    assert (csrf["secure"], csrf["httponly"]) == (True, True)

    response = client.post(
        "/login/",
        {
            "username": "alice",
            "password": "a-long-password-123",
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
        secure=True,
        headers={"Referer": "https://testserver/login/"},  # CSRF checks it over https
    )

    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert (session["secure"], session["httponly"]) == (True, True)
    assert session["samesite"] == "Lax"


def test_plain_http_requests_get_no_hsts_header(client, db):
    """HSTS over http would be ignored by browsers; Django sends it only on https."""
    response = client.get("/login/")
    assert "Strict-Transport-Security" not in response.headers
