"""/advance: what a store does over a span of time, scaled to the shop's order rate."""

from __future__ import annotations

import bisect
import random

from .generate import cancel_order, refund_order
from .wire import gid, iso_utc

DAY = 86400
KINDS = (
    "orders",
    "customers",
    "refunds",
    "fulfillments",
    "cancellations",
    "order_edits",
    "product_creates",
    "product_updates",
    "product_archives",
    "product_deletes",
    "inventory_changes",
    "customer_updates",
    "customer_deletes",
)


def expected_counts(config, seconds: int) -> dict[str, float]:
    # The last days of history sell ~1.4x the average day (growth), so do new days.
    orders = config.orders / (config.history_days * DAY) * 1.4 * seconds
    per_order = config.customers / max(config.orders, 1)
    return {
        "orders": orders,
        "customers": orders * per_order * 0.8,
        "refunds": orders * 0.06,
        "fulfillments": orders * 0.8,
        "cancellations": orders * 0.015,
        "order_edits": orders * 0.05,
        "product_creates": orders * 0.004,
        "product_updates": orders * 0.02,
        "product_archives": orders * 0.002,
        "product_deletes": orders * 0.001,
        "inventory_changes": orders * 0.05,
        "customer_updates": orders * 0.05,
        "customer_deletes": orders * 0.002,
    }


def _draw(rng: random.Random, mean: float) -> int:
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)


class Activity:
    def __init__(self, shop, seed: int) -> None:
        self.shop = shop
        self.rng = random.Random(seed)

    def advance(self, minutes: float, overrides: dict | None = None) -> dict:
        state = self.shop.state
        seconds = int(minutes * 60)
        start, end = state.clock.advance(seconds)
        rng = self.rng
        counts = {k: _draw(rng, v) for k, v in expected_counts(self.shop.config, seconds).items()}
        counts.update({k: int(v) for k, v in (overrides or {}).items() if k in KINDS})
        changed: dict[str, list[str]] = {k: [] for k in KINDS}
        plan = [kind for kind in KINDS for _ in range(counts[kind])]
        rng.shuffle(plan)
        # Customers and orders are created first so edits in the span can touch them.
        plan.sort(key=lambda kind: kind not in ("customers", "orders"))
        times = sorted(rng.randint(start + 1, max(end, start + 1)) for _ in plan)
        with state.lock:
            for kind, at in zip(plan, times, strict=True):
                result = getattr(self, kind)(at)
                if result:
                    changed[kind].append(result)
        return {
            "from": iso_utc(start),
            "to": iso_utc(end),
            "counts": {k: len(v) for k, v in changed.items()},
            "ids": {k: v for k, v in changed.items() if v},
        }

    # -- orders ----------------------------------------------------------------------------
    def orders(self, at: int) -> str:
        order = self.shop.state.add_order(at)
        self.shop.state.emit("orders/create", order)
        return gid("Order", order.id)

    def _pick_order(self, newer_than: int | None, want):
        state = self.shop.state
        low = 0
        if newer_than is not None:
            low = bisect.bisect_left(state.order_created, newer_than)
        if low >= state.order_count:
            return None
        for _ in range(20):
            index = self.rng.randrange(low, state.order_count)
            order = state.order(index)
            if want(order):
                return state.editable_order(index)
        return None

    def _save(self, order, at: int, topics) -> str:
        self.shop.state.save_order(order, at)
        for topic in topics:
            self.shop.state.emit(topic, order)
        return gid("Order", order.id)

    def refunds(self, at: int) -> str | None:
        order = self._pick_order(
            None,
            lambda o: o.cancelled_at is None
            and o.fulfillment_status == "FULFILLED"
            and any(li.current_quantity for li in o.line_items)
            and len(o.refunds) < 6,
        )
        if order is None:
            return None
        refund = refund_order(
            self.shop.state.generator, order, at, self.rng, self.rng.random() < 0.3
        )
        self.shop.state.save_order(order, at)
        self.shop.state.emit("refunds/create", refund)
        self.shop.state.emit("orders/updated", order)
        return gid("Refund", refund.id)

    def fulfillments(self, at: int) -> str | None:
        order = self._pick_order(
            at - 14 * DAY,
            lambda o: o.cancelled_at is None and o.fulfillment_status != "FULFILLED",
        )
        if order is None:
            return None
        order.fulfillment_status = "FULFILLED"
        order.fulfilled_at = at
        return self._save(order, at, ("orders/fulfilled", "orders/updated"))

    def cancellations(self, at: int) -> str | None:
        order = self._pick_order(
            at - 3 * DAY,
            lambda o: o.cancelled_at is None
            and o.fulfillment_status == "UNFULFILLED"
            and not o.refunds,
        )
        if order is None:
            return None
        reason = self.rng.choice(("CUSTOMER", "INVENTORY", "FRAUD", "DECLINED"))
        cancel_order(self.shop.state.generator, order, at, reason, self.rng)
        self.shop.state.save_order(order, at)
        self.shop.state.emit("refunds/create", order.refunds[-1])
        return self._save(order, at, ("orders/cancelled", "orders/updated"))

    def order_edits(self, at: int) -> str | None:
        order = self._pick_order(at - 60 * DAY, lambda o: True)
        if order is None:
            return None
        order.tags = sorted({*order.tags, self.rng.choice(("gift", "priority", "reviewed"))})
        order.note = self.rng.choice(("Leave at the door", "Gift wrap, please", "Call on arrival"))
        return self._save(order, at, ("orders/updated",))

    # -- customers -------------------------------------------------------------------------
    def customers(self, at: int) -> str:
        customer = self.shop.state.add_customer(at)
        self.shop.state.emit("customers/create", customer)
        return gid("Customer", customer.id)

    def _live_customer(self, want=lambda c: True):
        customers = self.shop.state.customers
        for _ in range(20):
            customer = customers[self.rng.randrange(len(customers))] if customers else None
            if customer is not None and not customer.deleted and want(customer):
                return customer
        return None

    def customer_updates(self, at: int) -> str | None:
        customer = self._live_customer()
        if customer is None:
            return None
        customer.phone = f"+1555{self.rng.randint(1000000, 9999999)}"
        customer.state = self.rng.choice(("ENABLED", "DISABLED"))
        self.shop.state.touch_customer(customer, at)
        self.shop.state.emit("customers/update", customer)
        return gid("Customer", customer.id)

    def customer_deletes(self, at: int) -> str | None:
        # Shopify refuses to delete customers who have orders.
        customer = self._live_customer(lambda c: c.order_count == 0)
        if customer is None:
            return None
        self.shop.state.delete_customer(customer)
        self.shop.state.emit("customers/delete", customer)
        return gid("Customer", customer.id)

    # -- products --------------------------------------------------------------------------
    def product_creates(self, at: int) -> str:
        product = self.shop.state.add_product(at)
        self.shop.state.emit("products/create", product)
        return gid("Product", product.id)

    def _live_product(self, want=lambda p: True):
        products = self.shop.state.products
        for _ in range(20):
            product = products[self.rng.randrange(len(products))] if products else None
            if product is not None and not product.deleted and want(product):
                return product
        return None

    def _touch_product(self, product, at: int) -> str:
        self.shop.state.touch_product(product, at)
        self.shop.state.emit("products/update", product)
        return gid("Product", product.id)

    def product_updates(self, at: int) -> str | None:
        product = self._live_product()
        if product is None:
            return None
        variant = self.rng.choice(product.variants)
        variant.price = max(100, variant.price + self.rng.choice((-500, -200, 200, 500)))
        variant.updated_at = max(variant.updated_at, at)
        return self._touch_product(product, at)

    def inventory_changes(self, at: int) -> str | None:
        product = self._live_product()
        if product is None:
            return None
        variant = self.rng.choice(product.variants)
        variant.inventory = max(0, variant.inventory + self.rng.randint(-20, 50))
        variant.updated_at = max(variant.updated_at, at)
        return self._touch_product(product, at)

    def product_archives(self, at: int) -> str | None:
        product = self._live_product(lambda p: p.status == "ACTIVE")
        if product is None:
            return None
        product.status = "ARCHIVED"
        return self._touch_product(product, at)

    def product_deletes(self, at: int) -> str | None:
        product = self._live_product()
        if product is None:
            return None
        self.shop.state.delete_product(product)
        self.shop.state.emit("products/delete", product)
        return gid("Product", product.id)
