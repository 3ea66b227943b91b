"""The client's success-path contract, as checks that run against any Faraday-like server.

Each `check_<name>(client)` creates what it needs under a unique name, cleans up after itself,
and assumes nothing about other connections in the account, so the same checks run against
the respx fake here (test_contract_respx.py) and against the built-in simulator. They assert
only what Faraday documents: for instance not the echoed password, which a server may hide.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

import pytest

from faraday_admin.faraday_client import (
    Account,
    Connection,
    FaradayClient,
    NotFound,
    ValidationFailed,
)
from tests.payloads import POSTGRES_OPTIONS

SNOWFLAKE_OPTIONS: Mapping[str, Any] = {
    "type": "snowflake",
    "account_name": "acme",
    "organization_name": "acmeorg",
    "database": "ANALYTICS",
    "user": "FARADAY",
    "warehouse": "COMPUTE_WH",
}


def unique_name(label: str) -> str:
    return f"contract {label} {uuid.uuid4().hex[:8]}"


@contextmanager
def created_connection(
    client: FaradayClient, label: str, options: Mapping[str, Any] = POSTGRES_OPTIONS
) -> Iterator[Connection]:
    """Yield a fresh connection and delete it afterwards, unless the check already did."""
    connection = client.create_connection(name=unique_name(label), options=options)
    try:
        yield connection
    finally:
        with suppress(NotFound):
            client.delete_connection(connection.id)


def check_create_connection_returns_the_stored_connection(client: FaradayClient) -> None:
    name = unique_name("create")
    connection = client.create_connection(name=name, options=POSTGRES_OPTIONS)
    try:
        assert connection.id
        assert connection.name == name
        assert connection.type == "postgres"
        assert connection.options["type"] == "postgres"
        assert connection.options["host"] == "db.example.com"
        assert connection.options["port"] == 5432
        assert connection.resource_type == "connections"
        assert not connection.is_archived
        assert not connection.managed
        assert connection.created_at is not None
        assert connection.created_at.tzinfo is not None
    finally:
        client.delete_connection(connection.id)


def check_get_connection_returns_the_created_connection(client: FaradayClient) -> None:
    with created_connection(client, "get") as created:
        fetched = client.get_connection(created.id)

        assert (fetched.id, fetched.name, fetched.type) == (created.id, created.name, "postgres")
        assert fetched.options["database"] == "analytics"
        assert fetched.created_at == created.created_at


def check_list_connections_includes_the_created_connection(client: FaradayClient) -> None:
    with created_connection(client, "list") as created:
        listed = {connection.id: connection for connection in client.list_connections()}

        assert created.id in listed
        assert listed[created.id].name == created.name


def check_list_connections_filtered_by_ids_returns_only_those(client: FaradayClient) -> None:
    with created_connection(client, "ids-a") as first, created_connection(client, "ids-b"):
        filtered = client.list_connections(ids=[first.id])

        assert [connection.id for connection in filtered] == [first.id]


def check_update_connection_name_changes_only_the_name(client: FaradayClient) -> None:
    with created_connection(client, "rename") as created:
        new_name = unique_name("renamed")

        updated = client.update_connection(created.id, name=new_name)

        assert (updated.id, updated.name, updated.type) == (created.id, new_name, "postgres")
        assert updated.options["host"] == created.options["host"]
        assert client.get_connection(created.id).name == new_name


def check_update_connection_options_merges_the_given_keys(client: FaradayClient) -> None:
    with created_connection(client, "patch-options") as created:
        updated = client.update_connection(created.id, options={"type": "postgres", "port": 5433})

        assert updated.options["port"] == 5433
        assert updated.options["host"] == "db.example.com"
        assert updated.name == created.name


def check_archive_then_unarchive_toggles_archived_at(client: FaradayClient) -> None:
    with created_connection(client, "archive") as created:
        client.archive_connection(created.id)
        archived = client.get_connection(created.id)

        assert archived.is_archived
        # Archived connections stay visible.
        assert created.id in {connection.id for connection in client.list_connections()}

        client.unarchive_connection(created.id)

        assert not client.get_connection(created.id).is_archived


def check_archive_with_cascade_to_all_archives_the_connection(client: FaradayClient) -> None:
    with created_connection(client, "archive-cascade") as created:
        client.archive_connection(created.id, cascade_to_all=True)

        assert client.get_connection(created.id).is_archived

        client.unarchive_connection(created.id, cascade_to_all=True)

        assert not client.get_connection(created.id).is_archived


def check_force_update_connection_is_accepted(client: FaradayClient) -> None:
    with created_connection(client, "force-update") as created:
        assert client.force_update_connection(created.id) is None
        assert client.get_connection(created.id).id == created.id


def check_new_connection_has_no_datasets_or_targets(client: FaradayClient) -> None:
    with created_connection(client, "dependents") as created:
        assert client.list_connection_datasets(created.id) == []
        assert client.list_connection_targets(created.id) == []


def check_rotate_snowflake_credentials_returns_the_connection(client: FaradayClient) -> None:
    with created_connection(client, "rotate", SNOWFLAKE_OPTIONS) as created:
        rotated = client.rotate_connection_credentials(created.id, type="snowflake")

        assert (rotated.id, rotated.type) == (created.id, "snowflake")


def check_delete_connection_then_get_raises_not_found(client: FaradayClient) -> None:
    created = client.create_connection(name=unique_name("delete"), options=POSTGRES_OPTIONS)

    assert client.delete_connection(created.id) is None

    with pytest.raises(NotFound) as caught:
        client.get_connection(created.id)
    assert caught.value.status == 404
    assert created.id not in {connection.id for connection in client.list_connections()}


def check_get_unknown_connection_raises_not_found(client: FaradayClient) -> None:
    with pytest.raises(NotFound) as caught:
        client.get_connection(str(uuid.uuid4()))

    assert caught.value.status == 404
    assert caught.value.code == "NOT_FOUND"
    assert caught.value.error_id


def check_create_with_bad_host_raises_validation_failed_naming_host(
    client: FaradayClient,
) -> None:
    options = {**POSTGRES_OPTIONS, "host": "https://db.example.com:5432"}

    with pytest.raises(ValidationFailed) as caught:
        client.create_connection(name=unique_name("bad-host"), options=options)

    assert caught.value.status == 400
    assert caught.value.error_id
    # Faraday spells the location more than one way ("/options/host", "options.host", ...).
    assert any("host" in item.path for item in caught.value.validation_errors)


def check_create_with_blank_name_raises_validation_failed_naming_name(
    client: FaradayClient,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        client.create_connection(name="   ", options=POSTGRES_OPTIONS)

    assert caught.value.status == 400
    assert any("name" in item.path for item in caught.value.validation_errors)


def check_get_current_account_returns_an_account(client: FaradayClient) -> None:
    account = client.get_current_account()

    assert isinstance(account, Account)
    assert account.id


CHECKS: tuple[Callable[[FaradayClient], None], ...] = (
    check_create_connection_returns_the_stored_connection,
    check_get_connection_returns_the_created_connection,
    check_list_connections_includes_the_created_connection,
    check_list_connections_filtered_by_ids_returns_only_those,
    check_update_connection_name_changes_only_the_name,
    check_update_connection_options_merges_the_given_keys,
    check_archive_then_unarchive_toggles_archived_at,
    check_archive_with_cascade_to_all_archives_the_connection,
    check_force_update_connection_is_accepted,
    check_new_connection_has_no_datasets_or_targets,
    check_rotate_snowflake_credentials_returns_the_connection,
    check_delete_connection_then_get_raises_not_found,
    check_get_unknown_connection_raises_not_found,
    check_create_with_bad_host_raises_validation_failed_naming_host,
    check_create_with_blank_name_raises_validation_failed_naming_name,
    check_get_current_account_returns_an_account,
)
