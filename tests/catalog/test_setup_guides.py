"""Setup guides: one for every catalog type, checked against the catalog, and every typed value
quoted so it can't break out of its place in SQL, JSON or a shell command."""

from __future__ import annotations

import copy
import json
import re
import shlex
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faraday_admin.catalog import CatalogError, get_catalog
from faraday_admin.catalog import setup_guides as sg

RAW = json.loads(sg.DATA_FILE.read_text(encoding="utf-8"))
ALL_TYPES = sorted(get_catalog().types)

# Names with the characters that break naive quoting: quotes of every kind, backslashes,
# brackets, semicolons, newlines and non-ASCII letters. No NUL: it counts as "not typed".
names = st.text(
    alphabet=st.one_of(
        st.sampled_from("\"'`\\[];-- \n\t$%{}@:/*"),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    min_size=1,
    max_size=40,
)


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_every_catalog_type_has_a_guide_with_an_https_page(type_key):
    guide = sg.get_guides().get(type_key)
    assert guide is not None
    assert guide.url.startswith("https://faraday.ai/docs/")
    assert guide.family.summary and guide.family.steps


def test_a_type_without_a_guide_stops_loading():
    data = copy.deepcopy(RAW)
    del data["types"]["postgres"]
    with pytest.raises(CatalogError, match="no setup guide for: postgres"):
        sg.parse_guides(data, get_catalog())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["types"]["mysql"].update(family="nope"), "unknown family"),
        (lambda d: d["types"].update(not_a_type={"family": "account"}), "catalog doesn't list"),
        (lambda d: d["families"]["postgres"].update(source="blog"), "source must be"),
        (
            lambda d: d["families"]["postgres"]["commands"][0].update(template="{user:raw}"),
            "unknown quoting",
        ),
        (
            lambda d: d["families"]["postgres"]["commands"][0].update(template="{@ip:text}"),
            "unknown Faraday value",
        ),
        (
            lambda d: d["families"]["postgres"]["commands"][0].update(
                template="{bucket_name:ident}"
            ),
            "has no field 'bucket_name'",
        ),
        (lambda d: d["families"]["postgres"]["commands"][0].update(language="perl"), "language"),
        (lambda d: d["types"]["mysql"].update(url="http://example.com"), "https"),
    ],
)
def test_invalid_guide_data_is_refused_at_load(change, message):
    data = copy.deepcopy(RAW)
    change(data)
    with pytest.raises(CatalogError, match=message):
        sg.parse_guides(data, get_catalog())


def test_types_with_their_own_faraday_page_link_to_it_and_the_rest_to_the_general_page():
    guides = sg.get_guides()
    assert guides.get("snowflake").url == "https://faraday.ai/docs/how-to/connections/snowflake"
    assert guides.get("snowflake").has_own_page
    assert guides.get("postgres").url == guides.general_url
    assert not guides.get("postgres").has_own_page


def _command(type_key: str, index: int = 0) -> sg.CommandTemplate:
    return sg.get_guides().get(type_key).family.commands[index]


def test_missing_values_show_as_labels_and_are_listed():
    command = sg.fill(_command("postgres"), get_catalog().get("postgres"), {"user": "fdy"}, {})
    assert "<database>" in command.text and "<schema>" in command.text
    assert '"fdy"' in command.text
    assert command.missing == ("database", "schema")


def test_an_unset_fact_reads_ask_faraday_support_never_an_invented_value():
    command = sg.fill(_command("s3_csv"), get_catalog().get("s3_csv"), {"bucket_name": "b"}, {})
    assert "ask Faraday support" in command.text
    assert "Faraday's AWS user for reading (ask Faraday support)" in command.missing


# ---- quoting, language by language ----------------------------------------------------------


@given(names)
def test_sql_identifier_names_exactly_that_object_in_a_real_sql_engine(name):
    # SQLite follows the ANSI rule PostgreSQL, Redshift and Snowflake use: "…" with "" inside.
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE TABLE {sg.sql_identifier(name)} (x)")
    (created,) = db.execute("SELECT name FROM sqlite_master").fetchone()
    assert created == name


def _unquote(text: str, opener: str, closer: str, escape: str) -> str:
    """Read one quoted token that must span the whole text; raise if it ends early."""
    assert text[0] == opener and text[-1] == closer
    out, i = [], 1
    while i < len(text) - 1:
        char = text[i]
        if char == escape and escape != closer:
            out.append(text[i + 1])
            i += 2
            continue
        if char == closer:
            assert text[i + 1] == closer, f"token ends early at {i}"
            out.append(closer)
            i += 2
            continue
        out.append(char)
        i += 1
    assert i == len(text) - 1
    return "".join(out)


@given(names)
def test_doubling_quotings_round_trip_and_never_end_early(name):
    assert _unquote(sg.mysql_identifier(name), "`", "`", "`") == name
    assert _unquote(sg.databricks_identifier(name), "`", "`", "`") == name
    assert _unquote(sg.tsql_identifier(name), "[", "]", "]") == name


@given(names)
def test_backslash_quotings_round_trip_and_never_end_early(name):
    assert _unquote(sg.clickhouse_identifier(name), "`", "`", "\\") == name
    assert _unquote(sg.clickhouse_literal(name), "'", "'", "\\") == name


def _unquote_both(text: str) -> str:
    """MySQL (default mode) and Snowflake literals: backslash escapes and '' both allowed."""
    assert text[0] == text[-1] == "'"
    out, i = [], 1
    while i < len(text) - 1:
        if text[i] == "\\":
            out.append(text[i + 1])
            i += 2
        elif text[i] == "'":
            assert text[i + 1] == "'", "literal ends early"
            out.append("'")
            i += 2
        else:
            out.append(text[i])
            i += 1
    assert i == len(text) - 1
    return "".join(out)


@given(names)
def test_string_literals_round_trip(name):
    assert _unquote_both(sg.mysql_literal(name)) == name
    assert _unquote_both(sg.snowflake_literal(name)) == name


@given(bucket=names, principal=names)
def test_the_bucket_policy_stays_valid_json_naming_exactly_the_typed_bucket(bucket, principal):
    facts = {"aws_datasets_principal": principal, "aws_targets_principal": "arn:t"}
    command = sg.fill(
        _command("s3_csv"), get_catalog().get("s3_csv"), {"bucket_name": bucket}, facts
    )
    policy = json.loads(command.text)
    reads = policy["Statement"][0]
    assert reads["Principal"] == {"AWS": principal}
    assert reads["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    assert len(policy["Statement"]) == 2


@given(bucket=names, member=names)
def test_shell_commands_pass_each_typed_value_as_one_argument(bucket, member):
    command = sg.fill(
        _command("gcp_gcs_csv"),
        get_catalog().get("gcp_gcs_csv"),
        {"bucket_name": bucket},
        {"gcp_member": member},
    )
    args = shlex.split(command.text)
    assert args[4] == f"gs://{bucket}"
    assert args[5] == f"--member={member}"


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_every_command_fills_from_any_name_without_leaving_a_placeholder(type_key):
    connection_type = get_catalog().get(type_key)
    guide = sg.get_guides().get(type_key)
    values = {f.name: 'it\'s "odd"\\' for f in connection_type.fields}
    facts = dict.fromkeys(sg.FACTS, "fact")
    for template in guide.family.commands:
        command = sg.fill(template, connection_type, values, facts)
        assert command.missing == ()
        assert not re.search(r"\{@?[a-z_]+:[a-z_]+\}", command.text)
