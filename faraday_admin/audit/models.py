"""The audit log: append-only rows, worded only when displayed (like admin's LogEntry)."""

from django.conf import settings
from django.db import models

from faraday_admin.audit.details import detail_text


class Action(models.TextChoices):
    CREATE = "create", "Create"
    EDIT = "edit", "Edit"
    ARCHIVE = "archive", "Archive"
    UNARCHIVE = "unarchive", "Unarchive"
    DELETE = "delete", "Delete"
    FORCE_UPDATE = "force_update", "Force update"
    ROTATE = "rotate", "Rotate credentials"
    KEY_SAVE = "key_save", "Save API key"
    KEY_CLEAR = "key_clear", "Clear API key"
    KEY_TEST = "key_test", "Test API key"
    SIGN_IN = "sign_in", "Sign in"
    HANDOFF_SEND = "handoff_send", "Send to IT (hand-off link)"
    HANDOFF_WITHDRAW = "handoff_withdraw", "Withdraw hand-off link"
    # Seen in Faraday, not done here (the history app records it).
    CHANGED_OUTSIDE = "changed_outside", "Changed outside this app"
    OUTSIDE_ACKNOWLEDGE = "outside_ack", "Acknowledge a change made outside"
    ALERT_SEND = "alert_send", "Send alert"
    WEBHOOK_REGISTER = "webhook_register", "Register Faraday webhook"
    WEBHOOK_REMOVE = "webhook_remove", "Remove Faraday webhook"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Succeeded"
    REJECTED = "rejected", "Rejected by this app"
    FARADAY_ERROR = "faraday_error", "Refused by Faraday"
    NETWORK_FAULT = "network_fault", "Faraday unreachable"
    BAD_RESPONSE = "bad_response", "Unreadable answer from Faraday"
    LOCKED_OUT = "locked_out", "Locked out"
    # Written before a write is sent; completed with one of the above once Faraday answered.
    PENDING = "pending", "Sent, outcome pending"
    # A pending row the app lost track of (say, the database failed right after Faraday
    # answered), settled later by reading Faraday.
    CONFIRMED_LATER = "confirmed_later", "Done (confirmed later from Faraday)"
    NOT_FOUND_LATER = "not_found_later", "Not done (checked later in Faraday)"
    UNCONFIRMED = "unconfirmed", "Sent, outcome unknown (check Faraday)"
    # An alert this app gave up delivering after its last retry (or one no retry can help).
    NOT_DELIVERED = "not_delivered", "Not delivered"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def complete_pending(self, **fields) -> int:
        """The one change a row allows: a pending row (written before its request was sent)
        gets its outcome, once. Rows with any other outcome are left as they are."""
        if fields.get("outcome") in (None, Outcome.PENDING):
            raise ValueError("completing a pending row needs its final outcome")
        return super(AuditEntryQuerySet, self.filter(outcome=Outcome.PENDING)).update(**fields)

    def delete(self):
        raise TypeError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """Never deleted, and never edited except to complete a pending row once (see
    `complete_pending`); `options` holds submitted values with each secret masked."""

    SECRET_MARKER = "[secret: not stored]"  # noqa: S105 - a marker, not a secret

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Outlives the user row, like LogEntry's object_repr.
    actor_username = models.CharField(max_length=150, db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, db_index=True)
    connection_type = models.CharField(max_length=64, blank=True, db_index=True)
    connection_name = models.CharField(max_length=255, blank=True)
    faraday_connection_id = models.CharField(max_length=64, blank=True, db_index=True)
    faraday_error_code = models.CharField(max_length=64, blank=True)
    faraday_error_id = models.CharField(max_length=64, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    options = models.JSONField(default=dict, blank=True)
    # What an edit (or a change made outside this app) changed: [{field, label, before, after}]
    # for the name and non-secret options, [{field, label, secret: true, changed}] for secrets.
    changes = models.JSONField(default=list, blank=True)
    # Rows written before detail_code existed keep their words here; newer rows leave it blank.
    detail = models.TextField(blank=True)
    detail_code = models.CharField(max_length=40, blank=True)
    detail_data = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_username} {self.get_action_display()} {self.connection_name}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only.")

    @property
    def detail_text(self) -> str:
        """What happened, in words (see audit.details)."""
        return detail_text(self.detail_code, self.detail_data) if self.detail_code else self.detail
