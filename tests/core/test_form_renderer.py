"""The form renderer: an empty widget's HTML is rendered once and reused, exactly as Django
renders it; a widget holding a value (someone's input, a secret) is never kept."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates

from faraday_admin.core.form_renderer import FormRenderer


class Sample(forms.Form):
    name = forms.CharField(help_text="What people see.")
    port = forms.IntegerField(required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    kind = forms.ChoiceField(choices=[("", "Pick one"), ("a", "A"), ("b", "B")])
    notes = forms.CharField(widget=forms.Textarea, required=False)
    active = forms.BooleanField(required=False)


def _html(form: forms.Form) -> list[str]:
    return [str(form[name]) for name in form.fields]


def test_empty_widgets_render_as_django_renders_them_and_are_kept():
    renderer = FormRenderer()

    first = _html(Sample(renderer=renderer))
    again = _html(Sample(renderer=renderer))

    assert first == again == _html(Sample(renderer=DjangoTemplates()))
    assert len(renderer._html) == len(Sample.base_fields)


def test_the_same_widget_with_other_attributes_renders_on_its_own():
    renderer = FormRenderer()
    plain = Sample(renderer=renderer)
    prefixed = Sample(renderer=renderer, prefix="other")

    assert _html(plain) != _html(prefixed)
    assert _html(prefixed) == _html(Sample(prefix="other", renderer=DjangoTemplates()))


def test_a_widget_holding_a_value_is_never_kept():
    renderer = FormRenderer()
    canary = "canary-secret-5d1e"
    data = {"name": canary, "port": "5432", "password": canary, "kind": "a", "notes": canary}

    html = _html(Sample(data, renderer=renderer))

    assert html == _html(Sample(data, renderer=DjangoTemplates()))
    assert canary in "".join(html)
    kept = repr(renderer._html)
    assert canary not in kept and "5432" not in kept
    assert len(renderer._html) == 1  # only the unticked box: the one widget without a value
