"""Hand-offs: the draft (never a secret), the one-time link's whole life with exactly one
upstream POST, what the link page exposes, and the creator's list."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from faraday_admin.audit.models import Action, AuditEntry, Outcome
from faraday_admin.connections import handoffs
from faraday_admin.connections.models import ConnectionRecord, HandOff
from tests.web.create_helpers import CANARY, CREATE_URL, form_data, issue_token

HANDOFFS_URL = reverse("connections:handoffs")
# The rows of creates, whether through the link or not (sending a link has rows of its own).
CREATES = AuditEntry.objects.filter(action=Action.CREATE)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def send_to_it(client, user, **extra) -> HandOff:
    """Press "Send to IT to finish" on a half-filled MySQL form (password typed: the canary)."""
    data, _ = form_data("mysql", issue_token(user), name="Shop DB")
    data = {**data, "password": CANARY, "port": "", "action": "handoff", **extra}
    response = client.post(CREATE_URL, data)
    assert response.status_code == 302
    assert response["Location"].startswith(HANDOFFS_URL)
    return HandOff.objects.get()


def link_of(handoff: HandOff) -> str:
    return reverse("handoff:open", args=[handoffs.handoff_token(handoff)])


def fill_in(handoff: HandOff, **changes) -> dict[str, str]:
    data = {"name": handoff.name, **handoff.values, "port": "3306", "password": "it-pw-1"}
    return {**data, **changes}


def test_send_to_it_saves_the_draft_without_any_secret(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    assert handoff.connection_type == "mysql" and handoff.name == "Shop DB"
    assert "password" not in handoff.values and "port" not in handoff.values
    assert handoff.values["host"]
    # Nowhere in the row, in any column.
    row = HandOff.objects.filter(pk=handoff.pk).values().get()
    assert CANARY not in repr(row)


def test_the_token_is_long_unguessable_and_stored_only_as_its_hash(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    token = handoffs.handoff_token(handoff)
    assert len(token) == 64 and int(token, 16) >= 0  # 256 bits of HMAC-SHA256
    assert handoff.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(HandOff.objects.filter(pk=handoff.pk).values().get())
    other = send_to_it_again(client, signed_in_onboarder)
    assert handoffs.handoff_token(other) != token


def send_to_it_again(client, user) -> HandOff:
    data, _ = form_data("mysql", issue_token(user), name="Second")
    client.post(CREATE_URL, {**data, "action": "handoff"})
    return HandOff.objects.get(name="Second")


def test_the_whole_life_of_a_link_with_exactly_one_post(
    client, signed_in_onboarder, create_faraday
):
    handoff = send_to_it(client, signed_in_onboarder)
    link = link_of(handoff)
    it = Client()  # the IT person: no account, no session

    page = it.get(link)
    body = html.unescape(re.sub(r"<[^>]+>", "", page.content.decode()))
    assert page.status_code == 200
    assert f"{signed_in_onboarder.get_username()} asked you to finish" in body
    assert "Still needed: Password, Port." in body
    assert f'value="{handoff.values["host"]}"' in page.content.decode()  # filled in, editable
    assert 'id="setup-guide"' in page.content.decode()
    assert CANARY not in body

    response = it.post(link, fill_in(handoff))
    assert response.status_code == 302 and response["Location"] == link
    assert create_faraday.create_calls == 1
    body = create_faraday.create_bodies()[0]
    assert body["options"]["password"] == "it-pw-1" and body["name"] == "Shop DB"

    handoff.refresh_from_db()
    assert handoff.used_at and handoff.faraday_id == create_faraday.created[0]["id"]
    assert (
        ConnectionRecord.objects.get(faraday_id=handoff.faraday_id).created_by
        == signed_in_onboarder
    )
    entry = CREATES.get(outcome=Outcome.SUCCESS)
    assert entry.actor == signed_in_onboarder
    assert entry.actor_username == f"via link from {signed_in_onboarder.get_username()}"

    # Replay: the same POST again sends nothing and says the link was used.
    again = it.post(link, fill_in(handoff))
    assert again.status_code == 409
    assert "This link has been used" in again.content.decode()
    assert create_faraday.create_calls == 1

    # Opening it again: used, with the live status for a while.
    done = it.get(link).content.decode()
    assert "This link has been used" in done
    assert reverse("handoff:status", args=[handoffs.handoff_token(handoff)]) in done

    # The creator sees it done, with a link to the connection.
    listing = client.get(HANDOFFS_URL).content.decode()
    assert "Done:" in listing
    assert reverse("connections:detail", args=[handoff.faraday_id]) in listing


def test_a_faraday_error_keeps_the_link_open_for_a_corrected_submit(
    client, signed_in_onboarder, create_faraday
):
    from tests.payloads import api_error

    handoff = send_to_it(client, signed_in_onboarder)
    create_faraday.answer_create(api_error(500, "INTERNAL_SERVER_ERROR"))
    it = Client()
    response = it.post(link_of(handoff), fill_in(handoff, password=CANARY))
    body = response.content.decode()
    assert response.status_code == 502
    assert "<strong>Who can fix this:</strong> Faraday support" in body
    assert CANARY not in body
    create_faraday.answer_create(None)
    assert it.post(link_of(handoff), fill_in(handoff)).status_code == 302
    assert create_faraday.create_calls == 2
    rows = CREATES.order_by("pk")
    assert [r.outcome for r in rows] == [Outcome.FARADAY_ERROR, Outcome.SUCCESS]
    assert {r.actor_username for r in rows} == {
        f"via link from {signed_in_onboarder.get_username()}"
    }


def test_an_invalid_fill_in_is_refused_here_audited_and_sends_nothing(
    client, signed_in_onboarder, create_faraday
):
    handoff = send_to_it(client, signed_in_onboarder)
    response = Client().post(link_of(handoff), fill_in(handoff, password="", port="x"))
    assert response.status_code == 422
    assert create_faraday.create_calls == 0
    assert CREATES.get().outcome == Outcome.REJECTED


def test_an_expired_link_says_so_and_whom_to_ask(client, signed_in_onboarder, create_faraday):
    handoff = send_to_it(client, signed_in_onboarder)
    HandOff.objects.filter(pk=handoff.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    it = Client()
    for response in (it.get(link_of(handoff)), it.post(link_of(handoff), fill_in(handoff))):
        body = response.content.decode()
        assert response.status_code == 410
        assert "This link has expired" in body
        assert f"Ask {signed_in_onboarder.get_username()} to send you a new one" in body
    assert create_faraday.create_calls == 0


@override_settings(HANDOFF_EXPIRY_HOURS=5)
def test_the_expiry_comes_from_the_setting(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    assert abs((handoff.expires_at - handoff.created_at) - timedelta(hours=5)) < timedelta(
        seconds=5
    )


def test_the_default_expiry_is_72_hours(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    assert abs((handoff.expires_at - handoff.created_at) - timedelta(hours=72)) < timedelta(
        seconds=5
    )


def test_a_revoked_link_says_who_withdrew_it(client, signed_in_onboarder, create_faraday):
    handoff = send_to_it(client, signed_in_onboarder)
    response = client.post(reverse("connections:handoff-revoke", args=[handoff.pk]))
    assert response.status_code == 302
    it = Client()
    body = it.get(link_of(handoff)).content.decode()
    assert "This link was withdrawn" in body and signed_in_onboarder.get_username() in body
    assert it.post(link_of(handoff), fill_in(handoff)).status_code == 410
    assert create_faraday.create_calls == 0
    assert "Withdrawn" in client.get(HANDOFFS_URL).content.decode()


def test_only_the_creator_or_an_admin_may_revoke(
    client, signed_in_onboarder, client_for, admin_user
):
    handoff = send_to_it(client, signed_in_onboarder)
    other = client_for("Onboarder")
    assert other.post(reverse("connections:handoff-revoke", args=[handoff.pk])).status_code == 404
    assert handoffs.handoff_token(handoff) not in other.get(HANDOFFS_URL).content.decode()
    admin = Client()
    admin.force_login(admin_user)
    assert handoffs.handoff_token(handoff) in admin.get(HANDOFFS_URL).content.decode()
    assert admin.post(reverse("connections:handoff-revoke", args=[handoff.pk])).status_code == 302
    handoff.refresh_from_db()
    assert handoff.revoked_by_username == admin_user.get_username()


@pytest.mark.parametrize("token", ["0" * 64, "short", "x" * 500])
def test_a_wrong_token_opens_nothing(client, signed_in_onboarder, token):
    send_to_it(client, signed_in_onboarder)
    response = Client().get(f"/handoff/{token}/")
    assert response.status_code == 404
    assert "This link doesn't open anything" in response.content.decode()


@override_settings(HANDOFF_RATE_LIMIT_PER_MINUTE=3)
def test_link_pages_are_rate_limited_per_address(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    it = Client()
    statuses = [it.get(f"/handoff/{'1' * 64}/").status_code for _ in range(3)]
    assert statuses == [404, 404, 404]
    limited = it.get(link_of(handoff))  # even the right link, once the address is over the limit
    assert limited.status_code == 429
    assert "Too many tries" in limited.content.decode()


def test_the_link_page_gives_access_to_nothing_else(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    it = Client()
    body = it.get(link_of(handoff)).content.decode()
    token = handoffs.handoff_token(handoff)
    hrefs = set(re.findall(r'(?:href|action|hx-get|hx-post)="([^"]+)"', body))
    allowed = {link_of(handoff), reverse("handoff:guide", args=[token]), reverse("home")}
    assert {h for h in hrefs if h.startswith("/") and not h.startswith("/static/")} <= allowed
    # And the session it got opens no app page.
    for url in (HANDOFFS_URL, reverse("connections:list"), CREATE_URL, reverse("audit:list")):
        assert it.get(url).status_code == 302  # to the login page


def test_the_guide_on_the_link_page_fills_in_without_secrets(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    url = reverse("handoff:guide", args=[handoffs.handoff_token(handoff)])
    body = (
        Client().get(url, {"database": "shop", "user": "fdy", "password": CANARY}).content.decode()
    )
    assert "`shop`.*" in html.unescape(body)
    assert CANARY not in body


def test_the_creator_can_copy_the_link_again_and_has_a_ready_mailto(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    body = client.get(HANDOFFS_URL).content.decode()
    assert handoffs.handoff_token(handoff) in body
    assert 'data-copy="handoff-link-' in body
    assert "mailto:?subject=Please%20finish" in body
    assert "Waiting" in body
    assert CANARY not in body


def test_email_is_off_by_default(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    url = reverse("connections:handoff-email", args=[handoff.pk])
    assert client.post(url, {"to": "it@example.com"}).status_code == 404
    assert mail.outbox == []


@override_settings(
    HANDOFF_EMAIL=True, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
)
def test_when_email_is_on_the_link_is_sent_without_a_secret(client, signed_in_onboarder):
    handoff = send_to_it(client, signed_in_onboarder)
    client.post(reverse("connections:handoff-email", args=[handoff.pk]), {"to": "it@example.com"})
    (message,) = mail.outbox
    assert message.to == ["it@example.com"]
    assert handoffs.handoff_token(handoff) in message.body
    assert CANARY not in message.body


def test_a_viewer_cannot_send_to_it(client_for):
    viewer = client_for("Viewer")
    assert viewer.get(HANDOFFS_URL).status_code == 403
    data, _ = form_data("mysql", "x", name="Shop DB")
    assert viewer.post(CREATE_URL, {**data, "action": "handoff"}).status_code == 403
    assert HandOff.objects.count() == 0


def test_after_use_the_link_shows_only_the_new_connections_status(
    client, signed_in_onboarder, create_faraday
):
    handoff = send_to_it(client, signed_in_onboarder)
    it = Client()
    it.post(link_of(handoff), fill_in(handoff))
    created = create_faraday.created[0]
    status_url = reverse("handoff:status", args=[handoffs.handoff_token(handoff)])

    create_faraday.router.get(f"/connections/{created['id']}").respond(
        200, json={**created, "status": "running"}
    )
    running = it.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert "Running" in running and "every 3s" in running

    create_faraday.router.get(f"/connections/{created['id']}").respond(
        200, json={**created, "status": "error", "status_error": "Access denied for user"}
    )
    cache.clear()  # a cache lifetime later: the shared cache asks Faraday again
    failed = html.unescape(it.get(status_url).content.decode())
    assert "Access denied for user" in failed
    assert "Who can fix this:</strong> your IT team" in failed
    assert "every 3s" not in failed  # final: polling stops
    assert "it-pw-1" not in failed

    # Later the status is no longer shown, and never for a link still waiting.
    HandOff.objects.filter(pk=handoff.pk).update(used_at=timezone.now() - timedelta(hours=2))
    assert it.get(status_url).status_code == 404
    waiting = send_to_it_again(client, signed_in_onboarder)
    assert (
        it.get(reverse("handoff:status", args=[handoffs.handoff_token(waiting)])).status_code == 404
    )


def test_a_submission_while_another_is_with_faraday_sends_nothing(
    client, signed_in_onboarder, create_faraday
):
    handoff = send_to_it(client, signed_in_onboarder)
    HandOff.objects.filter(pk=handoff.pk).update(claimed_at=timezone.now())
    response = Client().post(link_of(handoff), fill_in(handoff))
    assert response.status_code == 409
    assert create_faraday.create_calls == 0


def test_sending_and_withdrawing_a_link_are_audited_without_the_secret_or_the_link(
    client, signed_in_onboarder
):
    handoff = send_to_it(client, signed_in_onboarder)
    token = handoffs.handoff_token(handoff)

    client.post(reverse("connections:handoff-revoke", args=[handoff.pk]))

    sent, withdrawn = AuditEntry.objects.order_by("id")
    assert (sent.action, sent.outcome) == ("handoff_send", Outcome.SUCCESS)
    assert (withdrawn.action, withdrawn.outcome) == ("handoff_withdraw", Outcome.SUCCESS)
    for entry in (sent, withdrawn):
        assert entry.actor_username == signed_in_onboarder.username
        assert (entry.connection_type, entry.connection_name) == ("mysql", "Shop DB")
        stored = repr(AuditEntry.objects.filter(pk=entry.pk).values().get())
        assert CANARY not in stored and token not in stored
    assert sent.options["host"] == handoff.values["host"]
