from django.conf import settings
from django.db import models


class StoredApiKey(models.Model):
    """The Faraday API key an admin saved in the app: one row, encrypted, never shown whole."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    encrypted_key = models.TextField()
    last4 = models.CharField(max_length=4)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        permissions = [("manage_api_key", "Can see and change the stored Faraday API key")]

    def __str__(self) -> str:
        return f"Faraday API key ending {self.last4}"
