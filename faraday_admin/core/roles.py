"""The three roles, as Django groups (created by a data migration), and what each may do."""

VIEWER = "Viewer"
ONBOARDER = "Onboarder"
ADMIN = "Admin"

VIEW_CONNECTIONS = "connections.view_connections"
CREATE_CONNECTION = "connections.create_connection"
EDIT_CONNECTION = "connections.edit_connection"
FORCE_UPDATE_CONNECTION = "connections.force_update_connection"
ARCHIVE_CONNECTION = "connections.archive_connection"
DELETE_CONNECTION = "connections.delete_connection"
ROTATE_CREDENTIALS = "connections.rotate_credentials"
VIEW_AUDIT = "audit.view_auditentry"
REVERT_EDIT = "history.revert_edit"
# Who may edit a connection may acknowledge a change made to it outside this app.
ACKNOWLEDGE_OUTSIDE_CHANGE = EDIT_CONNECTION
# Demo mode's "change it outside this app" button sets up what an Admin then reverts.
DEMO_OUTSIDE_CHANGE = REVERT_EDIT
MANAGE_API_KEY = "core.manage_api_key"
USER_PERMISSIONS = ("auth.view_user", "auth.add_user", "auth.change_user", "auth.delete_user")
# django-axes' lockouts: deleting an access attempt unlocks that user name or address.
UNLOCK_SIGN_IN = ("axes.view_accessattempt", "axes.delete_accessattempt")

_VIEWER = (VIEW_CONNECTIONS, VIEW_AUDIT)
_ONBOARDER = (*_VIEWER, CREATE_CONNECTION, EDIT_CONNECTION, FORCE_UPDATE_CONNECTION)
_ADMIN = (
    *_ONBOARDER,
    ARCHIVE_CONNECTION,
    DELETE_CONNECTION,
    ROTATE_CREDENTIALS,
    REVERT_EDIT,
    MANAGE_API_KEY,
    *USER_PERMISSIONS,
    *UNLOCK_SIGN_IN,
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    VIEWER: _VIEWER,
    ONBOARDER: _ONBOARDER,
    ADMIN: _ADMIN,
}
