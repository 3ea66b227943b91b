"""Standard Webhooks signatures, checked against the spec's published test vector: the app's
signing (the standardwebhooks package) and the simulator's own HMAC must both produce it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from faraday_admin.alerts import signing
from faraday_admin.simulator.webhooks import signature

# The example in the Standard Webhooks specification (and its reference libraries' tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_apps_signing_gives_the_specs_signature():
    headers = signing.sign_headers(
        secret=VECTOR_SECRET,
        msg_id=VECTOR_ID,
        at=datetime.fromtimestamp(VECTOR_TIMESTAMP, tz=UTC),
        body=VECTOR_BODY,
    )

    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_the_simulators_own_hmac_gives_the_specs_signature():
    assert signature(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_the_vectors_delivery_is_refused_now_for_its_old_timestamp():
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    with pytest.raises(signing.SignatureRefused, match="too old"):
        signing.verify(secret=VECTOR_SECRET, headers=headers, body=VECTOR_BODY)


def test_one_of_several_signatures_matching_is_enough():
    """Receivers must accept a list: Faraday may sign with an old and a new key while rotating."""
    at = datetime.now(tz=UTC)
    good = signing.sign_headers(secret=VECTOR_SECRET, msg_id="msg_2", at=at, body=b"{}")
    good["webhook-signature"] = "v1,bm90LXRoaXMtb25l " + good["webhook-signature"]

    assert signing.verify(secret=VECTOR_SECRET, headers=good, body=b"{}") == "msg_2"


@pytest.mark.parametrize(
    ("secret", "valid"),
    [
        (VECTOR_SECRET, True),
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", False),
        ("whsec_", False),
        ("whsec_not base64!", False),
        ("whsec_c2hvcnQ=", False),
    ],
)
def test_only_whsec_keys_of_at_least_16_bytes_are_valid(secret, valid):
    assert signing.is_valid_secret(secret) is valid
