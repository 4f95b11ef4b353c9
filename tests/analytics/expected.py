"""The metrics of docs/metrics.md computed the slow, obvious way from the raw synced rows, so
that tests can hold the selectors (which read rollups) against them."""

import datetime as dt
import zoneinfo
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from shopify_sync.models import LineItem, Order, Refund, RefundLineItem, Store


def _local_day(moment: dt.datetime, tz: str) -> dt.date:
    return moment.astimezone(zoneinfo.ZoneInfo(tz)).date()


def counted_orders(store: Store) -> list[tuple[Order, dt.date]]:
    orders = Order.objects.filter(store=store, deleted_at__isnull=True, test=False)
    return [(o, _local_day(o.processed_at, store.iana_timezone)) for o in orders]


def expected_kpis(stores, start: dt.date, end: dt.date, returns_on: str = "refund_date") -> dict:
    totals = defaultdict(Decimal)
    first_day: dict[tuple[int, int], dt.date] = {}
    customers_in_range: set[tuple[int, int]] = set()
    for store in stores:
        orders = counted_orders(store)
        order_day = {o.shopify_id: day for o, day in orders}
        for order, day in orders:
            if order.customer_shopify_id is not None:
                key = (store.pk, order.customer_shopify_id)
                first_day[key] = min(first_day.get(key, day), day)
                if start <= day <= end:
                    customers_in_range.add(key)
            if not start <= day <= end:
                continue
            totals["orders"] += 1
            totals["shipping"] += order.total_shipping
            totals["taxes"] += order.total_tax
            for item in LineItem.objects.filter(
                store=store, order_shopify_id=order.shopify_id, deleted_at__isnull=True
            ):
                totals["gross_sales"] += item.original_unit_price * item.quantity
                totals["discounts"] += item.total_discount
                totals["units_sold"] += item.quantity
        for refund in Refund.objects.filter(store=store, deleted_at__isnull=True):
            if refund.order_shopify_id not in order_day:
                continue
            if returns_on == "refund_date":
                day = _local_day(refund.created_at, store.iana_timezone)
            else:
                day = order_day[refund.order_shopify_id]
            if start <= day <= end:
                totals["shipping"] -= refund.shipping_refunded
                totals["taxes"] -= refund.shipping_tax_refunded
                for line in RefundLineItem.objects.filter(
                    store=store, refund_shopify_id=refund.shopify_id
                ):
                    totals["returns"] += line.subtotal
                    totals["taxes"] -= line.total_tax
    new = sum(1 for key in customers_in_range if first_day[key] >= start)
    returning = len(customers_in_range) - new
    net = totals["gross_sales"] - totals["discounts"] - totals["returns"]
    orders = int(totals["orders"])
    cent = Decimal("0.01")
    return {
        "gross_sales": totals["gross_sales"],
        "discounts": totals["discounts"],
        "returns": totals["returns"],
        "net_sales": net,
        "shipping": totals["shipping"],
        "taxes": totals["taxes"],
        "total_sales": net + totals["shipping"] + totals["taxes"],
        "orders": orders,
        "average_order_value": (
            ((totals["gross_sales"] - totals["discounts"]) / orders).quantize(cent, ROUND_HALF_UP)
            if orders
            else Decimal("0.00")
        ),
        "units_sold": int(totals["units_sold"]),
        "new_customers": new,
        "returning_customers": returning,
        "returning_customer_rate": (
            (Decimal(returning * 100) / len(customers_in_range)).quantize(cent, ROUND_HALF_UP)
            if customers_in_range
            else Decimal("0.00")
        ),
    }
