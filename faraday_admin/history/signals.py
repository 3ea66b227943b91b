"""What the history app tells the rest of the app (alerts listen here)."""

from django.dispatch import Signal

# Sent inside the transaction that writes the StatusChange row, so a receiver's own rows (an
# alert outbox row) commit or roll back with it. kwargs: change=<StatusChange>.
status_changed = Signal()

# Sent by each sweep run, once per connection that is in error at the time of the sweep, inside a
# transaction. kwargs: connection_id, connection_name, connection_type, since (datetime of the
# StatusChange into error), status_message, observed_at (now).
still_in_error = Signal()
