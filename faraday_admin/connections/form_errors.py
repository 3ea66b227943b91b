"""Faraday's validation errors onto the connection form, through one path-to-field table."""

from __future__ import annotations

from collections.abc import Sequence

from faraday_admin.connections.forms import ConnectionForm
from faraday_admin.core.problems import validation_item_text, validation_message
from faraday_admin.faraday_client import ValidationErrorItem
from faraday_admin.faraday_client.paths import form_field


def validation_errors_onto_form(form: ConnectionForm, errors: Sequence[ValidationErrorItem]):
    """Put each Faraday validation error on its field; the rest become form-level errors,
    labelled with what their path names ("Connection type: …", else "Faraday: …")."""
    field_names = [spec.name for spec in form.connection_type.fields]
    for item in errors:
        target = form_field(item.path, field_names)
        if target:
            form.add_error(target, validation_message(item))
        else:
            form.add_error(None, validation_item_text(item, form.connection_type))
