"""`manage.py sync_connection_types`, always against a copy of the data file (`--output`)."""

import hashlib
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import httpx
import pytest
import respx
from django.core.management import call_command
from django.core.management.base import CommandError

from faraday_admin.catalog.loader import DATA_FILE, load_catalog_file
from faraday_admin.catalog.management.commands.sync_connection_types import Command
from faraday_admin.catalog.sync import FARADAY_OPENAPI_URL

FIXTURE = Path(__file__).with_name("fixtures") / "openapi_min.json"
KEPT_TYPES = ("aws_aurora_mysql", "postgres", "tiktok")

EXPECTED_REPORT = [
    "note: new type braze: label 'Braze' and category 'marketing_and_commerce' are guesses;"
    " review them",
    "+ type braze (Braze, marketing_and_commerce): api_key, app_group_id, rest_endpoint",
    "- type tiktok",
    "+ field postgres.sslmode (enum, optional)",
    '~ field postgres.host: pattern "^[a-zA-Z0-9\\-.]+$" -> "^[a-zA-Z0-9\\-._]+$"',
    "Summary: types added 1, removed 1; fields added 1, removed 0; field changes 1.",
]


@pytest.fixture(autouse=True)
def project_data_file_is_never_touched():
    before = hashlib.sha256(DATA_FILE.read_bytes()).hexdigest()
    yield
    assert hashlib.sha256(DATA_FILE.read_bytes()).hexdigest() == before


@pytest.fixture
def original():
    """The project's data trimmed to the three types the fixture document talks about."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    data["types"] = [t for t in data["types"] if t["type"] in KEPT_TYPES]
    return data


@pytest.fixture
def data_copy(tmp_path, original):
    path = tmp_path / "connection_types.json"
    path.write_text(json.dumps(original, indent=2), encoding="utf-8")
    return path


def run(*args):
    out = StringIO()
    call_command("sync_connection_types", *args, stdout=out)
    return out.getvalue().splitlines()


def _types(path):
    return {t["type"]: t for t in json.loads(path.read_text(encoding="utf-8"))["types"]}


def test_fixture_document_prints_added_removed_and_changed_types_and_fields(data_copy):
    lines = run(str(FIXTURE), "--output", str(data_copy))
    assert lines == [*EXPECTED_REPORT, f"Wrote {data_copy}."]


def test_fixture_document_writes_the_synced_catalog(data_copy, original):
    run(str(FIXTURE), "--output", str(data_copy))
    written = _types(data_copy)
    before = {t["type"]: t for t in original["types"]}

    assert sorted(written) == ["aws_aurora_mysql", "braze", "postgres"]
    assert written["aws_aurora_mysql"] == before["aws_aurora_mysql"]  # unchanged, extras and all

    postgres = {f["name"]: f for f in written["postgres"]["fields"]}
    assert (written["postgres"]["label"], written["postgres"]["category"]) == (
        "Postgres",
        "database",
    )
    assert postgres["host"]["pattern"] == r"^[a-zA-Z0-9\-._]+$"
    assert postgres["sslmode"]["choices"] == ["disable", "require", "verify-ca", "verify-full"]
    assert postgres["port"]["suggested_value"] == 5432
    assert postgres["password"]["secret"] is True
    assert "created_at" not in postgres  # readOnly

    braze = {f["name"]: f for f in written["braze"]["fields"]}
    assert braze["api_key"]["secret"] is True
    assert braze["rest_endpoint"]["pattern_source"] == "openapi"


def test_written_file_is_pretty_json_with_a_final_newline_that_loads(data_copy):
    run(str(FIXTURE), "--output", str(data_copy))
    text = data_copy.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.startswith('{\n  "about": ')
    catalog = load_catalog_file(data_copy)
    assert (
        catalog.get("braze")
        .field("rest_endpoint")
        .compiled_pattern.fullmatch("https://rest.iad-01.braze.com")
    )
    assert not list(data_copy.parent.glob(".*.tmp"))


def test_dry_run_prints_the_same_report_and_writes_nothing(data_copy):
    before = data_copy.read_bytes()
    lines = run(str(FIXTURE), "--output", str(data_copy), "--dry-run")
    assert lines == [*EXPECTED_REPORT, "Dry run: nothing written."]
    assert data_copy.read_bytes() == before


def test_second_run_reports_no_changes_and_leaves_the_file_alone(data_copy):
    run(str(FIXTURE), "--output", str(data_copy))
    written = data_copy.read_bytes()
    os.utime(data_copy, (0, 0))
    lines = run(str(FIXTURE), "--output", str(data_copy))
    assert lines[-2:] == [
        "No changes to connection types or their fields.",
        f"{data_copy} is already up to date.",
    ]
    assert data_copy.read_bytes() == written
    assert data_copy.stat().st_mtime == 0


def test_url_source_is_fetched_and_synced(data_copy):
    with respx.mock(assert_all_called=True) as mock:
        mock.get(FARADAY_OPENAPI_URL).respond(200, content=FIXTURE.read_bytes())
        lines = run(FARADAY_OPENAPI_URL, "--output", str(data_copy), "--dry-run")
    assert lines == [*EXPECTED_REPORT, "Dry run: nothing written."]


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(500), "HTTP 500 Internal Server Error"),
        (httpx.Response(200, text="<html>maintenance</html>"), "is not JSON"),
        (httpx.ConnectError("name resolution failed"), "name resolution failed"),
        (httpx.ReadTimeout("slow"), "timed out"),
    ],
    ids=["http 500", "html body", "connect error", "timeout"],
)
def test_url_failure_is_a_command_error_and_writes_nothing(data_copy, response, message):
    before = data_copy.read_bytes()
    with respx.mock, pytest.raises(CommandError, match=message):
        respx.get(FARADAY_OPENAPI_URL).mock(side_effect=[response])
        run(FARADAY_OPENAPI_URL, "--output", str(data_copy))
    assert data_copy.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read .*missing.json: No such file or directory"),
        ("not json at all", "is not JSON"),
        ('{"openapi": "3.0.3", "paths": {}}', "no components.schemas"),
        ('{"components": {"schemas": {"Connection": {}}}}', "no ConnectionOptions<Type>Post"),
        (
            '{"components": {"schemas": {"ConnectionOptionsXPost": {"properties": '
            '{"type": {"enum": ["x"]}, "v": {"type": "string", "pattern": "\\\\p{L}"}}}}}}',
            "the synced catalog would be invalid: x.v: pattern",
        ),
    ],
    ids=["missing file", "not json", "not openapi", "no connection options", "bad pattern"],
)
def test_bad_source_is_a_command_error_with_a_plain_message(tmp_path, data_copy, content, message):
    source = tmp_path / ("missing.json" if content is None else "api.json")
    if content is not None:
        source.write_text(content, encoding="utf-8")
    before = data_copy.read_bytes()
    with pytest.raises(CommandError, match=message):
        run(str(source), "--output", str(data_copy))
    assert data_copy.read_bytes() == before


def test_unreadable_output_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read the current data file"):
        run(str(FIXTURE), "--output", str(tmp_path / "nope.json"))


def test_output_defaults_to_the_projects_data_file():
    parser = Command().create_parser("manage.py", "sync_connection_types")
    assert parser.parse_args([str(FIXTURE)]).output == DATA_FILE


def test_manage_py_prints_a_command_error_without_a_traceback(tmp_path, data_copy):
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "faraday_admin.settings_test",
        "PYTHONPATH": str(root),
    }
    missing = tmp_path / "x.json"
    proc = subprocess.run(
        [sys.executable, "manage.py", "sync_connection_types", missing, "--output", data_copy],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"CommandError: cannot read {missing}: No such file or directory"
