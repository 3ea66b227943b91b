"""Every documented `pattern` attribute, compiled by Chromium itself, agrees with the server.

The browser compiles `^(?:pattern)$` with the `v` flag; a pattern it can't compile is ignored
(any value passes) with only a console error, so a bad `EcmaPattern.browser` spelling would let
the browser wave through values the server then refuses. Here Chromium gives its verdict on the
real inputs of every type's form, and `faraday_admin.catalog`'s checker must give the same one.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from faraday_admin.catalog import get_catalog
from faraday_admin.connections.forms import form_class_for

pytestmark = pytest.mark.e2e

# Valid and invalid values for the catalog's patterns, with the ECMAScript corners that Python's
# `re` gets wrong by default: Unicode in `\w`, NBSP and BOM in `\s`, U+2028 for `.`. No CR or LF:
# the browser strips them from an <input>'s value before matching.
SAMPLES = [
    "db.example.com",
    "http://db.example.com",
    "faraday@bastion.example.com",
    "fàraday@bastion.example.com",
    "faraday_reader",
    "reader.name-2",
    "1reader",
    "a",
    "ab",
    "analytics_2024",
    "Snowflake – Marketing",
    "x y",
    " ",
    "   ",
    "\t",
    "\u00a0",
    "\ufeff",
    "a\u2028b",
    "naïve",
    "日本語",
    "😀",
    "-",
    "bastion-1.example.com",
    "s3cret-pass",
]


def _verdicts_in_browser(page, field_name: str) -> list[bool]:
    return page.locator(f"#create-form [name={field_name}]").evaluate(
        """(input, samples) => samples.map(value => {
            input.value = value;
            const mismatch = input.validity.patternMismatch;
            input.value = '';
            return mismatch;
        })""",
        SAMPLES,
    )


def test_every_catalog_pattern_gives_the_same_verdict_in_chromium_as_on_the_server(
    signed_in, artifacts
):
    page = signed_in
    catalog = get_catalog()
    checked: dict[str, set[bool]] = {}
    disagreements = []
    for type_key, connection_type in catalog.types.items():
        page.goto(f"/connections/new/?type={type_key}")
        inputs = page.locator("#create-form [pattern]")
        on_page = {
            name: pattern
            for name, pattern in inputs.evaluate_all(
                "inputs => inputs.map(input => [input.name, input.getAttribute('pattern')])"
            )
        }
        specs = {"name": catalog.name_field} | {
            spec.name: spec for spec in connection_type.fields if spec.pattern
        }
        assert set(on_page) == set(specs), f"{type_key}: pattern attributes missing or extra"
        for name, spec in specs.items():
            assert on_page[name] == spec.compiled_pattern.browser, f"{type_key}.{name}"
            browser_mismatch = _verdicts_in_browser(page, name)
            for value, mismatch in zip(SAMPLES, browser_mismatch, strict=True):
                server_accepts = spec.compiled_pattern.fullmatch(value)
                checked.setdefault(spec.pattern, set()).add(server_accepts)
                if mismatch == server_accepts:
                    disagreements.append(
                        f"{type_key}.{name} pattern {spec.pattern!r} value {value!r}: "
                        f"browser {'refuses' if mismatch else 'accepts'}, "
                        f"server {'accepts' if server_accepts else 'refuses'}"
                    )
    artifacts.shot(page, "last-type-checked")

    assert disagreements == [], "\n".join(disagreements)
    compile_errors = page.watch.console_matching("is not a valid regular expression")
    assert compile_errors == [], compile_errors
    documented = {spec.pattern for t in catalog.types.values() for spec in t.fields if spec.pattern}
    assert documented | {catalog.name_field.pattern} == set(checked)
    one_sided = [pattern for pattern, verdicts in checked.items() if verdicts != {True, False}]
    assert one_sided == [], f"add samples that these patterns accept and refuse: {one_sided}"


# Spellings of a number: those a number input keeps (HTML's floating-point grammar) and those it
# empties, whole or not, in range or not.
NUMBER_SAMPLES = [
    "5432",
    "5432.0",
    "5.432e3",
    "54320E-1",
    ".5e1",
    "5432.5",
    "0",
    "-1",
    "65535",
    "65536",
    "6.5536e4",
    "1e400",
    "+5432",
    " 5432",
    "5432.",
    "0x10",
    "5_432",
    "٥٤٣٢",
    "５４３２",
    "0e999",
    "5432.0000000000000001",
    "1e99999999999999999999",
    "-0",
    "",
]


def test_every_integer_field_gives_the_same_verdict_in_chromium_as_on_the_server(signed_in):
    page = signed_in
    disagreements = []
    for type_key, connection_type in get_catalog().types.items():
        form = form_class_for(type_key)()
        integers = [spec.name for spec in connection_type.fields if spec.kind == "integer"]
        if not integers:
            continue
        page.goto(f"/connections/new/?type={type_key}")
        for name in integers:
            verdicts = page.locator(f"#create-form [name={name}]").evaluate(
                """(input, samples) => samples.map(text => {
                    input.value = text;
                    const kept = input.value === text && text !== '';
                    const v = input.validity;
                    const ok = kept && !v.stepMismatch && !v.rangeOverflow && !v.rangeUnderflow;
                    const number = ok ? Number(input.value) : null;
                    input.value = '';
                    return [ok, number];
                })""",
                NUMBER_SAMPLES,
            )
            field = form.fields[name]
            for text, (browser_ok, browser_number) in zip(NUMBER_SAMPLES, verdicts, strict=True):
                if not text:
                    continue
                try:
                    server_number, server_ok = field.clean(text), True
                except ValidationError:
                    server_number, server_ok = None, False
                if (browser_ok, browser_number) != (server_ok, server_number):
                    disagreements.append(
                        f"{type_key}.{name} {text!r}: browser {browser_ok} {browser_number}, "
                        f"server {server_ok} {server_number}"
                    )
    assert disagreements == [], "\n".join(disagreements)
