"""Nightly tenant housekeeping, run by Celery beat (schedule installed by migration 0004)."""

import logging

from django.db import connection

from tenants.models import Tenant
from tenants.retention import tenant_retention_prune
from tenants.task_base import TenantTask, tenant_task_enqueue
from xeno.celery import app

logger = logging.getLogger(__name__)


@app.task(name="tenants.retention_prune_all")
def retention_prune_all() -> int:
    """Queues one retention task per tenant that has a retention period; returns how many."""
    tenants = list(Tenant.objects.filter(data_retention_months__isnull=False))
    for tenant in tenants:
        tenant_task_enqueue(retention_prune, tenant=tenant)
    return len(tenants)


@app.task(base=TenantTask, name="tenants.retention_prune")
def retention_prune() -> dict[str, int]:
    from accounts.services import audit_record

    tenant = Tenant.objects.get(schema_name=connection.schema_name)
    counts = tenant_retention_prune(tenant=tenant)
    if any(counts.values()):
        connection.set_schema_to_public()
        audit_record(
            tenant=tenant,
            actor=None,
            action="retention.pruned",
            target=f"older than {tenant.data_retention_months} months",
            details=counts,
        )
    logger.info("retention applied", extra={"tenant": tenant.slug, "deleted": counts})
    return counts
