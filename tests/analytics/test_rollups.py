"""Rollups kept up to date batch by batch equal rollups rebuilt from scratch."""

import datetime as dt
import random

from django.db import connection

from analytics.services import rollups_refresh
from shopify_sync.models import LineItem, Order
from tests.analytics.factories import dataset_generate, local, refund_create

ROLLUP_TABLES = [
    "analytics_order_fact",
    "analytics_refund_fact",
    "analytics_daily_sales",
    "analytics_daily_order_mix",
    "analytics_daily_product_sales",
    "analytics_customer_day",
    "analytics_customer_stats",
]


def snapshot(store_id: int) -> dict[str, list[tuple]]:
    tables = {}
    with connection.cursor() as cursor:
        for table in ROLLUP_TABLES:
            cursor.execute(
                f"SELECT to_jsonb(t) - 'id' FROM {table} t WHERE store_id = %s",  # noqa: S608
                [store_id],
            )
            tables[table] = sorted(str(row) for (row,) in cursor.fetchall())
    return tables


def rebuilt(store_id: int) -> dict[str, list[tuple]]:
    rollups_refresh(store_id=store_id)
    return snapshot(store_id)


def test_a_sequence_of_syncs_and_webhooks_leaves_the_rollups_of_a_rebuild(acme_schema):
    rng = random.Random(3)
    store = dataset_generate(orders_per_store=60)[0]
    orders = list(Order.objects.filter(store=store).order_by("shopify_id"))
    # First sync arrives in three batches.
    for batch in (orders[:20], orders[20:45], orders[45:]):
        rollups_refresh(store_id=store.pk, order_shopify_ids=[o.shopify_id for o in batch])
    assert snapshot(store.pk)["analytics_daily_sales"]

    changes = []
    moved = orders[3]  # edited onto the other side of local midnight on the DST change
    moved.processed_at = local(store.iana_timezone, 2025, 3, 9, 0, 10)
    changes.append(moved)
    regular = rng.sample(orders[10:], 6)
    regular[0].customer_shopify_id = regular[1].customer_shopify_id or 42
    regular[1].customer_shopify_id = None  # became a guest checkout
    regular[2].deleted_at = regular[2].processed_at
    regular[3].test = True
    regular[4].deleted_at = None
    regular[4].test = False
    changes += regular[:5]
    for order in changes:
        order.save()
    rollups_refresh(store_id=store.pk, order_shopify_ids=[o.shopify_id for o in changes])
    assert snapshot(store.pk) == rebuilt(store.pk)

    late = regular[5]  # a refund webhook weeks later, then a line item removed by an edit
    item = LineItem.objects.filter(store=store, order_shopify_id=late.shopify_id).first()
    refund_create(
        store,
        order=late,
        created_at=late.processed_at + dt.timedelta(days=40),
        lines=[(item, 1, "5.00", "0.40")],
    )
    rollups_refresh(store_id=store.pk, order_shopify_ids=[late.shopify_id])
    LineItem.objects.filter(pk=item.pk).update(deleted_at=late.processed_at)
    Order.objects.filter(pk=moved.pk).update(processed_at=moved.processed_at - dt.timedelta(days=9))
    rollups_refresh(store_id=store.pk, order_shopify_ids=[late.shopify_id, moved.shopify_id])

    assert snapshot(store.pk) == rebuilt(store.pk)


def test_a_refresh_of_one_store_leaves_the_others_alone(dataset):
    other_before = snapshot(dataset[1].pk)

    rollups_refresh(store_id=dataset[0].pk)
    rollups_refresh(store_id=dataset[0].pk, order_shopify_ids=[1, 2, 3])

    assert snapshot(dataset[1].pk) == other_before
