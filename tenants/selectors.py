import re

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from tenants.models import Domain, Tenant, validate_slug_not_reserved


def tenant_for_hostname(*, hostname: str) -> Tenant | None:
    """The tenant served at `hostname`, or None when no tenant has that host."""
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    return domain.tenant if domain else None


def tenant_slug_candidates(*, name: str, count: int = 5) -> list[str]:
    """Free host labels derived from a company name, best first ("Acme Retail" → acme-retail,
    then acme-retail-2, ...). Free at the time of the check; tenant_create still enforces it."""
    base = slugify(name)[:34].strip("-")
    base = re.sub(r"-{2,}", "-", base)
    if not base or not base[0].isalpha():
        base = f"shop-{base}".strip("-")
    if len(base) < 3:
        base = f"{base}-shop"
    try:
        validate_slug_not_reserved(base)
    except ValidationError:
        base = f"{base}-shop".replace("--", "-")
    taken = set(Tenant.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    candidates = [base] if base not in taken else []
    suffix = 2
    while len(candidates) < count:
        slug = f"{base}-{suffix}"
        if slug not in taken:
            candidates.append(slug)
        suffix += 1
    return candidates


def tenant_store_summary() -> list[dict]:
    """Stores of the current tenant schema (domain, name, status), for settings and onboarding.
    Credentials are not selected."""
    from shopify_sync.models import Store

    return list(Store.objects.order_by("shop_domain").values("id", "shop_domain", "name", "status"))
