"""Rollups: what the analytics pages read instead of the raw synced tables.

Every row here is derived from shopify_sync's tables by analytics.services.rollups_refresh and can
be rebuilt from them at any time. Days are local dates in the store's IANA timezone. The two fact
tables remember what each order last contributed, so an incremental refresh knows which days and
customers an order used to touch before it changed. Store ids are plain integers (no foreign key)
so that rollup writes never lock the synced rows.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models

MONEY = {"max_digits": 16, "decimal_places": 2, "default": 0}


class OrderFact(models.Model):
    """One counted order (not deleted, not a test): its local day and amounts."""

    store_id = models.BigIntegerField()
    order_shopify_id = models.BigIntegerField()
    day = models.DateField()
    hour = models.SmallIntegerField()
    customer_shopify_id = models.BigIntegerField(null=True)
    gross_sales = models.DecimalField(**MONEY)
    discounts = models.DecimalField(**MONEY)
    shipping = models.DecimalField(**MONEY)
    taxes = models.DecimalField(**MONEY)
    units = models.IntegerField(default=0)
    line_items = models.IntegerField(default=0)
    cancelled = models.BooleanField(default=False)
    financial_status = models.CharField(max_length=32, blank=True)
    fulfillment_status = models.CharField(max_length=32, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    return_days = ArrayField(models.DateField(), default=list)

    class Meta:
        db_table = "analytics_order_fact"
        constraints = [
            models.UniqueConstraint(fields=["store_id", "order_shopify_id"], name="order_fact_key")
        ]
        indexes = [
            models.Index(fields=["store_id", "day"], name="order_fact_day"),
            models.Index(fields=["store_id", "customer_shopify_id"], name="order_fact_customer"),
        ]


class RefundFact(models.Model):
    """One refund of a counted order, with the day it happened and the order's day."""

    store_id = models.BigIntegerField()
    refund_shopify_id = models.BigIntegerField()
    order_shopify_id = models.BigIntegerField()
    day = models.DateField()
    order_day = models.DateField()
    returns = models.DecimalField(**MONEY)
    returned_taxes = models.DecimalField(**MONEY)  # of the lines and of the shipping
    returned_shipping = models.DecimalField(**MONEY)
    units_returned = models.IntegerField(default=0)

    class Meta:
        db_table = "analytics_refund_fact"
        constraints = [
            models.UniqueConstraint(
                fields=["store_id", "refund_shopify_id"], name="refund_fact_key"
            )
        ]
        indexes = [
            models.Index(fields=["store_id", "day"], name="refund_fact_day"),
            models.Index(fields=["store_id", "order_day"], name="refund_fact_order_day"),
            models.Index(fields=["store_id", "order_shopify_id"], name="refund_fact_order"),
        ]


class DailySales(models.Model):
    """Sales of one store on one local day. Returns appear twice: on the refund's day (Shopify's
    default) and on the order's day (the page toggle), so neither view needs raw rows."""

    store_id = models.BigIntegerField()
    day = models.DateField()
    orders = models.IntegerField(default=0)
    cancelled_orders = models.IntegerField(default=0)
    discounted_orders = models.IntegerField(default=0)
    refunded_orders = models.IntegerField(default=0)
    gross_sales = models.DecimalField(**MONEY)
    discounts = models.DecimalField(**MONEY)
    returns = models.DecimalField(**MONEY)
    returns_by_order_day = models.DecimalField(**MONEY)
    shipping = models.DecimalField(**MONEY)
    taxes = models.DecimalField(**MONEY)
    returned_taxes = models.DecimalField(**MONEY)
    returned_taxes_by_order_day = models.DecimalField(**MONEY)
    returned_shipping = models.DecimalField(**MONEY)
    returned_shipping_by_order_day = models.DecimalField(**MONEY)
    units_sold = models.IntegerField(default=0)
    line_items = models.IntegerField(default=0)

    class Meta:
        db_table = "analytics_daily_sales"
        constraints = [models.UniqueConstraint(fields=["store_id", "day"], name="daily_sales_key")]


class DailyOrderMix(models.Model):
    """Orders of one local day by hour and status: the heatmap and the status doughnuts."""

    store_id = models.BigIntegerField()
    day = models.DateField()
    hour = models.SmallIntegerField()
    financial_status = models.CharField(max_length=32, blank=True)
    fulfillment_status = models.CharField(max_length=32, blank=True)
    orders = models.IntegerField(default=0)

    class Meta:
        db_table = "analytics_daily_order_mix"
        indexes = [models.Index(fields=["store_id", "day"], name="daily_order_mix_day")]


class DailyProductSales(models.Model):
    """Sales of one variant on one local day (product and variant 0: a custom line item)."""

    store_id = models.BigIntegerField()
    day = models.DateField()
    product_shopify_id = models.BigIntegerField()
    variant_shopify_id = models.BigIntegerField()
    units_sold = models.IntegerField(default=0)
    gross_sales = models.DecimalField(**MONEY)
    discounts = models.DecimalField(**MONEY)
    returns = models.DecimalField(**MONEY)
    returns_by_order_day = models.DecimalField(**MONEY)
    units_returned = models.IntegerField(default=0)

    class Meta:
        db_table = "analytics_daily_product_sales"
        indexes = [
            # Covering: top products of a range are summed from the index alone.
            models.Index(
                fields=["store_id", "day"],
                include=[
                    "product_shopify_id",
                    "variant_shopify_id",
                    "units_sold",
                    "gross_sales",
                    "discounts",
                    "returns",
                    "returns_by_order_day",
                ],
                name="daily_product_day",
            ),
            models.Index(
                fields=["store_id", "product_shopify_id", "day"], name="daily_product_product"
            ),
        ]


class CustomerDay(models.Model):
    """A day on which a customer ordered, with their previous ordering day (null on the first).

    Counting rows in a range whose previous day is before the range counts each customer who
    ordered in the range exactly once, without a COUNT(DISTINCT) over orders.
    """

    store_id = models.BigIntegerField()
    customer_shopify_id = models.BigIntegerField()
    day = models.DateField()
    previous_day = models.DateField(null=True)
    orders = models.IntegerField(default=0)
    net_sales = models.DecimalField(**MONEY)

    class Meta:
        db_table = "analytics_customer_day"
        constraints = [
            models.UniqueConstraint(
                fields=["store_id", "customer_shopify_id", "day"], name="customer_day_key"
            )
        ]
        # Covering: new/returning counts of a range are answered from the index alone.
        indexes = [
            models.Index(
                fields=["store_id", "day"],
                include=["previous_day", "customer_shopify_id", "orders", "net_sales"],
                name="customer_day_day",
            )
        ]


class CustomerStats(models.Model):
    """Lifetime figures of one customer (guest checkouts have no customer and are not here)."""

    store_id = models.BigIntegerField()
    customer_shopify_id = models.BigIntegerField()
    first_day = models.DateField()
    last_day = models.DateField()
    orders = models.IntegerField(default=0)
    net_sales = models.DecimalField(**MONEY)
    country_code = models.CharField(max_length=2, blank=True)

    class Meta:
        db_table = "analytics_customer_stats"
        constraints = [
            models.UniqueConstraint(
                fields=["store_id", "customer_shopify_id"], name="customer_stats_key"
            )
        ]
