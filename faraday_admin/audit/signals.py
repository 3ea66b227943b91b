"""Signals the audit app sends, so apps above it can act without audit importing them."""

from django.dispatch import Signal

# Sent before the audit page reads its rows: the connections app settles the rows left "sent,
# outcome pending" then (it can read Faraday; audit can't).
audit_page_opening = Signal()
