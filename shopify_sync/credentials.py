"""Access tokens for a store, renewed before they expire without anyone noticing.

Client-credentials tokens live 24 hours and OAuth offline tokens one hour; both are renewed when
less than a tenth of their life is left. Renewal locks the store row, so two workers never both
spend a refresh token (Shopify rotates it: the loser's would be invalid).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shopify_sync import client as shopify_client
from shopify_sync.crypto import secret_decrypt, secret_encrypt
from shopify_sync.models import Store

RENEW_BEFORE = {
    Store.AccessMode.CLIENT_CREDENTIALS: timedelta(hours=2),
    Store.AccessMode.OAUTH: timedelta(minutes=6),
}


def _needs_renewal(store: Store) -> bool:
    if store.access_mode == Store.AccessMode.LEGACY_TOKEN:
        return False
    if not store.access_token_encrypted or store.access_token_expires_at is None:
        return True
    return store.access_token_expires_at - RENEW_BEFORE[store.access_mode] <= timezone.now()


def grant_store(store: Store, grant: shopify_client.TokenGrant) -> None:
    """Keeps a freshly granted token (and refresh token) on the store, encrypted."""
    now = timezone.now()
    store.access_token_encrypted = secret_encrypt(grant.access_token)
    store.access_token_expires_at = (
        now + timedelta(seconds=grant.expires_in) if grant.expires_in else None
    )
    if grant.refresh_token:
        store.refresh_token_encrypted = secret_encrypt(grant.refresh_token)
        store.refresh_token_expires_at = (
            now + timedelta(seconds=grant.refresh_token_expires_in)
            if grant.refresh_token_expires_in
            else None
        )
    if grant.scopes:
        store.granted_scopes = sorted(grant.scopes)


def _renew(store: Store) -> None:
    if store.access_mode == Store.AccessMode.CLIENT_CREDENTIALS:
        grant = shopify_client.client_credentials_exchange(
            shop_domain=store.shop_domain,
            client_id=store.client_id,
            client_secret=secret_decrypt(store.client_secret_encrypted),
        )
    elif store.access_mode == Store.AccessMode.OAUTH:
        grant = shopify_client.refresh_token_exchange(
            shop_domain=store.shop_domain,
            client_id=store.client_id or settings.SHOPIFY_API_KEY,
            client_secret=secret_decrypt(store.client_secret_encrypted)
            or settings.SHOPIFY_API_SECRET,
            refresh_token=secret_decrypt(store.refresh_token_encrypted),
        )
    else:
        raise shopify_client.ShopifyAuthError(
            "The custom-app access token was refused; paste a new one to reconnect."
        )
    grant_store(store, grant)
    store.save(
        update_fields=[
            "access_token_encrypted",
            "access_token_expires_at",
            "refresh_token_encrypted",
            "refresh_token_expires_at",
            "granted_scopes",
            "updated_at",
        ]
    )


def store_access_token(*, store_id: int, force_renewal: bool = False) -> str:
    """A usable access token for the store, renewed first when it is close to expiry."""
    store = Store.objects.get(pk=store_id)
    if force_renewal or _needs_renewal(store):
        with transaction.atomic():
            store = Store.objects.select_for_update().get(pk=store_id)
            # Another worker may have renewed it while we waited for the lock.
            if force_renewal or _needs_renewal(store):
                _renew(store)
    return secret_decrypt(store.access_token_encrypted)


def store_client(
    store: Store, *, max_attempts: int = shopify_client.MAX_ATTEMPTS
) -> shopify_client.ShopifyClient:
    """A client for this store alone; its token is looked up (and renewed) per request.
    `max_attempts` caps its retries where a person is waiting for the answer."""
    renewed = {"done": False}

    def token() -> str:
        return store_access_token(store_id=store.pk)

    def renew_after_refusal() -> str:
        if store.access_mode == Store.AccessMode.LEGACY_TOKEN or renewed["done"]:
            raise shopify_client.ShopifyAuthError(
                f"Shopify refused the access token for {store.shop_domain}: reconnect the store."
            )
        renewed["done"] = True
        return store_access_token(store_id=store.pk, force_renewal=True)

    return shopify_client.ShopifyClient(
        store.shop_domain,
        token,
        on_auth_error=renew_after_refusal,
        max_attempts=max_attempts,
    )
