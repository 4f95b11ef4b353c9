"""Synced Shopify rows written straight into a tenant's tables, as ingestion would leave them."""

import datetime as dt
import itertools
import random
import zoneinfo
from decimal import Decimal

from shopify_sync.models import (
    Customer,
    LineItem,
    Order,
    Product,
    ProductVariant,
    Refund,
    RefundLineItem,
    Store,
    SyncCursor,
    SyncRun,
)

_ids = itertools.count(1_000_000)
UTC = dt.UTC


def next_id() -> int:
    return next(_ids)


def store_create(
    *, domain: str, timezone: str = "America/New_York", currency: str = "USD", **fields
) -> Store:
    return Store.objects.create(
        shop_domain=domain,
        name=domain.split(".")[0].title(),
        iana_timezone=timezone,
        currency=currency,
        **fields,
    )


def product_create(store: Store, *, title: str, price: str = "10.00", inventory: int = 5):
    product = Product.objects.create(store=store, shopify_id=next_id(), title=title)
    variant = ProductVariant.objects.create(
        store=store,
        shopify_id=next_id(),
        product_shopify_id=product.shopify_id,
        title="Default",
        price=Decimal(price),
        inventory_quantity=inventory,
    )
    return product, variant


def order_create(
    store: Store,
    *,
    processed_at: dt.datetime,
    lines: list[tuple[ProductVariant | None, int, str, str]],
    customer_id: int | None = None,
    shipping: str = "0.00",
    tax: str = "0.00",
    **fields,
) -> tuple[Order, list[LineItem]]:
    """An order with line items given as (variant, quantity, unit price, line discount)."""
    order = Order.objects.create(
        store=store,
        shopify_id=next_id(),
        name=f"#{next_id()}",
        customer_shopify_id=customer_id,
        created_at=processed_at,
        processed_at=processed_at,
        currency=store.currency,
        total_discounts=sum((Decimal(d) for _, _, _, d in lines), Decimal(0)),
        total_shipping=Decimal(shipping),
        total_tax=Decimal(tax),
        **fields,
    )
    items = LineItem.objects.bulk_create(
        LineItem(
            store=store,
            shopify_id=next_id(),
            order_shopify_id=order.shopify_id,
            product_shopify_id=variant.product_shopify_id if variant else None,
            variant_shopify_id=variant.shopify_id if variant else None,
            title="Custom item" if variant is None else "Item",
            quantity=quantity,
            original_unit_price=Decimal(price),
            total_discount=Decimal(discount),
        )
        for variant, quantity, price, discount in lines
    )
    return order, items


def refund_create(
    store: Store,
    *,
    order: Order,
    created_at: dt.datetime,
    lines: list[tuple[LineItem, int, str, str]],
    shipping: str = "0.00",
    shipping_tax: str = "0.00",
) -> Refund:
    """A refund of (line item, quantity, subtotal, tax) lines, and of shipping with its tax."""
    refund = Refund.objects.create(
        store=store,
        shopify_id=next_id(),
        order_shopify_id=order.shopify_id,
        created_at=created_at,
        total_refunded=sum((Decimal(s) + Decimal(t) for _, _, s, t in lines), Decimal(0))
        + Decimal(shipping)
        + Decimal(shipping_tax),
        shipping_refunded=Decimal(shipping),
        shipping_tax_refunded=Decimal(shipping_tax),
    )
    RefundLineItem.objects.bulk_create(
        RefundLineItem(
            store=store,
            refund_shopify_id=refund.shopify_id,
            order_shopify_id=order.shopify_id,
            line_item_shopify_id=item.shopify_id,
            quantity=quantity,
            subtotal=Decimal(subtotal),
            total_tax=Decimal(tax),
        )
        for item, quantity, subtotal, tax in lines
    )
    return refund


def sync_state_create(store: Store, *, at: dt.datetime, repaired: int = 0) -> None:
    SyncCursor.objects.create(
        store=store, resource="orders", last_success_at=at, last_reconcile_repaired=repaired
    )
    SyncRun.objects.create(
        store=store,
        kind=SyncRun.Kind.INCREMENTAL,
        status=SyncRun.Status.SUCCEEDED,
        started_at=at,
        finished_at=at,
    )


def local(tz: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz))


def dataset_generate(*, seed: int = 7, orders_per_store: int = 120) -> list[Store]:
    """Two USD stores in different timezones and a EUR store, with orders spread over spring 2025
    around the US and EU daylight-saving changes, guest checkouts, test, cancelled and deleted
    orders, deleted line items, and refunds on the order's day and weeks later."""
    rng = random.Random(seed)
    stores = [
        store_create(domain="acme-us.myshopify.com", timezone="America/New_York"),
        store_create(domain="acme-west.myshopify.com", timezone="America/Los_Angeles"),
        store_create(domain="acme-eu.myshopify.com", timezone="Europe/Berlin", currency="EUR"),
    ]
    for store in stores:
        variants = [
            product_create(store, title=f"Product {n}", inventory=rng.randint(0, 50))[1]
            for n in range(6)
        ]
        customers = [next_id() for _ in range(25)]
        Customer.objects.bulk_create(
            Customer(store=store, shopify_id=c, email=f"{c}@example.com") for c in customers
        )
        # Local midnight on the DST change (US: 9 March, EU: 30 March) and the night before.
        dst_day = dt.date(2025, 3, 9) if store.iana_timezone.startswith("America") else None
        dst_day = dst_day or dt.date(2025, 3, 30)
        for n in range(orders_per_store):
            if n < 8:
                day = dst_day + dt.timedelta(days=n % 2 - 1)
                at = local(store.iana_timezone, day.year, day.month, day.day, 23, 30 + n)
                at = at + dt.timedelta(minutes=rng.choice((0, 45)))
            else:
                at = dt.datetime(2025, 2, 20, tzinfo=UTC) + dt.timedelta(
                    minutes=rng.randint(0, 60 * 24 * 70)
                )
            lines = [
                (
                    rng.choice([*variants, None]) if rng.random() < 0.1 else rng.choice(variants),
                    rng.randint(1, 3),
                    f"{rng.randint(5, 120)}.{rng.randint(0, 99):02d}",
                    rng.choice(("0.00", "0.00", "1.50", "3.25")),
                )
                for _ in range(rng.randint(1, 3))
            ]
            order, items = order_create(
                store,
                processed_at=at,
                lines=lines,
                customer_id=None if rng.random() < 0.15 else rng.choice(customers),
                shipping=rng.choice(("0.00", "4.99", "9.99")),
                tax=f"{rng.randint(0, 9)}.{n % 100:02d}",
                test=rng.random() < 0.05,
                deleted_at=at if rng.random() < 0.03 else None,
                cancelled_at=at + dt.timedelta(hours=2) if rng.random() < 0.06 else None,
                financial_status=rng.choice(("paid", "paid", "refunded", "pending")),
                fulfillment_status=rng.choice(("fulfilled", "unfulfilled")),
                country_code=rng.choice(("US", "CA", "DE")),
            )
            if rng.random() < 0.05:
                LineItem.objects.filter(pk=items[0].pk).update(deleted_at=at)
            if rng.random() < 0.2:
                later = at + dt.timedelta(days=rng.choice((0, 0, 3, 20)), hours=rng.randint(0, 5))
                item = rng.choice(items)
                refund_create(
                    store,
                    order=order,
                    created_at=later,
                    lines=[(item, 1, str(item.original_unit_price), "0.50")],
                    # Every fourth refund gives the shipping back too.
                    shipping=str(order.total_shipping) if n % 4 == 0 else "0.00",
                    shipping_tax="0.40" if n % 4 == 0 and order.total_shipping else "0.00",
                )
    return stores
