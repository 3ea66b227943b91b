"""The catalog and Faraday's published models (the project's copy) describe the same thing.

When Faraday's models gain a type or a field (after `sync_connection_types` refreshes the copy),
these fail until the catalog knows it too, and the other way round.
"""

import pytest

from faraday_admin.catalog import get_catalog
from faraday_admin.catalog.api_models import MERGE_PATCH, POST, RESPONSE, get_api_models

MODELS = get_api_models()
CATALOG = get_catalog()
TYPES = sorted(MODELS.connection_types())
# TypeScript's types for each catalog kind (enums are named types listed in `enums`).
KIND_OF = {"string": "string", "number": "integer", "boolean": "boolean"}


def test_the_catalog_has_exactly_the_types_of_the_models():
    assert sorted(CATALOG.types) == TYPES


@pytest.mark.parametrize("type_key", TYPES)
def test_each_type_has_every_field_of_the_models_with_the_same_facts(type_key):
    ctype = CATALOG.types[type_key]
    post = MODELS.options_model(type_key, POST)
    patch = MODELS.options_model(type_key, MERGE_PATCH)
    response = MODELS.options_model(type_key, RESPONSE)

    assert {f.name for f in ctype.fields} == set(post) - {"type"}
    for spec in ctype.fields:
        model = post[spec.name]
        kind = "enum" if model.type in MODELS.enums else KIND_OF[model.type]
        assert (spec.kind, spec.required) == (kind, not model.optional), spec.name
        if spec.kind == "enum":
            assert list(spec.choices) == MODELS.enums[model.type], spec.name
        assert spec.nullable == patch[spec.name].nullable, spec.name
    assert {f.name for f in ctype.read_only_fields} == set(response) - set(post)
    assert set(patch) == set(post), "an edit can change exactly what a create sets"


def test_every_yes_no_option_can_be_set_back_to_faradays_default():
    """The edit form always offers "Faraday's default" for a Yes/No option (it sends null):
    a boolean that MergePatch can't null would need the form to refuse that choice."""
    booleans = [f for t in CATALOG.types.values() for f in t.fields if f.kind == "boolean"]

    assert booleans
    assert all(f.nullable for f in booleans)
