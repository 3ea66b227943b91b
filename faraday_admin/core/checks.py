"""System checks on the settings core reads (`manage.py check`, runserver and migrate run them).

gunicorn runs no system checks, so wsgi.py calls `raise_on_startup_errors` itself: a setting
the app can't work with stops it from starting rather than failing the first request using it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from faraday_admin.core import crypto, roles


@register()
def field_encryption_key_check(app_configs, **kwargs) -> list[CheckMessage]:
    """core.E001 when FIELD_ENCRYPTION_KEY is set but isn't a Fernet key. The message never
    repeats the value: it is a secret, and check output ends up in deployment logs."""
    if not settings.FIELD_ENCRYPTION_KEY or crypto.is_valid_key(settings.FIELD_ENCRYPTION_KEY):
        return []
    return [
        Error(
            "FIELD_ENCRYPTION_KEY isn't a valid Fernet key, so the Faraday API key saved on the "
            "Settings page could be neither encrypted nor read.",
            hint=(
                "Set it to 32 random bytes in URL-safe base64 (44 characters), such as the "
                'output of: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())". Or leave it unset to use a key '
                "derived from SECRET_KEY. A key saved under another encryption key can't be "
                "read afterwards: save it again on the Settings page."
            ),
            id="core.E001",
        )
    ]


LOOPBACK_HOST_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


@register()
def loopback_http_check(app_configs, **kwargs) -> list[CheckMessage]:
    """core.E002 when LOOPBACK_HTTP (plain http, meant for this machine) is on while the app
    answers to a host name other than this machine's own."""
    if not settings.LOOPBACK_HTTP:
        return []
    others = [host for host in settings.ALLOWED_HOSTS if host not in LOOPBACK_HOST_NAMES]
    if not others:
        return []
    return [
        Error(
            "LOOPBACK_HTTP serves plain http for this machine only, but ALLOWED_HOSTS also "
            f"names {', '.join(others)}: sign-ins from there would travel unencrypted.",
            hint="Serve other hosts over https (unset LOOPBACK_HTTP), or set ALLOWED_HOSTS to "
            "localhost,127.0.0.1,[::1].",
            id="core.E002",
        )
    ]


@register()
def sign_in_check(app_configs, **kwargs) -> list[CheckMessage]:
    """core.E003 when nobody could sign in (password sign-in off, single sign-on not set up);
    core.E004 when OIDC_ROLE_MAP maps a group to something that isn't a role."""
    errors: list[CheckMessage] = []
    if not settings.PASSWORD_SIGN_IN and not settings.OIDC_ENABLED:
        errors.append(
            Error(
                "PASSWORD_SIGN_IN is off and single sign-on isn't set up: nobody can sign in.",
                hint="Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or turn "
                "PASSWORD_SIGN_IN back on.",
                id="core.E003",
            )
        )
    unknown = sorted(set(settings.OIDC_ROLE_MAP.values()) - set(roles.ROLE_PERMISSIONS))
    if unknown:
        errors.append(
            Error(
                f"OIDC_ROLE_MAP names roles that don't exist: {', '.join(unknown)}.",
                hint=f"Map groups to {', '.join(roles.ROLE_PERMISSIONS)}, "
                "e.g. OIDC_ROLE_MAP=faraday-admins=Admin,faraday-team=Onboarder.",
                id="core.E004",
            )
        )
    return errors


STARTUP_CHECKS = (field_encryption_key_check, loopback_http_check, sign_in_check)


def raise_on_startup_errors() -> None:
    """Raise ImproperlyConfigured listing every error the start-up checks find."""
    errors = [
        message for check in STARTUP_CHECKS for message in check(None) if message.is_serious()
    ]
    if errors:
        raise ImproperlyConfigured("\n".join(str(error) for error in errors))
