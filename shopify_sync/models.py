from django.db import models


class Store(models.Model):
    """A connected Shopify store. Lives in the tenant's schema, like everything synced from it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        UNINSTALLED = "uninstalled", "Uninstalled"
        PAUSED = "paused", "Paused"

    shop_domain = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=255, blank=True)
    iana_timezone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shop_domain"]

    def __str__(self) -> str:
        return self.shop_domain
