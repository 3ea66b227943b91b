"""`sync_connection_types` reading Faraday's published client models instead of OpenAPI."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from faraday_admin.catalog.api_models import MODELS_FILE
from faraday_admin.catalog.loader import DATA_FILE, load_catalog_file
from faraday_admin.catalog.sync import models_to_openapi, plain_description, sync_catalog_data


def _models() -> dict:
    return json.loads(MODELS_FILE.read_text(encoding="utf-8"))


def _catalog() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _run(tmp_path: Path, models: dict) -> tuple[list[str], Path, Path]:
    source = tmp_path / "faraday-models.json"
    source.write_text(json.dumps(models, indent=1), encoding="utf-8")
    output, models_output = tmp_path / "connection_types.json", tmp_path / "models-copy.json"
    output.write_text(DATA_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    out = StringIO()
    call_command(
        "sync_connection_types",
        str(source),
        "--output",
        str(output),
        "--models-output",
        str(models_output),
        stdout=out,
    )
    return out.getvalue().splitlines(), output, models_output


def test_the_projects_catalog_is_in_line_with_its_models_copy():
    result = sync_catalog_data(models_to_openapi(_models()), _catalog())

    assert result.changes == []


def test_a_new_field_a_new_read_only_field_and_a_nullability_change_are_reported(tmp_path):
    models = _models()
    interfaces = models["interfaces"]
    interfaces["ConnectionOptionsPostgresPost"]["sslmode"] = {"optional": True, "type": "string"}
    interfaces["ConnectionOptionsPostgresMergePatch"]["sslmode"] = {
        "optional": True,
        "type": "string | null",
    }
    interfaces["ConnectionOptionsPostgres"]["server_version"] = {
        "optional": True,
        "type": "string",
        "description": "Set by Faraday: the <code>server_version</code> it saw.",
    }
    interfaces["ConnectionOptionsBigQueryMergePatch"]["region"]["type"] += " | null"

    lines, output, _copy = _run(tmp_path, models)

    assert "+ field postgres.sslmode (string, optional)" in lines
    assert "+ read-only field postgres.server_version" in lines
    assert "~ field bigquery.region: nullable no -> yes" in lines
    postgres = load_catalog_file(output).types["postgres"]
    assert postgres.field("sslmode").nullable is True
    [read_only] = postgres.read_only_fields
    assert (read_only.name, read_only.label) == ("server_version", "Server version")
    assert read_only.description == "Set by Faraday: the server_version it saw."


def test_patterns_survive_a_sync_from_models_that_carry_none(tmp_path):
    _lines, output, _copy = _run(tmp_path, _models())

    before, after = load_catalog_file(DATA_FILE), load_catalog_file(output)
    for key, ctype in before.types.items():
        for spec in ctype.fields:
            assert after.types[key].field(spec.name).pattern == spec.pattern


def test_the_models_file_is_kept_as_the_projects_copy_byte_for_byte(tmp_path):
    models = _models()
    models["interfaces"]["ConnectionOptionsSftpPost"]["port"]["description"] = "Changed"

    lines, _output, models_copy = _run(tmp_path, models)

    assert f"Wrote {models_copy}." in lines
    assert models_copy.read_text(encoding="utf-8") == json.dumps(models, indent=1)


def test_read_only_models_labels_use_known_acronyms():
    ctype = load_catalog_file(DATA_FILE).types
    assert [f.label for f in ctype["snowflake"].read_only_fields] == ["RSA public key"]
    assert [f.label for f in ctype["clickhouse"].read_only_fields] == ["SSH public key"]


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("Defaults to <code>US</code>.", "Defaults to US."),
        (
            'See <a href="https://cloud.google.com/bigquery/docs/locations">BigQuery locations</a>'
            ".",
            "See BigQuery locations (https://cloud.google.com/bigquery/docs/locations).",
        ),
        ("Tom &amp; Jerry", "Tom & Jerry"),
    ],
)
def test_html_descriptions_become_plain_text_with_their_links_kept(html, text):
    assert plain_description(html) == text
