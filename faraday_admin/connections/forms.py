"""One Django form class per connection type, built from the catalog once per process, and the
helpers that build a form for a page (an empty create form, values carried between types, the
edit form filled from Faraday's settings).

Field names are Faraday's option keys, so a validation error's path maps straight to a field.
Values are never stripped: the browser's `pattern` sees the raw value, so the server must too.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from faraday_admin.catalog import ConnectionType, FieldSpec, get_catalog
from faraday_admin.connections.field_help import (
    choice_help,
    description_html,
    field_help,
    pattern_hint,
    removal_help,
)
from faraday_admin.faraday_client import Connection

MULTILINE_FIELDS = frozenset({"credentials_json"})


class SecretInput(forms.PasswordInput):
    def __init__(self, attrs=None):
        # new-password: browsers must not fill in the person's own login password here.
        super().__init__(
            attrs={**(attrs or {}), "autocomplete": "new-password"}, render_value=False
        )


class SecretTextarea(forms.Textarea):
    """A textarea that, like PasswordInput, never renders its value back."""

    def format_value(self, value):
        return None


# HTML's "valid floating-point number", ASCII digits only: all a number input ever submits (it
# sends "" for anything else, such as "+5", " 5", "5." or Arabic-Indic digits).
_HTML_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


class BrowserIntegerField(forms.IntegerField):
    """A whole number as the browser's number input judges it: it parses the text as a double,
    so "1e3" and "5432.0" pass there (as 1000 and 5432) and pass here too; "5.5" and "1e400"
    (no finite double) fail in both."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value)
        if _HTML_NUMBER.fullmatch(text):
            number = float(text)
            if math.isfinite(number) and number.is_integer():
                return int(number)
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class EcmaPatternValidator:
    """The browser's verdict on a documented pattern, with a plain-words message."""

    def __init__(self, spec: FieldSpec):
        self.pattern = spec.compiled_pattern
        self.message = pattern_hint(spec)

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and not self.pattern.fullmatch(value):
            raise ValidationError(self.message, code="pattern")


# Control, format (zero-width, bidi overrides), line and paragraph separators: a name holding
# one shows up blank, reversed or broken in the list and the audit log.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Letters, numbers, punctuation, symbols: what leaves ink on the screen (a mark alone only
# decorates the character before it).
_VISIBLE_CATEGORY_INITIALS = frozenset("LNPS")


def validate_visible_name(value: Any) -> None:
    """Refuse hidden characters in a connection name, and a name with nothing visible."""
    if not isinstance(value, str):
        return
    hidden = [ch for ch in value if unicodedata.category(ch) in _HIDDEN_CATEGORIES]
    if hidden:
        codes = ", ".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in hidden))
        raise ValidationError(
            "The name contains a hidden or control character (%(codes)s), often pasted along "
            "with text. It would show up blank or garbled in the list. Retype the name "
            "without copying it.",
            code="hidden_character",
            params={"codes": codes},
        )
    # Spaces alone are the pattern's to refuse (one message per problem).
    visible = (unicodedata.category(ch)[0] in _VISIBLE_CATEGORY_INITIALS for ch in value)
    if value.strip() and not any(visible):
        raise ValidationError(
            "Give the connection a name with at least one visible letter, digit or sign.",
            code="invisible",
        )


# Marks inputs whose values follow the person to another type (never secrets).
CARRY = {"data-carry": ""}

# An edit form's checkbox that clears a saved secret (`remove_password`).
REMOVE_PREFIX = "remove_"


class TriStateSelect(forms.NullBooleanSelect):
    """Yes, No, or leave it to Faraday: an unticked checkbox couldn't tell "No" from "not
    given", so a boolean option is a choice of three."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Faraday's default"), ("true", "Yes"), ("false", "No")]


def _text_attrs(spec: FieldSpec) -> dict[str, str]:
    attrs: dict[str, str] = {"autocomplete": "off", "spellcheck": "false"}
    if not spec.secret:
        attrs.update(CARRY)
    if spec.pattern:
        attrs["pattern"] = spec.compiled_pattern.browser
        attrs["title"] = pattern_hint(spec)
    if spec.suggested_value is not None:
        attrs["placeholder"] = str(spec.suggested_value)
    return attrs


def build_field(spec: FieldSpec, *, secret_optional: bool = False) -> forms.Field:
    """The form field for one catalog field. `secret_optional`: blank keeps the stored secret."""
    required = spec.required and not (spec.secret and secret_optional)
    common: dict[str, Any] = {
        "required": required,
        "label": spec.label,
        "help_text": description_html(field_help(spec)),
    }
    if spec.kind == "integer":
        attrs = {
            **CARRY,
            **({"placeholder": str(spec.suggested_value)} if spec.suggested_value else {}),
        }
        return BrowserIntegerField(
            min_value=spec.min, max_value=spec.max, widget=forms.NumberInput(attrs), **common
        )
    if spec.kind == "boolean":
        # NullBooleanField's "required" would refuse an explicit No: the choice is enough.
        common.update(required=False, help_text=description_html(choice_help(spec)))
        return forms.NullBooleanField(widget=TriStateSelect(CARRY), **common)
    if spec.kind == "enum":
        choices = [("", "Faraday's default"), *((c, c) for c in spec.choices)]
        return forms.ChoiceField(choices=choices, widget=forms.Select(CARRY), **common)
    if spec.name in MULTILINE_FIELDS:
        widget_class = SecretTextarea if spec.secret else forms.Textarea
        widget = widget_class(
            attrs={"rows": 6, "spellcheck": "false", **({} if spec.secret else CARRY)}
        )
    elif spec.secret:
        widget = SecretInput(_text_attrs(spec))
    else:
        widget = forms.TextInput(_text_attrs(spec))
    validators = [EcmaPatternValidator(spec)] if spec.pattern else []
    return forms.CharField(strip=False, widget=widget, validators=validators, **common)


# The order people read connection details in (the catalog's is alphabetical): where the data
# lives, which part of it, who signs in; required fields before optional ones.
_READING_ORDER = (
    "host",
    "port",
    "instance_connection_name",
    "account_name",
    "organization_name",
    "legacy_account_locator",
    "project_id",
    "aws_region",
    "region",
    "bucket_name",
    "http_path",
    "catalog",
    "database",
    "dataset_name",
    "schema",
    "schema_name",
    "share_name",
    "warehouse",
    "role",
    "user",
    "username",
    "password",
)


def display_order(connection_type: ConnectionType) -> tuple[str, ...]:
    """The type's option names in reading order: required first, then the optional extras."""
    known = {name: rank for rank, name in enumerate(_READING_ORDER)}
    specs = sorted(
        enumerate(connection_type.fields),
        key=lambda item: (not item[1].required, known.get(item[1].name, len(known)), item[0]),
    )
    return tuple(spec.name for _position, spec in specs)


class FocusFirstErrorBoundField(forms.BoundField):
    """Autofocus the first field in error, so keyboard and screen-reader users land on it
    after the re-render (htmx focuses [autofocus] in swapped content too)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        in_error = self.form.fields_in_error
        if in_error and in_error[0].name == self.name:
            attrs["autofocus"] = True
        if self.name in self.form.pasted or self.name in self.form.pasted_secrets:
            # The "filled from what you pasted" note is read out with the field.
            note = f"{self.auto_id}_pasted"
            described = attrs.get("aria-describedby")
            attrs["aria-describedby"] = f"{note} {described}" if described else note
        if self.name in self.form.pasted_secrets:
            attrs.pop("required", None)  # the held secret fills it when left blank
        return attrs

    @property
    def removal(self) -> forms.BoundField | None:
        """The "remove the saved secret" checkbox that goes with this field, if it has one."""
        name = REMOVE_PREFIX + self.name
        return self.form[name] if name in self.form.fields else None


class ConnectionForm(forms.Form):
    """Base for the generated per-type forms; `connection_type` is set on each subclass."""

    connection_type: ConnectionType
    editing = False
    bound_field_class = FocusFirstErrorBoundField
    # Set per instance by the paste box: fields filled from the paste, and secret fields a
    # pasted secret (held server-side, never rendered) fills when left blank.
    pasted: frozenset[str] = frozenset()
    pasted_secrets: frozenset[str] = frozenset()

    display_order: tuple[str, ...] = ()

    @property
    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.display_order]

    @property
    def fields_in_error(self) -> list[forms.BoundField]:
        """In page order: the error summary links to each, and the first gets the focus."""
        return [self[name] for name in ("name", *self.display_order) if name in self.errors]

    def clean(self):
        cleaned = super().clean()
        if self.editing:
            self._clean_removals(cleaned)
        if self.connection_type.type == "snowflake":
            pair = ("account_name", "organization_name")
            given = [name for name in pair if cleaned.get(name)]
            if len(given) == 1:
                missing = next(name for name in pair if name not in given)
                self.add_error(
                    missing,
                    ValidationError(
                        "Snowflake needs the account name and the organization name together: "
                        "fill in both, or leave both empty and use the legacy account locator.",
                        code="pair",
                    ),
                )
        return cleaned

    def _clean_removals(self, cleaned: dict[str, Any]) -> None:
        for spec in self.connection_type.fields:
            if cleaned.get(REMOVE_PREFIX + spec.name) and cleaned.get(spec.name):
                self.add_error(
                    spec.name,
                    ValidationError(
                        f"You typed a new {spec.label.lower()} and also asked to remove the "
                        "saved one. Clear what you typed to remove it, or untick the box to "
                        "save the new one.",
                        code="remove_and_replace",
                    ),
                )

    def options_payload(self) -> dict[str, Any]:
        """The `options` object of a create, in Faraday's JSON kinds: only what was given (a
        boolean's No is given; "Faraday's default" is not)."""
        options: dict[str, Any] = {"type": self.connection_type.type}
        for spec in self.connection_type.fields:
            value = self.cleaned_data.get(spec.name)
            if value is not None and value != "":
                options[spec.name] = value
        return options

    def merge_patch(self) -> dict[str, Any]:
        """The body of an edit, as a JSON merge patch (RFC 7396) of what the person changed.

        A field they left as it was is not sent, so a change made elsewhere meanwhile stands.
        A cleared field is sent as null (Faraday removes it; the form allows that only where
        Faraday's model does). A blank secret is not sent (Faraday keeps it); "remove" sends
        null. A rename alone sends `{"name": …}`: the model makes `options` optional. `{}`
        when nothing changed.
        """
        changed = set(self.changed_data)
        body: dict[str, Any] = {}
        if "name" in changed:
            body["name"] = self.cleaned_data["name"]
        options: dict[str, Any] = {}
        for spec in self.connection_type.fields:
            value = self.cleaned_data.get(spec.name)
            if spec.secret:
                if value:
                    options[spec.name] = value
                elif self.cleaned_data.get(REMOVE_PREFIX + spec.name):
                    options[spec.name] = None
            elif spec.name in changed:
                options[spec.name] = None if value == "" else value
        if options:
            # Every MergePatch options model requires the type (it tags the union).
            body["options"] = {"type": self.connection_type.type, **options}
        return body

    def audit_options(self) -> dict[str, Any]:
        """What the person typed, for the audit row (secrets are masked by the audit service)."""
        return {
            spec.name: self.data.get(spec.name)
            for spec in self.connection_type.fields
            if self.data.get(spec.name) not in (None, "")
        }


@cache
def form_class_for(type_key: str, *, editing: bool = False) -> type[ConnectionForm]:
    """The cached form class for a type; KeyError for an unknown type."""
    catalog = get_catalog()
    connection_type = catalog.types[type_key]
    name_spec = catalog.name_field
    attrs: dict[str, Any] = {
        "connection_type": connection_type,
        "editing": editing,
        "display_order": display_order(connection_type),
        "name": forms.CharField(
            strip=False,
            label="Connection name",
            help_text="A name your team will recognise, like “Snowflake – Marketing”.",
            validators=[EcmaPatternValidator(name_spec), validate_visible_name],
            widget=forms.TextInput(
                {
                    "pattern": name_spec.compiled_pattern.browser,
                    "title": pattern_hint(name_spec),
                    "autocomplete": "off",
                    **CARRY,
                }
            ),
        ),
    }
    for spec in connection_type.fields:
        attrs[spec.name] = build_field(spec, secret_optional=editing)
        if editing and not spec.secret:
            # What the person saw, so that only what they changed is sent (see merge_patch).
            attrs[spec.name].show_hidden_initial = True
        if editing and spec.secret and spec.nullable:
            attrs[REMOVE_PREFIX + spec.name] = forms.BooleanField(
                required=False,
                label=f"Remove the saved {spec.label.lower()}",
                help_text=removal_help(connection_type, spec),
            )
    if editing:
        attrs["name"].show_hidden_initial = True
    class_name = "".join(part.capitalize() for part in type_key.split("_")) + "ConnectionForm"
    return type(class_name, (ConnectionForm,), attrs)


# ---- building the form a page shows ----------------------------------------------------------


@cache
def never_carried() -> frozenset[str]:
    """Names never carried to another type: any secret (api_key is one for some types) and the
    create form's own controls."""
    secret = {f.name for t in get_catalog().types.values() for f in t.fields if f.secret}
    return frozenset({*secret, "type", "q", "submission_token", "csrfmiddlewaretoken", "action"})


def carried_values(data) -> dict[str, str]:
    """Non-secret values typed so far, to keep when the type changes."""
    return {k: v for k, v in data.items() if k not in never_carried()}


def unbound_form(type_key: str, carried: dict[str, str]) -> ConnectionForm | None:
    """The empty create form for a type, pre-filled with the carried values it shares; None for
    an unknown (or no) type."""
    if get_catalog().get(type_key) is None:
        return None
    form_class = form_class_for(type_key)
    return form_class(initial={k: v for k, v in carried.items() if k in form_class.base_fields})


def edit_form(connection: Connection, data=None) -> ConnectionForm:
    """The edit form for a connection of a known type, filled with its name and the options
    Faraday echoes (never a secret: Faraday doesn't send them, and the secret inputs don't
    render a value anyway); bound to `data` when given."""
    form_class = form_class_for(connection.type, editing=True)
    initial = {
        "name": connection.name,
        **{k: v for k, v in connection.options.items() if k in form_class.base_fields},
    }
    form = form_class(data, initial=initial)
    for name, field in form.fields.items():
        spec = form.connection_type.field(name)
        if data is not None and field.show_hidden_initial and f"initial-{name}" not in data:
            # No record of what was shown (a scripted post): compare with what Faraday has.
            field.show_hidden_initial = False
        if (
            spec
            and not (spec.required or spec.secret or spec.nullable)
            and (initial.get(name) not in (None, ""))
        ):
            _cannot_be_emptied(field)
    return form


def _cannot_be_emptied(field: forms.Field) -> None:
    """Faraday's edit model admits no null here, so a value once set can only be replaced.
    (Every Yes/No option is nullable: NullBooleanField, which never enforces `required`, needs
    no case here.)"""
    field.required = True
    field.error_messages["required"] = (
        "Faraday can't empty this once it's set: enter a new value, or put back the old one."
    )
    if isinstance(field, forms.ChoiceField):
        field.choices = [choice for choice in field.choices if choice[0] != ""]
