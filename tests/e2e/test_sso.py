"""Single sign-on end to end (issue 12): Chromium signs in through a real OpenID provider (node
`oidc-provider`, started here on 127.0.0.1), the person is created with the roles their groups
map to; a replayed state, an ID token for another client and an expired ID token are refused."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import httpx
import pytest
from django.contrib.auth.models import User

from faraday_admin.audit.models import Action, AuditEntry
from faraday_admin.core import oidc, roles
from faraday_admin.core.models import ExternalIdentity
from tests.test_dockerfile_cmd import free_port
from tests.web.conftest import role_group

pytestmark = pytest.mark.e2e

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
CLIENT_ID = "faraday-admin"
OTHER_CLIENT_ID = "other-app"
SECRET = "tests-only-client-secret-7f3a"  # the test provider's client secret
GROUPS = {"alice": ["faraday-onboarders", "unrelated"], "bob": ["unrelated"]}
START_DEADLINE_S = 20


@pytest.fixture
def provider(live_server) -> Iterator[str]:
    """A real OpenID provider knowing this app (and another app) as clients; yields its issuer."""
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(
            f"{PROVIDER_DIR}/node_modules is missing: run `npm ci --prefix tests/oidc` "
            "(scripts/test does).",
            pytrace=False,
        )
    port = free_port()
    callback = f"{live_server.url}/oidc/callback/"
    clients = [
        {"client_id": client, "client_secret": SECRET, "redirect_uris": [callback]}
        for client in (CLIENT_ID, OTHER_CLIENT_ID)
    ]
    env = {
        **os.environ,
        "PORT": str(port),
        "OIDC_CLIENTS": json.dumps(clients),
        "OIDC_GROUPS": json.dumps(GROUPS),
    }
    process = subprocess.Popen(
        ["node", "provider.mjs"],
        cwd=PROVIDER_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the OpenID provider exited:\n{process.stdout.read()}", pytrace=False)
            try:
                httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("the OpenID provider didn't start", pytrace=False)
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)
        oidc.discovery.cache_clear()


@pytest.fixture
def sso(e2e_settings, provider):
    for role in roles.ROLE_PERMISSIONS:
        role_group(role)  # an earlier transactional test's flush drops the migration's groups
    settings = e2e_settings
    settings.OIDC_ISSUER = provider
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = SECRET
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_ROLE_MAP = {"faraday-onboarders": "Onboarder"}
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "faraday_admin.core.oidc.CompanySignOnBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    return provider


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _sign_in_with_sso(page, live_server, login: str) -> list[str]:
    """Go through the provider's pages as `login`; returns the callback URLs the browser hit."""
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url) if "/oidc/callback/" in r.url else None)
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Sign in with Acme SSO").click()
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password: the test provider accepts all")
    page.click("button[type=submit]")
    page.get_by_role("button", name="Continue").click()  # the provider's consent page
    page.wait_for_load_state()
    return callbacks


def _refused(page, live_server) -> None:
    page.wait_for_url(f"{live_server.url}/login/?sso=failed")
    assert "Signing in with Acme SSO didn't work" in page.content()
    assert "Signed in as" not in page.content()


def test_chromium_signs_in_with_sso_and_the_person_gets_the_role_their_groups_map_to(
    sso, live_server, page
):
    _sign_in_with_sso(page, live_server, "alice")

    page.wait_for_url(f"{live_server.url}/connections/")
    assert "Signed in as" in page.content() and "alice" in page.content()
    alice = User.objects.get(username="alice")
    assert [g.name for g in alice.groups.all()] == ["Onboarder"]
    assert not alice.has_usable_password()
    assert ExternalIdentity.objects.get(user=alice).subject == "alice"


def test_a_person_whose_groups_map_to_no_role_is_created_without_one(sso, live_server, page):
    _sign_in_with_sso(page, live_server, "bob")

    page.wait_for_url(f"{live_server.url}/connections/")
    assert "Your account has no role yet" in page.content()
    bob = User.objects.get(username="bob")
    assert not bob.groups.exists()


def test_a_local_user_of_the_same_name_is_never_taken_over(sso, live_server, page):
    local = User.objects.create_user("alice", password="local-pw-0123456789")

    _sign_in_with_sso(page, live_server, "alice")

    page.wait_for_url(f"{live_server.url}/connections/")
    signed_in = ExternalIdentity.objects.get(subject="alice").user
    assert signed_in.pk != local.pk
    assert signed_in.username == "alice-2"


def _said(entry: AuditEntry, words: str) -> bool:
    """The audit row's detail, worded as the audit page shows it, holds `words`."""
    return words in entry.detail_text


def test_a_replayed_callback_state_is_refused(sso, live_server, page, browser):
    callbacks = _sign_in_with_sso(page, live_server, "alice")
    page.wait_for_url(f"{live_server.url}/connections/")
    [callback] = callbacks

    replay_context = browser.new_context()
    replay = replay_context.new_page()
    try:
        replay.goto(callback)
        _refused(replay, live_server)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{live_server.url}/login/")
        page.goto(callback)  # the same browser, whose state was used up
        _refused(page, live_server)
    finally:
        replay_context.close()
    refusals = [
        e for e in AuditEntry.objects.filter(action=Action.SIGN_IN) if _said(e, "company sign-on")
    ]
    assert len(refusals) == 2


def test_an_id_token_issued_for_another_client_is_refused(sso, live_server, page):
    """The provider really issues the token, for `other-app` (as if a token minted for another
    application were played back to this one): the audience check refuses it."""
    real_get_token = oidc.CompanySignOnBackend.get_token

    def exchange_as_other_app(self, payload):
        return real_get_token(self, {**payload, "client_id": OTHER_CLIENT_ID})

    def asking_for_other_app(attr, *args):
        return OTHER_CLIENT_ID if attr == "OIDC_RP_CLIENT_ID" else oidc.oidc_setting(attr, *args)

    with (
        mock.patch.object(oidc.SignOnStartView, "get_settings", staticmethod(asking_for_other_app)),
        mock.patch.object(oidc.CompanySignOnBackend, "get_token", exchange_as_other_app),
    ):
        _sign_in_with_sso(page, live_server, "alice")
        _refused(page, live_server)

    assert not User.objects.filter(username="alice").exists()
    assert any(_said(e, "another client (audience)") for e in AuditEntry.objects.all())


def test_an_expired_id_token_is_refused(sso, live_server, page):
    """A real token from the provider, checked by an app whose clock is two hours ahead."""
    later = time.time() + 2 * 60 * 60
    with mock.patch.object(oidc, "_now", return_value=later):
        _sign_in_with_sso(page, live_server, "alice")
        _refused(page, live_server)

    assert not User.objects.filter(username="alice").exists()
    assert any(_said(e, "ID token expired") for e in AuditEntry.objects.all())
