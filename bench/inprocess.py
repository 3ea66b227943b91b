"""In-process figures: Django's test Client against the real URL conf, settings and middleware.

Needs Django set up on the bench database (see run.py) and a FakeFaraday router active.
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from fleet import API_KEY, finished
from results import Result, check, info, percentile

from faraday_admin.catalog import get_catalog
from faraday_admin.connections.forms import form_class_for
from faraday_admin.connections.templatetags import connection_rows
from faraday_admin.core import crypto, faraday_cache, upstream
from faraday_admin.core.models import StoredApiKey
from tests.fake_faraday import FakeFaraday

WARMUP = 30
SAMPLES = 250
ORIGIN = "http://127.0.0.1"
HTMX = {"HTTP_HX_REQUEST": "true"}
POLL_TICKS = 10
WEIGHT_BUDGET_BYTES = 60 * 1024
# The list page's p50 / the admin add-user page's before the shared cache (2026-11-29): a cold
# cache must do as well.
COLD_LIST_RATIO_BEFORE = 3.34
WARM_LIST_BUDGET = 0.3  # x the admin change list of 1,000 users


@dataclass(eq=False)
class Page:
    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    expect: Callable[[str], bool] = lambda html: True
    # Settings to override for this page's requests (applied outside the timed span).
    settings: dict[str, object] = field(default_factory=dict)
    # Empty the cache of Faraday's answers before each request (outside the timed span).
    cold: bool = False
    samples: list[float] = field(default_factory=list)
    upstream: int = -1
    queries: int = -1

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)


_FETCHED_RELS = ("icon", "preload", "modulepreload", "manifest")


class _Collector(HTMLParser):
    """Every URL the page makes the browser fetch, and every htmx poller (hx-get + every Ns)."""

    FETCHED = {
        "script": ("src",),
        "link": ("href",),
        "img": ("src", "srcset"),
        "source": ("src", "srcset"),
        "iframe": ("src",),
        "video": ("src", "poster"),
        "audio": ("src",),
        "embed": ("src",),
        "object": ("data",),
        "input": ("src",),
    }

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[str] = []
        self.pollers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        # rel=canonical and the like name a URL without fetching it.
        fetched_link = "stylesheet" in values.get("rel", "") or values.get("rel") in _FETCHED_RELS
        if tag == "link" and not fetched_link:
            return
        for name in self.FETCHED.get(tag, ()):
            for url in re.split(r",\s*", values.get(name, "")):
                if url.strip():
                    self.resources.append(url.strip().split()[0])
        if "every" in values.get("hx-trigger", "") and values.get("hx-get"):
            self.pollers.append(values["hx-get"])


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def pollers_in(html: str) -> list[str]:
    return _parse(html).pollers


def empty_caches() -> None:
    """What a cold cache means: no shared entry, no parsed list, no built row."""
    cache.clear()
    faraday_cache.forget_parsed()
    connection_rows.forget_built_rows()
    connection_rows._natural_time.cache_clear()


def _get(client: Client, page: Page, timings: list[float] | None = None):
    if page.cold:
        empty_caches()
    with override_settings(**page.settings):
        started = time.perf_counter()
        response = client.get(page.path, **page.headers)
        if timings is not None:
            timings.append((time.perf_counter() - started) * 1000)
    if response.status_code != 200:
        raise RuntimeError(f"{page.label}: GET {page.path} answered {response.status_code}")
    return response


def _builds() -> int:
    """How many times this process has built the catalog, a form class or a pooled client."""
    return sum(
        cached.cache_info().misses
        for cached in (get_catalog, form_class_for, upstream._pooled_http_client)
    )


def time_pages(client: Client, fake: FakeFaraday, pages: list[Page]) -> int:
    """Warm up, count upstream requests and queries per page, then time the pages round-robin.

    Round-robin, so every page sees the same machine (other work on the two cores, CPU clock)
    and the ratios to the baseline stay fair. Returns how many catalogs, form classes and pooled
    clients were built during the timed requests (built once per process, that is 0).
    """
    for page in pages:
        for _ in range(WARMUP):
            html = _get(client, page).content.decode()
        if not page.expect(html):
            raise RuntimeError(f"{page.label}: {page.path} does not look as expected")
        before = fake.calls
        with CaptureQueriesContext(connection) as queries:
            _get(client, page)
        page.upstream = fake.calls - before
        page.queries = len(queries)
    builds = _builds()
    for _ in range(SAMPLES):
        for page in pages:
            _get(client, page, page.samples)
    return _builds() - builds


def simulate_polling(client: Client, fake: FakeFaraday, html: str, ticks: int) -> tuple[int, int]:
    """What htmx would do for `ticks` poll intervals: (poll requests, upstream requests)."""
    pollers = pollers_in(html)
    requests, before = 0, fake.calls
    for _ in range(ticks):
        following: list[str] = []
        for url in pollers:
            requests += 1
            following += pollers_in(_get(client, Page("poll", url, HTMX)).content.decode())
        pollers = following
    return requests, fake.calls - before


def page_weight(client: Client, path: str) -> tuple[dict[str, int], int]:
    """({"HTML" or file name: gzip bytes} for the page and the same-origin files it loads,
    the number of third-party requests it makes)."""
    html = client.get(path).content
    weights = {"HTML": len(gzip.compress(html, compresslevel=9))}
    third_party = 0
    # data: URLs (like an empty favicon) are inline: no request at all.
    queue = [
        urljoin(ORIGIN + path, url)
        for url in _parse(html.decode()).resources
        if not url.lower().startswith("data:")
    ]
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
            third_party += 1
            continue
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if response.status_code != 200:
            raise RuntimeError(f"{path} loads {url}, which answered {response.status_code}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        # app.2d547b64e171.css → app.css: the manifest's content hash changes with every edit.
        name = re.sub(r"\.[0-9a-f]{12}(?=\.)", "", parts.path.rsplit("/", 1)[-1])
        weights[name] = len(gzip.compress(body, compresslevel=9))
        if parts.path.endswith(".css"):
            # Fonts, images and imports a stylesheet pulls in count too.
            for ref in re.findall(
                r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""", body.decode()
            ):
                target = ref[0] or ref[1]
                if not target.lower().startswith("data:"):
                    queue.append(urljoin(url, target))
    return weights, third_party


def fifty_rows(html: str) -> bool:
    """A full first page of the list."""
    return html.count('<tr id="row-') == 50


def _ms(page: Page, baseline: Page) -> str:
    ratio = page.p50 / baseline.p50
    return f"p50 {page.p50:.1f} ms · p95 {page.p95:.1f} ms · {ratio:.2f}x admin"


def run(fake: FakeFaraday, user: User) -> list[Result]:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    detail = next(
        c
        for c in fake.connections.values()
        if c["status"] == "ready" and c["contents"] and c["name"]
    )
    list_page = Page("list", "/connections/", expect=fifty_rows)
    cold_list = Page("list, cold cache", "/connections/", expect=fifty_rows, cold=True)
    users = User.objects.count()
    changelist = Page(
        f"admin change list ({users:,} users)",
        "/admin/auth/user/",
        expect=lambda html: f"{users} users" in html,
    )
    # The same page with the key saved on the Settings page instead of in the environment.
    StoredApiKey.objects.update_or_create(
        pk=StoredApiKey.SINGLETON_ID,
        defaults={"encrypted_key": crypto.encrypt(API_KEY), "last4": API_KEY[-4:]},
    )
    stored_key_list = Page(
        "list, stored key", "/connections/", expect=fifty_rows, settings={"FARADAY_API_KEY": ""}
    )
    pages = [
        Page("admin add-user", "/admin/auth/user/add/", expect=lambda html: "password1" in html),
        Page("create", "/connections/new/", expect=lambda html: html.count("<option") >= 44),
        Page(
            "type-switch",
            "/connections/new/fields/?type=snowflake",
            HTMX,
            expect=lambda html: "<html" not in html and 'name="account_name"' in html,
        ),
        changelist,
        list_page,
        cold_list,
        stored_key_list,
        Page(
            "detail",
            f"/connections/{detail['id']}/",
            expect=lambda html: detail["name"] in html,
        ),
    ]
    list_html = _get(client, list_page).content.decode()
    pollers = pollers_in(list_html)
    if len(pollers) != 1:
        raise RuntimeError(f"the list with active connections has {len(pollers)} pollers, not 1")
    active_ids = pollers[0].count("ids=")
    pages.append(Page(f"poll ({active_ids} active ids)", pollers[0], HTMX))
    rebuilt = time_pages(client, fake, pages)
    admin, create, switch, admin_list, listing, cold_listing, stored_listing, detail_page, poll = (
        pages
    )

    results = [
        info("admin add-user page (baseline)", _ms(admin, admin)),
        check(
            "create page",
            create.p50 / admin.p50,
            _ms(create, admin),
            "p50 <= 1.0x admin",
            lambda ratio: ratio <= 1.0,
        ),
        check(
            "type-switch partial", switch.p50, _ms(switch, admin), "p50 <= 5 ms", lambda v: v <= 5
        ),
        info(f"{admin_list.label} (warm-list baseline)", _ms(admin_list, admin)),
        check(
            f"list page, {len(fake.connections):,} connections, warm cache",
            listing.p50 / admin_list.p50,
            _ms(listing, admin) + f" · {listing.p50 / admin_list.p50:.2f}x admin change list",
            f"p50 <= {WARM_LIST_BUDGET}x admin change list",
            lambda ratio: ratio <= WARM_LIST_BUDGET,
        ),
        check(
            f"list page, {len(fake.connections):,} connections, cold cache",
            cold_listing.p50 / admin.p50,
            _ms(cold_listing, admin),
            f"p50 <= {COLD_LIST_RATIO_BEFORE}x admin (as before the cache) and <= 50 ms",
            lambda ratio: ratio <= COLD_LIST_RATIO_BEFORE and cold_listing.p50 <= 50,
        ),
        info("list page, key stored in the app (Settings page), warm", _ms(stored_listing, admin)),
        info("detail page", _ms(detail_page, admin)),
        info(poll.label, _ms(poll, admin)),
    ]
    upstream_budgets = {
        admin: ("= 0", lambda n: n == 0),
        admin_list: ("= 0", lambda n: n == 0),
        create: ("= 0", lambda n: n == 0),
        switch: ("= 0", lambda n: n == 0),
        listing: ("= 0 (warm)", lambda n: n == 0),
        cold_listing: ("= 1", lambda n: n == 1),
        stored_listing: ("= 0 (warm, same account)", lambda n: n == 0),
        detail_page: ("<= 3 (documented)", lambda n: n <= 3),
        poll: ("<= 1 (any row count)", lambda n: n <= 1),
    }
    for page, (budget, ok) in upstream_budgets.items():
        results.append(
            check(f"upstream requests: {page.label}", page.upstream, "{:.0f}", budget, ok)
        )
    results.append(
        check(
            f"catalog, form classes, pooled client built during {SAMPLES * len(pages):,} requests",
            rebuilt,
            "{:.0f}",
            "= 0 (once per process)",
            lambda n: n == 0,
        )
    )
    results.append(
        info(
            "database queries per page",
            "; ".join(f"{page.label.split(' (')[0]} {page.queries}" for page in pages),
        )
    )

    # Faraday finishes checking: the page that was polling makes one last poll, then stops.
    fake.store(finished(list(fake.connections.values())))
    empty_caches()  # one cache lifetime later
    polls, _calls = simulate_polling(client, fake, list_html, POLL_TICKS)
    results.append(
        check(
            f"poll stops once all terminal ({POLL_TICKS} ticks)",
            polls,
            "{:.0f} poll request(s)",
            "= 1 (the last)",
            lambda n: n == 1,
        )
    )
    empty_caches()
    terminal_html = _get(client, list_page).content.decode()
    polls, calls = simulate_polling(client, fake, terminal_html, POLL_TICKS)
    results.append(
        check(
            f"all terminal: upstream calls from polling ({POLL_TICKS} ticks)",
            calls,
            "{:.0f}",
            "= 0",
            lambda n: n == 0,
        )
    )
    results.append(
        info("all terminal: pollers on the list page", str(len(pollers_in(terminal_html))))
    )

    weights, third_party = page_weight(client, "/connections/new/")
    parts = " + ".join(f"{name} {size:,}" for name, size in weights.items())
    results.append(
        check(
            "create page weight, gzip (HTML + CSS + JS it loads)",
            sum(weights.values()),
            "{:,.0f} B (" + parts.replace("{", "{{").replace("}", "}}") + ")",
            f"<= {WEIGHT_BUDGET_BYTES:,} B",
            lambda v: v <= WEIGHT_BUDGET_BYTES,
        )
    )
    results.append(
        check("create page third-party requests", third_party, "{:.0f}", "= 0", lambda n: n == 0)
    )
    return results
