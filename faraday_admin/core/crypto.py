"""Encryption at rest for the stored Faraday key (Fernet)."""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def derived_key(purpose: str, secret_key: str) -> bytes:
    """32 bytes derived from SECRET_KEY for one `purpose`: stable per installation, different
    for each purpose."""
    return hashlib.sha256(f"faraday-admin.{purpose}:{secret_key}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet(configured_key: str, secret_key: str) -> Fernet:
    if configured_key:
        return Fernet(configured_key.encode())
    # No dedicated key: derive a stable one so the app works out of the box.
    return Fernet(base64.urlsafe_b64encode(derived_key("stored-api-key", secret_key)))


def is_valid_key(key: str) -> bool:
    """Whether `key` is a Fernet key (32 bytes in URL-safe base64)."""
    try:
        Fernet(key.encode())
    except ValueError:  # binascii.Error, the bad-padding case, is a ValueError too
        return False
    return True


def get_fernet() -> Fernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    return get_fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str | None:
    """The plaintext, or None when the token can't be read (rotated key, damaged row)."""
    try:
        return get_fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
