"""Archive, unarchive, delete, force update and rotate: confirm first, then one upstream write."""

from __future__ import annotations

import httpx
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.catalog import KEY_PAIR_TYPES
from faraday_admin.connections import refusals, selectors, services
from faraday_admin.connections.actions import ACTIONS as LIFECYCLE
from faraday_admin.faraday_client import Connection, ResourceRef
from faraday_admin.simulator import engine
from tests.payloads import CONNECTION_ID, ERROR_ID, error_json, listed_connection_json, ref_json
from tests.web.html import parse
from tests.web.list_helpers import ALL_PERMISSIONS, login, serve_detail, upstream_writes

pytestmark = pytest.mark.django_db

PATH = f"/connections/{CONNECTION_ID}"
DETAIL_URL = reverse("connections:detail", args=[CONNECTION_ID])
LIST_URL = reverse("connections:list")
ARCHIVED = "2024-03-01T00:00:00Z"
SNOWFLAKE = {"database": "d", "user": "u", "warehouse": "w"}
CLICKHOUSE = {"database": "d", "host": "h.example.com", "port": 9440, "user": "u"}

# action → (url name, permission codename, the connection it applies to, expected write, audit)
ACTIONS = {
    "archive": (
        "archive",
        "archive_connection",
        listed_connection_json(),
        ("POST", f"{PATH}/archive", {"cascade_to_all": False}),
        Action.ARCHIVE,
    ),
    "unarchive": (
        "unarchive",
        "archive_connection",
        listed_connection_json(archived_at=ARCHIVED),
        ("POST", f"{PATH}/unarchive", {"cascade_to_all": False}),
        Action.UNARCHIVE,
    ),
    "delete": (
        "delete",
        "delete_connection",
        listed_connection_json(),
        ("DELETE", PATH, None),
        Action.DELETE,
    ),
    "force-update": (
        "force-update",
        "force_update_connection",
        listed_connection_json(),
        ("POST", f"{PATH}/force_update", None),
        Action.FORCE_UPDATE,
    ),
    "rotate": (
        "rotate",
        "rotate_credentials",
        listed_connection_json(type="snowflake", options=SNOWFLAKE),
        ("POST", f"{PATH}/rotate_credentials", {"type": "snowflake"}),
        Action.ROTATE,
    ),
}


@pytest.fixture
def admin(client, django_user_model):
    return login(client, django_user_model, *ALL_PERMISSIONS, username="boss")


def _url(name: str) -> str:
    return reverse(f"connections:{name}", args=[CONNECTION_ID])


def _answer_writes(router, connection) -> None:
    """Faraday's success answers for every write (no body, or the connection for rotate)."""
    router.post(f"{PATH}/archive").respond(204)
    router.post(f"{PATH}/unarchive").respond(204)
    router.post(f"{PATH}/force_update").respond(204)
    router.delete(PATH).respond(204)
    router.post(f"{PATH}/rotate_credentials").respond(json=connection)


def _main(response):
    """The page's <main> (the header holds a sign-out form of its own)."""
    return parse(response).find("main")


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# ---- confirmation, then exactly one write ---------------------------------------------------


@pytest.mark.parametrize("action", list(ACTIONS))
def test_confirmation_page_sends_no_write(client, admin, faraday_router, action):
    url_name, _perm, connection, _write, _audit = ACTIONS[action]
    serve_detail(faraday_router, connection)
    _answer_writes(faraday_router, connection)

    response = client.get(_url(url_name))

    assert response.status_code == 200
    assert upstream_writes(faraday_router) == []
    assert AuditEntry.objects.count() == 0
    form = _main(response).find("form", method="post")
    assert form.find("input", name="csrfmiddlewaretoken") is not None
    assert form.find("button", type="submit") is not None
    assert form.find("a", href=DETAIL_URL).text == "Cancel"


@pytest.mark.parametrize("action", list(ACTIONS))
def test_confirmed_action_sends_exactly_the_expected_request(client, admin, faraday_router, action):
    url_name, _perm, connection, write, audit_action = ACTIONS[action]
    serve_detail(faraday_router, connection)
    _answer_writes(faraday_router, connection)

    response = client.post(_url(url_name))

    assert response.status_code == 302
    expected = {"delete": LIST_URL, "force-update": f"{DETAIL_URL}?follow=6"}
    assert response.url == expected.get(action, DETAIL_URL)
    assert upstream_writes(faraday_router) == [write]
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (audit_action, Outcome.SUCCESS)
    assert entry.faraday_connection_id == CONNECTION_ID
    assert entry.actor_username == "boss"
    assert len(_messages(response)) == 1


def test_confirmed_action_over_htmx_uses_hx_redirect(client, admin, faraday_router):
    serve_detail(faraday_router, listed_connection_json())
    _answer_writes(faraday_router, listed_connection_json())

    response = client.post(_url("force-update"), headers={"HX-Request": "true"})

    # Faraday re-reads it now: the detail page follows the status even while it still reads final.
    assert response["HX-Redirect"] == f"{DETAIL_URL}?follow=6"
    assert _messages(response) == ["Faraday is updating “Warehouse” now."]


# ---- archive / unarchive: dependents first, cascade only when ticked -------------------------

DATASETS = [ref_json("d-1", "Orders dataset", kind="datasets")]
TARGETS = [ref_json("t-1", "CRM export", kind="targets")]
# Archive and unarchive: the two actions that offer to cascade to dependents.
each_cascading_action = pytest.mark.parametrize(
    ("action", "connection"),
    [
        ("archive", listed_connection_json()),
        ("unarchive", listed_connection_json(archived_at=ARCHIVED)),
    ],
)


@each_cascading_action
def test_archive_confirmation_lists_dependents_and_offers_cascade_unticked(
    client, admin, faraday_router, action, connection
):
    serve_detail(faraday_router, connection, datasets=DATASETS, targets=TARGETS)

    page = parse(client.get(_url(action)))

    assert [li.text for li in page.find("ul", class_="dependents").find_all("li")] == [
        "Dataset Orders dataset",
        "Target CRM export",
    ]
    cascade = page.find("input", name="cascade")
    assert cascade.attrs["type"] == "checkbox"
    assert "checked" not in cascade.attrs
    assert upstream_writes(faraday_router) == []


def test_archive_confirmation_without_dependents_has_no_cascade_box(client, admin, faraday_router):
    serve_detail(faraday_router, listed_connection_json())

    page = parse(client.get(_url("archive")))

    assert page.find("input", name="cascade") is None
    assert "No dataset or target uses this connection." in page.text


@each_cascading_action
@pytest.mark.parametrize(("form", "cascade"), [({}, False), ({"cascade": "on"}, True)])
def test_archive_cascades_only_when_ticked(
    client, admin, faraday_router, action, connection, form, cascade
):
    serve_detail(faraday_router, connection, datasets=DATASETS, targets=TARGETS)
    _answer_writes(faraday_router, connection)

    client.post(_url(action), form)

    assert upstream_writes(faraday_router) == [
        ("POST", f"{PATH}/{action}", {"cascade_to_all": cascade})
    ]


def test_archive_of_an_archived_connection_is_refused(client, admin, faraday_router):
    serve_detail(faraday_router, listed_connection_json(archived_at=ARCHIVED))

    response = client.post(_url("archive"))

    assert response.status_code == 409
    assert "already archived" in parse(response).find(role="alert").text
    assert upstream_writes(faraday_router) == []


def test_unarchive_of_an_active_connection_is_refused(client, admin, faraday_router):
    serve_detail(faraday_router, listed_connection_json())

    response = client.post(_url("unarchive"))

    assert response.status_code == 409
    assert upstream_writes(faraday_router) == []


# ---- delete ---------------------------------------------------------------------------------


def test_delete_is_refused_while_dependents_exist_and_the_refusal_is_audited(
    client, admin, faraday_router
):
    serve_detail(faraday_router, listed_connection_json(), datasets=DATASETS, targets=TARGETS)
    faraday_router.delete(PATH).respond(204)

    confirm = client.get(_url("delete"))
    response = client.post(_url("delete"))

    for page in (_main(confirm), _main(response)):
        alert = page.find(role="alert")
        assert "used by 2 datasets or targets" in alert.text
        assert "Delete them or point them at another connection in Faraday first" in alert.text
        assert page.find("button", type="submit") is None
        assert "Orders dataset" in page.find("ul", class_="dependents").text
    assert response.status_code == 409
    assert upstream_writes(faraday_router) == []
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.outcome) == (Action.DELETE, Outcome.REJECTED)
    assert (entry.faraday_connection_id, entry.connection_name) == (CONNECTION_ID, "Warehouse")
    assert entry.detail_text.startswith("not sent: This connection is used by 2 datasets")


def test_delete_is_refused_while_only_archived_dependents_exist(client, admin, faraday_router):
    serve_detail(
        faraday_router,
        listed_connection_json(),
        datasets=[ref_json("d-1", "Old dataset", kind="datasets", archived=True)],
    )
    faraday_router.delete(PATH).respond(204)

    response = client.post(_url("delete"))

    assert response.status_code == 409
    alert = _main(response).find(role="alert")
    assert "used by 1 dataset or target" in alert.text
    assert "They are archived, but archived ones still count." in alert.text
    assert upstream_writes(faraday_router) == []


# ---- rotate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_key", "options"), [("snowflake", SNOWFLAKE), ("clickhouse", CLICKHOUSE)]
)
def test_rotate_sends_the_connection_type(client, admin, faraday_router, type_key, options):
    connection = listed_connection_json(type=type_key, options=options)
    serve_detail(faraday_router, connection)
    _answer_writes(faraday_router, connection)

    response = client.post(_url("rotate"))

    assert upstream_writes(faraday_router) == [
        ("POST", f"{PATH}/rotate_credentials", {"type": type_key})
    ]
    # What to do next, or Faraday loses access.
    [said] = _messages(response)
    assert "Now install the new public key" in said


@pytest.mark.parametrize("type_key", ["postgres", "bigquery"])
def test_rotate_is_refused_for_other_types(client, admin, faraday_router, type_key):
    serve_detail(faraday_router, listed_connection_json(type=type_key, options={}))

    response = client.post(_url("rotate"))

    assert response.status_code == 409
    # Worded from the catalog's labels of KEY_PAIR_TYPES.
    assert (
        "Only ClickHouse and Snowflake connections use key-pair credentials."
        in parse(response).find(role="alert").text
    )
    assert upstream_writes(faraday_router) == []


# ---- refusals: managed, permissions, CSRF ---------------------------------------------------


def test_refusal_over_htmx_answers_with_the_confirmation_partial_only(
    client, admin, faraday_router
):
    serve_detail(faraday_router, {**listed_connection_json(), "managed": True})

    response = client.post(_url("archive"), headers={"HX-Request": "true"})

    assert response.status_code == 409
    text = response.content.decode()
    assert "<html" not in text and "<main" not in text
    confirm = parse(response).find(id="confirm")
    assert "managed by Faraday" in confirm.find(role="alert").text


@pytest.mark.parametrize("action", list(ACTIONS))
def test_managed_connection_refuses_every_action(client, admin, faraday_router, action):
    url_name, _perm, connection, _write, audit_action = ACTIONS[action]
    serve_detail(faraday_router, {**connection, "managed": True})
    _answer_writes(faraday_router, connection)

    confirm = client.get(_url(url_name))
    response = client.post(_url(url_name))

    assert response.status_code == 409
    for page in (_main(confirm), _main(response)):
        assert "managed by Faraday" in page.find(role="alert").text
        assert page.find("button", type="submit") is None
    assert upstream_writes(faraday_router) == []
    refused = AuditEntry.objects.get()  # the POST only: looking at the page is no attempt
    assert (refused.action, refused.outcome) == (audit_action, Outcome.REJECTED)
    assert refused.detail_text == f"not sent: {refusals.MANAGED_ACTION}"


@pytest.mark.parametrize("action", list(ACTIONS))
def test_user_lacking_the_permission_gets_403_and_no_upstream_request(
    client, django_user_model, faraday_router, action
):
    url_name, perm, connection, _write, audit_action = ACTIONS[action]
    login(client, django_user_model, *(p for p in ALL_PERMISSIONS if p != perm))
    serve_detail(faraday_router, connection)
    _answer_writes(faraday_router, connection)

    assert client.get(_url(url_name)).status_code == 403
    assert client.post(_url(url_name), {"cascade": "on"}).status_code == 403
    assert faraday_router.calls.call_count == 0
    refused = AuditEntry.objects.get()  # the POST only: looking at the page is no attempt
    assert (refused.action, refused.outcome) == (audit_action, Outcome.REJECTED)
    assert refused.faraday_connection_id == CONNECTION_ID


def test_anonymous_user_cannot_act(client, faraday_router):
    response = client.post(_url("delete"))

    assert response.status_code in (302, 403)
    assert faraday_router.calls.call_count == 0


def test_post_without_csrf_token_is_refused_and_with_it_goes_through(
    django_user_model, faraday_router
):
    strict = Client(enforce_csrf_checks=True)
    login(strict, django_user_model, *ALL_PERMISSIONS)
    serve_detail(faraday_router, listed_connection_json())
    _answer_writes(faraday_router, listed_connection_json())

    refused = strict.post(_url("force-update"))
    assert refused.status_code == 403
    assert upstream_writes(faraday_router) == []

    confirm = _main(strict.get(_url("force-update")))
    token = confirm.find("input", name="csrfmiddlewaretoken").attrs["value"]
    accepted = strict.post(_url("force-update"), {"csrfmiddlewaretoken": token})

    assert accepted.status_code == 302
    assert upstream_writes(faraday_router) == [("POST", f"{PATH}/force_update", None)]


# ---- upstream faults: banner, no 500, audit row ---------------------------------------------

FAULTS = [
    pytest.param(
        httpx.Response(500, json=error_json()),
        Outcome.FARADAY_ERROR,
        "Faraday had a problem on its side",
        id="server-error",
    ),
    pytest.param(
        httpx.Response(409, json=error_json("CONFLICT", "Still used by 2 datasets")),
        Outcome.FARADAY_ERROR,
        "Still used by 2 datasets",
        id="conflict",
    ),
    pytest.param(
        httpx.Response(403, json=error_json("FORBIDDEN", "nope")),
        Outcome.FARADAY_ERROR,
        "isn't allowed to do that",
        id="forbidden",
    ),
    pytest.param(
        httpx.Response(401, json=error_json("EXPIRED_API_KEY", "expired")),
        Outcome.FARADAY_ERROR,
        "The Faraday API key has expired",
        id="expired-key",
    ),
    pytest.param(
        httpx.ConnectError("refused"),
        Outcome.NETWORK_FAULT,
        "couldn't reach Faraday",
        id="unreachable",
    ),
    pytest.param(
        httpx.ReadTimeout("slow"),
        Outcome.NETWORK_FAULT,
        "Faraday didn't answer in time",
        id="timeout",
    ),
]


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(("answer", "outcome", "words"), FAULTS)
def test_upstream_fault_on_action_shows_banner_and_writes_audit_row(
    client, admin, faraday_router, action, answer, outcome, words
):
    url_name, _perm, connection, (method, path, _body), audit_action = ACTIONS[action]
    serve_detail(faraday_router, connection)
    route = faraday_router.route(method=method, path=path)
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)

    response = client.post(_url(url_name))

    assert response.status_code == 502
    banner = parse(response).find(id="upstream-error")
    if action in ("archive", "unarchive") and words == "Still used by 2 datasets":
        # Faraday's note speaks API (cascade_to_all): the page words it plainly instead.
        words = f"Faraday won't {action} it while datasets or targets use it."
    assert words in banner.text
    assert route.call_count == 1  # writes are never retried
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (audit_action, outcome)
    assert entry.faraday_connection_id == CONNECTION_ID
    if isinstance(answer, httpx.Response):
        assert ERROR_ID in banner.text
        assert entry.faraday_error_id == ERROR_ID
        assert entry.http_status == answer.status_code
    # The confirmation stays, so the person can try again.
    assert _main(response).find("button", type="submit") is not None


def test_rotate_with_unreadable_answer_is_a_banner_and_audited(client, admin, faraday_router):
    connection = listed_connection_json(type="snowflake", options=SNOWFLAKE)
    serve_detail(faraday_router, connection)
    faraday_router.post(f"{PATH}/rotate_credentials").respond(200, text="<html>gateway</html>")

    response = client.post(_url("rotate"))

    assert response.status_code == 502
    assert "couldn't read" in parse(response).find(id="upstream-error").text
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (Action.ROTATE, Outcome.BAD_RESPONSE)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_acting_on_a_connection_gone_meanwhile_sends_nothing_and_says_so_on_the_list(
    client, admin, faraday_router, htmx
):
    # E.g. the second click of a delete: the first one deleted it.
    faraday_router.get(PATH).respond(404, json=error_json("NOT_FOUND", "gone"))
    faraday_router.delete(PATH).respond(204)

    response = client.post(_url("delete"), headers={"HX-Request": "true"} if htmx else {})

    went_to = response["HX-Redirect"] if htmx else response["Location"]
    assert went_to == reverse("connections:list")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Nothing was sent: this connection no longer exists in Faraday. "
        "Someone may have deleted it."
    ]
    assert upstream_writes(faraday_router) == []


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(
    ("answer", "outcome", "status"),
    [
        (httpx.Response(404, json=error_json("NOT_FOUND", "gone")), Outcome.FARADAY_ERROR, 302),
        (httpx.Response(500, json=error_json()), Outcome.FARADAY_ERROR, 502),
        (httpx.ReadTimeout("slow"), Outcome.NETWORK_FAULT, 502),
    ],
    ids=["not-found", "server-error", "timeout"],
)
def test_confirmed_action_whose_first_read_fails_is_audited_then_shows_the_banner(
    client, admin, faraday_router, action, answer, outcome, status
):
    url_name, _perm, _connection, _write, audit_action = ACTIONS[action]
    route = faraday_router.get(PATH)
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)

    response = client.post(_url(url_name))

    assert response.status_code == status
    if status == 502:
        assert parse(response).find(id="upstream-error") is not None
    assert upstream_writes(faraday_router) == []
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == (audit_action, outcome)
    assert entry.faraday_connection_id == CONNECTION_ID
    assert entry.actor_username == "boss"
    assert entry.detail_text.startswith("not sent: reading the connection first failed")


def test_confirmation_page_whose_read_fails_writes_no_audit_row(client, admin, faraday_router):
    faraday_router.get(PATH).respond(500, json=error_json())

    response = client.get(_url("archive"))

    assert response.status_code == 502
    assert AuditEntry.objects.count() == 0


# ---- Faraday refuses to archive while dependents remain -------------------------------------

CASCADE_CONFLICT = httpx.Response(
    409,
    json=error_json(
        "CONFLICT",
        "This connection is still used by dataset Orders dataset; archive them too with "
        "cascade_to_all or list them in cascade_to.",
    ),
)


@each_cascading_action
def test_cascade_conflict_says_what_to_tick_in_plain_words(
    client, admin, faraday_router, action, connection
):
    serve_detail(faraday_router, connection, datasets=DATASETS, targets=TARGETS)
    faraday_router.post(f"{PATH}/{action}").mock(return_value=CASCADE_CONFLICT)

    response = client.post(_url(action))

    assert response.status_code == 502
    banner = parse(response).find(id="upstream-error")
    assert f"Faraday won't {action} it while datasets or targets use it." in banner.text
    assert (
        f"Tick “Also {action} the datasets and targets listed above” and try again, "
        f"or {action} those first."
    ) in banner.text
    assert "cascade" not in banner.text
    assert ERROR_ID in banner.text
    # The box is still there, unticked: cascading stays the person's choice.
    box = parse(response).find("input", name="cascade")
    assert box is not None and "checked" not in box.attrs
    assert "Also " + action + " the datasets and targets listed above" in _main(response).text
    [entry] = AuditEntry.objects.all()
    assert entry.faraday_error_code == "CONFLICT"


def test_cascade_conflict_without_listed_dependents_says_to_reload(client, admin, faraday_router):
    serve_detail(
        faraday_router, listed_connection_json()
    )  # a dataset was added after the page loaded
    faraday_router.post(f"{PATH}/archive").mock(return_value=CASCADE_CONFLICT)

    response = client.post(_url("archive"))

    banner = parse(response).find(id="upstream-error")
    assert "Reload this page to see them" in banner.text
    assert "cascade" not in banner.text


# ---- validation errors on a page without fields ---------------------------------------------


def test_validation_error_on_an_action_page_shows_faradays_words_not_fields(
    client, admin, faraday_router
):
    serve_detail(faraday_router, listed_connection_json())
    faraday_router.post(f"{PATH}/force_update").respond(
        400,
        json={
            **error_json("VALIDATION_FAILED", "The request was invalid."),
            "validationErrors": [
                {"path": "/options/type", "message": "must be one of the documented types"}
            ],
        },
    )

    response = client.post(_url("force-update"))

    banner = parse(response).find(id="upstream-error")
    assert "Faraday didn't accept some of the details." in banner.text
    assert "marked below" not in banner.text
    assert "The request was invalid." in banner.text
    assert "Connection type: must be one of the documented types" in banner.text


# ---- the rules live in the service: no caller can skip them ----------------------------------


def _detail(connection: dict, **kwargs) -> selectors.ConnectionDetail:
    return selectors.ConnectionDetail(
        row=selectors.ConnectionRow(
            connection=Connection.from_json(connection), type_label="", created_here_by=None
        ),
        datasets=[ResourceRef.from_json(d) for d in kwargs.get("datasets", [])],
        targets=[],
    )


@pytest.mark.parametrize(
    ("action", "connection", "datasets", "words"),
    [
        ("archive", {**listed_connection_json(), "managed": True}, [], "managed by Faraday"),
        ("delete", listed_connection_json(), DATASETS, "used by 1 dataset or target"),
        ("rotate", listed_connection_json(), [], "key-pair credentials"),
        ("archive", listed_connection_json(archived_at=ARCHIVED), [], "already archived"),
        ("unarchive", listed_connection_json(), [], "isn't archived"),
    ],
    ids=["managed", "dependents", "not-key-pair", "archived", "not-archived"],
)
def test_action_rules_refuse_in_plain_words(action, connection, datasets, words):
    detail = _detail(connection, datasets=datasets)
    refusal = services.connection_action_refusal(action=LIFECYCLE[action], detail=detail)

    assert words in str(refusal)


def test_action_rules_let_an_unmanaged_unused_connection_through():
    detail = _detail(listed_connection_json())

    for action in ("archive", "delete", "force-update"):
        assert services.connection_action_refusal(action=LIFECYCLE[action], detail=detail) is None


def test_action_service_reads_the_connection_itself_and_audits_its_refusal(admin, faraday_router):
    connection = {**listed_connection_json(), "managed": True}
    serve_detail(faraday_router, connection)
    _answer_writes(faraday_router, connection)

    with pytest.raises(services.WriteFailed, match="managed by Faraday") as failed:
        services.connection_archive(actor=admin, connection_id=CONNECTION_ID)

    assert failed.value.reason is services.Reason.REFUSED
    assert upstream_writes(faraday_router) == []
    refused = AuditEntry.objects.get()
    assert (refused.action, refused.outcome) == (Action.ARCHIVE, Outcome.REJECTED)


# ---- key-pair types: one definition -----------------------------------------------------------


def test_key_pair_types_are_defined_once_for_app_and_simulator():
    assert engine.KEY_PAIR_TYPES is KEY_PAIR_TYPES
    assert {"snowflake", "clickhouse"} == KEY_PAIR_TYPES
    assert refusals.key_pair_only(KEY_PAIR_TYPES) == (
        "Only ClickHouse and Snowflake connections use key-pair credentials."
    )
