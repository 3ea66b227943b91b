"""Sign-in helpers that django-axes calls: which address a request comes from."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str:
    """The address sign-in failures are counted against. Behind a proxy listed in
    FORWARDED_ALLOW_IPS, the last address that proxy saw (the end of X-Forwarded-For: earlier
    entries are the client's to invent); otherwise the connection's own address."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.FORWARDED_ALLOW_IPS
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and ("*" in trusted or remote in trusted):
        return forwarded.split(",")[-1].strip() or remote
    return remote
