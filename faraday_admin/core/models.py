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


class ExternalIdentity(models.Model):
    """Who a person is at the company's identity provider (OpenID Connect `iss` and `sub`):
    how a single sign-on finds them again, whatever their e-mail or user name becomes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_identity")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
