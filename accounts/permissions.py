"""The one place that says which role may do what (mirrored in docs/permissions.md)."""

from accounts.models import Role

VIEW_ANALYTICS = "view_analytics"
EXPORT_DATA = "export_data"
RUN_SYNC = "run_sync"
MANAGE_STORES = "manage_stores"
MANAGE_MEMBERS = "manage_members"
VIEW_AUDIT_LOG = "view_audit_log"
MANAGE_TENANT = "manage_tenant"  # delete the tenant, transfer ownership

CAPABILITY_LABELS = {
    VIEW_ANALYTICS: "view analytics",
    EXPORT_DATA: "download exports",
    RUN_SYNC: "start a sync",
    MANAGE_STORES: "manage stores and settings",
    MANAGE_MEMBERS: "manage members",
    VIEW_AUDIT_LOG: "see the audit log",
    MANAGE_TENANT: "delete the workspace or transfer ownership",
}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset({VIEW_ANALYTICS}),
    Role.ANALYST: frozenset({VIEW_ANALYTICS, EXPORT_DATA, RUN_SYNC}),
    Role.ADMIN: frozenset(
        {VIEW_ANALYTICS, EXPORT_DATA, RUN_SYNC, MANAGE_STORES, MANAGE_MEMBERS, VIEW_AUDIT_LOG}
    ),
    Role.OWNER: frozenset(
        {
            VIEW_ANALYTICS,
            EXPORT_DATA,
            RUN_SYNC,
            MANAGE_STORES,
            MANAGE_MEMBERS,
            VIEW_AUDIT_LOG,
            MANAGE_TENANT,
        }
    ),
}


def role_can(role: str | None, capability: str) -> bool:
    return role is not None and capability in ROLE_CAPABILITIES.get(role, frozenset())
