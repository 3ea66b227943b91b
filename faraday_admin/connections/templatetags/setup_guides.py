from django import template

from faraday_admin.connections.setup_guides import setup_guide_for_form

register = template.Library()


@register.simple_tag
def setup_guide_for(form):
    """{% setup_guide_for form as guide %}: the guide for the form's type, filled from it."""
    return setup_guide_for_form(form)
