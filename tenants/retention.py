"""Data retention: orders older than the tenant's retention period are removed."""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from tenants.models import Tenant

_DAYS_PER_MONTH = 30.44


def retention_cutoff(*, months: int, now=None):
    return (now or timezone.now()) - timedelta(days=round(months * _DAYS_PER_MONTH))


@transaction.atomic
def tenant_retention_prune(*, tenant: Tenant, now=None) -> dict[str, int]:
    """Deletes, in the current (tenant) schema, orders created before the cutoff together with
    their line items, refunds and refund line items. Returns deleted row counts per model; empty
    when retention is off. Safe to run twice."""
    from shopify_sync.models import LineItem, Order, Refund, RefundLineItem

    if not tenant.data_retention_months:
        return {}
    cutoff = retention_cutoff(months=tenant.data_retention_months, now=now)
    orders = Order._meta.db_table
    counts = {}
    with connection.cursor() as cursor:
        # Children name their order by (store, Shopify id), not by a foreign key, so one
        # set-based DELETE ... USING per table instead of loading ids.
        for model in (RefundLineItem, LineItem, Refund):
            table = model._meta.db_table
            cursor.execute(
                f'DELETE FROM "{table}" AS child USING "{orders}" AS o '  # noqa: S608
                "WHERE o.store_id = child.store_id AND o.shopify_id = child.order_shopify_id "
                "AND o.created_at < %s",
                [cutoff],
            )
            counts[model.__name__] = cursor.rowcount
        cursor.execute(f'DELETE FROM "{orders}" WHERE created_at < %s', [cutoff])  # noqa: S608
        counts["Order"] = cursor.rowcount
    return counts
