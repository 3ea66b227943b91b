"""Keep `is_staff` equal to "superuser or member of the Admin group", so Admins reach /admin/;
audit every failed sign-in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import m2m_changed, post_save

from faraday_admin.core.services import sign_in_failed_record, user_sync_staff


def _user_saved(sender, instance, raw=False, **kwargs):
    if not raw:  # loaddata: leave fixtures as they are
        user_sync_staff(user=instance)


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:  # user.groups.add(...): `instance` is the user
        if action in ("post_add", "post_remove", "post_clear"):
            user_sync_staff(user=instance)
        return
    # group.user_set.add(...): `instance` is the group, `pk_set` the users.
    User = get_user_model()
    if action == "pre_clear":
        instance._users_before_clear = list(instance.user_set.values_list("pk", flat=True))
        return
    if action == "post_clear":
        pk_set = getattr(instance, "_users_before_clear", [])
    elif action not in ("post_add", "post_remove"):
        return
    for user in User.objects.filter(pk__in=pk_set or []):
        user_sync_staff(user=user)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # django-axes' own receiver runs first (its app is listed earlier) and marks the request.
    if request is None:
        return
    sign_in_failed_record(
        username=str(credentials.get("username", "")),
        ip_address=getattr(request, "axes_ip_address", "") or request.META.get("REMOTE_ADDR", ""),
        locked_out=bool(getattr(request, "axes_locked_out", False)),
    )


def connect() -> None:
    user_login_failed.connect(_sign_in_failed, dispatch_uid="core.sign_in_failed")
    User = get_user_model()
    post_save.connect(_user_saved, sender=User, dispatch_uid="core.user_sync_staff.saved")
    m2m_changed.connect(
        _groups_changed, sender=User.groups.through, dispatch_uid="core.user_sync_staff.groups"
    )
