"""The one-time link pages (no account needed): /handoff/<token>/…"""

from django.urls import path

from faraday_admin.connections import handoff_views

app_name = "handoff"

urlpatterns = [
    path("<str:token>/", handoff_views.handoff_open_view, name="open"),
    path("<str:token>/guide/", handoff_views.handoff_guide_view, name="guide"),
    path("<str:token>/status/", handoff_views.handoff_status_view, name="status"),
]
