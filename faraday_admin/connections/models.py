"""Local records only: Faraday holds the connections; the app remembers who created which here."""

import uuid

from django.conf import settings
from django.db import models


class ConnectionRecord(models.Model):
    """A connection created through this app ("created here by <user>")."""

    faraday_id = models.CharField(max_length=64, unique=True)
    connection_type = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_username = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Role permissions live here: connections themselves are Faraday's, not rows of ours.
        default_permissions = ()
        permissions = [
            ("view_connections", "Can list and view connections"),
            ("create_connection", "Can create connections"),
            ("edit_connection", "Can edit connections"),
            ("force_update_connection", "Can force a connection to update"),
            ("archive_connection", "Can archive and unarchive connections"),
            ("delete_connection", "Can delete connections"),
            ("rotate_credentials", "Can rotate key-pair credentials"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.faraday_id})"


class SubmissionToken(models.Model):
    """A one-time token per rendered create form, so one form can create one connection only.

    Kept in the database (not in process memory) so it holds across app processes.
    """

    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    faraday_id = models.CharField(max_length=64, blank=True)
    # A password read from the paste box, Fernet-encrypted (core.crypto): it lives and dies with
    # this token, and is cleared once the connection is created.
    pasted_password = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return str(self.token)


class HandOff(models.Model):
    """A draft sent to the person who holds the credentials, with a one-time link to finish it.

    The link's token is never stored: it is derived from `nonce` with the app's SECRET_KEY
    (so its creator can copy it again) and only its SHA-256 is kept, for the lookup. The draft
    holds the type, the name and the non-secret fields typed so far: never a secret.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=64)
    # A link creates as its sender: when the sender's account goes, so do their links.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_by_username = models.CharField(max_length=150)
    connection_type = models.CharField(max_length=64)
    name = models.CharField(max_length=255, blank=True)
    values = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # Set while a submission is with Faraday, so a second one (double click, replay) sends nothing.
    claimed_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    faraday_id = models.CharField(max_length=64, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_username = models.CharField(max_length=150, blank=True)

    class Meta:
        default_permissions = ()
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"hand-off of {self.name or self.connection_type} by {self.created_by_username}"


class KeyInstallMark(models.Model):
    """Someone said Faraday's public key (this exact one) is installed on their side.

    Until then a key-pair connection in `error` reads as waiting for the key; a rotation brings
    a new key, which has no mark yet.
    """

    faraday_id = models.CharField(max_length=64)
    key_sha256 = models.CharField(max_length=64)
    marked_at = models.DateTimeField(auto_now_add=True)
    marked_by_username = models.CharField(max_length=150)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["faraday_id", "key_sha256"], name="one_mark_per_key")
        ]

    def __str__(self) -> str:
        return f"key installed for {self.faraday_id}"
