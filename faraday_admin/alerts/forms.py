from django import forms

from faraday_admin.alerts.models import Channel, Scope

SCOPE_HELP = {
    Scope.MINE: "Only connections you created in this app.",
    Scope.ALL: "Every connection in the Faraday account.",
    Scope.NONE: "No alerts.",
}


class EmailPreferenceForm(forms.Form):
    scope = forms.ChoiceField(
        label="Email me when a connection breaks or recovers",
        choices=Scope.choices,
        widget=forms.RadioSelect,
        help_text="A message when a connection stops working, when it works again, and once "
        "if it is still in error after 24 hours.",
    )


class SharedChannelForm(forms.Form):
    channel = forms.ChoiceField(
        choices=[(c.value, c.label) for c in (Channel.SLACK, Channel.TEAMS, Channel.WEBHOOK)],
        widget=forms.HiddenInput,
    )
    scope = forms.ChoiceField(label="Posts about", choices=Scope.choices, widget=forms.RadioSelect)
