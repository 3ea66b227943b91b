"""One parser for every spelling of a validation error's location."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faraday_admin.faraday_client import path_segments

HOST = ("options", "host")


@pytest.mark.parametrize(
    "path",
    [
        # JSON Pointer (RFC 6901), plain and as a URI fragment
        "/options/host",
        "#/options/host",
        "#%2Foptions%2Fhost",
        # dotted, with or without a root
        "options.host",
        ".options.host",
        "$.options.host",
        "body.options.host",
        "request.options.host",
        "data.options.host",
        "instance.options.host",
        # bracketed, quoted or bare, alone or mixed with dots
        "options[host]",
        "options['host']",
        'options["host"]',
        "$['options']['host']",
        '$["options"]["host"]',
        "$.options['host']",
        "body[options][host]",
        "[options][host]",
        # slashed without the leading slash, with or without a root
        "options/host",
        "body/options/host",
        "#/body/options/host",
        # padding around it
        "  /options/host ",
    ],
)
def test_every_spelling_of_an_option_reaches_the_same_segments(path):
    assert path_segments(path) == HOST


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("/name", ("name",)),
        ("name", ("name",)),
        ("$.name", ("name",)),
        ("host", ("host",)),
        ("", ()),
        (None, ()),
        ("$", ()),
        ("#", ()),
        ("/", ()),
        # RFC 6901 escapes: "~1" is "/", "~0" is "~", and "~01" is "~1", not "/"
        ("/options/a~1b", ("options", "a/b")),
        ("/options/a~0b", ("options", "a~b")),
        ("/options/a~01b", ("options", "a~1b")),
        ("#/options/my%20field", ("options", "my field")),
        # a quoted key may hold dots, brackets and escaped quotes
        ("options['a.b']", ("options", "a.b")),
        (r"options['it\'s']", ("options", "it's")),
        ('options["x[0]"]', ("options", "x[0]")),
        ("options.cascade_to[0]", ("options", "cascade_to", "0")),
        ("/options/cascade_to/0", ("options", "cascade_to", "0")),
    ],
)
def test_special_locations(path, segments):
    assert path_segments(path) == segments


@given(st.text(max_size=60))
def test_any_text_gives_segments_without_raising(text):
    segments = path_segments(text)
    assert all(isinstance(segment, str) and segment for segment in segments)


@given(
    st.lists(
        # Keys with space at their ends are no Faraday field's; the parser trims padding.
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8
        ).filter(lambda key: key == key.strip()),
        min_size=1,
        max_size=4,
    ).filter(
        lambda parts: (
            parts[0] not in {"$", "#", "body", "request", "requestBody", "data", "instance"}
        )
    )
)
def test_a_json_pointer_of_any_keys_round_trips(parts):
    pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)
    assert path_segments(pointer) == tuple(parts)
