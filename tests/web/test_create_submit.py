"""Valid submissions: the exact body sent to Faraday, the redirect, and one connection per form."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.urls import reverse

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.connections.forms import ConnectionForm
from faraday_admin.connections.models import ConnectionRecord, SubmissionToken
from tests.payloads import api_error, created_json
from tests.web.create_helpers import ALL_TYPES, CREATE_URL, HTMX, form_data, issue_token
from tests.web.html import parse


def detail_url(connection_id: str) -> str:
    return reverse("connections:detail", args=[connection_id])


def assert_created_once(create_faraday, user, *, type_key: str, name: str) -> str:
    """The one connection Faraday created is recorded here and audited; returns its id."""
    assert create_faraday.create_calls == 1
    connection_id = create_faraday.created[0]["id"]
    record = ConnectionRecord.objects.get()
    assert (record.faraday_id, record.connection_type, record.name) == (
        connection_id,
        type_key,
        name,
    )
    assert record.created_by == user
    assert record.created_by_username == user.username
    audit = AuditEntry.objects.get(outcome=Outcome.SUCCESS)
    assert audit.action == Action.CREATE
    assert audit.faraday_connection_id == connection_id
    return connection_id


def assert_refusal_audited(detail: str, *, connection_id: str = "") -> None:
    """The locally refused attempt has its own audit row; nothing was sent for it."""
    refused = AuditEntry.objects.get(outcome=Outcome.REJECTED)
    assert (refused.action, refused.detail_text) == (Action.CREATE, detail)
    assert refused.faraday_connection_id == connection_id


@pytest.mark.parametrize("required_only", [False, True], ids=["all-fields", "required-only"])
@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_valid_submission_posts_exactly_the_filled_fields_and_redirects_to_detail(
    client, signed_in_onboarder, create_faraday, type_key, required_only
):
    data, options = form_data(
        type_key, issue_token(signed_in_onboarder), required_only=required_only
    )

    response = client.post(CREATE_URL, data)

    assert create_faraday.create_bodies() == [{"name": "Acme warehouse", "options": options}]
    connection_id = assert_created_once(
        create_faraday, signed_in_onboarder, type_key=type_key, name=data["name"]
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(connection_id)


@pytest.mark.parametrize("type_key", ALL_TYPES)
def test_valid_htmx_submission_answers_with_hx_redirect_to_detail(
    client, signed_in_onboarder, create_faraday, type_key
):
    data, options = form_data(type_key, issue_token(signed_in_onboarder))

    response = client.post(CREATE_URL, data, headers=HTMX)

    assert create_faraday.create_bodies() == [{"name": "Acme warehouse", "options": options}]
    connection_id = assert_created_once(
        create_faraday, signed_in_onboarder, type_key=type_key, name=data["name"]
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == detail_url(connection_id)


def test_sent_integers_and_booleans_keep_their_json_kinds(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("sftp", issue_token(signed_in_onboarder))
    data |= {"port": "2222", "compression": "true"}

    client.post(CREATE_URL, data)

    options = create_faraday.create_bodies()[0]["options"]
    assert options["port"] == 2222 and type(options["port"]) is int
    assert options["compression"] is True


def test_a_yes_no_option_answered_no_is_sent_as_false(client, signed_in_onboarder, create_faraday):
    data, _options = form_data("sftp", issue_token(signed_in_onboarder))
    data["compression"] = "false"

    client.post(CREATE_URL, data)

    assert create_faraday.create_bodies()[0]["options"]["compression"] is False


def test_faradays_default_for_a_yes_no_option_is_left_for_faraday_to_decide(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("sftp", issue_token(signed_in_onboarder))
    data["compression"] = "unknown"

    client.post(CREATE_URL, data)

    assert "compression" not in create_faraday.create_bodies()[0]["options"]


def test_names_and_values_are_sent_as_typed_without_stripping(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("snowflake", issue_token(signed_in_onboarder), name="  Spaced name ")
    data["role"] = " FARADAY "

    client.post(CREATE_URL, data)

    body = create_faraday.create_bodies()[0]
    assert body["name"] == "  Spaced name "
    assert body["options"]["role"] == " FARADAY "


def test_success_shows_the_created_message_on_the_detail_page(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("postgres", issue_token(signed_in_onboarder), name="Shop database")
    response = client.post(CREATE_URL, data)
    create_faraday.detail_routes(create_faraday.created[0])

    page = client.get(response["Location"])

    assert page.status_code == 200
    assert "Connection “Shop database” created." in page.content.decode()


# ---- one form, one connection ---------------------------------------------------------------


def token_from_create_page(client) -> str:
    page = parse(client.get(CREATE_URL, {"type": "mysql"}).content)
    return page.control("submission_token").attrs["value"]


def test_each_rendering_of_the_create_form_gets_its_own_token(client, signed_in_onboarder):
    first, second = token_from_create_page(client), token_from_create_page(client)

    assert first != second
    assert (
        SubmissionToken.objects.filter(user=signed_in_onboarder, claimed_at__isnull=True).count()
        == 2
    )


def test_double_submit_of_one_form_creates_once_and_both_land_on_that_connection(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("mysql", token_from_create_page(client))

    first = client.post(CREATE_URL, data)
    second = client.post(CREATE_URL, data)

    connection_id = assert_created_once(
        create_faraday, signed_in_onboarder, type_key="mysql", name=data["name"]
    )
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == detail_url(connection_id)
    assert_refusal_audited("not sent: this form was already submitted", connection_id=connection_id)


def test_double_submit_over_htmx_redirects_the_second_request_to_the_same_connection(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("mysql", token_from_create_page(client))

    client.post(CREATE_URL, data, headers=HTMX)
    second = client.post(CREATE_URL, data, headers=HTMX)

    connection_id = assert_created_once(
        create_faraday, signed_in_onboarder, type_key="mysql", name=data["name"]
    )
    assert second["HX-Redirect"] == detail_url(connection_id)


def test_token_from_a_second_tab_reused_after_success_creates_nothing_more(
    client, signed_in_onboarder, create_faraday
):
    tab_one, tab_two = token_from_create_page(client), token_from_create_page(client)
    data, _options = form_data("mysql", tab_one)
    client.post(CREATE_URL, data)

    again = client.post(CREATE_URL, {**data, "name": "Other name"})

    connection_id = assert_created_once(
        create_faraday, signed_in_onboarder, type_key="mysql", name=data["name"]
    )
    assert again["Location"] == detail_url(connection_id)
    assert SubmissionToken.objects.get(token=tab_two).claimed_at is None


def test_token_still_in_flight_elsewhere_sends_nothing_and_points_to_the_list(
    client, signed_in_onboarder, create_faraday
):
    token = token_from_create_page(client)
    SubmissionToken.objects.filter(token=token).update(claimed_at=datetime.now(UTC))
    data, _options = form_data("mysql", token)
    create_faraday.router.get("/connections").respond(200, json=[])

    response = client.post(CREATE_URL, data, follow=True)

    assert create_faraday.create_calls == 0
    assert response.redirect_chain[0] == (reverse("connections:list"), 302)
    assert "already submitted (or is being submitted in another tab)" in response.content.decode()
    assert ConnectionRecord.objects.count() == 0


UNKNOWN_TOKENS = ["", "not-a-uuid", "6b1f7d8e-0000-4000-8000-000000000000"]


def assert_form_kept_with_a_fresh_token(response, data, *, old_token: str, user) -> None:
    """Not "already submitted": the same form comes back, 422, with a new token to send it."""
    assert response.status_code == 422
    content = response.content.decode()
    assert "already submitted" not in content
    doc = parse(content)
    form = doc.by_id("create-form")
    assert "This form had expired. Check the details and submit again." in form.text
    assert form.control("name").attrs["value"] == data["name"]
    assert form.control("host").attrs["value"] == data["host"]
    fresh = form.control("submission_token").attrs["value"]
    assert fresh != old_token
    assert SubmissionToken.objects.get(token=fresh, user=user).claimed_at is None


@pytest.mark.parametrize("token", UNKNOWN_TOKENS, ids=repr)
def test_missing_or_unknown_token_sends_nothing_and_keeps_the_form_with_a_fresh_token(
    client, signed_in_onboarder, create_faraday, token
):
    data, _options = form_data("mysql", token)

    response = client.post(CREATE_URL, data)

    assert create_faraday.create_calls == 0
    assert_form_kept_with_a_fresh_token(response, data, old_token=token, user=signed_in_onboarder)


def test_unknown_token_over_htmx_answers_the_form_partial(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("mysql", "6b1f7d8e-0000-4000-8000-000000000000")

    response = client.post(CREATE_URL, data, headers=HTMX)

    assert b"<html" not in response.content
    assert_form_kept_with_a_fresh_token(
        response, data, old_token=data["submission_token"], user=signed_in_onboarder
    )


def test_purged_token_then_submitting_the_kept_form_creates_it_once(
    client, signed_in_onboarder, create_faraday
):
    token = token_from_create_page(client)
    SubmissionToken.objects.filter(token=token).delete()  # purge_submission_tokens ran meanwhile
    data, _options = form_data("mysql", token)
    expired = client.post(CREATE_URL, data)
    fresh = parse(expired.content).control("submission_token").attrs["value"]

    response = client.post(CREATE_URL, {**data, "submission_token": fresh})

    connection_id = assert_created_once(
        create_faraday, signed_in_onboarder, type_key="mysql", name=data["name"]
    )
    assert response["Location"] == detail_url(connection_id)
    assert_refusal_audited("not sent: the form's one-time code wasn't recognised")


@pytest.mark.parametrize(
    ("type_key", "recorded", "detail"),
    [
        ("", "", "not sent: no connection type chosen"),
        # Free text posted by anyone never reaches the log: it is recorded as "unknown".
        ("no_such_db", "unknown", "not sent: a connection type this app doesn't know"),
    ],
    ids=["missing", "unknown"],
)
def test_create_without_a_known_type_sends_nothing_and_is_audited(
    client, signed_in_onboarder, create_faraday, type_key, recorded, detail
):
    data, _options = form_data("mysql", token_from_create_page(client))

    response = client.post(CREATE_URL, {**data, "type": type_key})

    assert response.status_code == 422
    assert create_faraday.create_calls == 0
    refused = AuditEntry.objects.get()
    assert (refused.action, refused.outcome) == (Action.CREATE, Outcome.REJECTED)
    assert (refused.connection_type, refused.detail_text) == (recorded, detail)


def test_another_users_token_sends_nothing(
    client, signed_in_onboarder, create_faraday, django_user_model
):
    other = django_user_model.objects.create_user("someone-else")
    data, _options = form_data("mysql", issue_token(other))

    response = client.post(CREATE_URL, data)

    assert create_faraday.create_calls == 0
    assert_form_kept_with_a_fresh_token(
        response, data, old_token=data["submission_token"], user=signed_in_onboarder
    )


def test_resubmitting_after_a_local_validation_error_creates_exactly_one(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("mysql", token_from_create_page(client))

    rejected = client.post(CREATE_URL, {**data, "host": "http://db.example.com"})
    corrected = client.post(CREATE_URL, data)

    assert rejected.status_code == 422
    connection_id = assert_created_once_after_rejection(create_faraday, signed_in_onboarder)
    assert corrected["Location"] == detail_url(connection_id)


def assert_created_once_after_rejection(create_faraday, user) -> str:
    assert create_faraday.create_calls == 1
    record = ConnectionRecord.objects.get()
    assert record.faraday_id == create_faraday.created[0]["id"]
    outcomes = list(AuditEntry.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes[-1] == Outcome.SUCCESS
    return record.faraday_id


def test_resubmitting_after_faraday_rejects_the_form_creates_exactly_one(
    client, signed_in_onboarder, create_faraday
):
    data, _options = form_data("mysql", token_from_create_page(client))
    refusal = api_error(
        400,
        "VALIDATION_FAILED",
        validation_errors=[{"path": "/options/host", "message": "Host not reachable"}],
    )
    create_faraday.answer_create(refusal)
    rejected = client.post(CREATE_URL, data)
    create_faraday.answer_create(None)

    corrected = client.post(CREATE_URL, {**data, "host": "db2.example.com"})

    assert rejected.status_code == 422
    assert create_faraday.create_calls == 2
    assert ConnectionRecord.objects.count() == 1
    assert corrected["Location"] == detail_url(create_faraday.created[0]["id"])
    assert list(AuditEntry.objects.order_by("id").values_list("outcome", flat=True)) == [
        Outcome.FARADAY_ERROR,
        Outcome.SUCCESS,
    ]


def test_read_timeout_when_faraday_did_create_it_counts_as_success_without_a_second_post(
    client, signed_in_onboarder, create_faraday
):
    data, options = form_data("mysql", token_from_create_page(client))
    landed = created_json(name=data["name"], options=options)
    older_twin = created_json(
        name=data["name"], options=options, created_at=datetime.now(UTC) - timedelta(days=1)
    )
    create_faraday.answer_create(httpx.ReadTimeout("timed out"))
    listing = create_faraday.router.get("/connections").respond(200, json=[older_twin, landed])

    response = client.post(CREATE_URL, data)

    assert create_faraday.create_calls == 1
    assert listing.call_count == 1
    assert response.status_code == 302
    assert response["Location"] == detail_url(landed["id"])
    record = ConnectionRecord.objects.get()
    assert record.faraday_id == landed["id"]
    audit = AuditEntry.objects.get()
    assert (audit.outcome, audit.faraday_connection_id) == (Outcome.SUCCESS, landed["id"])


def test_read_timeout_when_faraday_did_create_it_then_resubmit_lands_on_it(
    client, signed_in_onboarder, create_faraday
):
    data, options = form_data("mysql", token_from_create_page(client))
    landed = created_json(name=data["name"], options=options)
    create_faraday.answer_create(httpx.ReadTimeout("timed out"))
    create_faraday.router.get("/connections").respond(200, json=[landed])
    client.post(CREATE_URL, data)

    again = client.post(CREATE_URL, data)

    assert create_faraday.create_calls == 1
    assert again["Location"] == detail_url(landed["id"])


def test_read_timeout_with_only_an_older_namesake_is_an_error_not_a_match(
    client, signed_in_onboarder, create_faraday
):
    data, options = form_data("mysql", token_from_create_page(client))
    older_twin = created_json(
        name=data["name"], options=options, created_at=datetime.now(UTC) - timedelta(days=1)
    )
    other_type = created_json(name=data["name"], options={"type": "postgres"})
    create_faraday.answer_create(httpx.ReadTimeout("timed out"))
    create_faraday.router.get("/connections").respond(200, json=[older_twin, other_type])

    response = client.post(CREATE_URL, data)

    assert create_faraday.create_calls == 1
    assert response.status_code == 502
    assert ConnectionRecord.objects.count() == 0
    assert "Faraday didn&#x27;t answer in time." in response.content.decode()
    assert AuditEntry.objects.get().outcome == Outcome.NETWORK_FAULT


def test_ambiguous_create_never_adopts_a_namesake_made_while_the_form_was_open(
    client, signed_in_onboarder, create_faraday
):
    token = token_from_create_page(client)
    opened = datetime.now(UTC) - timedelta(minutes=10)
    SubmissionToken.objects.filter(token=token).update(created_at=opened)
    data, options = form_data("mysql", token)
    colleagues = created_json(
        name=data["name"], options=options, created_at=datetime.now(UTC) - timedelta(minutes=2)
    )
    create_faraday.answer_create(httpx.ReadTimeout("timed out"))
    listing = create_faraday.router.get("/connections").respond(200, json=[colleagues])

    response = client.post(CREATE_URL, data)

    assert listing.call_count == 1
    assert response.status_code == 502
    assert ConnectionRecord.objects.count() == 0
    assert AuditEntry.objects.get().outcome == Outcome.NETWORK_FAULT
    assert SubmissionToken.objects.get(token=token).claimed_at is None


def test_ambiguous_create_adopts_one_stamped_within_the_clock_skew_allowance(
    client, signed_in_onboarder, create_faraday
):
    data, options = form_data("mysql", token_from_create_page(client))
    # Faraday's clock runs a little behind ours.
    landed = created_json(
        name=data["name"], options=options, created_at=datetime.now(UTC) - timedelta(seconds=3)
    )
    create_faraday.answer_create(httpx.ReadTimeout("timed out"))
    create_faraday.router.get("/connections").respond(200, json=[landed])

    response = client.post(CREATE_URL, data)

    assert response["Location"] == detail_url(landed["id"])


@pytest.mark.parametrize(
    "answer",
    [
        api_error(502, "INTERNAL_SERVER_ERROR"),
        httpx.Response(503, json={"note": "Down for maintenance"}),
        api_error(504, "INTERNAL_SERVER_ERROR"),
        httpx.Response(502, html="<html><body>502 Bad Gateway</body></html>"),
        httpx.Response(504, text="upstream request timeout"),
        httpx.Response(201, text='{"id": "5e0dfa56", "name": '),
    ],
    ids=["502-json", "503-json", "504-json", "502-html", "504-text", "201-unreadable"],
)
def test_gateway_error_when_faraday_did_create_it_counts_as_success_without_a_second_post(
    client, signed_in_onboarder, create_faraday, answer
):
    data, options = form_data("mysql", token_from_create_page(client))
    landed = created_json(name=data["name"], options=options)
    create_faraday.answer_create(answer)
    listing = create_faraday.router.get("/connections").respond(200, json=[landed])

    response = client.post(CREATE_URL, data)

    assert create_faraday.create_calls == 1
    assert listing.call_count == 1
    assert response["Location"] == detail_url(landed["id"])
    assert ConnectionRecord.objects.get().faraday_id == landed["id"]
    audit = AuditEntry.objects.get()
    assert (audit.outcome, audit.faraday_connection_id) == (Outcome.SUCCESS, landed["id"])
    # The POST's own answer was a gateway's, not Faraday's: no status of Faraday's to record.
    assert audit.http_status is None
    assert (
        audit.detail_text
        == f"found in the list after an unclear answer (HTTP {answer.status_code})"
    )


@pytest.mark.parametrize("status", [500, 501])
def test_other_server_errors_do_not_look_for_the_connection(
    client, signed_in_onboarder, create_faraday, status
):
    data, _options = form_data("mysql", token_from_create_page(client))
    create_faraday.answer_create(api_error(status, "INTERNAL_SERVER_ERROR"))
    listing = create_faraday.router.get("/connections").respond(200, json=[])

    response = client.post(CREATE_URL, data)

    assert response.status_code == 502
    assert listing.call_count == 0


def test_read_timeout_adoption_is_audited_without_an_http_status(
    client, signed_in_onboarder, create_faraday
):
    data, options = form_data("mysql", token_from_create_page(client))
    landed = created_json(name=data["name"], options=options)
    create_faraday.answer_create(httpx.ReadTimeout("timed out"))
    create_faraday.router.get("/connections").respond(200, json=[landed])

    client.post(CREATE_URL, data)

    audit = AuditEntry.objects.get()
    assert audit.http_status is None  # the lookup's 200 is not the create's answer
    assert audit.detail_text == "found in the list after an unclear answer (read_timeout)"


def test_create_builds_the_options_payload_once(
    client, signed_in_onboarder, create_faraday, monkeypatch
):
    calls = []
    original = ConnectionForm.options_payload

    def counted(self):
        calls.append(self)
        return original(self)

    monkeypatch.setattr(ConnectionForm, "options_payload", counted)
    data, _options = form_data("mysql", token_from_create_page(client))

    client.post(CREATE_URL, data)

    assert len(calls) == 1
