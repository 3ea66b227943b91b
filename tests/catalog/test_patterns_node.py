"""Cross-check the Python verdicts against a real ECMAScript engine (node), in one subprocess.

For every pattern (the catalog's, the translator tables', hypothesis-generated values against all
of them) node computes `new RegExp('^(?:' + browser + ')$', 'v').test(value)` -- what
`<input pattern>` does -- and the same with the source under the `u` flag; both must equal
`EcmaPattern.fullmatch`. Node is required: CI installs it, and a skip would hide a regression.
"""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faraday_admin.catalog.loader import get_catalog
from faraday_admin.catalog.patterns import compile_ecmascript
from tests.catalog.pattern_cases import (
    DOCUMENTED,
    INVALID_ECMASCRIPT,
    TRANSLATED,
    UNSUPPORTED,
)
from tests.ecmascript import node_path, node_verdicts

GENERATED_VALUES = 3000

# A mix that exercises every difference between Python's `re` and ECMAScript's.
_SPECIAL = (
    "\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u180e\u2000\u2003\u200a\u200b"
    "\u2028\u2029\u202f\u205f\u3000\ufeff\x00\x08"
)
_CHARS = st.one_of(
    st.sampled_from("abcxyzABCZ0189_-.@:/ "),
    st.sampled_from(_SPECIAL),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0xA0, max_codepoint=0xFF),  # Latin-1: àéßÿ and friends
    st.characters(min_codepoint=0x100, max_codepoint=0xFFFF, exclude_categories=("Cs",)),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
)
_VALUES = st.one_of(
    st.text(_CHARS, max_size=12),
    # Valid-looking values with something appended, so the rejections are near misses.
    st.tuples(
        st.sampled_from([v for accepted, _ in DOCUMENTED.values() for v in accepted]),
        st.text(_CHARS, max_size=2),
    ).map("".join),
)


def _generated_values() -> list[str]:
    """A few thousand hypothesis values, collected first so that node runs only once."""
    values: list[str] = []

    @settings(
        max_examples=GENERATED_VALUES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(_VALUES)
    def collect(value):
        values.append(value)

    collect()
    return values


def _all_patterns() -> list[str]:
    catalog = get_catalog()
    sources = [catalog.name_field.pattern]
    sources += [f.pattern for t in catalog.types.values() for f in t.fields if f.pattern]
    sources += list(DOCUMENTED) + [source for source, _, _ in TRANSLATED]
    return list(dict.fromkeys(sources))


@pytest.fixture(scope="module")
def node_run():
    """Every pattern and case, sent to node in one batch; returns (input, node's answer)."""
    sources = _all_patterns()
    compiled = {source: compile_ecmascript(source) for source in sources}
    rejected = INVALID_ECMASCRIPT + UNSUPPORTED
    index = {source: i for i, source in enumerate(sources + rejected)}
    patterns = [{"source": s, "browser": compiled[s].browser} for s in sources]
    patterns += [{"source": s, "browser": None} for s in rejected]

    cases = [(index[s], value) for s, value, _ in TRANSLATED]
    for source, (accepted, rejected_values) in DOCUMENTED.items():
        cases += [(index[source], value) for value in accepted + rejected_values]
    generated = _generated_values()
    cases += [(index[source], value) for source in sources for value in generated]

    answer = node_verdicts(patterns, cases)
    return {
        "sources": sources,
        "rejected": rejected,
        "compiled": compiled,
        "patterns": patterns,
        "cases": cases,
        "generated": generated,
        "answer": answer,
    }


def test_node_supports_the_v_flag():
    proc = subprocess.run(
        [node_path(), "-e", "new RegExp('[\\\\-a]', 'v')"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"this node cannot compile v-flag patterns: {proc.stderr}"


def test_hypothesis_generated_a_few_thousand_distinct_values(node_run):
    assert len(set(node_run["generated"])) > GENERATED_VALUES // 2


def test_every_supported_patterns_browser_spelling_compiles_with_the_v_flag(node_run):
    answer = node_run["answer"]["patterns"]
    broken = [
        (s, node_run["compiled"][s].browser)
        for i, s in enumerate(node_run["sources"])
        if not answer[i]["browserV"] or not answer[i]["sourceU"]
    ]
    assert broken == []


def test_every_catalog_patterns_browser_spelling_compiles_with_the_v_flag(node_run):
    catalog = get_catalog()
    catalog_sources = {catalog.name_field.pattern} | {
        f.pattern for t in catalog.types.values() for f in t.fields if f.pattern
    }
    answer = node_run["answer"]["patterns"]
    compiles = {s: answer[i]["browserV"] for i, s in enumerate(node_run["sources"])}
    assert {s: compiles[s] for s in catalog_sources} == dict.fromkeys(catalog_sources, True)


def test_every_pattern_python_rejects_as_invalid_node_rejects_with_u_and_v(node_run):
    answer = node_run["answer"]["patterns"]
    offset = len(node_run["sources"])
    accepted_by_node = [
        s
        for i, s in enumerate(node_run["rejected"])
        if s in INVALID_ECMASCRIPT
        and (answer[offset + i]["sourceU"] or answer[offset + i]["sourceV"])
    ]
    assert accepted_by_node == []


def test_every_unsupported_pattern_is_valid_ecmascript_that_python_declines(node_run):
    answer = node_run["answer"]["patterns"]
    offset = len(node_run["sources"])
    for i, source in enumerate(node_run["rejected"]):
        if source in UNSUPPORTED:
            assert answer[offset + i]["sourceU"], source
            with pytest.raises(ValueError):
                compile_ecmascript(source)


def test_table_expectations_agree_with_node(node_run):
    expected = [verdict for _, _, verdict in TRANSLATED]
    for accepted, rejected in DOCUMENTED.values():
        expected += [True] * len(accepted) + [False] * len(rejected)
    verdicts = node_run["answer"]["verdicts"]
    wrong = [
        (node_run["patterns"][i]["source"], value, want)
        for (i, value), want, (u, v) in zip(node_run["cases"], expected, verdicts, strict=False)
        if u is not want or v is not want
    ]
    assert wrong == []


def test_python_verdicts_equal_node_for_every_case_including_generated(node_run):
    sources = node_run["patterns"]
    compiled = node_run["compiled"]
    mismatches = []
    for (i, value), (u, v) in zip(node_run["cases"], node_run["answer"]["verdicts"], strict=True):
        ours = compiled[sources[i]["source"]].fullmatch(value)
        if not (ours is u is v):
            mismatches.append((sources[i]["source"], value, {"python": ours, "u": u, "v": v}))
    assert mismatches[:20] == [], f"{len(mismatches)} mismatches"
    assert len(node_run["cases"]) > GENERATED_VALUES * len(node_run["sources"])
