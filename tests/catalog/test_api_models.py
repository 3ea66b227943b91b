"""Faraday's published models, read from the project's copy, and the checker built on them."""

import pytest

from faraday_admin.catalog.api_models import (
    MERGE_PATCH,
    POST,
    RESPONSE,
    SchemaProblem,
    get_api_models,
    parse_models,
)

MODELS = get_api_models()


def _found(value, type_expr):
    return [(p.path, p.keyword) for p in MODELS.problems(value, type_expr)]


def test_the_copy_holds_all_43_connection_types_in_each_shape():
    assert len(MODELS.connection_types()) == 43
    for shape in (POST, MERGE_PATCH, RESPONSE):
        assert set(MODELS.unions[shape]) == MODELS.connection_types()


def test_nullability_is_read_from_the_merge_patch_model():
    sftp = MODELS.options_model("sftp", MERGE_PATCH)
    bigquery = MODELS.options_model("bigquery", MERGE_PATCH)

    assert sftp["password"].nullable and sftp["compression"].nullable
    assert not sftp["host"].nullable
    assert not bigquery["region"].nullable
    assert not MODELS.options_model("sftp", POST)["password"].nullable


@pytest.mark.parametrize(
    ("value", "type_expr", "expected"),
    [
        ("x", "string", []),
        (None, "string | null", []),
        (None, "string", [("/", "type")]),
        (5, "string", [("/", "type")]),
        (5.5, "number", []),
        (True, "number", [("/", "type")]),
        (False, "boolean", []),
        (0, "boolean", [("/", "type")]),
        ("US", "ConnectionOptionsBigQueryMergePatchRegionEnum", []),
        ("mars", "ConnectionOptionsBigQueryMergePatchRegionEnum", [("/", "enum")]),
        (["a", "b"], "Array<string>", []),
        (["a", 1], "Array<string>", [("/1", "type")]),
        ("a", "Array<string>", [("/", "type")]),
        ({"a": "x"}, "{ [key: string]: string; }", []),
        ({"a/b": 1}, "{ [key: string]: string; }", [("/a~1b", "type")]),
        ({"name": "t"}, "ContentsRow", []),
        ({"row_count": 1}, "ContentsRow", [("/name", "required")]),
        ({"name": "t", "rows": 1}, "ContentsRow", [("/rows", "additionalProperties")]),
    ],
)
def test_values_are_checked_against_typescript_types(value, type_expr, expected):
    assert _found(value, type_expr) == expected


def test_a_nullable_kind_is_worded_like_ajv():
    [problem] = MODELS.problems(3, "string | null", "/options/encryption")

    assert problem == SchemaProblem("/options/encryption", "must be string,null", "type")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"host": "h"}, [("/options/type", "required")]),
        ({"type": 7}, [("/options/type", "type")]),
        ({"type": "teleporter"}, [("/options/type", "enum")]),
        ({"type": "sftp", "compression": None}, []),
        ({"type": "sftp", "host": None}, [("/options/host", "type")]),
        (
            {"type": "snowflake", "rsa_public_key": "k"},
            [("/options/rsa_public_key", "additionalProperties")],
        ),
    ],
)
def test_connection_options_are_a_union_tagged_by_type(options, expected):
    assert _found({"options": options}, "ConnectionMergePatch") == expected


def test_an_unknown_type_in_the_models_is_a_programming_error_not_a_verdict():
    with pytest.raises(ValueError, match="unsupported type"):
        MODELS.problems("x", "Map<string, string>")


@pytest.mark.parametrize(
    "data", [{}, {"enums": {}}, [], {"enums": {}, "interfaces": 1, "unions": {}}]
)
def test_anything_but_a_models_file_is_refused_with_a_value_error(data):
    with pytest.raises(ValueError, match="not Faraday's API models file"):
        parse_models(data)
