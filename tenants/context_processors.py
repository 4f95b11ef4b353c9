from accounts.permissions import ROLE_CAPABILITIES


def tenant_context(request):
    # The tenant is named on a page only for its members: a 404 shown to an outsider on a
    # tenant's host must not reveal which tenant lives there.
    membership = getattr(request, "membership", None)
    return {
        "current_tenant": getattr(request, "tenant", None) if membership else None,
        "current_membership": membership,
        # Navigation shows only what the role may open (the table in accounts/permissions.py).
        "current_capabilities": ROLE_CAPABILITIES.get(membership.role, frozenset())
        if membership
        else frozenset(),
    }
