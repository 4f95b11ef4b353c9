from accounts.models import Membership


def membership_for(*, user, tenant) -> Membership | None:
    """The user's membership of the tenant, or None (also for anonymous users)."""
    if tenant is None or not user.is_authenticated or not user.is_active:
        return None
    return Membership.objects.filter(user=user, tenant=tenant).first()


def memberships_of_user(*, user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")
    )
