"""`manage.py sync_connection_types SOURCE [--dry-run] [--output PATH]`.

Reads Faraday's OpenAPI document or its published client's models file (a file or an http(s)
URL), rebuilds the connection types data file from its `ConnectionOptions<Type>Post` schemas
while keeping our labels, categories and other editorial extras, prints what changed and writes
the file. A models file is also kept as the project's copy (`faraday_models.json`), which the
simulator and the contract tests check requests against. The rules for what comes from Faraday
and what stays ours are in `faraday_admin.catalog.sync`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from faraday_admin.catalog.api_models import MODELS_FILE, get_api_models, parse_models
from faraday_admin.catalog.loader import DATA_FILE, CatalogError, get_catalog
from faraday_admin.catalog.sync import (
    FARADAY_OPENAPI_URL,
    SyncError,
    dump_catalog_data,
    is_models_document,
    models_to_openapi,
    read_openapi_document,
    sync_catalog_data,
)


class Command(BaseCommand):
    help = (
        "Update the connection types data file from Faraday's OpenAPI document "
        f"(a file path or URL, e.g. {FARADAY_OPENAPI_URL}) or from its published client's "
        "models file (faraday-models.json), and print what changed."
    )
    # The command touches one data file and validates it itself; it must work even when other
    # parts of the project (URLs, models) fail their checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "source",
            help="OpenAPI document or client models file: a file path or an http(s) URL",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="print the changes without writing anything"
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=DATA_FILE,
            help="the data file to update (default: the project's connection_types.json)",
        )
        parser.add_argument(
            "--models-output",
            type=Path,
            default=MODELS_FILE,
            help="where a models file source is kept (default: the project's faraday_models.json)",
        )

    def handle(
        self, *args, source: str, dry_run: bool, output: Path, models_output: Path, **options
    ):
        current = self._read_current(output)
        models_text = None
        try:
            document = read_openapi_document(source)
            if is_models_document(document):
                try:
                    parse_models(document)
                except ValueError as exc:
                    raise SyncError(str(exc)) from exc
                models_text = json.dumps(document, indent=1)  # as Faraday publishes it
                document = models_to_openapi(document)
            result = sync_catalog_data(document, current)
        except SyncError as exc:
            raise CommandError(str(exc)) from exc
        except CatalogError as exc:
            raise CommandError(f"the synced catalog would be invalid: {exc}") from exc

        for note in result.notes:
            self.stdout.write(f"note: {note}")
        for line in result.changes:
            self.stdout.write(line)
        text = dump_catalog_data(result.data)
        unchanged_text = output.read_text(encoding="utf-8") == text
        if not result.changes:
            self.stdout.write("No changes to connection types or their fields.")
        else:
            self.stdout.write(_summary(result.changes))
        if dry_run:
            self.stdout.write("Dry run: nothing written.")
        elif unchanged_text:
            self.stdout.write(f"{output} is already up to date.")
        else:
            _write_atomically(output, text)
            if output.resolve() == DATA_FILE.resolve():
                get_catalog.cache_clear()
            self.stdout.write(self.style.SUCCESS(f"Wrote {output}."))
        models_changed = models_text is not None and (
            not models_output.exists() or models_output.read_text("utf-8") != models_text
        )
        if models_changed and not dry_run:
            _write_atomically(models_output, models_text)
            if models_output.resolve() == MODELS_FILE.resolve():
                get_api_models.cache_clear()
            self.stdout.write(self.style.SUCCESS(f"Wrote {models_output}."))

    @staticmethod
    def _read_current(output: Path) -> dict:
        try:
            data = json.loads(output.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read the current data file {output}: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError(f"the current data file {output} is not a JSON object")
        return data


def _summary(changes: list[str]) -> str:
    def count(prefix: str) -> int:
        return sum(line.startswith(prefix) for line in changes)

    return (
        f"Summary: types added {count('+ type ')}, removed {count('- type ')}; "
        f"fields added {count('+ field ')}, removed {count('- field ')}; "
        f"field changes {count('~ field ')}."
    )


def _write_atomically(path: Path, text: str) -> None:
    # A crash mid-write must not leave a half-written catalog that stops the app from starting.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)  # mkstemp's 0600 must not stick
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
