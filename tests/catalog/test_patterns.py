"""The ECMAScript translator and the documented patterns' verdicts, in Python alone.

`test_patterns_node.py` replays the same tables in node to prove the expectations themselves.
"""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faraday_admin.catalog.loader import get_catalog
from faraday_admin.catalog.patterns import compile_ecmascript
from tests.catalog.pattern_cases import (
    DOCUMENTED,
    INVALID_ECMASCRIPT,
    NAME,
    TRANSLATED,
    UNSUPPORTED,
)

DOCUMENTED_CASES = [
    (source, value, verdict)
    for source, (accepted, rejected) in DOCUMENTED.items()
    for verdict, values in ((True, accepted), (False, rejected))
    for value in values
]


def _case_id(case):
    source, value, verdict = case
    return f"{source} {value!r} {'accepts' if verdict else 'rejects'}"


def test_documented_tables_cover_every_distinct_catalog_pattern():
    catalog = get_catalog()
    in_catalog = {catalog.name_field.pattern} | {
        f.pattern for t in catalog.types.values() for f in t.fields if f.pattern
    }
    assert in_catalog == set(DOCUMENTED)


@pytest.mark.parametrize("case", DOCUMENTED_CASES, ids=map(_case_id, DOCUMENTED_CASES))
def test_documented_pattern_gives_the_browsers_verdict(case):
    source, value, verdict = case
    assert compile_ecmascript(source).fullmatch(value) is verdict


@pytest.mark.parametrize("char", ["\x1c", "\x1d", "\x1e", "\x1f", "\x85"])
def test_name_of_a_char_python_calls_space_but_ecmascript_does_not_is_not_blank(char):
    assert char.isspace()  # Python's idea of whitespace...
    # ...is not ECMAScript's, and the browser's decides.
    assert compile_ecmascript(NAME).fullmatch(char)


@pytest.mark.parametrize("source", sorted(DOCUMENTED))
def test_documented_pattern_rejects_a_valid_value_with_a_trailing_newline(source):
    accepted, _ = DOCUMENTED[source]
    pattern = compile_ecmascript(source)
    for value in accepted:
        assert not pattern.fullmatch(value + "\n")  # Python's `$` alone would allow it
        assert not pattern.fullmatch(value + "\u2028")


_ECMA_SPACE = set(
    "\t\n\x0b\x0c\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_LINE_TERMINATORS = set("\n\r\u2028\u2029")


@given(st.text(alphabet=st.sampled_from(sorted(_ECMA_SPACE | set("ab\x1c\x85é😀")))))
def test_name_is_accepted_iff_not_all_whitespace_and_free_of_line_terminators(value):
    expected = (
        bool(value) and not set(value) <= _ECMA_SPACE and not (set(value) & _LINE_TERMINATORS)
    )
    assert compile_ecmascript(NAME).fullmatch(value) is expected


@pytest.mark.parametrize(("source", "value", "verdict"), TRANSLATED)
def test_translated_pattern_matches_the_whole_value_as_ecmascript_does(source, value, verdict):
    assert compile_ecmascript(source).fullmatch(value) is verdict


@pytest.mark.parametrize("source", INVALID_ECMASCRIPT)
def test_pattern_that_is_not_ecmascript_raises_value_error(source):
    with pytest.raises(ValueError, match=re.escape(repr(source)) + "|does not compile"):
        compile_ecmascript(source)


@pytest.mark.parametrize("source", UNSUPPORTED)
def test_ecmascript_outside_the_supported_subset_raises_value_error(source):
    with pytest.raises(ValueError):
        compile_ecmascript(source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a{", "lone '{'"),
        (r"\a", r"unsupported escape \a"),
        ("(a", "unclosed group"),
        ("[a", "unclosed class"),
        (r"\p{L}", r"unsupported escape \p"),
        ("a*+", "nothing to repeat"),
        ("(?=a)*", "nothing to repeat"),
        ("(?<n>a)(?<n>b)", "duplicate group name"),
    ],
)
def test_rejected_pattern_says_what_is_wrong_and_where(source, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        compile_ecmascript(source)
    assert "at position" in str(info.value) or "does not compile" in str(info.value)


@pytest.mark.parametrize(
    ("source", "browser"),
    [
        (r"^[-\w\d\.@]+$", r"^[\-\w\d\.\@]+$"),  # a leading `-` is a v-mode syntax error
        (r"^[a-zA-Z0-9\-.]+$", r"^[a-zA-Z0-9\-\.]+$"),
        (r"[(|)&-]", r"[\(\|\)\&\-]"),
        (r"[\b]", r"[\u{8}]"),
        (r"[ ]", r"[\u{20}]"),
        (r"[\uD83D\uDE00]", "[😀]"),
        (r"^(?!\s*$).+", r"^(?!\s*$).+"),  # outside classes the source is kept as written
        (r"\u{1F600}|\x41", r"\u{1F600}|\x41"),
    ],
)
def test_browser_spelling_escapes_what_the_v_flag_reserves_inside_classes(source, browser):
    assert compile_ecmascript(source).browser == browser


def test_compiled_pattern_keeps_its_source():
    assert compile_ecmascript(NAME).source == NAME
