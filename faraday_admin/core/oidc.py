"""Company single sign-on over OpenID Connect, on mozilla-django-oidc.

What this adds to the library: the provider's endpoints come from its discovery document (only
the issuer is configured); the ID token's issuer, audience and expiry are checked (the library
checks only its signature and nonce); a person is found by the provider's `sub`, never by
e-mail, and created on first sign-in with no role; roles follow the groups claim through
OIDC_ROLE_MAP; a refused sign-in is audited and ends on the sign-in page with plain words.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any

import httpx
import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from faraday_admin.core import roles
from faraday_admin.core.models import ExternalIdentity
from faraday_admin.core.services import sign_in_failed_record

logger = logging.getLogger(__name__)

# Settings the discovery document supplies unless set explicitly.
_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
# Seconds of clock difference tolerated between the provider and this app.
CLOCK_LEEWAY = 60


@lru_cache(maxsize=4)
def discovery(issuer: str) -> dict[str, Any]:
    """The provider's /.well-known/openid-configuration, which must name `issuer` itself."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = httpx.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise SuspiciousOperation(f"OpenID discovery at {url} failed: {error}") from None
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        raise SuspiciousOperation(f"OpenID discovery at {url} names another issuer")
    return document


def oidc_setting(attr: str, *args):
    if attr in _DISCOVERED and not getattr(settings, attr, ""):
        return discovery(settings.OIDC_ISSUER)[_DISCOVERED[attr]]
    return import_from_settings(attr, *args)


def _now() -> float:
    return time.time()


class CompanySignOnBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Not the library's: it reads the provider's endpoints here, and Django builds every
        # backend for each sign-in and permission check. The discovery document is fetched
        # only when a sign-on actually needs it, so a provider outage can't break the rest.
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return oidc_setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return oidc_setting("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return oidc_setting("OIDC_OP_JWKS_ENDPOINT")

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("ID token signed with an unexpected algorithm")
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                options={
                    "require": ["exp", "iat", "iss", "aud", "sub"],
                    "verify_exp": False,  # checked below against this app's clock
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise SuspiciousOperation("ID token issued for another client (audience)") from None
        except jwt.InvalidIssuerError:
            raise SuspiciousOperation("ID token from another issuer") from None
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"ID token refused: {type(error).__name__}") from None
        if claims["exp"] <= _now() - CLOCK_LEEWAY:
            raise SuspiciousOperation("ID token expired")
        return claims

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(
            external_identities__issuer=settings.OIDC_ISSUER,
            external_identities__subject=claims["sub"],
        )

    def create_user(self, claims):
        """A new person, with no role until the groups claim or an Admin gives one."""
        with transaction.atomic():
            user = self.UserModel.objects.create_user(
                _free_username(self.UserModel, claims), email=claims.get("email", "") or ""
            )
            ExternalIdentity.objects.create(
                user=user, issuer=settings.OIDC_ISSUER, subject=claims["sub"]
            )
            _sync_roles(user, claims)
        return user

    def update_user(self, user, claims):
        _sync_roles(user, claims)
        return user


def _free_username(User, claims) -> str:
    """preferred_username (else the e-mail's local part, else sub), made unique: a local user
    of the same name is never taken over."""
    email = claims.get("email") or ""
    base = (claims.get("preferred_username") or email.split("@")[0] or claims["sub"])[:140]
    name, number = base, 1
    while User.objects.filter(username=name).exists():
        number += 1
        name = f"{base}-{number}"
    return name


def _sync_roles(user, claims) -> None:
    """With OIDC_ROLE_MAP set, the person's roles are exactly those their groups map to (other
    Django groups are left alone); without it, roles are an Admin's to give."""
    mapping: dict[str, str] = settings.OIDC_ROLE_MAP
    if not mapping:
        return
    claimed = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(claimed, str):
        claimed = [claimed]
    wanted = {mapping[group] for group in claimed if isinstance(group, str) and group in mapping}
    role_names = set(roles.ROLE_PERMISSIONS)
    current = set(user.groups.filter(name__in=role_names).values_list("name", flat=True))
    if current != wanted:
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
        user.groups.add(*Group.objects.filter(name__in=wanted & role_names))


class SignOnStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the company's identity provider (404 when SSO isn't set up)."""

    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if settings.OIDC_ENABLED:
            super().__init__(*args, **kwargs)


class SignOnCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer. A refusal of any kind (unknown or replayed state, a token for
    another client, expired or badly signed, the provider unreachable) is audited and ends on
    the sign-in page, which says it didn't work."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            response = super().get(request)
        except (SuspiciousOperation, requests.RequestException, KeyError, ValueError) as error:
            reason = str(error) if isinstance(error, SuspiciousOperation) else type(error).__name__
            self._refused(request, reason)
            return self.login_failure()
        if getattr(self, "user", None) is None:  # set only when the sign-in succeeded
            if request.GET.get("error"):
                reason = f"the provider said {request.GET['error'][:60]}"
            else:
                reason = "no sign-in was under way in this browser (unknown or used-up state)"
            self._refused(request, reason)
        return response

    @staticmethod
    def _refused(request, reason: str) -> None:
        logger.warning("company sign-on refused: %s", reason)
        sign_in_failed_record(
            username="",
            ip_address=request.META.get("REMOTE_ADDR", ""),
            locked_out=False,
            reason=f"company sign-on refused: {reason}",
        )
