"""A canary secret typed into every form that takes one never reaches the database, the logs or
any page: not on success, not when the app rejects the form, not when Faraday refuses it or is
unreachable.

With a key configured (respx plays Faraday) every table is dumped, the simulator's included. In
demo mode the simulator's tables are left out of the dump only because they play Faraday's side,
and Faraday does keep the password.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import serializers
from django.test import Client, override_settings
from django.urls import reverse

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.core.models import StoredApiKey
from faraday_admin.simulator.models import SimulatedConnection

CANARY = "CANARY-s3cr3t-7f1c"
SIMULATOR_APP = "simulator"


@dataclass(frozen=True)
class SecretKind:
    """A connection type whose form has the secret field `secret`, with valid other values."""

    secret: str
    type: str
    values: dict[str, str]

    def form(self, **overrides: str) -> dict[str, str]:
        value = json.dumps({"bearerToken": CANARY}) if self.secret == "credentials_json" else CANARY
        return {
            "type": self.type,
            "name": f"Canary {self.type}",
            **self.values,
            self.secret: value,
            **overrides,
        }


POSTGRES_VALUES = {
    "host": "db.example.com",
    "port": "5432",
    "database": "shop",
    "schema": "public",
    "user": "faraday_reader",
}
KINDS = (
    SecretKind("password", "postgres", POSTGRES_VALUES),
    SecretKind("token", "motherduck", {"database": "analytics"}),
    SecretKind("api_key", "segment", {}),
    SecretKind("private_api_key", "klaviyo", {"api_key": "pk_public_0123"}),
    SecretKind("client_secret", "salesforce_marketing_cloud", {"client_id": "client-0123"}),
    SecretKind(
        "credentials_json", "databricks_delta_sharing", {"schema_name": "s", "share_name": "sh"}
    ),
)


@dataclass
class Recorder:
    """A signed-in test client that keeps every response (redirects followed) for inspection."""

    client: Client
    responses: list = field(default_factory=list)

    def get(self, url: str, **kwargs):
        return self._keep(self.client.get(url, follow=True, **kwargs))

    def post(self, url: str, data: dict, **kwargs):
        return self._keep(self.client.post(url, data, follow=True, **kwargs))

    def _keep(self, response):
        self.responses.append(response)
        return response

    def create(self, kind: SecretKind, **overrides: str):
        page = self.get(reverse("connections:create") + f"?type={kind.type}")
        token = re.search(r'name="submission_token" value="([^"]+)"', page.content.decode())
        return self.post(
            reverse("connections:create"),
            {"submission_token": token.group(1), **kind.form(**overrides)},
        )

    def bodies(self) -> Iterator[str]:
        for response in self.responses:
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            yield content.decode("utf-8", "replace")
            yield json.dumps(dict(response.headers))
            for _url, _status in response.redirect_chain:
                yield _url


def database_dump(*, exclude_apps: tuple[str, ...] = ()) -> str:
    """Every row of every model (through tables too), plus each session's decoded contents."""
    parts = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in exclude_apps or model._meta.proxy or not model._meta.managed:
            continue
        parts.append(serializers.serialize("json", model._base_manager.all()))
    parts.extend(json.dumps(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(parts)


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "django", "faraday_admin"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def assert_canary_absent(recorder: Recorder, logs, *, exclude_apps: tuple[str, ...] = ()):
    dump = database_dump(exclude_apps=exclude_apps)
    assert CANARY not in dump
    assert '"model": "auth.user"' in dump  # the dump did read the tables
    for record in logs.records:
        assert CANARY not in record.getMessage()
        assert CANARY not in str(record.__dict__)
    assert CANARY not in logs.text
    for body in recorder.bodies():
        assert CANARY not in body


@pytest.fixture
def onboarder_recorder(onboarder) -> Recorder:
    client = Client()
    client.force_login(onboarder)
    return Recorder(client)


@pytest.fixture
def admin_recorder(admin_user) -> Recorder:
    client = Client()
    client.force_login(admin_user)
    return Recorder(client)


def _route_detail_pages(faraday_api, connection: dict) -> None:
    """What the detail and edit pages read; Faraday never sends a secret back."""
    path = f"/connections/{connection['id']}"
    faraday_api.router.get(path).respond(200, json=connection)
    faraday_api.router.get(f"{path}/datasets").respond(200, json=[])
    faraday_api.router.get(f"{path}/targets").respond(200, json=[])


# ---- with a key configured: respx is Faraday, every table is dumped --------------------------


def _created(faraday_api, kind: SecretKind) -> dict:
    options = {"type": kind.type, **{k: v for k, v in kind.values.items() if k != "port"}}
    return faraday_api.connection(name=f"Canary {kind.type}", options=options)


UPSTREAM_FAILURES = {
    "validation": lambda api: api.error(
        400,
        "VALIDATION_FAILED",
        validation_errors=[{"path": "/name", "message": "Pick another name"}],
    ),
    "server": lambda api: api.error(500, "INTERNAL_SERVER_ERROR"),
    "auth": lambda api: api.error(401, "INVALID_AUTHORIZATION"),
    "limit": lambda api: api.error(403, "MAX_RESOURCES_REACHED"),
    "unreadable": lambda api: httpx.Response(502, text="<html>Bad gateway</html>"),
}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.secret)
def test_create_canary_never_stored_logged_or_shown_whatever_happens(
    onboarder_recorder, faraday_api, logs, kind
):
    created = _created(faraday_api, kind)
    _route_detail_pages(faraday_api, created)
    create = faraday_api.router.post("/connections")
    # After a gateway's error the app looks for a create that may have landed.
    faraday_api.router.get("/connections").respond(200, json=[])

    # Rejected by the app: the name is only spaces.
    rejected = onboarder_recorder.create(kind, name="   ")
    assert rejected.status_code == 422
    # Refused by Faraday, in several ways.
    for failure in UPSTREAM_FAILURES.values():
        create.mock(return_value=failure(faraday_api))
        assert onboarder_recorder.create(kind).status_code in (422, 502)
    # Faraday unreachable.
    create.mock(side_effect=httpx.ConnectError("refused"))
    assert onboarder_recorder.create(kind).status_code == 502
    # Accepted.
    create.mock(return_value=httpx.Response(201, json=created))
    assert onboarder_recorder.create(kind).status_code == 200

    assert any(CANARY in json.dumps(body) for body in faraday_api.sent_bodies())  # it did go out
    outcomes = list(AuditEntry.objects.values_list("outcome", flat=True))
    assert Outcome.REJECTED in outcomes and Outcome.SUCCESS in outcomes
    assert len(outcomes) == 2 + len(UPSTREAM_FAILURES) + 1
    assert all(
        entry.options.get(kind.secret) == AuditEntry.SECRET_MARKER
        for entry in AuditEntry.objects.all()
    )
    assert_canary_absent(onboarder_recorder, logs)


def test_create_with_the_canary_failing_its_own_field_rule_is_not_echoed(
    onboarder_recorder, faraday_api, logs
):
    # The password pattern is "one line": a line break makes the secret itself invalid.
    response = onboarder_recorder.create(KINDS[0], password=f"{CANARY}\nsecond line")

    assert response.status_code == 422
    assert not faraday_api.router.calls
    assert_canary_absent(onboarder_recorder, logs)


def test_edit_canary_never_stored_logged_or_shown_whatever_happens(
    onboarder_recorder, faraday_api, logs
):
    kind = KINDS[0]
    connection = _created(faraday_api, kind)
    _route_detail_pages(faraday_api, connection)
    patch = faraday_api.router.patch(f"/connections/{connection['id']}")
    edit_url = reverse("connections:edit", args=[connection["id"]])
    form = kind.form()
    onboarder_recorder.get(edit_url)

    assert onboarder_recorder.post(edit_url, {**form, "host": "not a host!"}).status_code == 422
    for failure in UPSTREAM_FAILURES.values():
        patch.mock(return_value=failure(faraday_api))
        assert onboarder_recorder.post(edit_url, form).status_code in (422, 502)
    patch.mock(side_effect=httpx.ReadTimeout("slow"))
    assert onboarder_recorder.post(edit_url, form).status_code == 502
    patch.mock(return_value=httpx.Response(200, json=connection))
    assert onboarder_recorder.post(edit_url, form).status_code == 200

    assert any(CANARY in json.dumps(body) for body in faraday_api.sent_bodies())
    # The rejected edit, each failure, the timeout and the success: one row each.
    assert AuditEntry.objects.filter(action=Action.EDIT).count() == len(UPSTREAM_FAILURES) + 3
    assert_canary_absent(onboarder_recorder, logs)


def test_api_key_canary_never_stored_logged_or_shown(admin_recorder, faraday_stored_key, logs):
    api = faraday_stored_key
    settings_url = reverse("core:settings")
    account = api.router.get("/accounts/current")
    admin_recorder.get(settings_url)

    # Rejected by the app: whitespace inside, too long.
    for bad in (f"{CANARY} {CANARY}", f"{CANARY}\n{CANARY}", CANARY * 40):
        assert admin_recorder.post(settings_url, {"api_key": bad}).status_code == 422
    # Saved (encrypted), then tested against Faraday's failures and success.
    assert admin_recorder.post(settings_url, {"api_key": CANARY}).status_code == 200
    # An auth error's note may quote the key it rejected; the client redacts it.
    account.mock(
        return_value=api.error(401, "INVALID_AUTHORIZATION", note=f"Key {CANARY} is unknown")
    )
    assert admin_recorder.post(reverse("core:key-test"), {}).status_code == 502
    account.mock(return_value=api.error(500, "INTERNAL_SERVER_ERROR"))
    assert admin_recorder.post(reverse("core:key-test"), {}).status_code == 502
    account.mock(side_effect=httpx.ReadTimeout("slow"))
    assert admin_recorder.post(reverse("core:key-test"), {}).status_code == 502
    account.mock(return_value=httpx.Response(200, text="not json"))
    assert admin_recorder.post(reverse("core:key-test"), {}).status_code == 502
    account.mock(return_value=httpx.Response(200, json=api.account()))
    assert admin_recorder.post(reverse("core:key-test"), {}).status_code == 200
    # Used for connection pages, with the key in the Authorization header only.
    api.router.get("/connections").respond(200, json=[])
    admin_recorder.get(reverse("connections:list"))
    # Refused while the environment sets a key.
    with override_settings(FARADAY_API_KEY="environment-key-0123456789"):
        assert admin_recorder.post(settings_url, {"api_key": CANARY}).status_code == 409
    # Cleared.
    admin_recorder.post(reverse("core:key-clear"), {})

    assert f"Bearer {CANARY}" in api.authorizations()
    assert not StoredApiKey.objects.exists()
    assert AuditEntry.objects.filter(action=Action.KEY_SAVE).count() == 5
    assert AuditEntry.objects.filter(action=Action.KEY_TEST).count() == 5
    assert_canary_absent(admin_recorder, logs)


def test_stored_api_key_row_holds_no_canary_while_it_is_in_use(
    admin_recorder, faraday_stored_key, logs
):
    admin_recorder.post(reverse("core:settings"), {"api_key": CANARY})

    assert StoredApiKey.objects.get().last4 == CANARY[-4:]
    assert_canary_absent(admin_recorder, logs)


def test_login_and_user_admin_passwords_never_stored_logged_or_shown(admin_user, faraday_api, logs):
    anonymous = Recorder(Client())
    assert (
        anonymous.post(
            reverse("login"), {"username": admin_user.username, "password": CANARY}
        ).status_code
        == 200
    )
    admin = Recorder(Client())
    admin.client.force_login(admin_user)
    add_user = reverse("admin:auth_user_add")
    mismatch = {
        "username": "newcomer",
        "usable_password": "true",
        "password1": CANARY,
        "password2": "other-pw-9x8y",
    }
    assert admin.post(add_user, mismatch).status_code == 200
    good = {**mismatch, "password2": CANARY}
    assert admin.post(add_user, good).status_code == 200
    signed_in = anonymous.post(reverse("login"), {"username": "newcomer", "password": CANARY})
    assert signed_in.redirect_chain  # the new password works (the role-less user then gets a 403)

    anonymous.responses.extend(admin.responses)
    assert_canary_absent(anonymous, logs)


def test_secret_echoed_in_a_faraday_validation_message_is_not_shown(
    onboarder_recorder, faraday_api, logs
):
    faraday_api.router.post("/connections").mock(
        return_value=faraday_api.error(
            400,
            "VALIDATION_FAILED",
            note=f"password {CANARY} rejected",
            validation_errors=[{"path": "/options/password", "message": f"“{CANARY}” is too weak"}],
        )
    )

    response = onboarder_recorder.create(KINDS[0])

    assert response.status_code == 422
    assert_canary_absent(onboarder_recorder, logs)


def test_secret_echoed_by_faraday_when_editing_is_not_shown(onboarder_recorder, faraday_api, logs):
    connection = _created(faraday_api, KINDS[0])
    _route_detail_pages(faraday_api, connection)
    faraday_api.router.patch(f"/connections/{connection['id']}").mock(
        return_value=faraday_api.error(
            400,
            "VALIDATION_FAILED",
            note=f"password {CANARY} rejected",
            validation_errors=[{"path": "/options/password", "message": f"“{CANARY}” is too weak"}],
        )
    )

    response = onboarder_recorder.post(
        reverse("connections:edit", args=[connection["id"]]), KINDS[0].form()
    )

    assert response.status_code == 422
    assert_canary_absent(onboarder_recorder, logs)


# ---- demo mode: the simulator plays Faraday, but keeps only digests of secrets ---------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.secret)
def test_demo_mode_create_stores_no_canary_anywhere_not_even_in_the_simulator(
    onboarder_recorder, logs, kind
):
    assert onboarder_recorder.create(kind, name="   ").status_code == 422
    created = onboarder_recorder.create(kind)
    assert created.status_code == 200

    simulated = SimulatedConnection.objects.get()
    assert kind.secret in simulated.options  # stored as a digest, not dropped
    assert_canary_absent(onboarder_recorder, logs)


def test_demo_mode_edit_stores_no_canary_anywhere_not_even_in_the_simulator(
    onboarder_recorder, logs
):
    kind = KINDS[0]
    onboarder_recorder.create(kind, password="first-password")
    connection_id = str(SimulatedConnection.objects.get().pk)
    edit_url = reverse("connections:edit", args=[connection_id])
    onboarder_recorder.get(edit_url)

    assert (
        onboarder_recorder.post(edit_url, {**kind.form(), "host": "not a host!"}).status_code == 422
    )
    assert onboarder_recorder.post(edit_url, kind.form()).status_code == 200

    stored = SimulatedConnection.objects.get().options["password"]
    assert stored.startswith("hmac-sha256:")
    assert_canary_absent(onboarder_recorder, logs)
