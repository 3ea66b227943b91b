"""Alerts: who wants to hear what, the messages and their outbox, and Faraday's webhook."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Scope(models.TextChoices):
    MINE = "mine", "Connections I created here"
    ALL = "all", "All connections"
    NONE = "none", "None"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"
    WEBHOOK = "webhook", "Webhook"


class EmailPreference(models.Model):
    """What one person hears by email. No row: the default, their own connections."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_email_preference"
    )
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.MINE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} by email: {self.get_scope_display()}"


class SharedChannelPreference(models.Model):
    """What a shared channel (Slack, Teams, the webhook) hears, as an admin chose. No row: all."""

    channel = models.CharField(max_length=10, choices=Channel.choices, primary_key=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ALL)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_scope_display()}"


class Alert(models.Model):
    """One message about one connection. While it waits for its turn (`send_after`, the
    flapping window), later changes fold into it: `transitions` counts them."""

    class Kind(models.TextChoices):
        BROKE = "broke", "Stopped working"
        RECOVERED = "recovered", "Works again"
        STILL_IN_ERROR = "still_in_error", "Still in error after 24 hours"

    faraday_connection_id = models.CharField(max_length=64, db_index=True)
    connection_name = models.CharField(max_length=255)
    connection_type = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Faraday's status error (never a secret: Faraday words it for people).
    status_message = models.TextField(blank=True)
    changed_at = models.DateTimeField()
    # Still in error: since when (the change into error), which makes the message once-only.
    error_since = models.DateTimeField(null=True, blank=True)
    transitions = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    send_after = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["faraday_connection_id", "error_since"],
                condition=Q(kind="still_in_error"),
                name="one_still_in_error_alert_per_episode",
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection_name}: {self.get_kind_display()}"


class AlertDelivery(models.Model):
    """The outbox: one row per (alert, channel, recipient), written with the alert."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Given up"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # An email address; blank for a shared channel.
    recipient = models.CharField(max_length=254, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A sender that claimed the row and died: others may take it again after this.
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "channel", "recipient"], name="one_delivery_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="alert_outbox_due")]

    def __str__(self) -> str:
        return f"{self.alert} via {self.get_channel_display()} {self.recipient}".strip()


class FaradayWebhookEndpoint(models.Model):
    """The endpoint registered with Faraday for this app: one row; its secret encrypted."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    endpoint_id = models.CharField(max_length=64)
    url = models.URLField(max_length=500)
    encrypted_secret = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Faraday webhook {self.endpoint_id}"


class ReceivedWebhook(models.Model):
    """Each signed delivery accepted, by its webhook-id: the same id again is a replay."""

    source = models.CharField(max_length=10)
    webhook_id = models.CharField(max_length=255)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "webhook_id"], name="one_delivery_per_id")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.webhook_id}"


class DemoReceivedAlert(models.Model):
    """What the demo receiver got from the alerts webhook, shown on its page."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    webhook_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=40)
    connection_name = models.CharField(max_length=255)
    text = models.TextField()
    link = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type}: {self.connection_name}"
