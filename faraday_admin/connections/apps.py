from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "faraday_admin.connections"
    label = "connections"
