"""Parsing Faraday's JSON into models: both contents shapes, timestamps, and malformed data."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faraday_admin.faraday_client import (
    Account,
    BadResponse,
    Connection,
    ContentsItem,
    ResourceRef,
)
from faraday_admin.faraday_client.models import parse_connections, parse_list
from tests.payloads import (
    CONNECTION_ID,
    POSTGRES_OPTIONS,
    connection_json,
    reference_example_json,
    resource_ref_json,
)

NOON_UTC = datetime(2024, 1, 1, 12, tzinfo=UTC)


def test_reference_page_example_parses_with_table_name_contents_and_pending_status() -> None:
    connection = Connection.from_json(reference_example_json())

    assert connection.id == CONNECTION_ID
    assert connection.type == "aws_aurora_mysql"
    assert connection.status == "pending"
    assert connection.contents == (ContentsItem("my_table_1"), ContentsItem("my_table_2"))
    assert not connection.contents_has_details
    assert connection.contents_error == "Password incorrect"
    assert connection.managed is True
    assert connection.is_archived
    assert connection.archived_at == NOON_UTC
    assert connection.resource_type == "connections"


def test_contents_rows_keep_row_count_and_object_size() -> None:
    connection = Connection.from_json(connection_json())

    assert connection.contents == (
        ContentsItem(name="orders", row_count=1200, object_size=65536),
        ContentsItem(name="customers", row_count=None, object_size=None),
    )
    assert connection.contents_has_details


def test_contents_mixing_names_and_rows_parses_both() -> None:
    connection = Connection.from_json(
        connection_json(contents=["plain", {"name": "sized", "object_size": 10}])
    )

    assert connection.contents == (ContentsItem("plain"), ContentsItem("sized", object_size=10))


def test_every_timestamp_field_parses_to_an_aware_datetime() -> None:
    stamp = "2024-01-01T12:00:00Z"
    fields = [
        "status_changed_at",
        "archived_at",
        "created_at",
        "updated_at",
        "last_read_input_at",
        "last_updated_config_at",
        "last_updated_output_at",
    ]

    connection = Connection.from_json(connection_json(**dict.fromkeys(fields, stamp)))

    assert {name: getattr(connection, name) for name in fields} == dict.fromkeys(fields, NOON_UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T12:00:00Z", NOON_UTC),
        ("2024-01-01T12:00:00.123Z", NOON_UTC.replace(microsecond=123000)),
        ("2024-01-01T12:00:00+00:00", NOON_UTC),
        (
            "2024-01-01T14:00:00+02:00",
            datetime(2024, 1, 1, 14, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2024-01-01T12:00:00", NOON_UTC),
    ],
    ids=["z-suffix", "milliseconds", "utc-offset", "other-offset", "no-offset-means-utc"],
)
def test_timestamps_parse_to_aware_datetimes(text: str, expected: datetime) -> None:
    parsed = Connection.from_json(connection_json(created_at=text)).created_at

    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == expected.utcoffset()


@given(st.datetimes(timezones=st.just(UTC)))
def test_any_utc_timestamp_written_with_z_round_trips(moment: datetime) -> None:
    text = moment.isoformat().replace("+00:00", "Z")

    assert Connection.from_json(connection_json(updated_at=text)).updated_at == moment


@pytest.mark.parametrize("status", ["new", "starting", "running", "pending", "someday_new"])
def test_non_terminal_and_unknown_statuses_are_kept_and_not_terminal(status: str) -> None:
    connection = Connection.from_json(connection_json(status=status))

    assert connection.status == status
    assert not connection.is_terminal


@pytest.mark.parametrize("status", ["ready", "error"])
def test_ready_and_error_are_terminal(status: str) -> None:
    assert Connection.from_json(connection_json(status=status)).is_terminal


def test_minimal_connection_fills_optional_fields_with_empty_values() -> None:
    connection = Connection.from_json(
        {"id": "c1", "name": "Bare", "status": "new", "options": {"type": "hosted_csv"}}
    )

    assert connection == Connection(
        id="c1",
        name="Bare",
        type="hosted_csv",
        options={"type": "hosted_csv"},
        status="new",
        status_changed_at=None,
        status_error=None,
        directionality=None,
        contents=(),
        contents_error=None,
        managed=False,
        archived_at=None,
        created_at=None,
        updated_at=None,
        last_read_input_at=None,
        last_updated_config_at=None,
        last_updated_output_at=None,
    )
    assert not connection.is_archived
    assert not connection.contents_has_details


def test_options_keep_every_key_and_cannot_be_changed() -> None:
    connection = Connection.from_json(connection_json())

    assert dict(connection.options) == POSTGRES_OPTIONS
    with pytest.raises(TypeError):
        connection.options["host"] = "elsewhere"  # type: ignore[index]


def test_options_are_copied_so_later_changes_to_the_json_do_not_leak_in() -> None:
    data = connection_json()
    connection = Connection.from_json(data)

    data["options"]["host"] = "changed.example.com"

    assert connection.options["host"] == "db.example.com"


def test_connections_hash_and_compare_equal_when_parsed_from_the_same_json() -> None:
    first = Connection.from_json(connection_json())
    second = Connection.from_json(connection_json())

    assert first == second
    assert len({first, second}) == 1
    assert first != Connection.from_json(connection_json(options={"type": "postgres"}))


def test_connection_repr_leaves_out_options_and_their_password() -> None:
    text = repr(Connection.from_json(connection_json()))

    assert "s3cret" not in text
    assert CONNECTION_ID in text


def _without(key: str) -> dict[str, Any]:
    data = connection_json()
    del data[key]
    return data


MALFORMED_CONNECTIONS = {
    "array": [connection_json()],
    "string": "connection",
    "null": None,
    "missing-id": _without("id"),
    "missing-name": _without("name"),
    "missing-status": _without("status"),
    "missing-options": _without("options"),
    "id-not-string": connection_json(id=42),
    "id-empty": connection_json(id=""),
    "name-null": connection_json(name=None),
    "status-not-string": connection_json(status=["ready"]),
    "options-not-object": connection_json(options="postgres"),
    "options-without-type": connection_json(options={"host": "db.example.com"}),
    "timestamp-unparseable": connection_json(created_at="yesterday"),
    "timestamp-number": connection_json(updated_at=1704110400),
    "contents-not-list": connection_json(contents={"name": "t"}),
    "contents-item-number": connection_json(contents=[3]),
    "contents-row-without-name": connection_json(contents=[{"row_count": 3}]),
    "contents-row-count-string": connection_json(contents=[{"name": "t", "row_count": "3"}]),
    "contents-row-count-boolean": connection_json(contents=[{"name": "t", "row_count": True}]),
    "managed-string": connection_json(managed="yes"),
    "status-error-number": connection_json(status_error=500),
}


@pytest.mark.parametrize("data", MALFORMED_CONNECTIONS.values(), ids=MALFORMED_CONNECTIONS.keys())
def test_malformed_connection_raises_bad_response(data: Any) -> None:
    with pytest.raises(BadResponse):
        Connection.from_json(data)


# A fixed alphabet keeps Hypothesis from building its Unicode tables on a cold cache, which
# trips the too_slow health check on a fresh CI machine.
TEXT = st.text(alphabet="az09-:.TZ+ é\x00", max_size=24)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["name", "type", "row_count", "x"]), children, max_size=4)
    ),
    max_leaves=12,
)


@given(
    st.dictionaries(
        st.sampled_from(sorted(connection_json())),
        JSON_VALUES,
    ).map(lambda changes: {**connection_json(), **changes})
)
def test_connection_from_json_raises_only_bad_response_for_any_field_values(
    data: dict[str, Any],
) -> None:
    with contextlib.suppress(BadResponse):
        Connection.from_json(data)


def test_resource_ref_parses_optional_fields_as_none_when_absent() -> None:
    assert ResourceRef.from_json({"id": "d1", "name": "Orders"}) == ResourceRef(
        id="d1", name="Orders", resource_type=None, status=None, archived_at=None
    )


@pytest.mark.parametrize(
    "data",
    [
        ["d1"],
        {"name": "Orders"},
        resource_ref_json(id=None),
        resource_ref_json(name=3),
        resource_ref_json(archived_at="not a date"),
    ],
    ids=["array", "missing-id", "null-id", "name-number", "bad-timestamp"],
)
def test_malformed_resource_ref_raises_bad_response(data: Any) -> None:
    with pytest.raises(BadResponse):
        ResourceRef.from_json(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"id": "a1", "name": "Acme"}, Account(id="a1", name="Acme")),
        ({"id": "a1"}, Account(id="a1", name=None)),
        ({"id": "a1", "name": {"first": "Acme"}}, Account(id="a1", name=None)),
    ],
    ids=["with-name", "without-name", "odd-name"],
)
def test_account_needs_only_an_id(data: dict[str, Any], expected: Account) -> None:
    assert Account.from_json(data) == expected


@pytest.mark.parametrize("data", [{"name": "Acme"}, {"id": 1}, {"id": ""}, [{"id": "a1"}]])
def test_account_without_a_string_id_raises_bad_response(data: Any) -> None:
    with pytest.raises(BadResponse):
        Account.from_json(data)


@pytest.mark.parametrize("data", [{"connections": []}, None, "[]"])
def test_parse_list_of_something_other_than_an_array_raises_bad_response(data: Any) -> None:
    with pytest.raises(BadResponse, match="expected a list of connections"):
        parse_list(data, Connection.from_json, "connections")


@pytest.mark.parametrize("bad_id", ["a/b", "x" * 65, "id with space", "../x"])
def test_connection_with_an_id_that_is_not_an_identifier_is_a_bad_response(bad_id) -> None:
    data = {**connection_json(), "id": bad_id}

    with pytest.raises(BadResponse, match="not an identifier"):
        Connection.from_json(data)


# ---- parse_connections: msgspec's fast path must read exactly what from_json reads ----------

_VARIANTS = [
    connection_json(),
    reference_example_json(),
    connection_json(contents=None, managed=None, resource_type=None, directionality=None),
    connection_json(contents=["a", {"name": "b", "row_count": 3}], status="pending"),
    connection_json(created_at="2024-01-01T10:00:00", archived_at="2024-03-01T00:00:00+02:00"),
    connection_json(created_at="2024-01-01T10:00:00.123456Z", extra_field={"ignored": True}),
    connection_json(created_at="2024-01-01"),  # a date only: fromisoformat's, the slow path's
]


@pytest.mark.parametrize("data", _VARIANTS)
def test_parse_connections_equals_from_json(data) -> None:
    body = json.dumps([data, data | {"id": "other-id"}]).encode()

    assert parse_connections(body) == parse_list(json.loads(body), Connection.from_json, "c")


_BAD = [
    b"",
    b"{",
    b'{"not": "a list"}',
    b'[{"id": "x"}]',
    b'[{"id": "a/b", "name": "n", "status": "ready", "options": {"type": "postgres"}}]',
    b'[{"id": "x", "name": "n", "status": "ready", "options": {}}]',
    b'[{"id": "x", "name": 3, "status": "ready", "options": {"type": "postgres"}}]',
    b'[{"id": "x", "name": "n", "status": "ready", "options": {"type": "p"}, "managed": 1}]',
    b'[{"id": "x", "name": "n", "status": "ready", "options": {"type": "p"}, "created_at": "x"}]',
    b'[{"id": "x", "name": "n", "status": "ready", "options": {"type": "p"}, "contents": [1]}]',
]


@pytest.mark.parametrize("body", _BAD)
def test_parse_connections_refuses_what_from_json_refuses_in_the_same_words(body) -> None:
    with pytest.raises(BadResponse) as fast:
        parse_connections(body)
    try:
        parse_list(json.loads(body), Connection.from_json, "connections")
    except ValueError:
        assert fast.value.message == "Faraday's answer is empty or not JSON"
    except BadResponse as slow:
        assert fast.value.message == slow.message
    else:
        pytest.fail("from_json accepted it")
