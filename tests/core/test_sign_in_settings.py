"""Sign-in settings (issue 12): the SSO button and views only when SSO is set up; password
sign-in can be switched off (here and at /admin/login/); checks for impossible settings."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse

from faraday_admin.core.checks import sign_in_check

pytestmark = pytest.mark.django_db

PASSWORD = "right-pw-0123456789"
SSO_ONLY = {
    "OIDC_ENABLED": True,
    "OIDC_ISSUER": "http://127.0.0.1:1",
    "OIDC_RP_CLIENT_ID": "app",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_PROVIDER_NAME": "Acme SSO",
    "PASSWORD_SIGN_IN": False,
    "AUTHENTICATION_BACKENDS": [
        "axes.backends.AxesStandaloneBackend",
        "faraday_admin.core.oidc.CompanySignOnBackend",
    ],
}


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root", password=PASSWORD)


def test_without_sso_the_sign_in_page_has_no_sso_button_and_its_views_are_404():
    page = Client().get(reverse("login")).content.decode()

    assert "Sign in with" not in page
    assert 'type="password"' in page
    assert Client().get(reverse("oidc_authentication_init")).status_code == 404
    assert Client().get(reverse("oidc_authentication_callback")).status_code == 404


@override_settings(**SSO_ONLY)
def test_with_password_sign_in_off_the_page_offers_only_sso_and_a_password_is_ignored(superuser):
    client = Client()
    page = client.get(reverse("login")).content.decode()
    posted = client.post(reverse("login"), {"username": "root", "password": PASSWORD})

    assert "Sign in with Acme SSO" in page
    assert 'type="password"' not in page
    assert posted.status_code == 302
    assert "_auth_user_id" not in client.session


@override_settings(**SSO_ONLY)
def test_with_password_sign_in_off_the_admin_sign_in_refuses_passwords_too(superuser):
    client = Client()

    client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})

    assert "_auth_user_id" not in client.session


def test_nobody_able_to_sign_in_is_an_error(settings):
    settings.PASSWORD_SIGN_IN = False
    settings.OIDC_ENABLED = False

    assert [e.id for e in sign_in_check(None)] == ["core.E003"]


def test_a_role_map_naming_no_role_is_an_error(settings):
    settings.OIDC_ROLE_MAP = {"idp-admins": "Admin", "idp-x": "Superhero"}

    [error] = sign_in_check(None)
    assert error.id == "core.E004"
    assert "Superhero" in error.msg


def test_default_settings_pass_the_sign_in_check():
    assert sign_in_check(None) == []


@override_settings(
    **{
        **SSO_ONLY,
        "PASSWORD_SIGN_IN": True,
        "AUTHENTICATION_BACKENDS": [
            *SSO_ONLY["AUTHENTICATION_BACKENDS"],
            "django.contrib.auth.backends.ModelBackend",
        ],
    }
)
def test_password_sign_in_and_permissions_work_while_the_identity_provider_is_down(superuser):
    client = Client()  # OIDC_ISSUER points at a closed port

    response = client.post(reverse("login"), {"username": "root", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("connections:list")).status_code == 200
