"""Sync page (tenant host): stores, data health, runs, live progress, manual syncs."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import tenant_access_for_request
from accounts.permissions import MANAGE_STORES, MANAGE_TENANT, RUN_SYNC
from shopify_sync import client as shopify_client
from shopify_sync.forms import StoreConnectForm
from shopify_sync.models import Store, SyncRun
from shopify_sync.selectors import stores_sync_panels
from shopify_sync.services import (
    RESOURCES,
    normalize_shop_domain,
    store_connect,
    store_disconnect,
    store_intervals_update,
    sync_request,
    sync_request_audit,
)


def _store_or_404(store_id: int) -> Store:
    # The tenant's schema is active: a store of another tenant does not exist here.
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise Http404("Page not found")
    return store


def sync_page(request):
    tenant_access_for_request(request, capability=RUN_SYNC)
    panels = stores_sync_panels(stores=list(Store.objects.order_by("shop_domain")))
    return render(
        request,
        "shopify_sync/sync.html",
        {"panels": panels, "section": "sync", "resources": RESOURCES},
    )


def store_panel(request, store_id: int):
    """The partial the page polls while a run is going."""
    tenant_access_for_request(request, capability=RUN_SYNC)
    (panel,) = stores_sync_panels(stores=[_store_or_404(store_id)])
    return render(request, "shopify_sync/sync.html#store-panel", {**panel, "resources": RESOURCES})


def store_connect_page(request):
    """Connect a Shopify store: validates the credentials with Shopify, shows what the granted
    scopes mean, and starts the first sync (whose progress the Sync page shows)."""
    tenant_access_for_request(request, capability=MANAGE_STORES)
    form = StoreConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_token = data["method"] == "token"
        try:
            store, verdict = store_connect(
                shop_domain=data["shop_domain"],
                access_token=data["access_token"] if by_token else "",
                client_id="" if by_token else data["client_id"],
                client_secret="" if by_token else data["client_secret"],
                webhook_secret=data["webhook_secret"],
                user_id=request.user.pk,
                actor=request.user,
                request=request,
            )
        except ValidationError as invalid:
            form.add_error(None, " ".join(invalid.messages))
        else:
            message = f"{store.name} is connected; its first sync is running."
            for sentence in verdict.sentences():
                message += f" {sentence}"
            messages.success(request, message)
            return redirect("sync")
    return render(
        request,
        "shopify_sync/connect.html",
        {"form": form, "section": "sync", "oauth_available": bool(settings.SHOPIFY_API_KEY)},
    )


OAUTH_SCOPES = ["read_orders", "read_all_orders", "read_customers", "read_products"]


@require_POST
def oauth_install_start(request):
    """Sends the merchant to Shopify to approve the public app (when SHOPIFY_API_KEY is set)."""
    tenant_access_for_request(request, capability=MANAGE_STORES)
    if not settings.SHOPIFY_API_KEY:
        raise Http404("Page not found")
    try:
        domain = normalize_shop_domain(request.POST.get("shop_domain", ""))
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
        return redirect("store-connect")
    state = secrets.token_urlsafe(24)
    request.session["shopify_oauth"] = {"state": state, "shop": domain}
    return redirect(
        shopify_client.oauth_authorize_url(
            shop_domain=domain,
            api_key=settings.SHOPIFY_API_KEY,
            scopes=OAUTH_SCOPES,
            redirect_uri=request.build_absolute_uri(reverse("oauth-callback")),
            state=state,
        )
    )


def oauth_install_callback(request):
    """Shopify's redirect back: state and HMAC checked before the code is exchanged."""
    tenant_access_for_request(request, capability=MANAGE_STORES)
    expected = request.session.pop("shopify_oauth", None) or {}
    params = request.GET.dict()
    if (
        not expected
        or not secrets.compare_digest(params.get("state", ""), expected.get("state", ""))
        or params.get("shop") != expected.get("shop")
        or not shopify_client.oauth_params_valid(params, api_secret=settings.SHOPIFY_API_SECRET)
    ):
        messages.error(
            request, "Shopify's answer could not be verified (expired or tampered); start again."
        )
        return redirect("store-connect")
    try:
        store, verdict = store_connect(
            shop_domain=params["shop"],
            oauth_code=params.get("code", ""),
            user_id=request.user.pk,
            actor=request.user,
            request=request,
        )
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
        return redirect("store-connect")
    messages.success(
        request,
        " ".join([f"{store.name} is connected; its first sync is running.", *verdict.sentences()]),
    )
    return redirect("sync")


def _int_field(request, name: str, default: int) -> int:
    try:
        return int(request.POST.get(name, default))
    except (TypeError, ValueError):
        raise ValidationError(f"'{name.replace('_', ' ')}' must be a whole number.") from None


@require_POST
def store_schedule_update(request, store_id: int):
    """Per-store sync intervals; the beat schedules follow."""
    tenant_access_for_request(request, capability=MANAGE_STORES)
    store = _store_or_404(store_id)
    try:
        store_intervals_update(
            store=store,
            orders_minutes=_int_field(request, "orders_minutes", store.orders_sync_minutes),
            customers_minutes=_int_field(
                request, "customers_minutes", store.customers_sync_minutes
            ),
            products_minutes=_int_field(request, "products_minutes", store.products_sync_minutes),
            reconcile_hours=_int_field(request, "reconcile_hours", store.reconcile_hours),
        )
        messages.success(request, f"Sync schedule of {store.name} saved.")
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
    return redirect("sync")


@require_POST
def store_disconnect_view(request, store_id: int):
    """Disconnects a store; erasing its data takes the owner's right."""
    erase = request.POST.get("data") == "erase"
    tenant_access_for_request(request, capability=MANAGE_TENANT if erase else MANAGE_STORES)
    store = _store_or_404(store_id)
    store_disconnect(store=store, erase_data=erase, actor=request.user, request=request)
    messages.success(
        request,
        f"{store.shop_domain} is disconnected"
        + ("; its data is erased." if erase else "; the data synced so far is kept."),
    )
    return redirect("sync")


@require_POST
def store_sync_start(request, store_id: int):
    tenant, _membership = tenant_access_for_request(request, capability=RUN_SYNC)
    store = _store_or_404(store_id)
    kind = request.POST.get("kind", SyncRun.Kind.INCREMENTAL)
    resources = request.POST.getlist("resources") or list(RESOURCES)
    error = ""
    try:
        run, _created = sync_request(
            store=store,
            kind=kind if kind in (SyncRun.Kind.FULL, SyncRun.Kind.INCREMENTAL) else "",
            resources=resources,
            trigger=SyncRun.Trigger.MANUAL,
            user_id=request.user.pk,
        )
        sync_request_audit(tenant=tenant, run=run, request=request)
    except ValidationError as invalid:
        error = " ".join(invalid.messages)
    if request.htmx:
        (panel,) = stores_sync_panels(stores=[store])
        return render(
            request,
            "shopify_sync/sync.html#store-panel",
            {**panel, "resources": RESOURCES, "error": error},
        )
    return redirect("sync")
