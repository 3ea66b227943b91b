from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "faraday_admin.simulator"
    label = "simulator"
