"""The Settings page's API key form. The key is never rendered back, not even after an error."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

API_KEY_MIN_LENGTH = 16
API_KEY_MAX_LENGTH = 512
# Printable ASCII without spaces: what an HTTP Authorization header can carry.
_KEY_CHARACTERS = re.compile(r"[\x21-\x7e]+")
_WHITESPACE = re.compile(r"\s")


class ApiKeyForm(forms.Form):
    error_messages = {
        "whitespace": (
            "The key can't contain spaces or line breaks. Copy it again from Faraday's "
            "dashboard, without anything before or after it."
        ),
        "characters": (
            "The key can only contain unaccented letters, digits and punctuation. Copy it again "
            "from Faraday's dashboard."
        ),
    }

    # Surrounding spaces and line breaks come with copy and paste; they are dropped.
    api_key = forms.CharField(
        label="Faraday API key",
        strip=True,
        min_length=API_KEY_MIN_LENGTH,
        max_length=API_KEY_MAX_LENGTH,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "new-password", "spellcheck": "false"},
        ),
        error_messages={
            "required": "Paste the API key from Faraday's dashboard.",
            "min_length": (
                "That's too short to be a Faraday API key (they have at least "
                f"{API_KEY_MIN_LENGTH} characters). Check you copied all of it."
            ),
            "max_length": "That's too long to be a Faraday API key. Check you copied only the key.",
        },
        help_text=(
            "Copy it from your Faraday account's dashboard. It is stored encrypted and never "
            "shown again: this page only shows its last 4 characters."
        ),
    )

    def full_clean(self):
        super().full_clean()
        if self.errors:  # the page reloads: land on the field to paste the key again
            self.fields["api_key"].widget.attrs["autofocus"] = True

    def clean_api_key(self) -> str:
        key = self.cleaned_data["api_key"]
        if _WHITESPACE.search(key):
            raise ValidationError(self.error_messages["whitespace"], code="whitespace")
        if not _KEY_CHARACTERS.fullmatch(key):
            raise ValidationError(self.error_messages["characters"], code="characters")
        return key

    def error_codes(self) -> list[str]:
        """The codes of every error (for the audit row; never the value)."""
        return [
            error.code or "invalid" for errors in self.errors.as_data().values() for error in errors
        ]
