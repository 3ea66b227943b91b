from faraday_admin.simulator import engine
from faraday_admin.simulator.models import SimulatedConnection, SimulatedDependent
from faraday_admin.simulator.validation import check_connection


def test_seed_creates_demo_connections_that_read_as_ready_or_scripted_error(api):
    assert engine.seed_demo_data() is True

    listed = api("GET", "/connections").json()
    assert len(listed) >= 4
    statuses = {c["name"]: c["status"] for c in listed}
    assert statuses["Snowflake - Marketing warehouse"] == "ready"
    assert statuses["MySQL - Legacy storefront"] == "error"
    assert [c["managed"] for c in listed].count(True) == 1


def test_seeded_snowflake_has_two_datasets_and_one_target(api):
    engine.seed_demo_data()
    snowflake = SimulatedConnection.objects.get(options__type="snowflake")

    datasets = api("GET", f"/connections/{snowflake.id}/datasets").json()
    targets = api("GET", f"/connections/{snowflake.id}/targets").json()

    assert (len(datasets), len(targets)) == (2, 1)


def test_seed_does_nothing_when_any_connection_exists(api):
    api.create()

    assert engine.seed_demo_data() is False
    assert SimulatedConnection.objects.count() == 1
    assert not SimulatedDependent.objects.exists()


def test_seeding_twice_creates_nothing_the_second_time(api):
    engine.seed_demo_data()
    count = SimulatedConnection.objects.count()

    assert engine.seed_demo_data() is False
    assert SimulatedConnection.objects.count() == count


def test_seeded_options_pass_the_simulators_own_validation(api):
    engine.seed_demo_data()

    for seeded in SimulatedConnection.objects.all():
        assert check_connection({"name": seeded.name, "options": seeded.options}) == []


def test_seeded_connections_list_in_a_stable_order(api):
    engine.seed_demo_data()

    names = [c["name"] for c in api("GET", "/connections").json()]

    assert names[0] == "Snowflake - Marketing warehouse"
    assert names[-1] == "Classic Faraday Sources"
