"""The stored Faraday API key: save, mask, use, precedence, clear and test, each audited."""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import re

import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.core import crypto, services
from faraday_admin.core.models import StoredApiKey
from faraday_admin.core.upstream import KeySource, current_setup

KEY = "fdy-live-Zq8XwV3n7Lk2Pm4Rt6Yb-9c3e"
OTHER_KEY = "fdy-live-second-key-0000-77aa"
ENV_KEY = "fdy-env-key-from-environment-5b5b"
HTMX = {"HX-Request": "true"}
SETTINGS = "/settings/"


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def _save(client, key: str, **headers):
    return client.post(reverse("core:settings"), {"api_key": key}, headers=headers or None)


def _text(response) -> str:
    """The response body with HTML entities decoded (Django escapes ' as &#x27;)."""
    return html_lib.unescape(response.content.decode())


def _key_entries(action: Action) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _raw_column() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_key, last4 FROM core_storedapikey")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_settings_url_is_settings():
    assert reverse("core:settings") == SETTINGS


# ---- save ------------------------------------------------------------------------------------


def test_saved_key_is_encrypted_at_rest_and_only_its_last_four_are_kept_in_clear(admin, admin_user):
    response = _save(admin, KEY)

    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    stored = StoredApiKey.objects.get()
    raw = _raw_column()
    assert KEY not in raw
    assert KEY[:-4] not in raw
    assert stored.last4 == "9c3e"
    assert crypto.decrypt(stored.encrypted_key) == KEY
    assert stored.updated_by == admin_user
    assert current_setup().source is KeySource.STORED


def test_saving_strips_spaces_and_line_breaks_around_a_pasted_key(admin):
    _save(admin, f"  {KEY}\r\n")

    assert crypto.decrypt(StoredApiKey.objects.get().encrypted_key) == KEY


def test_settings_page_shows_only_the_last_four_and_never_fills_the_input(admin):
    _save(admin, KEY)

    page = admin.get(SETTINGS)
    html = _text(page)

    assert page.status_code == 200
    assert "…9c3e" in html
    assert KEY not in html
    assert KEY[:-4] not in html
    field = re.search(r"<input[^>]*name=\"api_key\"[^>]*>", html).group(0)
    assert 'type="password"' in field
    assert "value=" not in field
    assert "The key saved on this page" in html


def test_saving_replaces_the_previous_key(admin):
    _save(admin, KEY)
    _save(admin, OTHER_KEY)

    assert StoredApiKey.objects.count() == 1
    assert crypto.decrypt(StoredApiKey.objects.get().encrypted_key) == OTHER_KEY


def test_save_is_audited_with_last_four_and_never_the_key(admin, admin_user):
    _save(admin, KEY)

    (entry,) = _key_entries(Action.KEY_SAVE)
    assert entry.outcome == Outcome.SUCCESS
    assert entry.actor == admin_user
    assert "9c3e" in entry.detail_text
    assert KEY not in str(AuditEntry.objects.values().get())


def test_saved_key_is_sent_in_the_authorization_header_of_the_next_upstream_call(
    client, admin_user, faraday_stored_key
):
    client.force_login(admin_user)
    route = faraday_stored_key.router.get("/connections").respond(200, json=[])
    _save(client, KEY)

    response = client.get(reverse("connections:list"))

    assert response.status_code == 200
    assert route.called
    assert faraday_stored_key.authorizations() == [f"Bearer {KEY}"]


@pytest.mark.parametrize(
    ("submitted", "code", "message"),
    [
        ("", "required", "Paste the API key"),
        ("   ", "required", "Paste the API key"),
        ("fdy-live-two words-in-the-key", "whitespace", "can't contain spaces or line breaks"),
        ("fdy-live-line\nbreak-in-the-key", "whitespace", "can't contain spaces or line breaks"),
        ("short-key", "min_length", "too short"),
        ("k" * 513, "max_length", "too long"),
        ("fdy-live-clé-accentuée-0000", "characters", "unaccented letters"),
    ],
)
def test_invalid_key_is_refused_with_plain_words_not_stored_and_audited(
    admin, submitted, code, message
):
    response = _save(admin, submitted)

    assert response.status_code == 422
    html = _text(response)
    assert message in html
    if submitted.strip():
        assert submitted not in html
    # The page reloads: focus lands on the field to paste the key again, not the page's top.
    assert re.search(r'<input[^>]*name="api_key"[^>]*autofocus', html)
    assert not StoredApiKey.objects.exists()
    (entry,) = _key_entries(Action.KEY_SAVE)
    assert entry.outcome == Outcome.REJECTED
    assert code in entry.detail_text
    if submitted.strip():
        assert submitted not in entry.detail_text


def test_settings_view_marks_the_posted_key_as_sensitive_for_error_reports(admin):
    response = _save(admin, KEY)

    request = response.wsgi_request
    assert request.sensitive_post_parameters == "__ALL__"
    # What Django's error e-mails and debug pages show of the POST body.
    shown = SafeExceptionReporterFilter().get_post_parameters(request)
    assert shown["api_key"] != KEY
    assert set(shown["api_key"]) == {"*"}


# ---- encryption at rest: FIELD_ENCRYPTION_KEY, or a key derived from SECRET_KEY --------------


def _derived_from_secret_key(secret_key: str) -> Fernet:
    # Worked out here, not by crypto._fernet, so a change to the derivation fails a test: it
    # would make every key stored so far unreadable.
    digest = hashlib.sha256(b"faraday-admin.stored-api-key:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def test_with_field_encryption_key_set_the_key_is_stored_and_used_under_that_key(
    client, admin_user, faraday_stored_key, settings
):
    field_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = field_key
    client.force_login(admin_user)
    faraday_stored_key.router.get("/connections").respond(200, json=[])

    assert _save(client, KEY).status_code == 302
    client.get(reverse("connections:list"))

    token = StoredApiKey.objects.get().encrypted_key.encode()
    assert Fernet(field_key.encode()).decrypt(token).decode() == KEY
    with pytest.raises(InvalidToken):
        _derived_from_secret_key(settings.SECRET_KEY).decrypt(token)
    assert faraday_stored_key.authorizations() == [f"Bearer {KEY}"]
    assert "The saved key can't be read any more" not in _text(client.get(SETTINGS))


def test_key_stored_under_field_encryption_key_is_unreadable_without_it(admin, settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    _save(admin, KEY)

    settings.FIELD_ENCRYPTION_KEY = ""

    assert crypto.decrypt(StoredApiKey.objects.get().encrypted_key) is None
    assert "The saved key can't be read any more" in _text(admin.get(SETTINGS))


def test_without_field_encryption_key_the_key_is_stored_under_one_derived_from_secret_key(
    admin, settings
):
    settings.FIELD_ENCRYPTION_KEY = ""
    _save(admin, KEY)

    token = StoredApiKey.objects.get().encrypted_key.encode()
    assert _derived_from_secret_key(settings.SECRET_KEY).decrypt(token).decode() == KEY
    assert crypto.decrypt(token.decode()) == KEY
    settings.SECRET_KEY = "another-secret-key-entirely-0123456789-abcdefghijklmnop"
    assert crypto.decrypt(token.decode()) is None


# ---- precedence ------------------------------------------------------------------------------


def test_environment_key_wins_over_the_stored_key(client, admin_user, faraday_stored_key):
    client.force_login(admin_user)
    _save(client, KEY)
    faraday_stored_key.router.get("/connections").respond(200, json=[])

    with override_settings(FARADAY_API_KEY=ENV_KEY):
        client.get(reverse("connections:list"))
        page = _text(client.get(SETTINGS))

    assert faraday_stored_key.authorizations() == [f"Bearer {ENV_KEY}"]
    assert "set in the app's environment" in page
    assert "…5b5b" in page
    assert ENV_KEY not in page
    assert "not used while the environment key is set" in page
    assert re.search(r"<fieldset disabled>", page)
    assert "Saving a key here is turned off" in page


@override_settings(FARADAY_API_KEY=ENV_KEY)
def test_saving_while_the_environment_sets_a_key_is_refused_and_audited(admin):
    response = _save(admin, KEY)

    assert response.status_code == 409
    assert "The key was not saved" in _text(response)
    assert re.search(
        r'role="alert" tabindex="-1" autofocus><p [^>]*>.{0,80}The key was not saved',
        _text(response),
    )
    assert KEY not in _text(response)
    assert not StoredApiKey.objects.exists()
    (entry,) = _key_entries(Action.KEY_SAVE)
    assert entry.outcome == Outcome.REJECTED
    assert "environment" in entry.detail_text


def test_without_any_key_demo_mode_is_shown(admin):
    page = _text(admin.get(SETTINGS))

    assert "the app is in demo mode" in page
    assert "Remove saved key" not in page


@override_settings(FARADAY_DEMO=False)
def test_without_any_key_and_demo_off_the_test_button_is_disabled(admin):
    page = _text(admin.get(SETTINGS))

    assert "the app can't reach Faraday until a key is saved" in page
    assert re.search(r"<button type=\"submit\" disabled[^>]*>Test key</button>", page)


def test_unreadable_stored_key_is_reported_with_what_to_do(admin, admin_user):
    StoredApiKey.objects.create(
        encrypted_key="not-a-fernet-token", last4="0000", updated_by=admin_user
    )

    page = _text(admin.get(SETTINGS))

    assert "The saved key can't be read any more" in page
    assert current_setup().source is KeySource.NONE  # never silently the simulator


# ---- clear -----------------------------------------------------------------------------------


def test_clear_removes_the_stored_key_audits_it_and_falls_back_to_demo(admin):
    admin.get(_save(admin, KEY)["Location"])  # shows (and so uses up) the "Saved" message

    response = admin.post(reverse("core:key-clear"))

    assert response.status_code == 302
    assert not StoredApiKey.objects.exists()
    assert current_setup().source is KeySource.DEMO
    (entry,) = _key_entries(Action.KEY_CLEAR)
    assert entry.outcome == Outcome.SUCCESS
    assert entry.detail_text == "removed the stored key"
    page = _text(admin.get(SETTINGS))
    assert "Removed the saved API key." in page
    assert "…9c3e" not in page


def test_clear_with_htmx_redirects_the_browser_to_the_settings_page(admin):
    _save(admin, KEY)

    response = admin.post(reverse("core:key-clear"), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == SETTINGS


def test_clear_without_a_stored_key_says_so(admin):
    admin.post(reverse("core:key-clear"))

    page = _text(admin.get(SETTINGS))
    assert "There was no saved API key to remove." in page
    assert _key_entries(Action.KEY_CLEAR)[0].detail_text == "no key was stored"


def test_clear_only_accepts_post(admin):
    assert admin.get(reverse("core:key-clear")).status_code == 405


# ---- test key --------------------------------------------------------------------------------


def test_test_key_success_shows_the_account_name_and_is_audited(admin, faraday_api):
    route = faraday_api.router.get("/accounts/current").respond(
        200, json=faraday_api.account("Acme Corp")
    )

    response = admin.post(reverse("core:key-test"))

    assert response.status_code == 200
    assert "The key works." in _text(response)
    assert "Acme Corp" in _text(response)
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {faraday_api.api_key}"
    (entry,) = _key_entries(Action.KEY_TEST)
    assert entry.outcome == Outcome.SUCCESS
    assert entry.http_status == 200
    assert entry.duration_ms is not None
    assert "environment key" in entry.detail_text


def test_test_key_with_htmx_returns_only_the_result(admin, faraday_api):
    faraday_api.router.get("/accounts/current").respond(200, json=faraday_api.account())

    response = admin.post(reverse("core:key-test"), headers=HTMX)

    html = _text(response)
    # Only the outcome: it goes inside #key-test-result, which stays so it is read out.
    assert html.strip().startswith(
        '<p class="notice notice-success" role="status" tabindex="-1" autofocus>'
    )
    assert "<html" not in html
    assert "key-test-result" not in html


def test_test_key_in_demo_mode_reaches_the_simulator(admin):
    response = admin.post(reverse("core:key-test"))

    assert response.status_code == 200
    assert "Demo account (simulated)" in _text(response)
    assert "demo mode" in _key_entries(Action.KEY_TEST)[0].detail_text


def test_test_key_uses_the_stored_key(client, admin_user, faraday_stored_key):
    client.force_login(admin_user)
    faraday_stored_key.router.get("/accounts/current").respond(
        200, json=faraday_stored_key.account()
    )
    _save(client, KEY)

    client.post(reverse("core:key-test"))

    assert faraday_stored_key.authorizations() == [f"Bearer {KEY}"]
    assert "stored key" in _key_entries(Action.KEY_TEST)[0].detail_text


FAILURES = [
    pytest.param(401, "INVALID_AUTHORIZATION", "Faraday refused the API key.", id="invalid"),
    pytest.param(401, "EXPIRED_API_KEY", "The Faraday API key has expired.", id="expired"),
    pytest.param(401, "MALFORMED_API_KEY", "didn't recognise the API key's format", id="malformed"),
    pytest.param(403, "FORBIDDEN", "isn't allowed to do that", id="forbidden"),
    pytest.param(404, "NOT_FOUND", "didn't answer at the address", id="not-found"),
    pytest.param(500, "INTERNAL_SERVER_ERROR", "Faraday had a problem on its side.", id="server"),
    pytest.param(
        503, "INTERNAL_SERVER_ERROR", "Faraday is temporarily unavailable.", id="unavailable"
    ),
    pytest.param(429, "RATE_LIMITED", "too many requests", id="rate-limited"),
]


@pytest.mark.parametrize(("status", "code", "words"), FAILURES)
def test_test_key_refused_by_faraday_shows_plain_words_and_error_id_and_is_audited(
    admin, faraday_api, status, code, words
):
    faraday_api.router.get("/accounts/current").mock(
        return_value=faraday_api.error(status, code, headers={"Retry-After": "0"})
    )

    response = admin.post(reverse("core:key-test"))

    html = _text(response)
    assert response.status_code == 502
    assert words in html
    assert faraday_api.error_id in html
    (entry,) = _key_entries(Action.KEY_TEST)
    assert entry.outcome == Outcome.FARADAY_ERROR
    assert entry.http_status == status
    assert entry.faraday_error_code == code
    assert entry.faraday_error_id == faraday_api.error_id


@pytest.mark.parametrize(
    ("code", "step"),
    [
        ("INVALID_AUTHORIZATION", "Copy the key again from Faraday's dashboard and save it below."),
        ("EXPIRED_API_KEY", "Create a new key in Faraday's dashboard and save it below."),
    ],
)
def test_test_of_a_refused_saved_key_says_to_save_a_new_one_here(
    admin, faraday_stored_key, code, step
):
    services.api_key_save(actor=None, api_key="stored-key-0123456789")
    faraday_stored_key.router.get("/accounts/current").mock(
        return_value=faraday_stored_key.error(401, code)
    )

    response = admin.post(reverse("core:key-test"), headers=HTMX)

    assert step in _text(response)
    assert "Settings page" not in _text(response), "the person is on the Settings page"


def test_test_of_a_refused_environment_key_says_who_can_change_it(admin, faraday_api):
    faraday_api.router.get("/accounts/current").mock(
        return_value=faraday_api.error(401, "INVALID_AUTHORIZATION")
    )

    response = admin.post(reverse("core:key-test"), headers=HTMX)

    assert "Ask whoever runs the app to put a working key in its environment" in _text(response)
    assert "save it" not in _text(response), (
        "saving here is turned off while FARADAY_API_KEY is set"
    )


def test_test_key_network_fault_is_shown_and_audited(admin, faraday_api):
    faraday_api.router.get("/accounts/current").mock(side_effect=httpx.ReadTimeout("slow"))

    response = admin.post(reverse("core:key-test"))

    assert response.status_code == 502
    assert "Faraday didn't answer in time." in _text(response)
    (entry,) = _key_entries(Action.KEY_TEST)
    assert entry.outcome == Outcome.NETWORK_FAULT
    assert entry.http_status is None
    assert entry.detail_text == "tested the environment key; network fault: read_timeout"


def test_test_key_unreadable_answer_is_shown_and_audited(admin, faraday_api):
    faraday_api.router.get("/accounts/current").respond(200, text="<html>maintenance</html>")

    response = admin.post(reverse("core:key-test"))

    assert response.status_code == 502
    assert "Faraday sent an answer this app couldn't read." in _text(response)
    assert "check FARADAY_API_URL" in _text(response)
    (entry,) = _key_entries(Action.KEY_TEST)
    assert entry.outcome == Outcome.BAD_RESPONSE
    assert entry.http_status == 200


@override_settings(FARADAY_DEMO=False)
def test_test_key_without_any_key_is_refused_locally_and_audited(admin):
    response = admin.post(reverse("core:key-test"))

    assert response.status_code == 422
    assert "There is no key to test." in _text(response)
    (entry,) = _key_entries(Action.KEY_TEST)
    assert entry.outcome == Outcome.REJECTED


def test_key_test_service_returns_the_account(admin_user, faraday_api):
    faraday_api.router.get("/accounts/current").respond(200, json=faraday_api.account("Acme"))

    account = services.api_key_test(actor=admin_user)

    assert account.name == "Acme"


@pytest.mark.parametrize(
    ("demo", "said"),
    [
        (True, "Afterwards the app runs in demo mode until a key is saved again"),
        (False, "Afterwards the app can't reach Faraday until a key is saved again."),
    ],
)
def test_remove_section_says_what_happens_without_the_saved_key(admin, settings, demo, said):
    settings.FARADAY_API_KEY = ""
    settings.FARADAY_DEMO = demo
    services.api_key_save(actor=None, api_key=KEY)

    assert said in _text(admin.get(reverse("core:settings")))
