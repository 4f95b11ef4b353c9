import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

RESERVED_SLUGS = frozenset(
    {"www", "admin", "api", "app", "public", "static", "media", "mail", "webhooks", "status"}
)
slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$",
    "Use 3–40 lowercase letters, digits or hyphens, starting with a letter.",
)


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS or value.startswith(("pg-", "xn--")) or "--" in value:
        raise ValidationError(f"'{value}' is reserved; choose another address.")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not an IANA timezone such as Europe/Berlin.")


def schema_name_for_slug(slug: str) -> str:
    # Hostnames allow hyphens, unquoted PostgreSQL identifiers do not.
    return slug.replace("-", "_")


class Tenant(TenantMixin):
    """A retailer: one PostgreSQL schema holding all of its stores' data."""

    name = models.CharField(max_length=100)
    slug = models.CharField(
        max_length=40, unique=True, validators=[slug_validator, validate_slug_not_reserved]
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code.")],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Orders older than this many months are removed nightly; empty keeps everything.
    data_retention_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Remove orders older than this many months (empty: keep everything).",
    )

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class Domain(DomainMixin):
    """Host names that route to a tenant (`<slug>.<BASE_DOMAIN>`, later custom domains)."""


class ConnectedShop(models.Model):
    """Which tenant a Shopify shop is connected to: webhooks name only the shop's domain.

    A shop belongs to one tenant at a time; its Store row with the credentials lives in that
    tenant's schema.
    """

    shop_domain = models.CharField(max_length=255, unique=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="connected_shops")
    connected_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.shop_domain
