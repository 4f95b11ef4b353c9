from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Membership


def membership_for(*, user, tenant) -> Membership | None:
    """The user's membership of the tenant, or None (also for anonymous users)."""
    if tenant is None or not user.is_authenticated or not user.is_active:
        return None
    return Membership.objects.filter(user=user, tenant=tenant).first()


def memberships_of_user(*, user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")
    )


def membership_list_for_tenant(*, tenant) -> list[Membership]:
    """Members of the tenant, owner first, then by email."""
    order = {"owner": 0, "admin": 1, "analyst": 2, "viewer": 3}
    members = list(Membership.objects.filter(tenant=tenant).select_related("user"))
    return sorted(members, key=lambda m: (order.get(m.role, 9), m.user.email))


def membership_get_in_tenant(*, tenant, membership_id: int) -> Membership | None:
    return Membership.objects.filter(tenant=tenant, pk=membership_id).select_related("user").first()


def invitation_list_open(*, tenant) -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            tenant=tenant, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
        ).select_related("invited_by")
    )


def invitation_get_in_tenant(*, tenant, invitation_id: int) -> Invitation | None:
    return Invitation.objects.filter(tenant=tenant, pk=invitation_id).first()


def audit_event_list(*, tenant, action_prefix: str = "") -> QuerySet[AuditEvent]:
    """The tenant's audit events, newest first (a queryset, for pagination)."""
    events = AuditEvent.objects.filter(tenant_id=tenant.pk)
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    return events
