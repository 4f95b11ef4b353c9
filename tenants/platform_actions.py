"""Staff actions on whole tenants (staff admin): start syncs, retry failed runs.

The runs themselves are shopify_sync's business: these only call its `sync_request` for each of
the tenant's active stores, inside the tenant's schema, and record the request in the audit log.
"""

from django_tenants.utils import schema_context

from accounts.services import audit_record
from tenants.models import Tenant


def _active_stores():
    from shopify_sync.models import Store

    return list(Store.objects.filter(status=Store.Status.ACTIVE))


def tenant_sync_trigger(*, tenant: Tenant, actor, request=None) -> int:
    """Queues an incremental sync of every resource for each active store; returns how many
    runs were queued (0 for a paused tenant)."""
    from shopify_sync.models import SyncRun
    from shopify_sync.services import RESOURCES, sync_request

    if tenant.is_paused:
        return 0
    queued = 0
    with schema_context(tenant.schema_name):
        for store in _active_stores():
            _run, created = sync_request(
                store=store,
                kind=SyncRun.Kind.INCREMENTAL,
                resources=list(RESOURCES),
                trigger=SyncRun.Trigger.MANUAL,
                user_id=actor.pk,
            )
            queued += created
    if queued:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="sync.requested",
            target="all stores (staff)",
            details={"runs": queued},
            request=request,
        )
    return queued


def tenant_failed_runs_retry(*, tenant: Tenant, actor, request=None) -> int:
    """For each active store whose latest run failed, queues that run again (same kind and
    resources); returns how many were queued."""
    from shopify_sync.models import SyncRun
    from shopify_sync.services import sync_request

    if tenant.is_paused:
        return 0
    queued = 0
    with schema_context(tenant.schema_name):
        for store in _active_stores():
            latest = SyncRun.objects.filter(store=store).order_by("-created_at").first()
            if latest is None or latest.status != SyncRun.Status.FAILED:
                continue
            _run, created = sync_request(
                store=store,
                kind=latest.kind,
                resources=list(latest.resources),
                trigger=SyncRun.Trigger.MANUAL,
                user_id=actor.pk,
            )
            queued += created
    if queued:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="sync.requested",
            target="retry failed runs (staff)",
            details={"runs": queued},
            request=request,
        )
    return queued
