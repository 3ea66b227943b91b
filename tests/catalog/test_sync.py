"""`faraday_admin.catalog.sync`: OpenAPI schemas -> catalog data, editorial extras kept."""

import copy
import json

import httpx
import pytest
import respx

from faraday_admin.catalog.loader import DATA_FILE, CatalogError, parse_catalog
from faraday_admin.catalog.sync import (
    FARADAY_OPENAPI_URL,
    SyncError,
    diff_catalog_data,
    dump_catalog_data,
    read_openapi_document,
    sync_catalog_data,
)


@pytest.fixture(scope="module")
def project_data():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _camel(key):
    return "".join(word.capitalize() for word in key.split("_"))


def openapi_from_catalog(data):
    """The OpenAPI document Faraday would publish for `data`: Faraday's facts, none of ours."""
    schemas = {}
    for t in data["types"]:
        properties = {"type": {"type": "string", "enum": [t["type"]]}}
        for f in t["fields"]:
            prop = {"description": f["description"]}
            if f["kind"] == "enum":
                prop.update(type="string", enum=f["choices"])
            else:
                prop["type"] = f["kind"]
            if f.get("pattern_source") == "reference":
                prop["pattern"] = f["pattern"]
            properties[f["name"]] = prop
        required = ["type"] + [f["name"] for f in t["fields"] if f["required"]]
        schemas[f"ConnectionOptions{_camel(t['type'])}Post"] = {
            "type": "object",
            "properties": properties,
            "required": required,
        }
    return {"openapi": "3.0.3", "components": {"schemas": schemas}}


def _current(*types):
    return {
        "about": "test data",
        "connection_name": {"name": "name", "kind": "string", "required": True},
        "statuses": ["new"],
        "directionality": ["bidirectional"],
        "error_codes": ["NOT_FOUND"],
        "types": list(types),
    }


def _doc(*schemas, extra=None):
    found = {}
    for key, properties, required in schemas:
        found[f"ConnectionOptions{_camel(key)}Post"] = {
            "type": "object",
            "properties": {"type": {"type": "string", "enum": [key]}, **properties},
            "required": ["type", *required],
        }
    found.update(extra or {})
    return {"components": {"schemas": found}}


def _field(result, type_key, name):
    t = next(t for t in result.data["types"] if t["type"] == type_key)
    return next((f for f in t["fields"] if f["name"] == name), None)


MYSQL = {
    "type": "mysql",
    "label": "MySQL",
    "category": "database",
    "fields": [
        {
            "name": "host",
            "kind": "string",
            "required": True,
            "description": "Host",
            "secret": False,
            "pattern": "^[a-z.]+$",
            "pattern_source": "same-named field of the documented aws_aurora_mysql options",
        },
        {
            "name": "port",
            "kind": "integer",
            "required": True,
            "description": "Port",
            "secret": False,
            "suggested_value": 3306,
            "min": 1,
            "max": 65535,
        },
    ],
}


# --- round trip ---------------------------------------------------------------------------------


def test_document_built_from_our_own_data_changes_nothing(project_data):
    result = sync_catalog_data(openapi_from_catalog(project_data), project_data)
    assert result.changes == []
    assert result.notes == []
    assert result.data == project_data


def test_round_trip_text_differs_from_the_data_file_only_by_a_final_newline(project_data):
    result = sync_catalog_data(openapi_from_catalog(project_data), project_data)
    assert (
        dump_catalog_data(result.data) == DATA_FILE.read_text(encoding="utf-8").rstrip("\n") + "\n"
    )


def test_dump_is_two_space_ascii_json_in_data_order_with_a_final_newline():
    text = dump_catalog_data({"b": "→", "a": [1]})
    assert text == '{\n  "b": "\\u2192",\n  "a": [\n    1\n  ]\n}\n'


# --- what comes from the document ----------------------------------------------------------------


def test_changed_required_kind_pattern_choices_and_secret_are_each_reported():
    old = _current(
        {
            "type": "mysql",
            "label": "MySQL",
            "category": "database",
            "fields": [
                {
                    "name": "a",
                    "kind": "string",
                    "required": True,
                    "description": "A",
                    "secret": False,
                },
                {
                    "name": "b",
                    "kind": "string",
                    "required": False,
                    "description": "B",
                    "secret": False,
                },
                {
                    "name": "c",
                    "kind": "enum",
                    "required": False,
                    "description": "C",
                    "secret": False,
                    "choices": ["x"],
                },
                {
                    "name": "d",
                    "kind": "string",
                    "required": False,
                    "description": "D",
                    "secret": False,
                },
                {
                    "name": "gone",
                    "kind": "string",
                    "required": False,
                    "description": "G",
                    "secret": False,
                },
            ],
        }
    )
    doc = _doc(
        (
            "mysql",
            {
                "a": {"type": "string", "description": "A"},
                "b": {"type": "integer", "description": "B"},
                "c": {"type": "string", "enum": ["x", "y"], "description": "C"},
                "d": {"type": "string", "description": "D", "writeOnly": True, "pattern": "^d+$"},
                "new": {"type": "boolean", "description": "New"},
            },
            [],
        )
    )
    assert sync_catalog_data(doc, old).changes == [
        "+ field mysql.new (boolean, optional)",
        "- field mysql.gone",
        "~ field mysql.a: required yes -> no",
        "~ field mysql.b: kind string -> integer",
        "~ field mysql.c: choices [x] -> [x, y]",
        "~ field mysql.d: secret no -> yes",
        '~ field mysql.d: pattern none -> "^d+$"',
    ]


def test_refs_and_all_of_are_resolved_for_schemas_and_properties():
    doc = _doc(
        extra={
            "Port": {"type": "integer", "minimum": 1, "maximum": 65535, "description": "Port"},
            "Base": {
                "type": "object",
                "properties": {"port": {"$ref": "#/components/schemas/Port"}},
                "required": ["port"],
            },
            "ConnectionOptionsMysqlPost": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {
                        "properties": {
                            "type": {"type": "string", "enum": ["mysql"]},
                            "host": {
                                "allOf": [{"$ref": "#/components/schemas/Host"}],
                                "description": "Your database host",
                            },
                        },
                        "required": ["host"],
                    },
                ]
            },
            "Host": {"type": "string", "pattern": "^[a-z.]+$", "description": "Host"},
        }
    )
    result = sync_catalog_data(doc, _current(copy.deepcopy(MYSQL)))
    host, port = _field(result, "mysql", "host"), _field(result, "mysql", "port")
    assert (host["required"], host["pattern"], host["description"]) == (
        True,
        "^[a-z.]+$",
        "Your database host",  # the sibling of allOf wins
    )
    assert (port["kind"], port["required"], port["min"], port["max"]) == ("integer", True, 1, 65535)


@pytest.mark.parametrize(
    "type_property",
    [
        {"type": "string", "enum": ["mysql"]},
        {"type": "string", "const": "mysql"},
        {"default": "mysql"},
    ],
    ids=["enum", "const", "default"],
)
def test_type_key_is_read_from_the_type_propertys_enum_const_or_default(type_property):
    doc = {
        "components": {
            "schemas": {"ConnectionOptionsMySqlPost": {"properties": {"type": type_property}}}
        }
    }
    result = sync_catalog_data(doc, _current(copy.deepcopy(MYSQL) | {"fields": []}))
    assert [t["type"] for t in result.data["types"]] == ["mysql"]


def test_type_key_falls_back_to_the_discriminator_mapping():
    doc = {
        "components": {
            "schemas": {
                "ConnectionOptionsPost": {
                    "oneOf": [{"$ref": "#/components/schemas/ConnectionOptionsMySqlPost"}],
                    "discriminator": {
                        "propertyName": "type",
                        "mapping": {"mysql": "#/components/schemas/ConnectionOptionsMySqlPost"},
                    },
                },
                "ConnectionOptionsMySqlPost": {"properties": {"type": {"type": "string"}}},
            }
        }
    }
    result = sync_catalog_data(doc, _current(copy.deepcopy(MYSQL) | {"fields": []}))
    assert [t["type"] for t in result.data["types"]] == ["mysql"]


def test_type_property_without_a_key_raises_sync_error():
    doc = {
        "components": {
            "schemas": {"ConnectionOptionsMysqlPost": {"properties": {"type": {"type": "string"}}}}
        }
    }
    with pytest.raises(SyncError, match="names no single type key"):
        sync_catalog_data(doc, _current())


def test_two_schemas_for_one_type_key_raise_sync_error():
    same = {"properties": {"type": {"enum": ["mysql"]}}}
    doc = {
        "components": {
            "schemas": {"ConnectionOptionsMysqlPost": same, "ConnectionOptionsMySqlPost": same}
        }
    }
    with pytest.raises(SyncError, match="described by two schemas"):
        sync_catalog_data(doc, _current())


def test_union_merge_patch_and_sub_schemas_are_not_connection_types():
    doc = _doc(
        ("mysql", {}, []),
        extra={
            "ConnectionOptionsPost": {
                "oneOf": [{"$ref": "#/components/schemas/ConnectionOptionsMysqlPost"}]
            },
            "ConnectionOptionsMysqlMergePatch": {"properties": {"type": {"enum": ["other"]}}},
            "ConnectionOptionsSftpEncryptionPost": {"properties": {"key": {"type": "string"}}},
        },
    )
    result = sync_catalog_data(doc, _current(copy.deepcopy(MYSQL)))
    assert [t["type"] for t in result.data["types"]] == ["mysql"]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("#/components/schemas/Missing", "missing schema 'Missing'"),
        ("https://example.com/schema.json", "only local references"),
        ("#/components/schemas/Loop", "too deep"),
    ],
)
def test_unresolvable_ref_raises_sync_error(ref, message):
    doc = _doc(
        ("mysql", {"host": {"$ref": ref}}, []),
        extra={"Loop": {"$ref": "#/components/schemas/Loop"}},
    )
    with pytest.raises(SyncError, match=message):
        sync_catalog_data(doc, _current())


def test_integer_bounds_come_from_the_document_including_exclusive_ones():
    doc = _doc(
        (
            "mysql",
            {
                "port": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 65536},
                "retries": {
                    "type": "integer",
                    "minimum": 0,
                    "exclusiveMinimum": True,
                    "maximum": 5,
                },
            },
            [],
        )
    )
    result = sync_catalog_data(doc, _current(copy.deepcopy(MYSQL)))
    assert (_field(result, "mysql", "port")["min"], _field(result, "mysql", "port")["max"]) == (
        1,
        65535,
    )
    assert (
        _field(result, "mysql", "retries")["min"],
        _field(result, "mysql", "retries")["max"],
    ) == (1, 5)


def test_readonly_properties_are_left_out():
    doc = _doc(("mysql", {"created_at": {"type": "string", "readOnly": True}}, []))
    assert (
        _field(sync_catalog_data(doc, _current(copy.deepcopy(MYSQL))), "mysql", "created_at")
        is None
    )


def test_optional_property_of_an_unrenderable_kind_is_skipped_with_a_note():
    doc = _doc(("mysql", {"tags": {"type": "array", "items": {"type": "string"}}}, []))
    result = sync_catalog_data(doc, _current(copy.deepcopy(MYSQL)))
    assert _field(result, "mysql", "tags") is None
    assert result.notes == ["skipped mysql.tags: a array field has no form input"]


@pytest.mark.parametrize(
    "prop",
    [{"type": "object"}, {"type": "number"}, {"type": "integer", "enum": [1, 2]}],
    ids=["object", "number", "integer enum"],
)
def test_required_property_of_an_unrenderable_kind_raises_sync_error(prop):
    doc = _doc(("mysql", {"options": prop}, ["options"]))
    with pytest.raises(SyncError, match=r"mysql\.options: unsupported property type"):
        sync_catalog_data(doc, _current())


def test_pattern_outside_the_supported_subset_fails_validation():
    doc = _doc(("mysql", {"host": {"type": "string", "pattern": r"^\p{L}+$"}}, []))
    with pytest.raises(CatalogError, match=r"mysql\.host: pattern"):
        sync_catalog_data(doc, _current(copy.deepcopy(MYSQL)))


# --- what stays ours -----------------------------------------------------------------------------


def test_label_category_suggested_value_and_bounds_survive_when_the_document_is_silent():
    doc = _doc(
        ("mysql", {"host": {"type": "string"}, "port": {"type": "integer"}}, ["host", "port"])
    )
    result = sync_catalog_data(doc, _current(copy.deepcopy(MYSQL)))
    t = result.data["types"][0]
    assert (t["label"], t["category"]) == ("MySQL", "database")
    port = _field(result, "mysql", "port")
    assert (port["suggested_value"], port["min"], port["max"]) == (3306, 1, 65535)
    assert port["description"] == "Port"  # the document had none; ours stays


def test_unknown_editorial_keys_on_types_and_fields_survive():
    mysql = copy.deepcopy(MYSQL)
    mysql["help_url"] = "https://docs.example/mysql"
    mysql["fields"][0]["placeholder"] = "db.example.com"
    doc = _doc(("mysql", {"host": {"type": "string"}, "port": {"type": "integer"}}, []))
    result = sync_catalog_data(doc, _current(mysql))
    assert result.data["types"][0]["help_url"] == "https://docs.example/mysql"
    assert _field(result, "mysql", "host")["placeholder"] == "db.example.com"


def test_our_carried_over_pattern_survives_when_the_document_gives_none():
    doc = _doc(("mysql", {"host": {"type": "string"}}, []))
    host = _field(sync_catalog_data(doc, _current(copy.deepcopy(MYSQL))), "mysql", "host")
    assert host["pattern"] == "^[a-z.]+$"
    assert host["pattern_source"].startswith("same-named field")


def test_documented_pattern_that_faraday_dropped_is_dropped_and_reported():
    mysql = copy.deepcopy(MYSQL)
    mysql["fields"][0]["pattern_source"] = "reference"
    doc = _doc(
        ("mysql", {"host": {"type": "string"}, "port": {"type": "integer"}}, ["host", "port"])
    )
    result = sync_catalog_data(doc, _current(mysql))
    assert "pattern" not in _field(result, "mysql", "host")
    assert result.changes == ['~ field mysql.host: pattern "^[a-z.]+$" -> none']


def test_carried_over_pattern_is_dropped_when_the_field_stops_being_a_string():
    doc = _doc(("mysql", {"host": {"type": "integer"}}, []))
    host = _field(sync_catalog_data(doc, _current(copy.deepcopy(MYSQL))), "mysql", "host")
    assert "pattern" not in host


def test_document_pattern_replaces_ours_and_is_credited_to_the_document():
    doc = _doc(("mysql", {"host": {"type": "string", "pattern": "^[a-z.]+$"}}, []))
    host = _field(sync_catalog_data(doc, _current(copy.deepcopy(MYSQL))), "mysql", "host")
    assert (host["pattern"], host["pattern_source"]) == ("^[a-z.]+$", "openapi")


@pytest.mark.parametrize(
    ("prop", "old_secret", "secret"),
    [
        ({"type": "string", "writeOnly": True}, False, True),
        ({"type": "string", "format": "password"}, False, True),
        ({"type": "string"}, False, False),  # Klaviyo's public api_key: our call stands
        ({"type": "string"}, True, True),  # the document cannot un-hide a field
    ],
    ids=["writeOnly", "format password", "kept not secret", "never un-hidden"],
)
def test_secret_follows_the_document_or_keeps_our_flag(prop, old_secret, secret):
    klaviyo = {
        "type": "klaviyo",
        "label": "Klaviyo",
        "category": "marketing_and_commerce",
        "fields": [
            {
                "name": "api_key",
                "kind": "string",
                "required": True,
                "description": "K",
                "secret": old_secret,
            }
        ],
    }
    doc = _doc(("klaviyo", {"api_key": {**prop, "description": "K"}}, ["api_key"]))
    assert (
        _field(sync_catalog_data(doc, _current(klaviyo)), "klaviyo", "api_key")["secret"] is secret
    )


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("client_secret", True),
        ("access_token", True),
        ("api_key", True),
        ("private_key", True),
        ("credentials_json", True),
        ("host_key", False),
        ("username", False),
    ],
)
def test_new_field_is_secret_when_its_name_says_so(name, secret):
    doc = _doc(("mysql", {name: {"type": "string"}}, []))
    assert (
        _field(sync_catalog_data(doc, _current(copy.deepcopy(MYSQL))), "mysql", name)["secret"]
        is secret
    )


# --- new and removed types -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema_extra", "label"),
    [
        ({"title": "Braze Currents"}, "Braze Currents"),
        ({"title": "ConnectionOptionsBrazePost"}, "Braze"),  # a generated title says nothing
        (
            {
                "description": "(Parameters used to POST a new value of the `X` type.)\n\n"
                "Braze connection options"
            },
            "Braze",
        ),
        ({}, "Braze"),
    ],
    ids=["title", "generated title", "description", "key"],
)
def test_new_type_label_comes_from_title_then_description_then_key(schema_extra, label):
    doc = _doc(("braze", {}, []))
    doc["components"]["schemas"]["ConnectionOptionsBrazePost"].update(schema_extra)
    assert sync_catalog_data(doc, _current()).data["types"][0]["label"] == label


@pytest.mark.parametrize(
    ("key", "fields", "category"),
    [
        ("azure_blob_csv", [], "file_storage"),
        ("r2", ["bucket_name"], "file_storage"),
        ("reddit_ads", [], "advertising"),
        ("snap_audiences", [], "advertising"),
        ("cockroach", ["host", "port", "database"], "database"),
        ("braze", ["api_key"], "marketing_and_commerce"),
    ],
)
def test_new_type_category_is_guessed_and_flagged_for_review(key, fields, category):
    doc = _doc((key, {name: {"type": "string"} for name in fields}, []))
    result = sync_catalog_data(doc, _current())
    assert result.data["types"][0]["category"] == category
    assert result.notes[-1].startswith(f"new type {key}: label")
    assert result.notes[-1].endswith("are guesses; review them")


def test_new_port_field_without_bounds_gets_the_tcp_range():
    doc = _doc(("cockroach", {"port": {"type": "integer"}}, ["port"]))
    port = _field(sync_catalog_data(doc, _current()), "cockroach", "port")
    assert (port["min"], port["max"]) == (1, 65535)


def test_added_and_removed_types_are_reported_first():
    doc = _doc(("braze", {"api_key": {"type": "string"}}, ["api_key"]))
    result = sync_catalog_data(doc, _current(copy.deepcopy(MYSQL)))
    assert result.changes == [
        "+ type braze (Braze, marketing_and_commerce): api_key",
        "- type mysql",
    ]


def test_top_level_sections_are_kept_and_types_sorted_by_key():
    doc = _doc(("zeta", {}, []), ("alpha", {}, []))
    current = _current()
    result = sync_catalog_data(doc, current)
    assert [t["type"] for t in result.data["types"]] == ["alpha", "zeta"]
    assert {k: v for k, v in result.data.items() if k != "types"} == {
        k: v for k, v in current.items() if k != "types"
    }
    parse_catalog(result.data)


def test_diff_of_identical_data_is_empty(project_data):
    assert diff_catalog_data(project_data, copy.deepcopy(project_data)) == []


# --- reading the document ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html>not json</html>", "is not JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b"\xff\xfe{}", "is not UTF-8"),
    ],
)
def test_unreadable_file_content_raises_sync_error(tmp_path, content, message):
    path = tmp_path / "api.json"
    path.write_bytes(content)
    with pytest.raises(SyncError, match=message):
        read_openapi_document(str(path))


def test_missing_file_raises_sync_error_with_the_reason(tmp_path):
    with pytest.raises(SyncError, match=r"cannot read .*: No such file or directory"):
        read_openapi_document(str(tmp_path / "missing.json"))


@pytest.mark.parametrize(
    "document",
    [{}, {"components": {}}, {"components": {"schemas": []}}],
    ids=["no components", "no schemas", "schemas not a mapping"],
)
def test_document_without_components_schemas_raises_sync_error(document):
    with pytest.raises(SyncError, match=r"no components\.schemas"):
        sync_catalog_data(document, _current())


def test_document_without_connection_option_schemas_raises_sync_error():
    with pytest.raises(SyncError, match=r"no ConnectionOptions<Type>Post schemas"):
        sync_catalog_data({"components": {"schemas": {"Connection": {}}}}, _current())


@respx.mock
def test_url_is_fetched_with_httpx():
    route = respx.get(FARADAY_OPENAPI_URL).respond(200, json={"openapi": "3.0.3"})
    assert read_openapi_document(FARADAY_OPENAPI_URL) == {"openapi": "3.0.3"}
    assert route.calls.last.request.headers["accept"] == "application/json"


@respx.mock
@pytest.mark.parametrize(
    ("side_effect", "message"),
    [
        (httpx.Response(503), "HTTP 503 Service Unavailable"),
        (httpx.Response(404), "HTTP 404 Not Found"),
        (httpx.ConnectTimeout("slow"), "timed out"),
        (httpx.ConnectError("refused"), "failed: refused"),
    ],
    ids=["503", "404", "timeout", "connect error"],
)
def test_url_failure_raises_sync_error_naming_the_url(side_effect, message):
    respx.get(FARADAY_OPENAPI_URL).mock(side_effect=[side_effect])
    with pytest.raises(SyncError, match=f"{FARADAY_OPENAPI_URL}.*{message}"):
        read_openapi_document(FARADAY_OPENAPI_URL)
