import copy
import json
import re

import pytest

from faraday_admin.catalog.loader import (
    CATEGORY_LABELS,
    DATA_FILE,
    CatalogError,
    get_catalog,
    load_catalog_file,
    parse_catalog,
)
from tests.catalog.pattern_cases import NAME


@pytest.fixture(scope="module")
def raw_data():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def test_project_data_file_loads_43_types_and_170_fields():
    catalog = load_catalog_file()
    assert len(catalog.types) == 43
    assert sum(len(t.fields) for t in catalog.types.values()) == 170


def test_get_catalog_returns_the_same_cached_catalog_each_time():
    assert get_catalog() is get_catalog()


def test_types_use_exactly_the_six_known_categories():
    categories = {t.category for t in get_catalog().types.values()}
    assert categories == {
        "database",
        "warehouse",
        "file_storage",
        "advertising",
        "marketing_and_commerce",
        "faraday_managed",
    }
    assert categories == set(CATEGORY_LABELS)


def test_by_category_lists_every_type_once_in_display_order():
    groups = get_catalog().by_category()
    assert [key for key, _, _ in groups] == list(CATEGORY_LABELS)
    listed = [t.type for _, _, members in groups for t in members]
    assert sorted(listed) == sorted(get_catalog().types)


def test_every_field_in_the_data_file_states_kind_required_secret_and_description(raw_data):
    incomplete = [
        f"{t['type']}.{f['name']}"
        for t in raw_data["types"]
        for f in t["fields"]
        if not (
            f.get("kind") in {"string", "integer", "boolean", "enum"}
            and isinstance(f.get("required"), bool)
            and isinstance(f.get("secret"), bool)
            and isinstance(f.get("description"), str)
            and f["description"].strip()
        )
    ]
    assert incomplete == []


def test_every_type_has_its_own_readable_label():
    labels = [t.label for t in get_catalog().types.values()]
    assert all(label.strip() for label in labels)
    assert len(set(labels)) == len(labels)


def test_name_field_is_a_required_string_with_the_documented_not_blank_pattern():
    name = get_catalog().name_field
    assert (name.name, name.kind, name.required, name.secret) == ("name", "string", True, False)
    assert name.pattern == NAME
    assert name.compiled_pattern.fullmatch("Snowflake AWS - Marketing")
    assert not name.compiled_pattern.fullmatch(" \u3000")


@pytest.mark.parametrize(
    "field_name", ["password", "token", "client_secret", "private_api_key", "credentials_json"]
)
def test_credential_fields_are_secret_wherever_they_appear(field_name):
    found = [f for t in get_catalog().types.values() if (f := t.field(field_name))]
    assert found
    assert all(f.secret for f in found)


def test_port_fields_are_integers_from_1_to_65535_with_a_suggestion_in_range():
    ports = [f for t in get_catalog().types.values() if (f := t.field("port"))]
    assert len(ports) == 13
    for port in ports:
        assert (port.kind, port.min, port.max) == ("integer", 1, 65535)
        assert 1 <= port.suggested_value <= 65535


def test_enum_field_lists_its_choices():
    region = get_catalog().get("bigquery").field("region")
    assert region.kind == "enum"
    assert "us-central1" in region.choices


def test_unknown_type_key_gives_none():
    assert get_catalog().get("no_such_type") is None


def _minimal(**field_overrides):
    field = {"name": "host", "kind": "string", "required": True, "description": "Host"}
    field.update(field_overrides)
    return {
        "connection_name": {"name": "name", "kind": "string", "required": True, "pattern": NAME},
        "statuses": ["new"],
        "directionality": ["bidirectional"],
        "error_codes": ["NOT_FOUND"],
        "types": [{"type": "mysql", "label": "MySQL", "category": "database", "fields": [field]}],
    }


def test_minimal_valid_data_parses():
    catalog = parse_catalog(_minimal())
    assert catalog.get("mysql").field("host").secret is False


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["types"][0]["fields"][0].update(kind="float"), "unknown kind 'float'"),
        (lambda d: d["types"][0]["fields"][0].update(kind="enum"), "an enum needs choices"),
        (lambda d: d["types"][0]["fields"][0].update(pattern="^[a-z"), "pattern '^[a-z'"),
        (lambda d: d["types"][0]["fields"][0].update(pattern=r"\p{L}"), "unsupported escape"),
        (lambda d: d["types"].append(copy.deepcopy(d["types"][0])), "duplicate type key 'mysql'"),
        (lambda d: d["types"][0].update(category="crm"), "unknown category 'crm'"),
        (lambda d: d["types"][0].update(type=""), "missing or duplicate type key"),
        (lambda d: d["types"][0]["fields"][0].pop("kind"), "missing key 'kind'"),
        (lambda d: d["types"][0]["fields"][0].update(name="type"), "reserved field name"),
        (
            lambda d: d["types"][0]["fields"].append(dict(d["types"][0]["fields"][0])),
            "duplicate or reserved field name",
        ),
        (lambda d: d.update(types=[]), "lists no connection types"),
        (lambda d: d["connection_name"].update(pattern="(?<=a+)"), "connection_name"),
    ],
    ids=[
        "unknown kind",
        "enum without choices",
        "unclosed class in pattern",
        "unsupported pattern",
        "duplicate type",
        "unknown category",
        "empty type key",
        "field without kind",
        "field named type",
        "duplicate field",
        "no types",
        "bad name pattern",
    ],
)
def test_invalid_data_raises_catalog_error_naming_the_problem(mutate, message):
    data = _minimal()
    mutate(data)
    with pytest.raises(CatalogError, match=re.escape(message)):
        parse_catalog(data)


def test_invalid_data_file_on_disk_raises_catalog_error(tmp_path, raw_data):
    data = copy.deepcopy(raw_data)
    data["types"][0]["fields"][0]["kind"] = "float"
    path = tmp_path / "connection_types.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"aws_aurora_mysql\.database: unknown kind"):
        load_catalog_file(path)


def test_looks_secret_flags_option_names_that_say_they_hold_a_secret():
    from faraday_admin.catalog import looks_secret

    assert all(
        looks_secret(name)
        for name in ("password", "SSH_Passphrase", "client_secret", "token", "private_key",
                     "credentials_json", "api_key")
    )  # fmt: skip
    assert not any(looks_secret(name) for name in ("host", "port", "user", "account_id"))
