"""Webhooks: receiving (verify, store once, queue) and applying them to the tenant's data.

Webhooks make data fresh within seconds but are never the only source of truth — Shopify
delivers them late, twice, out of order or not at all — so applying one is an idempotent upsert
guarded by `updated_at`, and scheduled syncs and reconciliation cover what they miss.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from shopify_sync import queries, records, rollup_hooks, writer
from shopify_sync.credentials import store_client
from shopify_sync.crypto import secret_decrypt
from shopify_sync.models import (
    Customer,
    CustomerRedaction,
    Order,
    ProductVariant,
    Store,
    WebhookEvent,
)
from shopify_sync.readers import Batch
from tenants.hosts import main_host_url
from tenants.models import ConnectedShop
from tenants.task_base import tenant_task_enqueue

logger = logging.getLogger(__name__)

TOPICS = (
    "ORDERS_CREATE",
    "ORDERS_UPDATED",
    "ORDERS_CANCELLED",
    "ORDERS_DELETE",
    "REFUNDS_CREATE",
    "CUSTOMERS_CREATE",
    "CUSTOMERS_UPDATE",
    "CUSTOMERS_DELETE",
    "PRODUCTS_CREATE",
    "PRODUCTS_UPDATE",
    "PRODUCTS_DELETE",
    "APP_UNINSTALLED",
)


def webhook_signature_valid(*, body: bytes, signature: str, secret: str) -> bool:
    if not secret or not signature:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.encode())


def _store_secret(store: Store) -> str:
    return secret_decrypt(store.webhook_secret_encrypted) or settings.SHOPIFY_API_SECRET


def webhook_receive(
    *,
    shop_domain: str,
    topic: str,
    signature: str,
    body: bytes,
    event_id: str,
    webhook_id: str,
    api_version: str,
    triggered_at: str,
) -> tuple[int, str]:
    """Verifies and stores a delivery once; returns (HTTP status, reason). Fast: the work
    happens in a task queued after the event is committed."""
    link = ConnectedShop.objects.select_related("tenant").filter(shop_domain=shop_domain).first()
    if link is None:
        # Answered like a bad signature, so a caller cannot probe which shops are connected.
        return 401, "invalid signature"
    with schema_context(link.tenant.schema_name):
        store = Store.objects.filter(shop_domain=shop_domain).first()
        if store is None or not webhook_signature_valid(
            body=body, signature=signature, secret=_store_secret(store)
        ):
            return 401, "invalid signature"
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, "body is not JSON"
        if not isinstance(payload, dict) or not topic:
            return 400, "missing topic or payload"
        triggered = None
        try:
            triggered = datetime.fromisoformat(triggered_at.replace("Z", "+00:00"))
        except ValueError:
            pass
        try:
            with transaction.atomic():
                event = WebhookEvent.objects.create(
                    store=store,
                    # Redeliveries keep the event id and get a new webhook id.
                    event_id=event_id or webhook_id,
                    webhook_id=webhook_id,
                    topic=topic,
                    api_version=api_version,
                    triggered_at=triggered,
                    payload=payload,
                )
                from shopify_sync.tasks import webhook_process_task

                tenant_task_enqueue(webhook_process_task, tenant=link.tenant, event_id=event.pk)
        except IntegrityError:
            return 200, "duplicate event ignored"
    return 200, "accepted"


class _Tally:
    """What sync_engine.write_batch needs of a run, for writes that are not part of one."""

    def __init__(self, store: Store):
        self.store = store
        self.changed_orders: set[int] = set()
        self.stats: dict = {}

    def count(self, resource: str, key: str, amount: int) -> None:
        self.stats[f"{resource}.{key}"] = self.stats.get(f"{resource}.{key}", 0) + amount


def _batch(rows: dict[str, list[dict]], complete: dict[str, set[int]]) -> Batch:
    return Batch(rows=rows, complete_parents=complete)


def _apply_rows(store: Store, rows: dict[str, list[dict]], complete: dict[str, set[int]]):
    from shopify_sync.sync_engine import write_batch

    tally = _Tally(store)
    write_batch(tally, _batch(rows, complete), seen_at=timezone.now())
    if tally.changed_orders:
        rollup_hooks.orders_changed(store_id=store.pk, order_ids=tally.changed_orders)


def _delete(store: Store, resource: str, payload: dict, when) -> None:
    ids = [records.gid_to_id(payload.get("id"))]
    changed = writer.records_mark_deleted(
        store_id=store.pk, resource=resource, shopify_ids=ids, deleted_at=when
    )
    if resource == "orders" and changed:
        rollup_hooks.orders_changed(store_id=store.pk, order_ids=set(changed))
    if resource == "products":
        # A deleted product's variants are gone with it.
        ProductVariant.objects.filter(
            store=store, product_shopify_id__in=ids, deleted_at__isnull=True
        ).update(deleted_at=when)


def _redact_customer(store: Store, payload: dict) -> None:
    customer_id = records.gid_to_id((payload.get("customer") or {}).get("id"))
    order_ids = [records.gid_to_id(i) for i in payload.get("orders_to_redact") or []]
    # Remembered, so that what Shopify still sends of this customer is blanked on the way in.
    CustomerRedaction.objects.create(
        store=store, customer_shopify_id=customer_id, order_shopify_ids=order_ids
    )
    Customer.objects.filter(store=store, shopify_id=customer_id).update(
        email="", first_name="", last_name="", phone="", city=""
    )
    Order.objects.filter(store=store, customer_shopify_id=customer_id).update(email="")
    Order.objects.filter(store=store, shopify_id__in=order_ids).update(email="")


def store_data_erase(*, store: Store) -> None:
    """Deletes everything synced from the store, rollups included (the store row stays)."""
    for spec in writer.TABLES.values():
        spec.model.objects.filter(store=store).delete()
    writer.unchanged_forget(store_id=store.pk, resources=tuple(writer.TABLES))
    rollup_hooks.store_rebuilt(store_id=store.pk)


def webhook_event_apply(*, event_id: int) -> None:
    """Applies a stored webhook event; running it twice has the effect of running it once."""
    from shopify_sync.services import store_mark_status

    event = WebhookEvent.objects.select_related("store").get(pk=event_id)
    if event.processed_at is not None:
        return
    store, payload, topic = event.store, event.payload, event.topic
    when = event.triggered_at or timezone.now()
    with transaction.atomic():
        if topic.startswith("orders/") and topic not in ("orders/delete", "orders/edited"):
            rows = records.order_rows_from_webhook(payload)
            order_id = rows["orders"][0]["shopify_id"]
            refunds = {row["shopify_id"] for row in rows["refunds"]}
            _apply_rows(store, rows, {"orders": {order_id}, "refunds": refunds})
        elif topic == "refunds/create":
            rows = records.refund_rows_from_webhook(payload)
            refunds = {row["shopify_id"] for row in rows["refunds"]}
            _apply_rows(store, rows, {"refunds": refunds})
        elif topic in (
            "customers/create",
            "customers/update",
            "customers/enable",
            "customers/disable",
        ):
            _apply_rows(store, {"customers": [records.customer_row_from_webhook(payload)]}, {})
        elif topic in ("products/create", "products/update"):
            rows = records.product_rows_from_webhook(payload)
            _apply_rows(store, rows, {"products": {rows["products"][0]["shopify_id"]}})
        elif topic in ("orders/delete", "customers/delete", "products/delete"):
            _delete(store, topic.split("/")[0], payload, when)
        elif topic == "app/uninstalled":
            store_mark_status(
                store=store,
                status=Store.Status.UNINSTALLED,
                reason="The Xeno app was uninstalled from this store in Shopify.",
            )
        elif topic == "customers/redact":
            _redact_customer(store, payload)
        elif topic == "shop/redact":
            store_data_erase(store=store)
        elif topic == "customers/data_request":
            # Xeno holds only what Shopify holds; the request is recorded for the merchant.
            pass
        logger.info("webhook applied", extra={"topic": topic, "shop": store.shop_domain})
        event.processed_at = timezone.now()
        # Applied, the body is not needed again (the event id alone keeps redeliveries out), and
        # keeping it would keep customers' personal details that redaction must be able to erase.
        event.payload = {}
        event.save(update_fields=["processed_at", "payload"])


def webhook_callback_url() -> str:
    return settings.SHOPIFY_WEBHOOK_URL or main_host_url("/webhooks/shopify/")


def store_webhooks_register(*, store_id: int) -> int:
    """Subscribes the store to every topic Xeno listens to (missing ones only)."""
    store = Store.objects.get(pk=store_id)
    if not _store_secret(store):
        return 0  # without a signing secret deliveries could not be verified; syncs cover it
    url = webhook_callback_url()
    with store_client(store) as client:
        existing = client.execute(queries.WEBHOOK_LIST)["webhookSubscriptions"]["nodes"]
        # A topic subscribed to another address (an old one, another deployment) is not ours.
        have = {node["topic"] for node in existing if node.get("callbackUrl") == url}
        for topic in TOPICS:
            if topic not in have:
                result = client.execute(queries.WEBHOOK_CREATE, {"topic": topic, "url": url})
                if not result["webhookSubscriptionCreate"]["userErrors"]:
                    have.add(topic)
    store.webhook_topics = sorted(have)
    store.webhooks_checked_at = timezone.now()
    store.save(update_fields=["webhook_topics", "webhooks_checked_at", "updated_at"])
    logger.info(
        "webhooks registered", extra={"shop": store.shop_domain, "schema": connection.schema_name}
    )
    return len(have)


def store_webhooks_unregister(*, store: Store) -> int:
    """Deletes the store's subscriptions that point at Xeno; returns how many went. Runs while
    the merchant waits for the disconnection: one retry, and Shopify drops what is left itself
    when the app is uninstalled."""
    url = webhook_callback_url()
    removed = 0
    with store_client(store, max_attempts=2) as client:
        nodes = client.execute(queries.WEBHOOK_LIST)["webhookSubscriptions"]["nodes"]
        for node in nodes:
            if node.get("callbackUrl") == url:
                client.execute(queries.WEBHOOK_DELETE, {"id": node["id"]})
                removed += 1
    return removed
