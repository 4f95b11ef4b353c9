from tenants.models import Domain, Tenant


def tenant_for_hostname(*, hostname: str) -> Tenant | None:
    """The tenant served at `hostname`, or None when no tenant has that host."""
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    return domain.tenant if domain else None


def tenant_list_for_user(*, user) -> list[Tenant]:
    """Tenants the user belongs to, by name."""
    if not user.is_authenticated:
        return []
    return list(Tenant.objects.filter(memberships__user=user).order_by("name"))
