from datetime import datetime

import pytest

from faraday_admin.catalog.api_models import get_api_models
from faraday_admin.simulator import engine
from tests.payloads import clickhouse_options, postgres_options, snowflake_options
from tests.simulator.conftest import START


def _parse(stamp):
    return datetime.fromisoformat(stamp)


def _status_at(api, connection_id):
    return api("GET", f"/connections/{connection_id}").json()


def test_new_connection_moves_through_each_phase_to_ready(api, clock):
    created = api.create()
    assert created["status"] == "new"
    seen = []
    for _ in range(10):
        clock.advance(1)
        seen.append(_status_at(api, created["id"])["status"])

    assert seen == ["new", "starting", "starting", "starting", "running",
                    "running", "running", "running", "ready", "ready"]  # fmt: skip


@pytest.mark.parametrize(
    ("elapsed", "status", "changed_after"),
    [(0, "new", 0), (2.5, "starting", 2), (7, "running", 5), (9.5, "ready", 9)],
)
def test_status_changed_at_is_the_start_of_the_current_phase(
    api, clock, elapsed, status, changed_after
):
    created = api.create()
    clock.advance(elapsed)

    current = _status_at(api, created["id"])

    assert current["status"] == status
    assert (_parse(current["status_changed_at"]) - START).total_seconds() == changed_after


def test_timestamps_are_iso_8601_utc_with_z(api):
    created = api.create()

    for key in ("created_at", "updated_at", "status_changed_at", "last_updated_config_at"):
        assert created[key].endswith("Z")
        assert _parse(created[key]) == START


def test_wrong_password_ends_in_error_with_password_incorrect(api, clock):
    created = api.create(**postgres_options(password="wrong-password"))
    clock.advance(8)
    assert _status_at(api, created["id"])["status"] == "running"

    clock.advance(2)
    current = _status_at(api, created["id"])

    assert current["status"] == "error"
    assert current["contents_error"] == "Password incorrect"
    assert current["status_error"].endswith(".")
    assert current["contents"] == []
    assert current["last_updated_output_at"] is None


def test_unreachable_host_ends_in_error_with_could_not_reach_host(api, clock):
    created = api.create(**postgres_options(host="db.unreachable.example"))
    clock.advance(10)

    current = _status_at(api, created["id"])

    assert current["status"] == "error"
    assert current["contents_error"] == "Could not reach host"


def test_ready_connection_has_no_errors_and_output_times(api, clock):
    created = api.create()
    clock.advance(10)

    current = _status_at(api, created["id"])

    assert current["status_error"] is None
    assert current["contents_error"] is None
    assert (_parse(current["last_read_input_at"]) - START).total_seconds() == 5
    assert (_parse(current["last_updated_output_at"]) - START).total_seconds() == 9


def test_database_contents_are_table_rows_once_ready(api, clock):
    created = api.create()
    assert created["contents"] == []
    clock.advance(10)

    contents = _status_at(api, created["id"])["contents"]

    assert 3 <= len(contents) <= 5
    for row in contents:
        assert set(row) == {"name", "row_count", "object_size"}
        assert row["name"].startswith("public.")
        assert row["row_count"] > 0 and row["object_size"] > 0


def test_contents_are_the_same_on_every_read(api, clock):
    created = api.create()
    clock.advance(10)

    assert _status_at(api, created["id"])["contents"] == _status_at(api, created["id"])["contents"]


def test_file_storage_contents_are_rows_with_a_name_and_an_object_size(api, clock):
    created = api.create(type="s3_csv", aws_region="us-east-1", bucket_name="exports")
    clock.advance(10)

    contents = _status_at(api, created["id"])["contents"]

    assert contents
    for row in contents:
        assert set(row) == {"name", "object_size"}  # object stores have no row count
        assert row["name"].endswith("_2026-10.csv")
        assert isinstance(row["object_size"], int) and row["object_size"] > 0
    assert get_api_models().problems(contents, "Array<ContentsRow>") == []


def test_advertising_contents_are_empty_and_destination_only(api, clock):
    created = api.create(type="facebook_custom_audiences", account_id="act_1")
    clock.advance(10)

    current = _status_at(api, created["id"])

    assert current["status"] == "ready"
    assert current["contents"] == []
    assert current["directionality"] == "destination_only"


@pytest.mark.parametrize(
    ("options", "directionality"),
    [
        (postgres_options(), "bidirectional"),
        ({"type": "s3_csv", "aws_region": "us-east-1", "bucket_name": "b"}, "bidirectional"),
        ({"type": "klaviyo", "api_key": "pk", "private_api_key": "sk"}, "bidirectional"),
    ],
)
def test_directionality_follows_the_category(api, options, directionality):
    assert api.create(**options)["directionality"] == directionality


def test_force_update_restarts_the_cycle_and_keeps_last_output(api, clock):
    created = api.create()
    clock.advance(60)
    first_output = _status_at(api, created["id"])["last_updated_output_at"]

    assert api("POST", f"/connections/{created['id']}/force_update").status == 204
    current = _status_at(api, created["id"])

    assert current["status"] == "new"
    assert current["contents"] == []
    assert current["last_updated_output_at"] == first_output
    assert current["last_updated_config_at"] == created["last_updated_config_at"]


def test_clock_behind_the_cycle_start_reads_as_new(api, clock):
    created = api.create()
    clock.advance(-5)

    assert _status_at(api, created["id"])["status"] == "new"


def test_cycle_length_comes_from_the_setting(api, clock, settings):
    settings.FARADAY_SIMULATOR_CYCLE_SECONDS = 100
    created = api.create()
    clock.advance(10)

    assert _status_at(api, created["id"])["status"] == "new"


@pytest.mark.parametrize(
    "options", [snowflake_options(), clickhouse_options()], ids=["snowflake", "clickhouse"]
)
def test_a_key_pair_connection_fails_until_its_key_is_installed_and_checked_again(
    api, clock, options
):
    created = api.create(**options)
    clock.advance(10)
    refused = _status_at(api, created["id"])

    engine.install_public_key(created["id"], clock=clock)
    clock.advance(10)
    still = _status_at(api, created["id"])  # installing doesn't help the check already done
    api("POST", f"/connections/{created['id']}/force_update")
    clock.advance(10)
    after = _status_at(api, created["id"])

    assert (refused["status"], refused["contents_error"]) == ("error", "Public key not installed")
    assert "isn't installed on the user yet" in refused["status_error"]
    assert still["status"] == "error"
    assert after["status"] == "ready"


def test_a_rotated_key_must_be_installed_again(api, clock):
    created = api.create(**snowflake_options())
    engine.install_public_key(created["id"], clock=clock)
    api("POST", f"/connections/{created['id']}/force_update")
    clock.advance(10)
    assert _status_at(api, created["id"])["status"] == "ready"

    api("POST", f"/connections/{created['id']}/rotate_credentials", {"type": "snowflake"})
    clock.advance(10)

    assert _status_at(api, created["id"])["status"] == "error"


def test_installing_a_key_needs_a_key_pair_connection(api, clock):
    postgres_connection = api.create()

    assert engine.install_public_key(postgres_connection["id"], clock=clock) is False
    assert engine.install_public_key("not-a-uuid", clock=clock) is False
