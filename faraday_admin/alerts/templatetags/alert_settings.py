"""The Settings page's Alerts section, rendered by the alerts app (core doesn't import it)."""

from django import template

from faraday_admin.alerts import selectors

register = template.Library()


@register.inclusion_tag("alerts/settings_section.html", takes_context=True)
def alert_settings_section(context):
    return {
        "alerts": selectors.alert_settings(),
        "csrf_token": context.get("csrf_token"),
        "perms": context.get("perms"),
    }
