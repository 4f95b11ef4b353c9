"""One shop's live state: compact per-order arrays plus an overlay of changed orders."""

from __future__ import annotations

import bisect
import threading
import time
from array import array
from collections.abc import Callable

from .config import ShopConfig, _stable_int
from .generate import ShopGenerator
from .records import CUSTOMER_BASE, ORDER_BASE, PRODUCT_BASE, Customer, Order, Product

DAY = 86400


class Clock:
    """Simulated 'now': wall time plus whatever /advance added, and never earlier than before."""

    def __init__(self, anchor: int | None = None) -> None:
        self.offset = 0
        self.last = 0
        self.anchor = anchor if anchor is not None else int(time.time()) // 3600 * 3600
        self._lock = threading.Lock()

    def now(self) -> int:
        with self._lock:
            self.last = max(self.last, int(time.time()) + self.offset, self.anchor)
            return self.last

    def advance(self, seconds: int) -> tuple[int, int]:
        start = self.now()
        with self._lock:
            self.offset += seconds
        return start, self.now()


class SortedKeys:
    """(sort value, index) pairs kept in order, so a cursor resumes with one bisect."""

    def __init__(self, pairs) -> None:
        self.keys: list[tuple[int, int]] = sorted(pairs)

    def add(self, value: int, index: int) -> None:
        bisect.insort(self.keys, (value, index))

    def remove(self, value: int, index: int) -> None:
        position = bisect.bisect_left(self.keys, (value, index))
        if position < len(self.keys) and self.keys[position] == (value, index):
            del self.keys[position]

    def move(self, old: int, new: int, index: int) -> None:
        self.remove(old, index)
        self.add(new, index)


class ShopState:
    def __init__(self, config: ShopConfig, seed: int, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.id_offset = (_stable_int(config.name) % 97) * 10**11
        self.generator = ShopGenerator(
            config, _stable_int(f"{seed}:{config.name}"), clock.anchor, self.id_offset
        )
        self.order_id_base = ORDER_BASE + self.id_offset
        self.listeners: list[Callable[[str, object], None]] = []
        self.installed = True
        self.customers: list[Customer] = self.generator.customers()
        self.products: list[Product] = self.generator.products()
        self.variants = {v.id: v for p in self.products for v in p.variants}
        self.order_created = array("q", self.generator.order_times())
        self.order_updated = array("q")
        self.order_total = array("q")
        self.order_refunded = array("q")
        self.order_lines = array("b")
        self.order_refunds = array("b")
        self.order_refund_lines = array("h")
        self.order_refunded_shipping = array("q")
        self.order_customer = array("q")  # customer index, -1 for guests
        self.overlay: dict[int, Order] = {}
        for index, created_at in enumerate(self.order_created):
            self._record_new(self.generator.order(index, created_at))
        self.order_keys = SortedKeys((u, i) for i, u in enumerate(self.order_updated))
        self.customer_keys = SortedKeys((c.updated_at, c.index) for c in self.customers)
        self.product_keys = SortedKeys((p.updated_at, p.index) for p in self.products)

    # -- lookups ---------------------------------------------------------------------------
    @property
    def order_count(self) -> int:
        return len(self.order_created)

    def order(self, index: int) -> Order:
        cached = self.overlay.get(index)
        return (
            cached if cached is not None else self.generator.order(index, self.order_created[index])
        )

    def order_index(self, order_id: int) -> int | None:
        index = order_id - ORDER_BASE - self.id_offset
        return index if 0 <= index < self.order_count else None

    def customer_by_id(self, customer_id: int | None) -> Customer | None:
        if customer_id is None:
            return None
        index = customer_id - CUSTOMER_BASE - self.id_offset
        if 0 <= index < len(self.customers) and not self.customers[index].deleted:
            return self.customers[index]
        return None

    def product_by_id(self, product_id: int) -> Product | None:
        index = product_id - PRODUCT_BASE - self.id_offset
        if 0 <= index < len(self.products) and not self.products[index].deleted:
            return self.products[index]
        return None

    def variant_by_id(self, variant_id: int):
        variant = self.variants.get(variant_id)
        if variant is None or self.product_by_id(variant.product_id) is None:
            return None
        return variant

    def orders_visible_since(self, scopes) -> int | None:
        """Without read_all_orders Shopify shows only the last 60 days of orders."""
        return None if "read_all_orders" in scopes else self.clock.now() - 60 * DAY

    # -- changes ---------------------------------------------------------------------------
    def _record_new(self, order: Order) -> None:
        self.order_updated.append(order.updated_at)
        self.order_total.append(order.total)
        self.order_refunded.append(order.refunded)
        self.order_lines.append(len(order.line_items))
        self.order_refunds.append(len(order.refunds))
        self.order_refund_lines.append(sum(len(refund.lines) for refund in order.refunds))
        self.order_refunded_shipping.append(sum(refund.shipping for refund in order.refunds))
        customer = self.customer_by_id(order.customer_id)
        self.order_customer.append(customer.index if customer else -1)
        if customer is not None:
            customer.order_count += 1
            customer.amount_spent += order.total - order.refunded
            customer.updated_at = max(customer.updated_at, order.created_at)

    def editable_order(self, index: int) -> Order:
        """The overlay copy of an order; changes to it must be committed with save_order."""
        if index not in self.overlay:
            self.overlay[index] = self.generator.order(index, self.order_created[index])
        return self.overlay[index]

    def save_order(self, order: Order, at: int) -> None:
        index = order.index
        old_updated = self.order_updated[index]
        order.updated_at = max(old_updated, at, order.updated_at)
        customer = self.customer_by_id(order.customer_id)
        if customer is not None:
            old_net = self.order_total[index] - self.order_refunded[index]
            if order.total - order.refunded != old_net:
                # amountSpent changed, so the customer record changed too.
                customer.amount_spent += order.total - order.refunded - old_net
                self.touch_customer(customer, order.updated_at)
        self.order_updated[index] = order.updated_at
        self.order_total[index] = order.total
        self.order_refunded[index] = order.refunded
        self.order_refunds[index] = len(order.refunds)
        self.order_refund_lines[index] = sum(len(refund.lines) for refund in order.refunds)
        self.order_refunded_shipping[index] = sum(refund.shipping for refund in order.refunds)
        self.order_keys.move(old_updated, order.updated_at, index)

    def add_order(self, at: int) -> Order:
        index = self.order_count
        self.order_created.append(at)
        order = self.generator.order(index, at, horizon=at)
        self.overlay[index] = order
        customer = self.customer_by_id(order.customer_id)
        before = customer.updated_at if customer else None
        self._record_new(order)
        if customer is not None and customer.updated_at != before:
            self.customer_keys.move(before, customer.updated_at, customer.index)
        self.order_keys.add(order.updated_at, index)
        return order

    def add_customer(self, at: int) -> Customer:
        customer, weight = self.generator.customer(len(self.customers), at)
        self.customers.append(customer)
        self.generator.add_buyer(customer, weight)
        self.customer_keys.add(customer.updated_at, customer.index)
        return customer

    def touch_customer(self, customer: Customer, at: int) -> None:
        old = customer.updated_at
        customer.updated_at = max(old, at)
        self.customer_keys.move(old, customer.updated_at, customer.index)

    def delete_customer(self, customer: Customer) -> None:
        customer.deleted = True
        self.customer_keys.remove(customer.updated_at, customer.index)

    def add_product(self, at: int) -> Product:
        product = self.generator.product(len(self.products), at, horizon=at)
        self.products.append(product)
        self.variants.update((v.id, v) for v in product.variants)
        self.generator.add_to_catalog(product)
        self.product_keys.add(product.updated_at, product.index)
        return product

    def touch_product(self, product: Product, at: int) -> None:
        old = product.updated_at
        product.updated_at = max(old, at)
        self.product_keys.move(old, product.updated_at, product.index)

    def delete_product(self, product: Product) -> None:
        product.deleted = True
        self.product_keys.remove(product.updated_at, product.index)

    def emit(self, topic: str, resource) -> None:
        for listener in self.listeners:
            listener(topic, resource)

    # -- ground truth ----------------------------------------------------------------------
    def stats(self) -> dict:
        live_products = [p for p in self.products if not p.deleted]
        return {
            "customers": sum(1 for c in self.customers if not c.deleted),
            "products": len(live_products),
            "variants": sum(len(p.variants) for p in live_products),
            "orders": self.order_count,
            "line_items": sum(self.order_lines),
            "refunds": sum(self.order_refunds),
            "refund_lines": sum(self.order_refund_lines),
            "refunds_shipping_cents": sum(self.order_refunded_shipping),
            "orders_total_price_cents": sum(self.order_total),
            "refunds_total_cents": sum(self.order_refunded),
        }
