"""The simulator's state. Everything lives in the database so it survives restarts and is shared by
every app process; status and contents are derived from these rows at read time (see lifecycle)."""

import uuid

from django.db import models


class SimulatedConnection(models.Model):
    """One connection as Faraday would hold it. `options` keeps secrets (demo data only)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.TextField()
    options = models.JSONField(default=dict)
    managed = models.BooleanField(default=False)
    directionality = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Start of the current new → ready cycle; force_update and option changes restart it.
    cycle_started_at = models.DateTimeField()
    archived_at = models.DateTimeField(null=True, blank=True)
    last_updated_config_at = models.DateTimeField()
    # Carried over from earlier cycles; the current cycle's values are derived when it gets there.
    last_read_input_at = models.DateTimeField(null=True, blank=True)
    last_updated_output_at = models.DateTimeField(null=True, blank=True)
    # Key-pair types: the public key Faraday made at creation and remakes on rotate_credentials,
    # shown as options.rsa_public_key (snowflake) or options.ssh_public_key (clickhouse).
    public_key = models.TextField(blank=True)
    # When the customer installed that key on their side (a demo button stands in for them); a
    # cycle that started before then still fails to sign in. A new key starts uninstalled.
    key_installed_at = models.DateTimeField(null=True, blank=True)
    # Demo "break this connection": in error from then until a new cycle starts.
    broken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class SimulatedDependent(models.Model):
    """A dataset (reads from the connection) or a target (writes to it)."""

    class Kind(models.TextChoices):
        DATASETS = "datasets", "Dataset"
        TARGETS = "targets", "Target"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.TextField()
    connection = models.ForeignKey(
        SimulatedConnection, on_delete=models.CASCADE, related_name="dependents"
    )
    created_at = models.DateTimeField()
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class SimulatedWebhookEndpoint(models.Model):
    """A registered receiver of Faraday's events. The signing secret is kept as such: the
    simulator signs with it, as Faraday does (demo data only)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.TextField()
    enabled_events = models.JSONField(default=list)
    status = models.CharField(max_length=10, default="enabled")
    secret = models.TextField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url


class SimulatedWebhookEvent(models.Model):
    """One event for one endpoint, sent once it is due (a cycle's end, or at once)."""

    id = models.CharField(primary_key=True, max_length=64)
    endpoint = models.ForeignKey(
        SimulatedWebhookEndpoint, on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=64, db_index=True)
    due_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.type} {self.resource_id}"
