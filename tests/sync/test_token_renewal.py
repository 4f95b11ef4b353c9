"""Expiring tokens are renewed without anyone noticing."""

import time

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from shopify_simulator.testing import run_simulator
from shopify_sync.credentials import store_access_token
from shopify_sync.crypto import secret_decrypt
from shopify_sync.models import Store, SyncRun
from shopify_sync.services import store_connect
from shopify_sync.sync_engine import run_execute


@pytest.fixture
def short_lived_tokens():
    with run_simulator(["shortly:orders=40,customers=15,products=5"], seed=3, token_ttl=2) as sim:
        with override_settings(SHOPIFY_API_BASE_URL=sim.base_url):
            yield sim


def test_a_client_credentials_token_is_renewed_after_it_expires(short_lived_tokens, tenant_a):
    info = short_lived_tokens.info("shortly")
    with schema_context(tenant_a.schema_name):
        store, _ = store_connect(
            shop_domain=info.domain,
            client_id=info.client_id,
            client_secret=info.client_secret,
            trigger_first_sync=False,
        )
        first_token = secret_decrypt(store.access_token_encrypted)
        time.sleep(2.5)  # the first token has expired on Shopify's side

        run = SyncRun.objects.create(store=store, kind="full", resources=["orders"])
        finished = run_execute(run_id=run.pk)

        assert finished.status == SyncRun.Status.SUCCEEDED, finished.error_message
        store.refresh_from_db()
        assert store.status == Store.Status.ACTIVE
        assert secret_decrypt(store.access_token_encrypted) != first_token


def test_an_oauth_token_is_renewed_with_a_rotating_refresh_token(
    short_lived_tokens, tenant_a, make_member, client_for, settings
):
    import httpx

    info = short_lived_tokens.info("shortly")
    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = info.client_id, info.client_secret
    client = client_for(make_member(tenant_a, "owner"), tenant_a)
    start = client.post("/sync/oauth/start/", {"shop_domain": info.domain})
    back = httpx.get(start["Location"], follow_redirects=False).headers["Location"]
    client.get(back.split("localhost", 1)[1])
    with schema_context(tenant_a.schema_name):
        store = Store.objects.get(shop_domain=info.domain)
        old_refresh = secret_decrypt(store.refresh_token_encrypted)

        token = store_access_token(store_id=store.pk, force_renewal=True)

        store.refresh_from_db()
        assert token == secret_decrypt(store.access_token_encrypted)
        assert secret_decrypt(store.refresh_token_encrypted) != old_refresh
