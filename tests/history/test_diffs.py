"""Diffs of every option kind, secrets only as changed or unchanged, and what a revert sends."""

from __future__ import annotations

from faraday_admin.faraday_client import Connection
from faraday_admin.history import diffs
from tests.payloads import listed_connection_json
from tests.web.list_helpers import CANARY


def _connection(name: str = "Warehouse", type: str = "postgres", **options) -> Connection:
    return Connection.from_json(listed_connection_json(name=name, type=type, options=options))


def test_a_string_option_and_the_name_show_before_and_after():
    before = _connection("Shop", host="db1.example.com", port=5432)
    after = _connection("Shop DB", host="db2.example.com", port=5432)

    changes = diffs.edit_changes(before, after, {"host": "db2.example.com"})

    assert changes[:2] == [
        {"field": "name", "label": "Name", "before": "Shop", "after": "Shop DB"},
        {"field": "host", "label": "Host", "before": "db1.example.com", "after": "db2.example.com"},
    ]
    assert diffs.change_text(changes[1]) == "Host: db1.example.com → db2.example.com"


def test_integers_booleans_and_enums_keep_their_json_kind():
    before = {"name": "x", "options": {"port": 5432, "compression": False, "region": "US"}}
    after = {"name": "x", "options": {"port": 6432, "compression": True, "region": "EU"}}

    changes = diffs.config_changes(before, after, type_key="sftp")

    assert {c["field"]: (c["before"], c["after"]) for c in changes} == {
        "port": (5432, 6432),
        "compression": (False, True),
        "region": ("US", "EU"),
    }
    texts = [diffs.change_text(c) for c in changes]
    assert "Compression: no → yes" in texts


def test_list_and_object_options_compare_as_json_and_read_as_json():
    before = {"name": "x", "options": {"tables": ["a", "b"], "key_file": {"path": "/k", "v": 1}}}
    after = {"name": "x", "options": {"tables": ["a", "b"], "key_file": {"path": "/k", "v": 2}}}

    changes = diffs.config_changes(before, after, type_key="gcp_bigquery")

    assert changes == [
        {
            "field": "key_file",
            "label": "Key file",
            "before": {"path": "/k", "v": 1},
            "after": {"path": "/k", "v": 2},
        }
    ]
    assert diffs.change_text(changes[0]) == (
        'Key file: {"path": "/k", "v": 1} → {"path": "/k", "v": 2}'
    )


def test_an_option_added_or_removed_reads_as_not_set_on_its_missing_side():
    before = {"name": "x", "options": {"ssh_bastion": "jump@bastion.example.com"}}
    after = {"name": "x", "options": {}}

    [change] = diffs.config_changes(before, after, type_key="postgres")

    assert change["after"] is None
    assert diffs.change_text(change) == "SSH bastion: jump@bastion.example.com → (not set)"


def test_a_secret_is_only_changed_or_unchanged_and_its_value_never_appears():
    before = _connection(host="db.example.com")
    after = _connection(host="db.example.com")

    changed = diffs.edit_changes(before, after, {"password": CANARY})
    unchanged = diffs.edit_changes(before, after, {"host": "db.example.com"})

    assert changed == [{"field": "password", "label": "Password", "secret": True, "changed": True}]
    assert unchanged[0]["changed"] is False
    assert diffs.change_text(changed[0]) == "Password: changed"
    assert CANARY not in repr(changed)


def test_a_secret_faraday_echoes_by_mistake_stays_out_of_the_configuration():
    echoed = _connection(host="db.example.com", password=CANARY, api_token=CANARY)

    config = diffs.config_of(echoed)

    assert CANARY not in repr(config)
    assert config["options"]["host"] == "db.example.com"


def test_the_public_key_faraday_generates_is_not_part_of_the_configuration():
    connection = _connection(type="snowflake", rsa_public_key="MIIB...", user="FARADAY")

    assert "rsa_public_key" not in diffs.config_of(connection)["options"]


def test_revert_patch_holds_the_before_values_of_non_secret_fields_only():
    changes = [
        {"field": "name", "label": "Name", "before": "Old", "after": "New"},
        {"field": "port", "label": "Port", "before": 5432, "after": 6432},
        {"field": "ssh_bastion", "label": "SSH bastion", "before": None, "after": "a@b"},
        {"field": "password", "label": "Password", "secret": True, "changed": True},
    ]

    assert diffs.revert_patch(changes, type_key="postgres") == {
        "name": "Old",
        "options": {"type": "postgres", "port": 5432, "ssh_bastion": None},
    }
    assert diffs.secrets_changed(changes) == ["Password"]


def test_revert_leaves_out_what_faradays_model_wont_take_back():
    """Emptying a field Faraday requires once set, or one the catalog doesn't describe, would
    send a request the merge-patch model refuses: those are named, not sent."""
    changes = [
        {"field": "schema", "label": "Schema", "before": None, "after": "sales"},
        {"field": "made_up", "label": "Made up", "before": "a", "after": "b"},
        {"field": "port", "label": "Port", "before": 5432, "after": 6432},
    ]

    assert diffs.revert_patch(changes, type_key="postgres") == {
        "options": {"type": "postgres", "port": 5432}
    }
    assert diffs.not_revertable(changes, type_key="postgres") == ["Schema", "Made up"]


def test_changed_since_lists_fields_whose_current_value_is_not_the_edits_after():
    changes = [
        {"field": "name", "label": "Name", "before": "Old", "after": "New"},
        {"field": "port", "label": "Port", "before": 5432, "after": 6432},
    ]
    current = {"name": "New", "options": {"port": 7000}}

    assert diffs.changed_since(changes, current) == [
        {"field": "port", "label": "Port", "after": 6432, "current": 7000}
    ]
