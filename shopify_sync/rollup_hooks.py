"""Where ingestion tells analytics what changed, inside the transaction that changed it, so a
page never shows a half-applied sync."""

from django.db import connection

from analytics.services import rollups_refresh
from shopify_sync.writer import TABLES


def orders_changed(*, store_id: int, order_ids: set[int]) -> None:
    if order_ids:
        rollups_refresh(store_id=store_id, order_shopify_ids=sorted(order_ids))


def store_rebuilt(*, store_id: int) -> None:
    # A bulk load has just written most of these tables: without fresh statistics the planner
    # picks nested loops over them and a rebuild of seconds takes minutes.
    with connection.cursor() as cursor:
        for spec in TABLES.values():
            cursor.execute(f"ANALYZE {spec.table}")
    rollups_refresh(store_id=store_id)
