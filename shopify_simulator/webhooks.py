"""Webhook subscriptions and at-least-once delivery with Shopify's headers and failure modes."""

from __future__ import annotations

import heapq
import itertools
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

from . import rest_payloads
from .auth import webhook_hmac
from .wire import gid, iso_local, iso_utc

TWO_WORD_RESOURCES = ("BULK_OPERATIONS_", "INVENTORY_LEVELS_")


def rest_topic(enum_value: str) -> str:
    """ORDERS_CREATE -> orders/create, BULK_OPERATIONS_FINISH -> bulk_operations/finish."""
    for prefix in TWO_WORD_RESOURCES:
        if enum_value.startswith(prefix):
            return prefix[:-1].lower() + "/" + enum_value[len(prefix) :].lower()
    resource, _, action = enum_value.partition("_")
    return f"{resource.lower()}/{action.lower()}"


@dataclass
class Subscription:
    id: int
    topic: str
    uri: str
    format: str
    app: object
    version: str
    created_at: int
    topic_enum: str = ""
    include_fields: list = field(default_factory=list)
    consecutive_failures: int = 0


def subscription_resolvers() -> dict:
    return {
        "id": lambda s, a, c: gid("WebhookSubscription", s.id),
        "legacyResourceId": lambda s, a, c: str(s.id),
        # GraphQL answers with the enum (ORDERS_CREATE); deliveries carry the REST form.
        "topic": lambda s, a, c: s.topic_enum,
        "endpoint": lambda s, a, c: {"__typename": "WebhookHttpEndpoint", "callbackUrl": s.uri},
        "callbackUrl": lambda s, a, c: s.uri,
        "includeFields": lambda s, a, c: s.include_fields,
        "createdAt": lambda s, a, c: iso_utc(s.created_at),
        "updatedAt": lambda s, a, c: iso_utc(s.created_at),
    }


@dataclass(order=True)
class Delivery:
    due: float
    sequence: int
    subscription: Subscription = field(compare=False)
    shop: object = field(compare=False)
    body: bytes = field(compare=False)
    event_id: str = field(compare=False)
    triggered_at: str = field(compare=False)
    attempt: int = field(default=0, compare=False)


class DeliveryHub:
    """One background thread delivers every shop's webhooks, retrying with backoff."""

    def __init__(self, retry_delay: float = 1.0, max_attempts: int = 8, failure_limit: int = 8):
        self.retry_delay = retry_delay
        self.max_attempts = max_attempts
        self.failure_limit = failure_limit
        self.queue: list[Delivery] = []
        self.sequence = itertools.count()
        self.condition = threading.Condition()
        self.stopped = False
        self.delivered: list[dict] = []  # a log for tests and /_simulator/.../webhooks
        self.thread = threading.Thread(target=self._loop, name="webhook-delivery", daemon=True)
        self.thread.start()

    def push(self, delivery: Delivery) -> None:
        with self.condition:
            heapq.heappush(self.queue, delivery)
            self.condition.notify()

    def pending(self) -> int:
        with self.condition:
            return len(self.queue)

    def stop(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify()
        self.thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self.condition:
                while not self.stopped and (not self.queue or self.queue[0].due > time.time()):
                    timeout = self.queue[0].due - time.time() if self.queue else None
                    self.condition.wait(timeout)
                if self.stopped:
                    return
                delivery = heapq.heappop(self.queue)
            self._attempt(delivery)

    def _attempt(self, delivery: Delivery) -> None:
        subscription = delivery.subscription
        shop = delivery.shop
        if subscription.id not in shop.webhooks.subscriptions:
            return
        status = _post(delivery)
        self.delivered.append(
            {
                "shop": shop.config.domain,
                "topic": subscription.topic,
                "status": status,
                "event_id": delivery.event_id,
                "attempt": delivery.attempt,
            }
        )
        if status is not None and 200 <= status < 300:
            subscription.consecutive_failures = 0
            return
        subscription.consecutive_failures += 1
        if subscription.consecutive_failures >= self.failure_limit:
            # Shopify removes a subscription whose endpoint keeps failing.
            shop.webhooks.subscriptions.pop(subscription.id, None)
            return
        if delivery.attempt + 1 < self.max_attempts:
            delivery.attempt += 1
            delivery.due = time.time() + self.retry_delay * 2 ** (delivery.attempt - 1)
            delivery.sequence = next(self.sequence)
            self.push(delivery)


def _post(delivery: Delivery) -> int | None:
    subscription = delivery.subscription
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Shopify-Captain-Hook",
        "X-Shopify-Topic": subscription.topic,
        "X-Shopify-Hmac-Sha256": webhook_hmac(delivery.body, subscription.app.signing_secret),
        "X-Shopify-Shop-Domain": delivery.shop.config.domain,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": delivery.event_id,
        "X-Shopify-API-Version": subscription.version,
        "X-Shopify-Triggered-At": delivery.triggered_at,
    }
    parts = urlsplit(subscription.uri)
    connection_class = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # http.client keeps header names as written; urllib would rewrite them to "X-shopify-topic".
    connection = connection_class(parts.hostname, parts.port, timeout=5)
    try:
        connection.request("POST", path, delivery.body, headers)
        return connection.getresponse().status
    except (OSError, HTTPException):
        return None
    finally:
        connection.close()


class ShopWebhooks:
    """Subscriptions of one shop and the translation of shop changes into deliveries."""

    def __init__(self, shop, hub: DeliveryHub, ids: itertools.count, seed: int) -> None:
        self.shop = shop
        self.hub = hub
        self.ids = ids
        self.subscriptions: dict[int, Subscription] = {}
        self.rng = random.Random(seed)

    def find(self, number: int, app) -> Subscription | None:
        sub = self.subscriptions.get(number)
        return sub if sub is not None and sub.app.key == app.key else None

    def list(self, app, topics=None) -> list[Subscription]:
        return [
            s
            for s in self.subscriptions.values()
            if s.app.key == app.key and (not topics or s.topic_enum in topics)
        ]

    def create(self, ctx, args: dict) -> dict:
        spec = args.get("webhookSubscription") or {}
        uri = spec.get("uri") or spec.get("callbackUrl")
        if not uri or not uri.startswith(("http://", "https://")):
            return _error(["webhookSubscription", "callbackUrl"], "Address is invalid")
        topic = args["topic"]
        for existing in self.list(ctx.token.app):
            if existing.topic_enum == topic and existing.uri == uri:
                return _error(
                    ["webhookSubscription", "callbackUrl"],
                    "Address for this topic has already been taken",
                )
        sub = Subscription(
            id=next(self.ids),
            topic=rest_topic(topic),
            uri=uri,
            format=spec.get("format") or "JSON",
            app=ctx.token.app,
            version=ctx.version,
            created_at=self.shop.state.clock.now(),
            topic_enum=topic,
            include_fields=spec.get("includeFields") or [],
        )
        self.subscriptions[sub.id] = sub
        return {"webhookSubscription": sub, "userErrors": []}

    def delete(self, ctx, value: str) -> dict:
        number = value.rsplit("/", 1)[-1]
        sub = self.find(int(number), ctx.token.app) if number.isdigit() else None
        if sub is None:
            return {
                "deletedWebhookSubscriptionId": None,
                "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
            }
        del self.subscriptions[sub.id]
        return {"deletedWebhookSubscriptionId": value, "userErrors": []}

    # -- events ----------------------------------------------------------------------------
    def on_event(self, topic: str, resource) -> None:
        targets = [s for s in list(self.subscriptions.values()) if s.topic == topic]
        if topic == "bulk_operations/finish":
            targets = [s for s in targets if s.app.key == resource.app_key]
        if not targets:
            return
        event_id = str(uuid.uuid4())
        triggered = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        config = self.shop.config
        for sub in targets:
            body = json.dumps(self.payload(topic, resource, sub.version), ensure_ascii=False)
            self._schedule(sub, body.encode(), event_id, triggered, config)

    def _schedule(self, sub, body: bytes, event_id: str, triggered: str, config) -> None:
        rng = self.rng
        if rng.random() < config.webhook_drop_rate:
            return
        copies = 2 if rng.random() < config.webhook_duplicate_rate else 1
        for _ in range(copies):
            delay = config.webhook_delay_ms / 1000
            if config.webhook_reorder:
                delay += rng.random() * 0.5
            self.hub.push(
                Delivery(
                    time.time() + delay,
                    next(self.hub.sequence),
                    sub,
                    self.shop,
                    body,
                    event_id,
                    triggered,
                )
            )

    def payload(self, topic: str, resource, version: str) -> dict:
        config = self.shop.config
        tz, currency = config.timezone, config.currency
        state = self.shop.state
        if topic.startswith("orders/"):
            return rest_payloads.order_json(
                resource, state.customer_by_id(resource.customer_id), tz, currency
            )
        if topic == "refunds/create":
            return rest_payloads.refund_json(resource, tz, currency)
        if topic == "customers/delete":
            return {
                "id": resource.id,
                "tax_exemptions": [],
                "admin_graphql_api_id": gid("Customer", resource.id),
            }
        if topic.startswith("customers/"):
            return rest_payloads.customer_json(resource, tz, currency, version)
        if topic == "products/delete":
            return {"id": resource.id}
        if topic.startswith("products/"):
            return rest_payloads.product_json(resource, tz)
        if topic == "bulk_operations/finish":
            return {
                "admin_graphql_api_id": gid("BulkOperation", resource.id),
                "completed_at": iso_local(resource.completed_at, tz),
                "created_at": iso_local(resource.created_at, tz),
                "error_code": resource.error_code.lower() if resource.error_code else None,
                "status": resource.status.lower(),
                "type": resource.type.lower(),
            }
        return rest_payloads.shop_json(self.shop)


def _error(path: list, message: str) -> dict:
    return {"webhookSubscription": None, "userErrors": [{"field": path, "message": message}]}
