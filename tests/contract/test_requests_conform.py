"""Every request the app can send, for every type, conforms to Faraday's published models.

Each case drives the real pages (create, edit) with Django's test client; respx captures the
request the app sends to Faraday, and the request is checked against the project's copy of
the models (`faraday_models.json`): creates against ConnectionPost, edits against
ConnectionMergePatch, with the media type each needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from faraday_admin.catalog import FieldSpec, get_catalog
from faraday_admin.connections.forms import REMOVE_PREFIX
from tests.contract.conftest import conforms
from tests.payloads import CONNECTION_ID, listed_connection_json
from tests.web.create_helpers import CREATE_URL, example_value, form_data, issue_token
from tests.web.html import parse, submitted_values

pytestmark = pytest.mark.django_db

CATALOG = get_catalog()
TYPES = sorted(CATALOG.types)
EDIT_URL = reverse("connections:edit", args=[CONNECTION_ID])
JSON, MERGE_PATCH = "application/json", "application/merge-patch+json"
# Snowflake takes these two together or not at all (the form refuses one alone).
PARTNERS = {"account_name": "organization_name", "organization_name": "account_name"}


def _fields(test: Callable[[FieldSpec], bool]) -> list[tuple[str, str]]:
    return [(t, f.name) for t in TYPES for f in CATALOG.types[t].fields if test(f)]


def _other_value(spec: FieldSpec) -> tuple[str, Any]:
    """A valid value different from `example_value`'s: (what the browser posts, what is sent)."""
    posted, sent = example_value(spec)
    if spec.kind == "integer":
        changed = sent + 1 if spec.max is None or sent < spec.max else sent - 1
        return str(changed), changed
    if spec.kind == "enum":
        return spec.choices[0], spec.choices[0]
    changed = f"{posted}2"  # still valid for every documented pattern
    assert spec.pattern is None or spec.compiled_pattern.fullmatch(changed), spec.name
    return changed, changed


def _stored(type_key: str) -> dict[str, Any]:
    """The connection as Faraday answers for it: every option set but the secrets, which
    Faraday never echoes."""
    options = {
        spec.name: example_value(spec)[1]
        for spec in CATALOG.types[type_key].fields
        if not spec.secret
    }
    return listed_connection_json(name="Contract", type=type_key, options=options)


def _edit(client, faraday, type_key: str, change: dict[str, str]):
    """Open the edit page as a browser would, change `change`, save; (response, new writes)."""
    faraday.store(_stored(type_key))
    page = client.get(EDIT_URL)
    assert page.status_code == 200
    values = submitted_values(parse(page).find("form", id="edit-form"))
    before = len(faraday.writes())
    response = client.post(EDIT_URL, {**values, **change})
    return response, faraday.writes()[before:]


def _patched(response, writes) -> dict[str, Any]:
    assert response.status_code == 302, parse(response).text[:500]
    [(method, media_type, body)] = writes
    assert (method, media_type) == ("PATCH", MERGE_PATCH)
    assert conforms(body, "ConnectionMergePatch") == []
    return body


# ---- creates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("required_only", [False, True], ids=["all-fields", "required-only"])
@pytest.mark.parametrize("type_key", TYPES)
def test_a_create_conforms_to_connection_post(
    onboarder_client, contract_faraday, django_user_model, type_key, required_only
):
    user = django_user_model.objects.get()
    data, expected = form_data(type_key, issue_token(user), required_only=required_only)

    response = onboarder_client.post(CREATE_URL, data)

    assert response.status_code == 302, parse(response).text[:500]
    [(method, media_type, body)] = contract_faraday.writes()
    assert (method, media_type) == ("POST", JSON)
    assert conforms(body, "ConnectionPost") == []
    assert body == {"name": data["name"], "options": expected}


# ---- edits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("type_key", TYPES)
def test_a_rename_alone_patches_only_the_name(onboarder_client, contract_faraday, type_key):
    response, writes = _edit(onboarder_client, contract_faraday, type_key, {"name": "Renamed"})

    assert _patched(response, writes) == {"name": "Renamed"}


@pytest.mark.parametrize(("type_key", "field"), _fields(lambda f: True))
def test_changing_one_field_patches_that_field_alone(
    onboarder_client, contract_faraday, type_key, field
):
    spec = CATALOG.types[type_key].field(field)
    if spec.kind == "boolean":
        posted, sent = "false", False  # stored as Yes
    else:
        posted, sent = _other_value(spec)

    response, writes = _edit(onboarder_client, contract_faraday, type_key, {field: posted})

    assert _patched(response, writes) == {"options": {"type": type_key, field: sent}}


@pytest.mark.parametrize(("type_key", "field"), _fields(lambda f: not f.required and not f.secret))
def test_clearing_an_optional_field_patches_null_only_where_faraday_allows_it(
    onboarder_client, contract_faraday, type_key, field
):
    spec = CATALOG.types[type_key].field(field)
    cleared = "unknown" if spec.kind == "boolean" else ""
    change = {field: cleared}
    if field in PARTNERS and type_key == "snowflake":
        change[PARTNERS[field]] = ""

    response, writes = _edit(onboarder_client, contract_faraday, type_key, change)

    if spec.nullable:
        expected = dict.fromkeys(change)
        assert _patched(response, writes) == {"options": {"type": type_key, **expected}}
    else:
        # Faraday's model has no null here: the form says so and nothing is sent.
        assert response.status_code == 422
        assert writes == []
        assert "Faraday can't empty this once it's set" in parse(response).text


@pytest.mark.parametrize(("type_key", "field"), _fields(lambda f: f.kind == "boolean"))
@pytest.mark.parametrize(
    ("stored", "chosen", "sent"),
    [(True, "false", False), (False, "true", True), (True, "unknown", None)],
)
def test_toggling_a_yes_no_option_patches_it_both_ways(
    onboarder_client, contract_faraday, type_key, field, stored, chosen, sent
):
    resource = _stored(type_key)
    resource["options"][field] = stored
    contract_faraday.store(resource)
    values = submitted_values(parse(onboarder_client.get(EDIT_URL)).find("form", id="edit-form"))

    response = onboarder_client.post(EDIT_URL, {**values, field: chosen})

    body = _patched(response, contract_faraday.writes())
    assert body == {"options": {"type": type_key, field: sent}}


@pytest.mark.parametrize(("type_key", "field"), _fields(lambda f: f.secret and f.nullable))
def test_removing_a_clearable_secret_patches_it_as_null(
    onboarder_client, contract_faraday, type_key, field
):
    response, writes = _edit(
        onboarder_client, contract_faraday, type_key, {REMOVE_PREFIX + field: "on"}
    )

    assert _patched(response, writes) == {"options": {"type": type_key, field: None}}


@pytest.mark.parametrize(("type_key", "field"), _fields(lambda f: f.secret and not f.nullable))
def test_a_secret_faraday_cannot_drop_offers_no_remove_box(
    onboarder_client, contract_faraday, type_key, field
):
    contract_faraday.store(_stored(type_key))

    page = parse(onboarder_client.get(EDIT_URL))

    assert page.find("input", name=REMOVE_PREFIX + field) is None


# ---- reverts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("before", ["set", "absent"])
@pytest.mark.parametrize(("type_key", "field"), _fields(lambda f: not f.secret))
def test_a_reverts_patch_conforms_or_leaves_the_field_out(type_key, field, before):
    """What a revert sends (history.diffs.revert_patch, sent as it is by the revert page) for
    an edit of each field: its old value, or a null where the edit set a field that was absent,
    which goes only where Faraday's model allows null."""
    from faraday_admin.history import diffs

    spec = CATALOG.types[type_key].field(field)
    old = example_value(spec)[1] if before == "set" else None
    changes = [
        {"field": "name", "label": "Name", "before": "Old name", "after": "New name"},
        {"field": field, "label": spec.label, "before": old, "after": _other_value(spec)[1]},
    ]

    patch = diffs.revert_patch(changes, type_key=type_key)

    assert conforms(patch, "ConnectionMergePatch") == []
    if old is not None or spec.nullable:
        assert patch["options"] == {"type": type_key, field: old}
    else:
        assert "options" not in patch
        assert diffs.not_revertable(changes, type_key=type_key) == [spec.label]
