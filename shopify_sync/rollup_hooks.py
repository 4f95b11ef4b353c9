"""Where ingestion tells analytics what changed, inside the transaction that changed it, so a
page never shows a half-applied sync."""

from django.db import connection

from analytics.services import rollups_refresh
from shopify_sync.writer import TABLES

# The columns a rollup rebuild filters, joins and groups the raw tables on.
_REBUILD_READS = {
    "orders": ("store_id", "shopify_id", "deleted_at", "test", "customer_shopify_id"),
    "line_items": ("store_id", "shopify_id", "order_shopify_id", "deleted_at"),
    "refunds": ("store_id", "shopify_id", "order_shopify_id", "deleted_at"),
    "refund_lines": ("store_id", "refund_shopify_id", "line_item_shopify_id"),
}


def orders_changed(*, store_id: int, order_ids: set[int]) -> None:
    if order_ids:
        rollups_refresh(store_id=store_id, order_shopify_ids=sorted(order_ids))


def store_rebuilt(*, store_id: int) -> None:
    # A bulk load has just written most of these tables: without fresh statistics the planner
    # picks nested loops over them and a rebuild of seconds takes minutes. Only the columns the
    # rebuild reads: all of an order's took 0.38 s of 100,000 orders' 3 s rebuild, these 0.07 s.
    # A partial ANALYZE leaves the change counter alone, so autovacuum still analyzes the rest.
    with connection.cursor() as cursor:
        for table, columns in _REBUILD_READS.items():
            cursor.execute(f"ANALYZE {TABLES[table].table} ({', '.join(columns)})")
    rollups_refresh(store_id=store_id)
