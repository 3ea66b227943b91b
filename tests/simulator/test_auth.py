import uuid

import pytest


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "MISSING_API_KEY"),
        ({"Authorization": ""}, 401, "MISSING_API_KEY"),
        ({"Authorization": "   "}, 401, "MISSING_API_KEY"),
        ({"Authorization": "demo-key"}, 401, "MALFORMED_API_KEY"),
        ({"Authorization": "Basic ZGVtbzprZXk="}, 401, "MALFORMED_API_KEY"),
        ({"Authorization": "Bearer "}, 401, "MALFORMED_API_KEY"),
        ({"Authorization": "Bearer two words"}, 401, "MALFORMED_API_KEY"),
        ({"Authorization": "Bearer expired"}, 401, "EXPIRED_API_KEY"),
        ({"Authorization": "Bearer forbidden"}, 403, "FORBIDDEN"),
    ],
)
def test_refused_authorization_gets_faradays_error_body(api, headers, status, code):
    response = api("GET", "/connections", headers=headers)

    assert response.status == status
    body = response.json()
    assert body["error"] == code
    assert uuid.UUID(body["id"]).version == 4
    assert body["note"].endswith(".")
    assert "validationErrors" not in body


@pytest.mark.parametrize("header", ["Bearer any-key-at-all", "bearer lower-case-scheme"])
def test_any_other_bearer_token_is_accepted(api, header):
    assert api("GET", "/accounts/current", headers={"authorization": header}).status == 200


def test_auth_is_checked_before_routing(api):
    assert api("GET", "/no/such/route", headers={}).json()["error"] == "MISSING_API_KEY"


def test_each_error_has_its_own_id(api):
    first = api("GET", "/connections", headers={}).json()["id"]
    second = api("GET", "/connections", headers={}).json()["id"]

    assert first != second
