import pytest

from faraday_admin.simulator.models import SimulatedConnection
from tests.payloads import postgres_options


def _errors(response):
    assert response.status == 400
    body = response.json()
    assert body["error"] == "VALIDATION_FAILED"
    return {(e["path"], e["context"]["errorType"]) for e in body["validationErrors"]}


def test_valid_create_returns_201_with_the_connection(api):
    response = api("POST", "/connections", {"name": "Shop", "options": postgres_options()})

    assert response.status == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json()["name"] == "Shop"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (postgres_options(host="db example"), ("/options/host", "pattern")),
        (postgres_options(port="5432"), ("/options/port", "type")),
        (postgres_options(port=True), ("/options/port", "type")),
        (postgres_options(port=5432.5), ("/options/port", "type")),
        (postgres_options(port=0), ("/options/port", "minimum")),
        (postgres_options(port=65536), ("/options/port", "maximum")),
        (postgres_options(user=None), ("/options/user", "type")),
        (postgres_options(colour="blue"), ("/options/colour", "additionalProperties")),
        ({"type": "bigquery", "dataset_name": "d", "project_id": "p", "region": "mars"},
         ("/options/region", "enum")),
        ({"type": "sftp", "host": "h", "port": 22, "user": "u", "compression": "yes"},
         ("/options/compression", "type")),
        ({"type": "postgres"}, ("/options/host", "required")),
        ({"type": "teleporter"}, ("/options/type", "enum")),
        ({"type": 7}, ("/options/type", "type")),
        ({"host": "db.example.com"}, ("/options/type", "required")),
    ],
)  # fmt: skip
def test_invalid_option_is_reported_at_its_json_pointer_with_its_error_type(api, options, expected):
    response = api("POST", "/connections", {"name": "Shop", "options": options})

    assert expected in _errors(response)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"options": postgres_options()}, ("/name", "required")),
        ({"name": 5, "options": postgres_options()}, ("/name", "type")),
        ({"name": "   ", "options": postgres_options()}, ("/name", "pattern")),
        ({"name": "\u00a0\t", "options": postgres_options()}, ("/name", "pattern")),
        ({"name": "Shop"}, ("/options", "required")),
        ({"name": "Shop", "options": ["postgres"]}, ("/options", "type")),
        (
            {"name": "Shop", "options": postgres_options(), "owner": "me"},
            ("/owner", "additionalProperties"),
        ),
    ],
)
def test_invalid_top_level_member_is_reported_with_its_error_type(api, document, expected):
    assert expected in _errors(api("POST", "/connections", document))


@pytest.mark.parametrize("name", ["x", " padded ", "Snowflake AWS - Marketing", "trailing\n"])
def test_name_that_is_not_blank_is_accepted_because_pattern_is_a_search(api, name):
    assert api("POST", "/connections", {"name": name, "options": postgres_options()}).status == 201


def test_every_problem_is_reported_in_one_response(api):
    options = postgres_options(host="bad host", port=70000, user=None, extra=1)
    del options["database"]

    response = api("POST", "/connections", {"name": " ", "options": options})

    assert _errors(response) == {
        ("/name", "pattern"),
        ("/options/database", "required"),
        ("/options/host", "pattern"),
        ("/options/port", "maximum"),
        ("/options/user", "type"),
        ("/options/extra", "additionalProperties"),
    }


def test_validation_error_has_message_and_optional_suggestion(api):
    response = api(
        "POST", "/connections", {"name": "Shop", "options": postgres_options(colour="blue")}
    )

    [error] = response.json()["validationErrors"]
    assert error["message"] == "must NOT have additional properties"
    assert "colour" in error["suggestion"]
    assert set(response.json()) == {"error", "id", "note", "validationErrors"}


def test_option_key_with_slash_is_escaped_in_the_pointer(api):
    response = api(
        "POST", "/connections", {"name": "Shop", "options": postgres_options(**{"a/b~c": 1})}
    )

    assert ("/options/a~1b~0c", "additionalProperties") in _errors(response)


def test_whole_float_port_is_accepted_and_stored_as_an_integer(api):
    response = api(
        "POST", "/connections", {"name": "Shop", "options": postgres_options(port=5432.0)}
    )

    assert response.status == 201
    assert response.json()["options"]["port"] == 5432
    assert isinstance(response.json()["options"]["port"], int)


@pytest.mark.parametrize(
    "raw", [b"", b"not json", b"[1, 2]", b'"name"', b"null", b'{"port": NaN}', b"\xff\xfe"]
)
def test_body_that_is_not_a_json_object_is_bad_request(api, raw):
    response = api("POST", "/connections", raw=raw)

    assert response.status == 400
    assert response.json()["error"] == "BAD_REQUEST"


# ---- PATCH: Faraday's MergePatch model --------------------------------------------------------


def _patch(api, connection_id, body):
    return api("PATCH", f"/connections/{connection_id}", body)


@pytest.mark.parametrize(
    ("created", "patch", "expected"),
    [
        # A null where the MergePatch model has no null: BigQuery's region, any required option.
        (
            {"type": "bigquery", "project_id": "p", "dataset_name": "d", "region": "US"},
            {"options": {"type": "bigquery", "region": None}},
            ("/options/region", "type"),
        ),
        (
            postgres_options(),
            {"options": {"type": "postgres", "host": None}},
            ("/options/host", "type"),
        ),
        (
            postgres_options(),
            {"options": {"type": "postgres", "password": None}},
            ("/options/password", "type"),
        ),
        (postgres_options(), {"name": None}, ("/name", "type")),
        (
            postgres_options(),
            {"options": {"type": "postgres", "colour": "blue"}},
            ("/options/colour", "additionalProperties"),
        ),
        (
            postgres_options(),
            {"options": {"type": "postgres", "port": "5433"}},
            ("/options/port", "type"),
        ),
        (
            postgres_options(),
            {"options": {"type": "postgres", "host": "db example"}},
            ("/options/host", "pattern"),
        ),
        (
            postgres_options(),
            {"options": {"host": "db2.example.com"}},
            ("/options/type", "required"),
        ),
        (postgres_options(), {"options": None}, ("/options", "type")),
        (postgres_options(), {"owner": "me"}, ("/owner", "additionalProperties")),
    ],
)
def test_a_patch_the_merge_patch_model_refuses_is_refused_and_changes_nothing(
    api, created, patch, expected
):
    connection = api.create(**created)

    response = _patch(api, connection["id"], patch)

    assert expected in _errors(response)
    assert api("GET", f"/connections/{connection['id']}").json() == connection


SFTP = {"type": "sftp", "host": "h", "port": 22, "user": "u"}


@pytest.mark.parametrize(
    ("created", "key"),
    [
        ({**postgres_options(), "load_balancer": "lb.example.com"}, "load_balancer"),
        ({**SFTP, "compression": True}, "compression"),
        ({**SFTP, "password": "pw"}, "password"),  # Faraday then uses its own SSH key
    ],
)
def test_a_null_where_the_model_admits_one_removes_the_option(api, created, key):
    connection = api.create(**created)
    assert key in SimulatedConnection.objects.get().options

    response = _patch(api, connection["id"], {"options": {"type": created["type"], key: None}})

    assert response.status == 200
    assert key not in response.json()["options"]
    assert key not in SimulatedConnection.objects.get().options


def test_a_yes_no_option_can_be_patched_to_false(api):
    connection = api.create(**SFTP, compression=True)

    response = _patch(api, connection["id"], {"options": {"type": "sftp", "compression": False}})

    assert response.status == 200
    assert response.json()["options"]["compression"] is False


def test_a_create_may_not_send_null_even_for_an_option_an_edit_may_clear(api):
    options = {**SFTP, "compression": None}

    response = api("POST", "/connections", {"name": "Files", "options": options})

    assert ("/options/compression", "type") in _errors(response)
