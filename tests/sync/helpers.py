"""Ground truth comparisons: Xeno's tables against the simulator's own counts and sums."""

from decimal import Decimal

import httpx
from django.db.models import Sum
from django_tenants.utils import schema_context

from shopify_sync.models import (
    Customer,
    LineItem,
    Order,
    Product,
    ProductVariant,
    Refund,
    RefundLineItem,
)


def connect_with_client_credentials(sim, shop: str, tenant, cleanup, **kwargs):
    """Connects the simulator's `shop` to `tenant` as a Dev Dashboard app; `cleanup` is the
    cleanup_stores fixture's list. Returns (store, verdict)."""
    from shopify_sync.services import store_connect

    info = sim.info(shop)
    with schema_context(tenant.schema_name):
        store, verdict = store_connect(
            shop_domain=info.domain,
            client_id=info.client_id,
            client_secret=info.client_secret,
            **kwargs,
        )
    cleanup.append((tenant.schema_name, info.domain))
    return store, verdict


def shopify_stats(sim, shop: str) -> dict:
    """Asked over HTTP, as an outside observer would, not through Xeno's code."""
    response = httpx.get(f"{sim.base_url}/_simulator/{shop}.myshopify.com/stats", timeout=30)
    response.raise_for_status()
    return response.json()


def xeno_stats(store) -> dict:
    live = {"store": store, "deleted_at__isnull": True}
    orders = Order.objects.filter(**live)
    return {
        "customers": Customer.objects.filter(**live).count(),
        "products": Product.objects.filter(**live).count(),
        "variants": ProductVariant.objects.filter(**live).count(),
        "orders": orders.count(),
        "line_items": LineItem.objects.filter(
            **live, order_shopify_id__in=orders.values("shopify_id")
        ).count(),
        "refunds": Refund.objects.filter(
            **live, order_shopify_id__in=orders.values("shopify_id")
        ).count(),
        "refund_lines": RefundLineItem.objects.filter(
            store=store,
            refund_shopify_id__in=Refund.objects.filter(
                **live, order_shopify_id__in=orders.values("shopify_id")
            ).values("shopify_id"),
        ).count(),
        "orders_total_price": str(orders.aggregate(s=Sum("total_price"))["s"] or Decimal("0.00")),
        "refunds_shipping": str(
            Refund.objects.filter(
                **live, order_shopify_id__in=orders.values("shopify_id")
            ).aggregate(s=Sum("shipping_refunded"))["s"]
            or Decimal("0.00")
        ),
        "refunds_total": str(
            Refund.objects.filter(
                **live, order_shopify_id__in=orders.values("shopify_id")
            ).aggregate(s=Sum("total_refunded"))["s"]
            or Decimal("0.00")
        ),
    }


def assert_matches_shopify(sim, shop: str, store) -> None:
    truth = shopify_stats(sim, shop)
    ours = xeno_stats(store)
    expected = {key: truth[key] for key in ours}
    differences = {k: (ours[k], expected[k]) for k in ours if ours[k] != expected[k]}
    assert not differences, f"Xeno vs Shopify: {differences}"
