"""The one way views and API endpoints reach a tenant: membership first, then the role's rights.

Non-members get 404 (the tenant's existence is not revealed); members whose role lacks a right get
403 with a sentence saying which right is missing.
"""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from accounts.models import Membership
from accounts.permissions import CAPABILITY_LABELS, role_can
from accounts.selectors import membership_for
from tenants.models import Tenant


def require_capability(membership: Membership, capability: str) -> None:
    if not role_can(membership.role, capability):
        raise PermissionDenied(
            f"Your role ({membership.get_role_display().lower()}) cannot "
            f"{CAPABILITY_LABELS[capability]}. Ask an owner or admin of this workspace."
        )


def tenant_membership_on_main_host(
    request, tenant_id: int
) -> tuple[Tenant | None, Membership | None]:
    """The tenant with this id and the user's membership of it (None for either when missing),
    looked up once per request: the API's per-tenant throttle asks before the view does."""
    http_request = getattr(request, "_request", request)
    found = http_request.__dict__.setdefault("_tenant_memberships", {})
    if tenant_id not in found:
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        membership = membership_for(user=request.user, tenant=tenant) if tenant else None
        found[tenant_id] = (tenant, membership)
    return found[tenant_id]


def tenant_access_for_request(
    request, *, tenant_id: int | None = None, capability: str | None = None
) -> tuple[Tenant, Membership]:
    """The tenant the request is about, with the user's membership, and its schema activated.

    On a tenant host that is the host's tenant (`tenant_id` must then be absent or equal); on the
    main host it is the tenant with `tenant_id`. Raises Http404 unless the user is a member, and
    PermissionDenied when `capability` is given and the role lacks it.
    """
    host_tenant = getattr(request, "tenant", None)
    if host_tenant is not None:
        if tenant_id is not None and tenant_id != host_tenant.pk:
            raise Http404("Page not found")
        tenant = host_tenant
        membership = getattr(request, "membership", None)
        if membership is None:
            membership = membership_for(user=request.user, tenant=tenant)
    elif tenant_id is not None:
        tenant, membership = tenant_membership_on_main_host(request, tenant_id)
    else:
        tenant = membership = None
    if tenant is None or membership is None:
        raise Http404("Page not found")
    if capability is not None:
        require_capability(membership, capability)
    connection.set_tenant(tenant)
    return tenant, membership
