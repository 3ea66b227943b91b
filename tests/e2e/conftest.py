"""Real-browser fixtures: Debian's Chromium driven by Playwright against the live server.

Nothing here skips: a missing browser or axe-core is a failure with a message saying what to
install, because a silently skipped browser suite proves nothing.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told the code is really synchronous (it is).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
E2E_DIR = Path(__file__).resolve().parent
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
# scripts/test runs the SQLite and PostgreSQL passes at once, each into its own folder.
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS_DIR") or E2E_DIR.parents[1] / "artifacts" / "e2e")
PASSWORD = "correct horse battery staple 42"
# Long enough that a fresh connection is still checking when the list first renders, short
# enough that the list's 5 s poll sees it finish well within the tests' 15 s waits.
CYCLE_SECONDS = 6
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def playwright_driver():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the e2e tests need Debian's Chromium "
            "(apt-get install chromium). Playwright's own browser downloads are not used.",
            pytrace=False,
        )
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            f"{AXE_JS} is missing: run `npm ci --prefix tests/e2e` (scripts/test does) "
            "to install axe-core for the accessibility tests.",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def e2e_settings(settings):
    """The live server in demo mode (simulator) over plain http on localhost."""
    settings.FARADAY_API_KEY = ""
    settings.FARADAY_DEMO = True
    settings.FARADAY_SIMULATOR_CYCLE_SECONDS = CYCLE_SECONDS
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return settings


@pytest.fixture
def e2e_user(e2e_settings, live_server, django_user_model):
    """A user holding every `connections` permission and audit.view_auditentry, granted directly."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    user = django_user_model.objects.create_user(username="e2e-onboarder", password=PASSWORD)
    permissions = Permission.objects.filter(
        Q(content_type__app_label="connections")
        | Q(content_type__app_label="audit", codename="view_auditentry")
    )
    assert permissions.filter(content_type__app_label="audit").exists()
    user.user_permissions.set(permissions)
    return user


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class Artifacts:
    """PNG screenshots in artifacts/e2e/<test name>/, numbered in the order they were taken."""

    def __init__(self, test_name: str):
        self.dir = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def shot(self, page, step: str) -> Path:
        self.count += 1
        slug = re.sub(r"[^\w.-]+", "-", step)
        path = self.dir / f"{self.count:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def artifacts(request) -> Artifacts:
    return Artifacts(request.node.name)


@dataclass
class Watch:
    """What the page did: every request, console messages and uncaught errors."""

    requests: list = field(default_factory=list)
    console: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)

    def posts(self, path: str) -> list:
        return [r for r in self.requests if r.method == "POST" and urlsplit(r.url).path == path]

    def console_matching(self, text: str) -> list[str]:
        return [m.text for m in self.console if text.lower() in m.text.lower()]


def _new_page(browser, live_server, *, bypass_csp: bool):
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, bypass_csp=bypass_csp, locale="en-US"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = Watch()
    page.on("request", lambda request: watch.requests.append(request))
    page.on("console", lambda message: watch.console.append(message))
    page.on("pageerror", lambda error: watch.page_errors.append(error))
    page.watch = watch
    return context, page


def close_saving_failure_shot(context, page, request, artifacts) -> None:
    """Close the page's context, after a screenshot when the test failed."""
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        try:
            artifacts.shot(page, "failure")
        except Exception as exc:  # a screenshot must not hide the real failure
            print(f"could not save the failure screenshot: {exc}")
    context.close()


@pytest.fixture
def page(browser, live_server, e2e_settings, request, artifacts) -> Iterator:
    """A fresh page in its own context, with the CSP enforced as in production.

    Any CSP report or uncaught script error during the test fails it (at teardown).
    """
    context, page = _new_page(browser, live_server, bypass_csp=False)
    yield page
    close_saving_failure_shot(context, page, request, artifacts)
    passed = getattr(request.node, "report_call", None)
    if passed is not None and passed.passed:
        reports = page.watch.console_matching("Content Security Policy")
        assert reports == [], f"CSP violations: {reports}"
        assert [str(e) for e in page.watch.page_errors] == [], "uncaught script errors"


@pytest.fixture
def csp_bypassed_page(browser, live_server, e2e_settings, request, artifacts) -> Iterator:
    """For the axe tests only: axe is injected as a script, which the CSP rightly blocks."""
    context, page = _new_page(browser, live_server, bypass_csp=True)
    yield page
    close_saving_failure_shot(context, page, request, artifacts)


def log_in(page, user, password: str = PASSWORD) -> None:
    """Sign in through the real login page, as a person would."""
    page.goto("/login/")
    page.get_by_label("User name").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/connections/")


@pytest.fixture
def signed_in(page, e2e_user):
    log_in(page, e2e_user)
    return page


@pytest.fixture
def create_in_simulator(e2e_settings) -> Callable:
    """Create a connection straight through the Faraday client (demo simulator), for list data."""
    from faraday_admin.core.upstream import get_faraday_client

    def create(name: str, **options):
        created = get_faraday_client().create_connection(name=name, options=options)
        _changed_in_faraday()
        return created

    return create


def finish_check(connection_id: str) -> None:
    """Move a simulated connection's check into the past, so it reads as ready (or error) now."""
    from datetime import timedelta

    from django.utils import timezone

    from faraday_admin.simulator.models import SimulatedConnection

    past = timezone.now() - timedelta(seconds=CYCLE_SECONDS * 2)
    assert SimulatedConnection.objects.filter(id=connection_id).update(cycle_started_at=past) == 1
    _changed_in_faraday()


def _changed_in_faraday() -> None:
    """A change made in Faraday itself shows within one cache lifetime (5 s); the tests don't
    wait that long for it, so the cached reads are dropped as that lifetime ending would."""
    from faraday_admin.core.upstream import forget_cached_reads

    forget_cached_reads()
