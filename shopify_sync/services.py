"""Connecting stores and requesting syncs. Every write to a Store or SyncRun starts here."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accounts.services import audit_record
from shopify_sync import client as shopify_client
from shopify_sync import queries
from shopify_sync.credentials import grant_store, store_client
from shopify_sync.crypto import secret_encrypt
from shopify_sync.models import Store, SyncRun
from tenants.models import ConnectedShop, Tenant
from tenants.task_base import tenant_task_enqueue

logger = logging.getLogger(__name__)

RESOURCES = ("customers", "products", "orders")
REQUIRED_SCOPES = {
    "read_orders": "orders, their line items and refunds cannot be imported",
    "read_customers": "customers cannot be imported, so new vs returning is unknown",
    "read_products": "products and inventory cannot be imported",
}
OPTIONAL_SCOPES = {
    "read_all_orders": "only the last 60 days of orders will be imported",
}
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


@dataclass
class ScopeVerdict:
    missing_required: dict[str, str]
    missing_optional: dict[str, str]

    @property
    def can_sync(self) -> bool:
        return not self.missing_required

    def sentences(self) -> list[str]:
        return [
            f"Missing {scope}: {consequence}."
            for scope, consequence in {**self.missing_required, **self.missing_optional}.items()
        ]


def scope_preflight(granted: list[str]) -> ScopeVerdict:
    """What the granted scopes mean for the merchant, in plain words."""
    have = set(granted)
    # write_* implies read_* on Shopify.
    have |= {scope.replace("write_", "read_", 1) for scope in granted}
    return ScopeVerdict(
        {s: why for s, why in REQUIRED_SCOPES.items() if s not in have},
        {s: why for s, why in OPTIONAL_SCOPES.items() if s not in have},
    )


def normalize_shop_domain(value: str) -> str:
    domain = value.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
    if "." not in domain:
        domain = f"{domain}.myshopify.com"
    if not SHOP_DOMAIN.match(domain):
        raise ValidationError(
            f"'{value}' is not a Shopify shop domain; it looks like your-store.myshopify.com."
        )
    return domain


@transaction.atomic
def store_connect(
    *,
    shop_domain: str,
    access_token: str = "",
    client_id: str = "",
    client_secret: str = "",
    webhook_secret: str = "",
    oauth_code: str = "",
    user_id: int | None = None,
    trigger_first_sync: bool = True,
    actor=None,
    request=None,
) -> tuple[Store, ScopeVerdict]:
    """Validates the credentials against Shopify, stores them encrypted, runs the scope
    preflight, and queues the first full sync. Nothing is stored if any step fails.

    Access: a legacy custom-app token (`access_token`), or a Dev Dashboard app's `client_id` and
    `client_secret` (exchanged for a 24-hour token renewed automatically), or the `oauth_code`
    of the public app's install flow (an expiring offline token with a refresh token)."""
    domain = normalize_shop_domain(shop_domain)
    if ConnectedShop.objects.filter(shop_domain=domain).exists():
        raise ValidationError(f"{domain} is already connected to a workspace.")
    if access_token:
        mode = Store.AccessMode.LEGACY_TOKEN
    elif oauth_code:
        mode = Store.AccessMode.OAUTH
    elif client_id and client_secret:
        mode = Store.AccessMode.CLIENT_CREDENTIALS
    else:
        raise ValidationError(
            "Give either the custom app's access token, or the app's client id and secret."
        )
    # A store disconnected with its data kept is reconnected in place, history included.
    store = Store.objects.filter(shop_domain=domain).first() or Store(shop_domain=domain)
    store.access_mode, store.connected_by_user_id = mode, user_id
    store.status, store.status_reason = Store.Status.ACTIVE, ""
    try:
        if mode == Store.AccessMode.CLIENT_CREDENTIALS:
            store.client_id = client_id.strip()
            store.client_secret_encrypted = secret_encrypt(client_secret.strip())
            grant_store(
                store,
                shopify_client.client_credentials_exchange(
                    shop_domain=domain, client_id=store.client_id, client_secret=client_secret
                ),
            )
        elif mode == Store.AccessMode.OAUTH:
            # The public app's key and secret come from settings and are not stored per store.
            store.client_id = settings.SHOPIFY_API_KEY
            grant_store(
                store,
                shopify_client.oauth_code_exchange(
                    shop_domain=domain,
                    client_id=settings.SHOPIFY_API_KEY,
                    client_secret=settings.SHOPIFY_API_SECRET,
                    code=oauth_code,
                ),
            )
        else:
            store.access_token_encrypted = secret_encrypt(access_token.strip())
        store.webhook_secret_encrypted = secret_encrypt(webhook_secret.strip() or client_secret)
        store.save()
        with store_client(store, max_attempts=2) as client:  # the merchant is waiting
            info = client.execute(queries.SHOP)
    except shopify_client.ShopifyError as error:
        raise ValidationError(f"Shopify did not accept these credentials: {error}") from error
    _store_details_set(store, info)
    verdict = scope_preflight(store.granted_scopes)
    if not verdict.can_sync:
        raise ValidationError(" ".join(verdict.sentences()) + " Add these scopes to the app.")
    # Only these fields: the token may have been renewed (and saved) during the shop query.
    store.save(update_fields=_STORE_DETAILS)
    tenant = Tenant.objects.get(schema_name=connection.schema_name)
    ConnectedShop.objects.create(shop_domain=domain, tenant=tenant)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="store.connected",
        target=domain,
        details={"access": mode, "scopes": store.granted_scopes},
        request=request,
    )
    from shopify_sync.schedules import store_schedules_sync

    store_schedules_sync(store=store)
    from shopify_sync.tasks import webhooks_register_task

    tenant_task_enqueue(webhooks_register_task, tenant=connection.tenant, store_id=store.pk)
    if trigger_first_sync:
        sync_request(
            store=store,
            kind=SyncRun.Kind.FULL,
            resources=list(RESOURCES),
            trigger=SyncRun.Trigger.ONBOARDING,
            user_id=user_id,
        )
    logger.info("store connected", extra={"shop": domain})
    return store, verdict


_STORE_DETAILS = ["name", "iana_timezone", "currency", "granted_scopes", "updated_at"]


def _store_details_set(store: Store, info: dict) -> None:
    """The store's name, timezone, currency and granted scopes from Shopify's `shop` answer."""
    shop = info["shop"]
    store.name = shop.get("name") or store.shop_domain
    store.iana_timezone = shop.get("ianaTimezone") or "UTC"
    store.currency = shop.get("currencyCode") or "USD"
    store.granted_scopes = sorted(
        scope["handle"] for scope in info["currentAppInstallation"]["accessScopes"]
    )


def store_details_update(*, store: Store, info: dict) -> bool:
    """Keeps the store's details as Shopify has them now (a full sync asks); returns whether the
    timezone changed, which moves every order to another local day."""
    timezone_before = store.iana_timezone
    _store_details_set(store, info)
    store.save(update_fields=_STORE_DETAILS)
    return store.iana_timezone != timezone_before


def sync_request(
    *,
    store: Store,
    kind: str,
    resources: list[str],
    trigger: str = SyncRun.Trigger.MANUAL,
    user_id: int | None = None,
) -> tuple[SyncRun, bool]:
    """Queues a run, or returns the queued/running run that already covers these resources.

    Returns (run, created). Two concurrent requests for the same store and resource give one
    run: the store row is locked while the check and the insert happen."""
    unknown = set(resources) - set(RESOURCES)
    if unknown or not resources:
        raise ValidationError(
            f"Unknown resources {sorted(unknown)}; choose from {', '.join(RESOURCES)}."
        )
    if kind not in SyncRun.Kind.values:
        raise ValidationError(f"Unknown sync kind '{kind}'.")
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()
        active = SyncRun.objects.filter(
            store=store, status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]
        )
        for run in active:
            if set(run.resources) & set(resources):
                if run.status == SyncRun.Status.RUNNING and run_worker_is_gone(run=run):
                    # Its worker died (the lock went with its connection): run it again now
                    # rather than wait hours for the broker to redeliver the task.
                    from shopify_sync.tasks import sync_run_task

                    tenant_task_enqueue(sync_run_task, tenant=connection.tenant, run_id=run.pk)
                return run, False
        run = SyncRun.objects.create(
            store=store,
            kind=kind,
            resources=[r for r in RESOURCES if r in resources],
            trigger=trigger,
            requested_by_user_id=user_id,
        )
        from shopify_sync.tasks import sync_run_task

        tenant_task_enqueue(sync_run_task, tenant=connection.tenant, run_id=run.pk)
    return run, True


def sync_request_audit(*, tenant, run: SyncRun, request) -> None:
    """A member's sync request, in the tenant's audit log."""
    audit_record(
        tenant=tenant,
        actor=request.user,
        action="sync.requested",
        target=run.store.shop_domain,
        details={"run": run.pk, "kind": run.kind, "resources": run.resources},
        request=request,
    )


MINIMUM_INTERVAL_MINUTES = 15


def store_intervals_update(
    *,
    store: Store,
    orders_minutes: int,
    customers_minutes: int,
    products_minutes: int,
    reconcile_hours: int,
) -> Store:
    """Changes how often each resource is synced; the beat schedules follow at once."""
    from shopify_sync.schedules import store_schedules_sync

    for name, minutes in (
        ("orders", orders_minutes),
        ("customers", customers_minutes),
        ("products", products_minutes),
    ):
        if not MINIMUM_INTERVAL_MINUTES <= minutes <= 7 * 24 * 60:
            raise ValidationError(
                f"The {name} interval must be between {MINIMUM_INTERVAL_MINUTES} minutes "
                "and 7 days."
            )
    if not 1 <= reconcile_hours <= 7 * 24:
        raise ValidationError("The reconciliation interval must be between 1 hour and 7 days.")
    store.orders_sync_minutes = orders_minutes
    store.customers_sync_minutes = customers_minutes
    store.products_sync_minutes = products_minutes
    store.reconcile_hours = reconcile_hours
    with transaction.atomic():
        store.save()
        store_schedules_sync(store=store)
    return store


def store_disconnect(*, store: Store, erase_data: bool, actor=None, request=None) -> None:
    """Stops syncing a store: schedules removed, webhook subscriptions deleted (when Shopify
    still answers), credentials forgotten; its data erased or kept as the owner chooses."""
    from shopify_sync.schedules import store_schedules_remove
    from shopify_sync.webhook_processing import store_data_erase, store_webhooks_unregister

    domain = store.shop_domain
    try:
        store_webhooks_unregister(store=store)
    except shopify_client.ShopifyError as error:
        # Uninstalled or revoked: Shopify drops the subscriptions itself.
        logger.info("webhooks not removed", extra={"shop": domain, "reason": error.code})
    tenant = Tenant.objects.get(schema_name=connection.schema_name)
    with transaction.atomic():
        store_schedules_remove(store=store)
        ConnectedShop.objects.filter(shop_domain=domain).delete()
        if erase_data:
            store_data_erase(store=store)
            store.delete()
        else:
            store.status = Store.Status.PAUSED
            store.status_reason = "Disconnected; the data synced so far is kept."
            store.access_token_encrypted = store.refresh_token_encrypted = ""
            store.client_secret_encrypted = store.webhook_secret_encrypted = ""
            store.access_token_expires_at = store.refresh_token_expires_at = None
            store.webhook_topics = []
            store.save()
        audit_record(
            tenant=tenant,
            actor=actor,
            action="store.disconnected",
            target=domain,
            details={"data": "erased" if erase_data else "kept"},
            request=request,
        )


def store_mark_status(*, store: Store, status: str, reason: str = "") -> None:
    store.status, store.status_reason = status, reason
    store.save(update_fields=["status", "status_reason", "updated_at"])
    if status != Store.Status.ACTIVE:
        from shopify_sync.schedules import store_schedules_remove

        store_schedules_remove(store=store)


def run_worker_is_gone(*, run: SyncRun) -> bool:
    """A running run whose resource locks nobody holds has lost its worker."""
    from shopify_sync.sync_engine import ResourceBusy, resource_locks

    try:
        with resource_locks(run.store_id, list(run.resources)):
            return True
    except ResourceBusy:
        return False
