from django.urls import path

from faraday_admin.connections import handoff_views, history_views, views

app_name = "connections"

urlpatterns = [
    path("", views.connection_list_view, name="list"),
    path("rows/", views.connection_rows_view, name="rows"),
    path("new/", views.connection_create_view, name="create"),
    path("new/fields/", views.connection_type_fields_view, name="type-fields"),
    path("new/types/", views.connection_type_picker_view, name="type-picker"),
    path("new/guide/", views.connection_guide_commands_view, name="guide-commands"),
    path("handoffs/", handoff_views.handoff_list_view, name="handoffs"),
    path("handoffs/<int:pk>/revoke/", handoff_views.handoff_revoke_view, name="handoff-revoke"),
    path("handoffs/<int:pk>/email/", handoff_views.handoff_email_view, name="handoff-email"),
    path("<str:connection_id>/", views.connection_detail_view, name="detail"),
    path("<str:connection_id>/status/", views.connection_status_view, name="status"),
    path("<str:connection_id>/edit/", views.connection_edit_view, name="edit"),
    path("<str:connection_id>/history/", history_views.connection_history_view, name="history"),
    path(
        "<str:connection_id>/history/<int:entry_id>/revert/",
        history_views.connection_revert_view,
        name="revert",
    ),
    path(
        "<str:connection_id>/acknowledge-outside-change/",
        history_views.outside_change_acknowledge_view,
        name="acknowledge-outside-change",
    ),
    path(
        "<str:connection_id>/demo-outside-change/",
        history_views.demo_outside_change_view,
        name="demo-outside-change",
    ),
    *(
        path(f"<str:connection_id>/{slug}/", view, {"action": slug}, name=slug)
        for slug, view in views.connection_action_views().items()
    ),
    path(
        "<str:connection_id>/key-installed/",
        views.connection_key_installed_view,
        name="key-installed",
    ),
    path(
        "<str:connection_id>/demo-install-key/",
        views.demo_install_key_view,
        name="demo-install-key",
    ),
]
