from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "faraday_admin.history"
    label = "history"
