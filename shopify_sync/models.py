"""Everything synced from Shopify, in the tenant's schema.

Synced rows are keyed by (store, Shopify id) and refer to their parents by Shopify id, so that
batches can be upserted set-wise in any order (bulk exports do not promise parents before
children). Money is NUMERIC(14, 2) in the store's currency. Rows that disappeared from Shopify are
kept with `deleted_at` set, so reports exclude them without losing history.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models


class Store(models.Model):
    """A connected Shopify store."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        UNINSTALLED = "uninstalled", "Uninstalled"
        PAUSED = "paused", "Paused"

    class AccessMode(models.TextChoices):
        LEGACY_TOKEN = "legacy_token", "Custom app access token"
        CLIENT_CREDENTIALS = "client_credentials", "Dev Dashboard app (client id and secret)"
        OAUTH = "oauth", "OAuth install"

    shop_domain = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=255, blank=True)
    iana_timezone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)

    access_mode = models.CharField(
        max_length=24, choices=AccessMode.choices, default=AccessMode.LEGACY_TOKEN
    )
    # Secrets are Fernet-encrypted (shopify_sync.crypto); never read these columns directly.
    access_token_encrypted = models.TextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret_encrypted = models.TextField(blank=True)
    # Verifies webhook HMACs: the app's client secret (API secret key for custom apps).
    webhook_secret_encrypted = models.TextField(blank=True)
    granted_scopes = models.JSONField(default=list, blank=True)

    orders_sync_minutes = models.PositiveIntegerField(default=60)
    customers_sync_minutes = models.PositiveIntegerField(default=720)
    products_sync_minutes = models.PositiveIntegerField(default=720)
    reconcile_hours = models.PositiveIntegerField(default=24)

    # Webhook topics Shopify confirmed for this store at the last registration or check.
    webhook_topics = models.JSONField(default=list, blank=True)
    webhooks_checked_at = models.DateTimeField(null=True, blank=True)

    connected_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shop_domain"]

    def __str__(self) -> str:
        return self.shop_domain


class SyncedRecord(models.Model):
    # No index of its own: each table's unique (store, natural key) index leads with the store
    # and serves the foreign key, and every extra index slows down the bulk loads.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    shopify_id = models.BigIntegerField()
    updated_at = models.DateTimeField(null=True, help_text="Shopify's updatedAt")
    deleted_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Customer(SyncedRecord):
    email = models.CharField(max_length=320, blank=True)
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=32, blank=True)
    tags = models.TextField(blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    city = models.CharField(max_length=255, blank=True)
    number_of_orders = models.IntegerField(default=0)
    amount_spent = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "shopify_id"], name="customer_natural_key")
        ]
        indexes = [models.Index(fields=["store", "updated_at"], name="customer_updated")]


class Product(SyncedRecord):
    title = models.CharField(max_length=512)
    handle = models.CharField(max_length=512, blank=True)
    vendor = models.CharField(max_length=255, blank=True)
    product_type = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, blank=True)
    tags = models.TextField(blank=True)
    total_inventory = models.IntegerField(default=0)
    created_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "shopify_id"], name="product_natural_key")
        ]


class ProductVariant(SyncedRecord):
    product_shopify_id = models.BigIntegerField()
    title = models.CharField(max_length=512, blank=True)
    sku = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    compare_at_price = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    inventory_quantity = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "shopify_id"], name="variant_natural_key")
        ]
        indexes = [models.Index(fields=["store", "product_shopify_id"], name="variant_product")]


class Order(SyncedRecord):
    name = models.CharField(max_length=64)
    email = models.CharField(max_length=320, blank=True)
    customer_shopify_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField()
    processed_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    test = models.BooleanField(default=False)
    financial_status = models.CharField(max_length=32, blank=True)
    fulfillment_status = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=3)
    subtotal_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_discounts = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_shipping = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    country_code = models.CharField(max_length=2, blank=True)
    source_name = models.CharField(max_length=64, blank=True)
    tags = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "shopify_id"], name="order_natural_key")
        ]
        indexes = [
            models.Index(fields=["store", "processed_at"], name="order_processed"),
            models.Index(fields=["store", "customer_shopify_id"], name="order_customer"),
            models.Index(fields=["store", "updated_at"], name="order_updated"),
        ]


class LineItem(SyncedRecord):
    order_shopify_id = models.BigIntegerField()
    product_shopify_id = models.BigIntegerField(null=True)
    variant_shopify_id = models.BigIntegerField(null=True)
    title = models.CharField(max_length=512)
    sku = models.CharField(max_length=255, blank=True)
    vendor = models.CharField(max_length=255, blank=True)
    quantity = models.IntegerField()
    current_quantity = models.IntegerField(null=True)
    original_unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    total_discount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "shopify_id"], name="line_item_natural_key")
        ]
        indexes = [models.Index(fields=["store", "order_shopify_id"], name="line_item_order")]


class Refund(SyncedRecord):
    order_shopify_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    note = models.TextField(blank=True)
    total_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Shipping given back (and its tax): it reduces shipping and taxes on the refund's date.
    shipping_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    shipping_tax_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "shopify_id"], name="refund_natural_key")
        ]
        indexes = [models.Index(fields=["store", "order_shopify_id"], name="refund_order")]


class RefundLineItem(models.Model):
    """One refunded line: its value is a return on the refund's date."""

    # Served by the unique (store, refund, line) index, as in SyncedRecord.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    refund_shopify_id = models.BigIntegerField()
    order_shopify_id = models.BigIntegerField()
    line_item_shopify_id = models.BigIntegerField()
    quantity = models.IntegerField()
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    restock_type = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "refund_shopify_id", "line_item_shopify_id"],
                name="refund_line_natural_key",
            )
        ]
        indexes = [models.Index(fields=["store", "order_shopify_id"], name="refund_line_order")]


class CustomerRedaction(models.Model):
    """A customer whose personal details Shopify asked Xeno to erase (customers/redact). Syncs
    and webhooks blank those details on the way in, so that a record Shopify still sends does not
    bring them back."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer_shopify_id = models.BigIntegerField(null=True)
    # Orders Shopify named in the request (a guest's orders have no customer id).
    order_shopify_ids = ArrayField(models.BigIntegerField(), default=list)
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["store", "customer_shopify_id"], name="redaction_store")]


class UnchangedKeys(models.Model):
    """Keys of rows that a full sync found exactly as stored and so did not write, one list per
    block and table. The sync's deletion pass counts them as seen, as it does rows stamped with
    `synced_at`, then clears them.

    Rewriting every row only to stamp it made the daily reconciling sync rewrite the whole store;
    a list of keys per block costs a few bytes a row."""

    # No database constraint: nothing here is read without its store, and deleting a store still
    # deletes these (Django cascades).
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    seen_at = models.DateTimeField(help_text="the full sync's start, as in synced_at")
    resource = models.CharField(max_length=16, help_text="a shopify_sync.writer.TABLES key")
    shopify_ids = ArrayField(models.BigIntegerField())

    class Meta:
        indexes = [
            models.Index(fields=["store", "seen_at", "resource"], name="unchanged_keys_sync")
        ]


class StaleRollups(models.Model):
    """A mark that a full sync changed some of a store's orders, line items or refunds, whose
    rollups only the rebuild ending that sync brings up to date. The rebuild clears it.

    It is written in the transaction that changed the rows, so a run that stopped before its
    rebuild leaves it for the next full sync. A reconciling sync that finds every row as stored
    leaves none, and skips the rebuild: for 100,000 orders, seconds of work and most of the
    sync's database log."""

    # No database constraint, as UnchangedKeys.
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["store"], name="stale_rollups_store")]


class SyncRun(models.Model):
    """One sync of one store (the seed's sync_logs)."""

    class Kind(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Incremental"
        RECONCILE = "reconcile", "Reconciliation"
        WEBHOOK = "webhook", "Webhook"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"
        WEBHOOK = "webhook", "Webhook"
        ONBOARDING = "onboarding", "Onboarding"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    resources = models.JSONField(default=list)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    # {"orders": {"created": 0, "updated": 0, "deleted": 0, "repaired": 0}, ...}
    stats = models.JSONField(default=dict)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(null=True)
    api_cost = models.BigIntegerField(default=0)
    throttle_wait_seconds = models.FloatField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    requested_by_user_id = models.BigIntegerField(null=True)
    # Where an interrupted or paused run resumes: resources done, export windows done.
    checkpoint = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "status"], name="sync_run_store_status")]

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class SyncCursor(models.Model):
    """Where the incremental sync of one store and resource resumes."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="cursors")
    resource = models.CharField(max_length=16)
    updated_at_cursor = models.DateTimeField(null=True)
    last_success_at = models.DateTimeField(null=True)
    last_full_sync_at = models.DateTimeField(null=True)
    last_reconcile_at = models.DateTimeField(null=True)
    last_reconcile_repaired = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "resource"], name="one_cursor_per_resource")
        ]


class WebhookEvent(models.Model):
    """A webhook delivery, stored once per Shopify event id before it is processed."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_events")
    event_id = models.CharField(max_length=128)
    webhook_id = models.CharField(max_length=128, blank=True)
    topic = models.CharField(max_length=64)
    api_version = models.CharField(max_length=16, blank=True)
    triggered_at = models.DateTimeField(null=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True)
    error_message = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "event_id"], name="webhook_event_once")
        ]
