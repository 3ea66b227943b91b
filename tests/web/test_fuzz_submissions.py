"""Fuzzing the create form: over ten thousand generated submissions across every connection type
and field, with the browser's own regex engine as the judge of every pattern verdict.

The bulk goes through the form class; over a thousand go through the real create view (a
Django test client POST with a fresh submission token, Faraday mocked by respx answering 201).
Every (pattern, value) pair the server judged is collected and sent to node once, at the end,
which computes `new RegExp('^(?:' + pattern + ')$', 'v').test(value)` -- what `<input pattern>`
does. The server must put a pattern error on a field exactly when node says the value does not
match. Node is required (CI installs it): a skip would hide a regression.

The run happens once per module (a module fixture, inside a transaction rolled back at the end);
each test below checks one property of it.
"""

from __future__ import annotations

import json
import math
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from faraday_admin.catalog import FieldSpec, get_catalog
from faraday_admin.connections.field_help import pattern_hint
from faraday_admin.connections.forms import form_class_for
from tests.ecmascript import node_verdicts
from tests.web.create_helpers import (
    ALL_TYPES,
    CREATE_URL,
    fake_faraday,
    issue_token,
    make_onboarder,
)
from tests.web.html import field_errors, parse

FORM_EXAMPLES = 9_200
VIEW_EXAMPLES = 1_100
MIN_SUBMISSIONS = 10_000
MIN_VIEW_SUBMISSIONS = 1_000
URLENCODED = "application/x-www-form-urlencoded"

# pytest-django creates the test database only for a session with a test marked to use it: the
# run's module fixture writes, so every test here carries the mark.
pytestmark = pytest.mark.django_db

CATALOG = get_catalog()
NAME_SPEC = CATALOG.name_field
ALL_FIELD_NAMES = sorted({f.name for t in CATALOG.types.values() for f in t.fields})

# ---- values ---------------------------------------------------------------------------------

WHITESPACE = (
    " \t\n\r\x0b\x0c\u00a0\u1680\u2000\u2007\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
    "\u200b\u180e\x85\x1c\x1f"  # not ECMAScript whitespace, but Python's or Unicode's
)
LINE_TERMINATORS = "\n\r\u2028\u2029"
# Letters and digits that `\w`, `\d` and `[a-zA-Z]` must not take for ASCII ones.
NON_ASCII = "éÉßøñçüÅΩλжЖ中文ıİſ\u212aＡｚ٣３١😀𝒜𐐀"
CONTROL = "\x00\x01\x07\x1b\x7f"

ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
ANY_CHAR = st.characters(exclude_categories=("Cs",))  # a browser never sends a lone surrogate
CHARS = st.one_of(
    ASCII, st.sampled_from(WHITESPACE), st.sampled_from(NON_ASCII + CONTROL), ANY_CHAR
)
JUNK = st.text(CHARS, max_size=24)
ASCII_JUNK = st.text(ASCII, max_size=24)
NON_ASCII_TEXT = st.text(st.one_of(st.sampled_from(NON_ASCII), ASCII), min_size=1, max_size=12)
SINGLE_LINE_CHAR = st.characters(exclude_categories=("Cs",), exclude_characters=LINE_TERMINATORS)
LETTERS = string.ascii_letters
ALNUM = LETTERS + string.digits


def _led_by_letter(rest: str) -> st.SearchStrategy[str]:
    return st.builds(
        str.__add__, st.sampled_from(LETTERS), st.text(st.sampled_from(rest), min_size=1)
    )


# Valid by construction, one strategy per documented pattern (keyed by its source); a new
# pattern fails test_every_catalog_pattern_has_a_valid_by_construction_strategy.
VALID_BY_PATTERN: dict[str, st.SearchStrategy[str]] = {
    r"^(?!\s*$).+": st.builds(
        lambda before, visible, after: before + visible + after,
        st.text(SINGLE_LINE_CHAR, max_size=12),
        st.sampled_from(ALNUM + "–“é中😀"),
        st.text(SINGLE_LINE_CHAR, max_size=12),
    ),
    r"^[a-zA-Z][a-zA-Z0-9_]+$": _led_by_letter(ALNUM + "_"),
    r"^[a-zA-Z0-9\-.]+$": st.text(st.sampled_from(ALNUM + "-."), min_size=1),
    r"^.+$": st.text(SINGLE_LINE_CHAR, min_size=1, max_size=30),
    r"^[-\w\d\.@]+$": st.text(st.sampled_from(ALNUM + "_-.@"), min_size=1),
    r"^[a-zA-Z][a-zA-Z0-9_\-.]+$": _led_by_letter(ALNUM + "_-."),
}
UNPATTERNED = st.text(ASCII, min_size=1, max_size=30)


def _whitespace_variant(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A valid value with whitespace before, after or inside it, or whitespace alone."""
    ws = st.text(st.sampled_from(WHITESPACE), min_size=1, max_size=3)
    return st.one_of(
        st.builds(str.__add__, ws, valid),
        st.builds(str.__add__, valid, ws),
        st.builds(lambda v, w: v[:1] + w + v[1:], valid, ws),
        ws,
    )


def _long(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A very long value: a valid one repeated, maybe with one stray character at the end."""
    return st.builds(
        lambda v, n, tail: (v * (n // len(v) + 1))[:n] + tail,
        valid,
        st.integers(256, 6000),
        st.sampled_from(["", "", " ", "\n", "é", "\x00"]),
    )


Weighted = list[tuple[int, st.SearchStrategy]]


PERCENT = st.integers(0, 99)


def _weighted(choices: Weighted) -> st.SearchStrategy:
    """one_of with weights (percent), so the rare very long values stay rare."""
    assert sum(weight for weight, _ in choices) == 100
    table = [strategy for weight, strategy in choices for _ in range(weight)]

    @st.composite
    def pick(draw):
        # A draw inside composite is much cheaper than flatmap's strategy per example.
        return draw(table[draw(PERCENT)])

    return pick()


def text_values(spec: FieldSpec) -> st.SearchStrategy[str | None]:
    valid = VALID_BY_PATTERN[spec.pattern] if spec.pattern else UNPATTERNED
    return _weighted(
        [
            (35, valid),
            (6, st.just("")),
            (2, st.none()),  # not posted at all
            (15, ASCII_JUNK),
            (14, JUNK),
            (10, NON_ASCII_TEXT),
            (15, _whitespace_variant(valid)),
            (3, _long(valid)),
        ]
    )


INTEGER_SPECIALS = [
    *("1e3", " 5432", "5432 ", "-1", "0", "1", "65535", "65536", "+22", "-0", "00022"),
    *("5432.0", "5432.5", "0x1F", "1_000", "1,000", "٣٣٠٦", "３３０６", "\u00a05432", "5432\n"),
    *("\t22", "", " ", "NaN", "Infinity", "9" * 20, "9" * 5000, "1" + "0" * 4299, "22\x00"),
]


def integer_values(spec: FieldSpec) -> st.SearchStrategy[str | None]:
    low, high = spec.min if spec.min is not None else -(2**31), spec.max or 2**31
    return _weighted(
        [
            (35, st.integers(low, high).map(str)),
            (15, st.integers().map(str)),
            (5, st.integers(high + 1, high + 10**6).map(str)),
            (5, st.integers(low - 10**6, low - 1).map(str)),
            (25, st.sampled_from(INTEGER_SPECIALS)),
            (2, st.none()),
            (13, JUNK),
        ]
    )


def boolean_values(spec: FieldSpec) -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.none(), st.sampled_from(["on", "true", "false", "False", "", "0", "1", "off"]), JUNK
    )


def enum_values(spec: FieldSpec) -> st.SearchStrategy[str | None]:
    near_misses = [c.upper() for c in spec.choices] + [f" {c}" for c in spec.choices]
    return st.one_of(
        st.sampled_from(spec.choices),
        st.just(""),
        st.none(),
        st.sampled_from(near_misses),
        JUNK,
    )


VALUES_BY_KIND: dict[str, Callable[[FieldSpec], st.SearchStrategy[str | None]]] = {
    "string": text_values,
    "integer": integer_values,
    "boolean": boolean_values,
    "enum": enum_values,
}
NAME_VALUES = text_values(NAME_SPEC)
FIELD_VALUES = {
    (t.type, f.name): VALUES_BY_KIND[f.kind](f) for t in CATALOG.types.values() for f in t.fields
}
# Keys that are not this type's fields: other types' fields, and things an attacker might try.
EXTRA_KEYS = [*ALL_FIELD_NAMES, "id", "managed", "status", "options", "options[type]", "__proto__"]
EXTRAS = st.dictionaries(st.sampled_from(EXTRA_KEYS), ASCII_JUNK, max_size=2)


@st.composite
def submissions(draw) -> tuple[str, dict[str, str]]:
    """(type key, POST fields without type and token) over every type and field."""
    type_key = draw(st.sampled_from(ALL_TYPES))
    connection_type = CATALOG.types[type_key]
    data: dict[str, str] = {}
    name = draw(NAME_VALUES)
    if name is not None:
        data["name"] = name
    for spec in connection_type.fields:
        value = draw(FIELD_VALUES[(type_key, spec.name)])
        if value is not None:
            data[spec.name] = value
    own = {"name", *(f.name for f in connection_type.fields)}
    extras = draw(EXTRAS)
    data.update({k: v for k, v in extras.items() if k not in own})
    return type_key, data


# ---- one run, checked by the tests below ----------------------------------------------------


@dataclass
class FuzzRun:
    form_submissions: int = 0
    view_submissions: int = 0
    accepted: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    unhandled: list[str] = field(default_factory=list)
    bad_statuses: list[str] = field(default_factory=list)
    view_form_disagreements: list[str] = field(default_factory=list)
    payload_problems: list[str] = field(default_factory=list)
    upstream_count_problems: list[str] = field(default_factory=list)
    empty_value_pattern_errors: list[str] = field(default_factory=list)
    # (pattern browser spelling, value) -> index; observations: (index, server said "no match")
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)
    observations: list[tuple[int, bool, str, str]] = field(default_factory=list)
    node_verdicts: list[bool] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    types_seen: set[str] = field(default_factory=set)
    upstream_bodies: int = 0

    def observe(self, spec: FieldSpec, value: str, pattern_error: bool, where: str) -> None:
        key = (spec.compiled_pattern.browser, value)
        index = self.pairs.setdefault(key, len(self.pairs))
        self.observations.append((index, pattern_error, spec.name, where))


def _patterned_specs(type_key: str) -> list[FieldSpec]:
    return [NAME_SPEC, *(f for f in CATALOG.types[type_key].fields if f.pattern)]


def _record_pattern_verdicts(
    run: FuzzRun, type_key: str, data: dict[str, str], has_error: Callable[[FieldSpec], bool], where
) -> None:
    for spec in _patterned_specs(type_key):
        value = data.get(spec.name)
        error = has_error(spec)
        if value in (None, ""):
            # Browsers check `pattern` only on a non-empty value; so must the server.
            if error:
                run.empty_value_pattern_errors.append(f"{where} {type_key}.{spec.name}")
            continue
        run.observe(spec, value, error, where)


def payload_problems(type_key: str, data: dict[str, str], body: Any) -> list[str]:
    """What is wrong with the body sent to Faraday for an accepted submission (nothing: [])."""
    where = f"{type_key} {data!r:.200}"
    if not isinstance(body, dict) or set(body) != {"name", "options"}:
        return [f"{where}: body keys {sorted(body) if isinstance(body, dict) else body!r}"]
    problems = []
    if body["name"] != data.get("name"):
        problems.append(f"{where}: name {body['name']!r} is not what was typed")
    options = body["options"]
    if not isinstance(options, dict) or options.get("type") != type_key:
        return [*problems, f"{where}: options {options!r:.200} lack the type"]
    specs = {f.name: f for f in CATALOG.types[type_key].fields}
    for key, value in options.items():
        if key == "type":
            continue
        spec = specs.get(key)
        if spec is None:
            problems.append(f"{where}: {key!r} is not a field of {type_key}")
        elif spec.kind == "integer":
            low = spec.min if spec.min is not None else -math.inf
            high = spec.max if spec.max is not None else math.inf
            if type(value) is not int or not low <= value <= high:
                problems.append(f"{where}: {key}={value!r} is not an integer in range")
        elif spec.kind == "boolean":
            # Django's NullBooleanField reading of the select's values; anything else is "default".
            posted = data.get(key)
            expected = posted in ("true", "True", "1")
            if value is not expected or posted not in ("true", "True", "1", "false", "False", "0"):
                problems.append(f"{where}: {key}={value!r} is not what {posted!r} means")
        elif spec.kind == "enum":
            if value not in spec.choices:
                problems.append(f"{where}: {key}={value!r} is not one of the choices")
        elif not isinstance(value, str) or value != data.get(key) or value == "":
            problems.append(f"{where}: {key}={value!r:.80} is not the string typed")
    missing = [
        name
        for name, spec in specs.items()
        if spec.required and spec.kind != "boolean" and name not in options
    ]
    if missing:
        problems.append(f"{where}: required {missing} not sent")
    return problems


def _hypothesis_settings(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _run_through_the_form(run: FuzzRun) -> None:
    @_hypothesis_settings(FORM_EXAMPLES)
    @given(submissions())
    def submit(submission):
        type_key, data = submission
        run.form_submissions += 1
        run.types_seen.add(type_key)
        try:
            form = form_class_for(type_key)(data)
            valid = form.is_valid()
            errors = form.errors.as_data()
            _record_pattern_verdicts(
                run,
                type_key,
                data,
                lambda spec: any(e.code == "pattern" for e in errors.get(spec.name, [])),
                "form",
            )
            if valid:
                run.accepted += 1
                body = {"name": form.cleaned_data["name"], "options": form.options_payload()}
                run.payload_problems += payload_problems(type_key, data, body)
        except Exception as error:
            run.unhandled.append(f"form {type_key} {data!r:.300}: {error!r}")

    submit()


def _run_through_the_view(run: FuzzRun) -> None:
    user = make_onboarder("fuzzer")
    client = Client()
    client.force_login(user)
    hints = {
        (type_key, spec.name): pattern_hint(spec)
        for type_key in ALL_TYPES
        for spec in _patterned_specs(type_key)
    }

    with fake_faraday() as faraday:

        @_hypothesis_settings(VIEW_EXAMPLES)
        @given(submissions())
        def submit(submission):
            type_key, data = submission
            run.view_submissions += 1
            run.types_seen.add(type_key)
            post = {**data, "type": type_key, "submission_token": issue_token(user)}
            calls_before = faraday.create_calls
            try:
                with transaction.atomic():
                    response = client.post(CREATE_URL, urlencode(post), content_type=URLENCODED)
                expected_valid = form_class_for(type_key)(data).is_valid()
            except Exception as error:
                run.unhandled.append(f"view {type_key} {data!r:.300}: {error!r}")
                return
            status = response.status_code
            run.statuses[status] = run.statuses.get(status, 0) + 1
            sent = faraday.create_calls - calls_before
            if status not in (302, 422):
                run.bad_statuses.append(f"{status} for {type_key} {data!r:.300}")
                return
            if (status == 302) is not expected_valid:
                run.view_form_disagreements.append(f"{status} for {type_key} {data!r:.300}")
            if sent != (1 if status == 302 else 0):
                run.upstream_count_problems.append(f"{sent} POSTs, {status}, {type_key}")
            if status == 302:
                body = json.loads(faraday.create.calls.last.request.content)
                run.upstream_bodies += 1
                run.payload_problems += payload_problems(type_key, data, body)
                doc = None
            else:
                doc = parse(response.content)
            _record_pattern_verdicts(
                run,
                type_key,
                data,
                lambda spec: (
                    doc is not None and hints[type_key, spec.name] in field_errors(doc, spec.name)
                ),
                "view",
            )

        submit()


def _node_verdicts(pairs: dict[tuple[str, str], int]) -> list[bool]:
    """node's verdict for every (pattern, value) pair, in index order: one subprocess."""
    patterns = sorted({pattern for pattern, _ in pairs})
    pattern_index = {pattern: i for i, pattern in enumerate(patterns)}
    cases = [None] * len(pairs)
    for (pattern, value), index in pairs.items():
        cases[index] = (pattern_index[pattern], value)
    answer = node_verdicts([{"source": None, "browser": p} for p in patterns], cases)
    uncompiled = [
        p for p, report in zip(patterns, answer["patterns"], strict=True) if not report["browserV"]
    ]
    assert uncompiled == [], "node cannot compile these browser spellings with the v flag"
    verdicts = [v for _u, v in answer["verdicts"]]
    assert len(verdicts) == len(pairs)
    return verdicts


@pytest.fixture(scope="module")
def fuzz(django_db_setup, django_db_blocker) -> FuzzRun:
    run = FuzzRun()
    started = time.monotonic()
    _run_through_the_form(run)
    run.seconds["form"] = time.monotonic() - started
    started = time.monotonic()
    with django_db_blocker.unblock(), transaction.atomic():
        _run_through_the_view(run)
        transaction.set_rollback(True)  # nothing the run wrote outlives it
    run.seconds["view"] = time.monotonic() - started
    started = time.monotonic()
    run.node_verdicts = _node_verdicts(run.pairs)
    run.seconds["node"] = time.monotonic() - started
    return run


# ---- the properties -------------------------------------------------------------------------


def test_every_catalog_pattern_has_a_valid_by_construction_strategy():
    patterns = {NAME_SPEC.pattern} | {
        f.pattern for t in CATALOG.types.values() for f in t.fields if f.pattern
    }
    assert patterns <= set(VALID_BY_PATTERN)


def test_fuzzing_submits_over_ten_thousand_forms_with_over_a_thousand_through_the_view(fuzz):
    assert fuzz.view_submissions >= MIN_VIEW_SUBMISSIONS, fuzz.seconds
    assert fuzz.form_submissions + fuzz.view_submissions >= MIN_SUBMISSIONS
    # Every type was submitted, and both verdicts are well represented.
    assert fuzz.types_seen == set(ALL_TYPES)
    assert fuzz.statuses.get(302, 0) >= 50 and fuzz.statuses.get(422, 0) >= 200, fuzz.statuses
    assert fuzz.accepted >= 300


def test_fuzzed_submissions_raise_no_unhandled_error(fuzz):
    first = [error[-400:] for error in fuzz.unhandled[:5]]
    assert first == [], f"{len(fuzz.unhandled)} unhandled errors"


def test_fuzzed_submissions_through_the_view_answer_only_302_or_422(fuzz):
    assert fuzz.bad_statuses[:5] == [], f"{len(fuzz.bad_statuses)} bad statuses"
    assert set(fuzz.statuses) <= {302, 422}


def test_the_view_accepts_a_fuzzed_submission_exactly_when_its_form_is_valid(fuzz):
    assert fuzz.view_form_disagreements[:5] == []


def test_accepted_submissions_post_once_and_rejected_ones_never_reach_faraday(fuzz):
    assert fuzz.upstream_count_problems[:5] == []
    assert fuzz.upstream_bodies == fuzz.statuses.get(302, 0)


def test_accepted_submissions_send_only_catalog_fields_in_their_json_kinds(fuzz):
    assert fuzz.payload_problems[:5] == [], f"{len(fuzz.payload_problems)} problems"


def test_an_empty_value_never_gets_a_pattern_error(fuzz):
    assert fuzz.empty_value_pattern_errors[:5] == []


def test_the_servers_pattern_verdicts_equal_ecmascripts_v_flag_verdicts_from_node(fuzz):
    patterns = {pattern for pattern, _ in fuzz.pairs}
    values = {index: value for (_, value), index in fuzz.pairs.items()}
    mismatches = [
        (name, where, values[index], {"server_match": not error, "node_match": node})
        for index, error, name, where in fuzz.observations
        if (node := fuzz.node_verdicts[index]) is error
    ]
    assert mismatches[:10] == [], f"{len(mismatches)} of {len(fuzz.observations)} disagree"
    # Both verdicts occur for every pattern, through the form and through the view.
    patterns_of = {index: pattern for (pattern, _), index in fuzz.pairs.items()}
    for where in ("form", "view"):
        verdicts = {
            (patterns_of[index], fuzz.node_verdicts[index])
            for index, _, _, w in fuzz.observations
            if w == where
        }
        assert verdicts == {(p, v) for p in patterns for v in (True, False)}, where
