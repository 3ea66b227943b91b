"""What the app has seen of each connection over time: statuses, and the configuration Faraday
last answered with (never a secret: Faraday doesn't echo them, and `diffs.config_of` drops any
option the catalog or its name says is secret)."""

from django.db import models


class StatusChange(models.Model):
    """One status transition observed (first sight included: `from_status` blank)."""

    faraday_connection_id = models.CharField(max_length=64, db_index=True)
    connection_name = models.CharField(max_length=255, blank=True)
    connection_type = models.CharField(max_length=64, blank=True)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    observed_at = models.DateTimeField(db_index=True)
    # Faraday's status error text for `error`, "" otherwise.
    status_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-observed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.connection_name}: {self.from_status or '—'} → {self.to_status}"


class Origin(models.TextChoices):
    HERE = "here", "Created in this app"
    OUTSIDE = "outside", "Created outside this app"


class TrackedConnection(models.Model):
    """One row per connection ever seen: its configuration snapshot, last status, drift marker.

    `config` is {"name": …, "options": {non-secret options}} as Faraday last answered; it is
    replaced after each create or edit made here and whenever a change made elsewhere is
    recorded, so each outside change is recorded once. `observed_digest` lets a list of 1,000
    connections be compared without decoding 1,000 snapshots.
    """

    faraday_connection_id = models.CharField(max_length=64, unique=True)
    connection_name = models.CharField(max_length=255, blank=True)
    connection_type = models.CharField(max_length=64, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    first_seen_at = models.DateTimeField()
    config = models.JSONField(default=dict)
    config_digest = models.CharField(max_length=64)
    # A digest of (config, status): an answer with the same one changed nothing.
    observed_digest = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, blank=True)
    status_message = models.TextField(blank=True)
    # Set when a change made outside this app was recorded; cleared by an acknowledgement.
    drift_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the read that last updated this row began: a slower read that began earlier (and so
    # may hold an older answer) must not overwrite it, nor be taken for a change.
    seen_at = models.DateTimeField()
    # Set when Faraday no longer has it (a 404, or missing from a sweep's list).
    gone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("revert_edit", "Can revert an edit made in this app")]

    def __str__(self) -> str:
        return self.connection_name or self.faraday_connection_id


class SweepLock(models.Model):
    """The sweep's lock where the database has no advisory locks (SQLite): one row per lock
    name, held until `locked_until` (so a crashed run doesn't hold it for good)."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    locked_until = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class ObservedList(models.Model):
    """The last list answer of one Faraday account (`scope`, a hash) observed in full. The same
    answer again, byte for byte, shows nothing that isn't recorded already, so it needs no
    observation: unless something was recorded since from another read or a write made here
    (`invalidated_at` after `read_at`), which may have moved a snapshot away from it."""

    scope = models.CharField(max_length=128, primary_key=True)
    body_digest = models.CharField(max_length=64)
    read_at = models.DateTimeField()
    invalidated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.scope} as read at {self.read_at:%Y-%m-%d %H:%M:%S}"
