import hashlib
import hmac
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.conf import settings

from faraday_admin.simulator import engine
from faraday_admin.simulator.models import SimulatedConnection, SimulatedDependent
from tests.payloads import clickhouse_options, postgres_options, snowflake_options
from tests.simulator.conftest import START

CONNECTION_FIELDS = {
    "id", "name", "options", "status", "status_changed_at", "status_error", "directionality",
    "contents", "contents_error", "managed", "archived_at", "created_at", "updated_at",
    "last_read_input_at", "last_updated_config_at", "last_updated_output_at", "resource_type",
}  # fmt: skip


def masked(secret: str) -> str:
    """How the simulator stores a secret: a digest keyed with SECRET_KEY, never the value."""
    digest = hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def _dependent(connection_id, kind="datasets", name="Customers", archived_at=None):
    return SimulatedDependent.objects.create(
        connection_id=connection_id, kind=kind, name=name, created_at=START, archived_at=archived_at
    )


def _code(response):
    return response.status, response.json()["error"]


def test_created_connection_has_every_documented_field(api):
    created = api.create()

    assert set(created) == CONNECTION_FIELDS
    assert created["resource_type"] == "connections"
    assert created["managed"] is False
    assert created["archived_at"] is None
    assert uuid.UUID(created["id"])


def test_secret_options_are_stored_as_digests_and_never_echoed(api):
    created = api.create()
    fetched = api("GET", f"/connections/{created['id']}").json()
    listed = api("GET", "/connections").json()

    for shown in (created, fetched, listed[0]):
        assert "password" not in shown["options"]
        assert shown["options"]["host"] == "db.example.com"
    assert SimulatedConnection.objects.get().options["password"] == masked("s3cret-pass")


def test_list_returns_all_connections_oldest_first_including_archived(api, clock):
    first = api.create(name="One")
    clock.advance(1)
    second = api.create(name="Two")
    api("POST", f"/connections/{second['id']}/archive")

    listed = api("GET", "/connections")

    assert listed.status == 200
    assert [c["id"] for c in listed.json()] == [first["id"], second["id"]]
    assert listed.json()[1]["archived_at"] is not None


def test_list_with_repeated_ids_returns_only_those(api):
    first, _, third = api.create(name="One"), api.create(name="Two"), api.create(name="Three")

    listed = api("GET", "/connections", query={"ids": [first["id"], third["id"]]})

    assert {c["id"] for c in listed.json()} == {first["id"], third["id"]}


def test_list_with_an_id_that_is_not_a_uuid_is_bad_request(api):
    assert _code(api("GET", "/connections", query={"ids": ["nope"]})) == (400, "BAD_REQUEST")


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/archive"),
        ("POST", "/unarchive"),
        ("POST", "/force_update"),
        ("POST", "/rotate_credentials"),
        ("GET", "/datasets"),
        ("GET", "/targets"),
    ],
)
@pytest.mark.parametrize("connection_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_connection_id_is_not_found(api, method, suffix, connection_id):
    response = api(method, f"/connections/{connection_id}{suffix}", {"type": "snowflake"})

    assert _code(response) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/datasets"), ("PUT", "/connections"), ("GET", "/connections/")],
)
def test_unknown_route_is_not_found(api, method, path):
    assert _code(api(method, path)) == (404, "NOT_FOUND")


def test_get_returns_the_connection(api):
    created = api.create()

    fetched = api("GET", f"/connections/{created['id']}")

    assert fetched.status == 200
    assert fetched.json() == created


def test_patch_name_only_keeps_the_cycle(api, clock):
    created = api.create()
    clock.advance(10)

    patched = api("PATCH", f"/connections/{created['id']}", {"name": "Renamed"})

    assert patched.status == 200
    assert patched.json()["name"] == "Renamed"
    assert patched.json()["status"] == "ready"
    assert patched.json()["updated_at"] != created["updated_at"]
    assert patched.json()["last_updated_config_at"] == created["last_updated_config_at"]


def test_patch_options_merges_keeps_secrets_and_restarts_the_cycle(api, clock):
    created = api.create()
    clock.advance(10)

    patched = api(
        "PATCH", f"/connections/{created['id']}", {"options": {"type": "postgres", "port": 6543}}
    ).json()

    assert patched["options"]["port"] == 6543
    assert patched["options"]["host"] == "db.example.com"
    assert "password" not in patched["options"]
    assert patched["status"] == "new"
    assert patched["last_updated_config_at"] == patched["updated_at"] != created["updated_at"]
    assert SimulatedConnection.objects.get().options["password"] == masked("s3cret-pass")


def test_patch_can_replace_a_secret(api):
    created = api.create()

    api(
        "PATCH", f"/connections/{created['id']}", {"options": {"type": "postgres", "password": "n"}}
    )

    assert SimulatedConnection.objects.get().options["password"] == masked("n")


def test_patch_null_removes_an_optional_option(api):
    created = api.create(**postgres_options(ssh_bastion="faraday@bastion.example.com"))

    patched = api(
        "PATCH",
        f"/connections/{created['id']}",
        {"options": {"type": "postgres", "ssh_bastion": None}},
    ).json()

    assert "ssh_bastion" not in patched["options"]


def test_patch_null_on_a_required_option_fails_validation(api):
    created = api.create()

    response = api(
        "PATCH", f"/connections/{created['id']}", {"options": {"type": "postgres", "host": None}}
    )

    assert _code(response) == (400, "VALIDATION_FAILED")
    assert response.json()["validationErrors"][0]["path"] == "/options/host"


def test_patch_that_changes_the_type_fails_on_options_type(api):
    created = api.create()

    response = api("PATCH", f"/connections/{created['id']}", {"options": {"type": "mysql"}})

    assert _code(response) == (400, "VALIDATION_FAILED")
    assert [e["path"] for e in response.json()["validationErrors"]] == ["/options/type"]


def test_patch_options_without_type_fails_on_options_type(api):
    created = api.create()

    response = api("PATCH", f"/connections/{created['id']}", {"options": {"port": 1}})

    errors = response.json()["validationErrors"]
    assert [(e["path"], e["context"]["errorType"]) for e in errors] == [
        ("/options/type", "required")
    ]


def test_patch_validates_the_merged_result_and_collects_all_errors(api):
    created = api.create()

    response = api(
        "PATCH",
        f"/connections/{created['id']}",
        {"name": "", "options": {"type": "postgres", "port": 0, "nope": 1}},
    )

    paths = {e["path"] for e in response.json()["validationErrors"]}
    assert paths == {"/name", "/options/port", "/options/nope"}
    assert SimulatedConnection.objects.get().options["port"] == 5432


def test_patch_with_array_body_is_bad_request(api):
    created = api.create()

    assert _code(api("PATCH", f"/connections/{created['id']}", [1])) == (400, "BAD_REQUEST")


def test_patch_of_a_managed_connection_is_forbidden(api):
    created = api.create(type="classic")
    SimulatedConnection.objects.filter(pk=created["id"]).update(managed=True)

    response = api("PATCH", f"/connections/{created['id']}", {"name": "Mine now"})

    assert _code(response) == (403, "FORBIDDEN")


def test_delete_without_dependents_is_204_and_removes_it(api):
    created = api.create()

    response = api("DELETE", f"/connections/{created['id']}")

    assert (response.status, response.body) == (204, b"")
    assert _code(api("GET", f"/connections/{created['id']}")) == (404, "NOT_FOUND")


def test_delete_with_only_archived_dependents_is_still_a_conflict(api):
    created = api.create()
    _dependent(created["id"], archived_at=START)

    response = api("DELETE", f"/connections/{created['id']}")

    assert _code(response) == (409, "CONFLICT")
    assert "1 dataset" in response.json()["note"]
    assert SimulatedConnection.objects.exists()


def test_delete_with_dependents_is_conflict_naming_the_count(api):
    created = api.create()
    _dependent(created["id"], name="A")
    _dependent(created["id"], name="B")
    _dependent(created["id"], kind="targets", name="C")

    response = api("DELETE", f"/connections/{created['id']}")

    assert _code(response) == (409, "CONFLICT")
    assert "2 datasets and 1 target" in response.json()["note"]
    assert SimulatedConnection.objects.exists()


def test_archive_without_dependents_is_204_and_sets_archived_at(api, clock):
    created = api.create()
    clock.advance(3)

    assert api("POST", f"/connections/{created['id']}/archive").status == 204

    fetched = api("GET", f"/connections/{created['id']}").json()
    assert fetched["archived_at"] == fetched["updated_at"] != created["updated_at"]


def test_archive_with_uncovered_active_dependent_is_conflict(api):
    created = api.create()
    _dependent(created["id"])

    response = api("POST", f"/connections/{created['id']}/archive", {"cascade_to_all": False})

    assert _code(response) == (409, "CONFLICT")
    assert "1 dataset" in response.json()["note"]
    assert api("GET", f"/connections/{created['id']}").json()["archived_at"] is None


def test_archive_with_cascade_to_all_archives_the_dependents(api):
    created = api.create()
    dataset = _dependent(created["id"])
    target = _dependent(created["id"], kind="targets")

    response = api("POST", f"/connections/{created['id']}/archive", {"cascade_to_all": True})

    assert response.status == 204
    dataset.refresh_from_db()
    target.refresh_from_db()
    assert dataset.archived_at is not None and target.archived_at is not None


def test_archive_with_cascade_to_listing_every_active_dependent_succeeds(api):
    created = api.create()
    dataset = _dependent(created["id"])
    _dependent(created["id"], archived_at=START)

    response = api(
        "POST", f"/connections/{created['id']}/archive", {"cascade_to": [str(dataset.id)]}
    )

    assert response.status == 204
    dataset.refresh_from_db()
    assert dataset.archived_at is not None


def test_archive_with_cascade_to_missing_one_dependent_is_conflict(api):
    created = api.create()
    listed = _dependent(created["id"], name="Listed")
    _dependent(created["id"], name="Forgotten")

    response = api(
        "POST", f"/connections/{created['id']}/archive", {"cascade_to": [str(listed.id)]}
    )

    assert _code(response) == (409, "CONFLICT")
    listed.refresh_from_db()
    assert listed.archived_at is None


def test_archive_with_cascade_to_a_foreign_id_is_bad_request(api):
    created = api.create()

    response = api(
        "POST", f"/connections/{created['id']}/archive", {"cascade_to": [str(uuid.uuid4())]}
    )

    assert _code(response) == (400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "body",
    [{"cascade_to_all": "yes"}, {"cascade_to": "all"}, {"cascade_to": [1]}, {"cascade": True}],
)
def test_archive_with_malformed_body_fails_validation(api, body):
    created = api.create()

    response = api("POST", f"/connections/{created['id']}/archive", body)

    assert _code(response) == (400, "VALIDATION_FAILED")


def test_unarchive_restores_the_connection_and_cascaded_dependents(api):
    created = api.create()
    restored = _dependent(created["id"], name="Restored")
    left = _dependent(created["id"], name="Left archived")
    api("POST", f"/connections/{created['id']}/archive", {"cascade_to_all": True})

    response = api(
        "POST", f"/connections/{created['id']}/unarchive", {"cascade_to": [str(restored.id)]}
    )

    assert response.status == 204
    assert api("GET", f"/connections/{created['id']}").json()["archived_at"] is None
    restored.refresh_from_db()
    left.refresh_from_db()
    assert restored.archived_at is None
    assert left.archived_at is not None


def test_archive_and_unarchive_with_empty_body_act_on_the_connection_alone(api):
    created = api.create()

    assert api("POST", f"/connections/{created['id']}/archive").status == 204
    assert api("POST", f"/connections/{created['id']}/unarchive").status == 204
    assert api("GET", f"/connections/{created['id']}").json()["archived_at"] is None


def test_force_update_is_204_with_no_body(api):
    created = api.create()

    response = api("POST", f"/connections/{created['id']}/force_update")

    assert (response.status, response.body) == (204, b"")


def _load_public_key(type_key, text):
    if type_key == "snowflake":
        return serialization.load_pem_public_key(text.encode())
    return serialization.load_ssh_public_key(text.encode())


@pytest.mark.parametrize(
    ("options", "key_option", "key_class"),
    [
        (snowflake_options(), "rsa_public_key", rsa.RSAPublicKey),
        (clickhouse_options(), "ssh_public_key", ed25519.Ed25519PublicKey),
    ],
)
def test_key_pair_connections_carry_their_public_key_from_creation_and_rotation_replaces_it(
    api, options, key_option, key_class
):
    created = api.create(**options)
    path = f"/connections/{created['id']}"

    rotated = api("POST", f"{path}/rotate_credentials", {"type": options["type"]})
    fetched = api("GET", path).json()

    keys = [created["options"][key_option], rotated.json()["options"][key_option]]
    assert all(isinstance(_load_public_key(options["type"], key), key_class) for key in keys)
    assert keys[0] != keys[1]
    assert fetched["options"][key_option] == keys[1]
    assert set(rotated.json()) == CONNECTION_FIELDS
    assert "public_key_fingerprint" not in fetched["options"]


def test_a_type_without_a_key_pair_carries_no_public_key(api):
    created = api.create()

    assert not {"rsa_public_key", "ssh_public_key"} & set(created["options"])


def test_patch_that_echoes_the_public_key_is_refused_like_any_read_only_field(api):
    created = api.create(**snowflake_options())

    response = api("PATCH", f"/connections/{created['id']}", {"options": created["options"]})

    assert _code(response) == (400, "VALIDATION_FAILED")
    assert [e["path"] for e in response.json()["validationErrors"]] == ["/options/rsa_public_key"]


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain"])
def test_patch_not_sent_as_a_merge_patch_is_refused_and_changes_nothing(api, content_type):
    created = api.create()
    headers = {"Authorization": "Bearer demo-key"}
    if content_type:
        headers["Content-Type"] = content_type

    response = api("PATCH", f"/connections/{created['id']}", {"name": "Renamed"}, headers=headers)

    assert response.status == 415
    assert "application/merge-patch+json" in response.json()["note"]
    assert api("GET", f"/connections/{created['id']}").json()["name"] == created["name"]


def test_patch_media_type_may_carry_parameters(api):
    created = api.create()
    headers = {
        "Authorization": "Bearer demo-key",
        "Content-Type": "Application/Merge-Patch+JSON; charset=utf-8",
    }

    response = api("PATCH", f"/connections/{created['id']}", {"name": "Renamed"}, headers=headers)

    assert response.status == 200
    assert response.json()["name"] == "Renamed"


@pytest.mark.parametrize(
    ("options", "body"),
    [
        (snowflake_options(), {"type": "clickhouse"}),
        (snowflake_options(), {}),
        (snowflake_options(), {"type": None}),
        (postgres_options(), {"type": "postgres"}),
        (postgres_options(), {"type": "snowflake"}),
    ],
)
def test_rotate_credentials_with_wrong_type_is_bad_request(api, options, body):
    created = api.create(**options)

    response = api("POST", f"/connections/{created['id']}/rotate_credentials", body)

    assert _code(response) == (400, "BAD_REQUEST")


@pytest.mark.parametrize("kind", ["datasets", "targets"])
def test_dependents_endpoint_lists_that_kind_only(api, kind):
    created = api.create()
    dataset = _dependent(created["id"], kind="datasets", name="Customers")
    target = _dependent(created["id"], kind="targets", name="Scores", archived_at=START)
    expected = dataset if kind == "datasets" else target

    response = api("GET", f"/connections/{created['id']}/{kind}")

    assert response.status == 200
    [item] = response.json()
    assert item["id"] == str(expected.id)
    assert item["name"] == expected.name
    assert item["resource_type"] == kind
    assert item["status"] == "ready"
    assert set(item) == {"id", "name", "resource_type", "status", "archived_at"}


def test_current_account_is_the_fixed_demo_account(api):
    response = api("GET", "/accounts/current")

    assert response.status == 200
    assert response.json()["name"] == "Demo account (simulated)"
    assert response.json()["id"] == api("GET", "/accounts/current").json()["id"]


def test_unexpected_failure_is_an_internal_server_error_body(api, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine.lifecycle, "snapshot", explode)
    created = api("POST", "/connections", {"name": "Shop", "options": postgres_options()})

    assert _code(created) == (500, "INTERNAL_SERVER_ERROR")
