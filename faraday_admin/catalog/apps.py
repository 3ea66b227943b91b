from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "faraday_admin.catalog"
    label = "catalog"

    def ready(self):
        from faraday_admin.catalog.loader import get_catalog

        # Validate the data file at start-up, not on the first request.
        get_catalog()
