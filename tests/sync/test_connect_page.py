"""Connecting a store from the Sync page: checked with Shopify first, nothing half-made."""

import io
from urllib.parse import urlsplit

from django.core.management import call_command
from django_tenants.utils import schema_context

from shopify_sync.models import Store
from tenants.models import ConnectedShop


def test_an_admin_connects_a_store_with_client_credentials(
    simulator, tenant_a, make_member, client_for
):
    info = simulator.info("umbrella")
    client = client_for(make_member(tenant_a, "admin"), tenant_a)

    response = client.post(
        "/sync/connect/",
        {
            "shop_domain": "umbrella",
            "method": "client_credentials",
            "client_id": info.client_id,
            "client_secret": info.client_secret,
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/sync/"
    assert "is connected; its first sync is running" in response.text
    assert info.client_secret not in response.text
    with schema_context(tenant_a.schema_name):
        store = Store.objects.get(shop_domain="umbrella.myshopify.com")
        assert store.access_mode == "client_credentials"
        assert info.client_secret not in store.client_secret_encrypted


def test_a_wrong_token_says_what_to_fix_and_stores_nothing(
    simulator, tenant_a, make_member, client_for
):
    client = client_for(make_member(tenant_a, "owner"), tenant_a)

    response = client.post(
        "/sync/connect/",
        {
            "shop_domain": "initech.myshopify.com",
            "method": "token",
            "access_token": "shpat_" + "0" * 32,
        },
    )

    assert response.status_code == 200
    assert "Shopify did not accept these credentials" in response.text
    with schema_context(tenant_a.schema_name):
        assert not Store.objects.filter(shop_domain="initech.myshopify.com").exists()
    assert not ConnectedShop.objects.filter(shop_domain="initech.myshopify.com").exists()


def test_missing_fields_and_bad_domains_are_named(simulator, tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, "owner"), tenant_a)

    missing = client.post("/sync/connect/", {"shop_domain": "x", "method": "client_credentials"})
    bad = client.post(
        "/sync/connect/",
        {"shop_domain": "<script>", "method": "token", "access_token": "shpat_1"},
    )

    assert "Needed for a Dev Dashboard app." in missing.text
    assert "is not a Shopify shop domain" in bad.text
    assert "<script>" not in bad.text


def test_analysts_cannot_connect_stores(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, "analyst"), tenant_a)

    assert client.get("/sync/connect/").status_code == 403


def _install(client, shop: str):
    import httpx

    start = client.post("/sync/oauth/start/", {"shop_domain": shop})
    assert start.status_code == 302
    approval = httpx.get(start["Location"], follow_redirects=False, timeout=30)
    assert approval.status_code == 302
    return urlsplit(approval.headers["Location"])


def test_the_oauth_install_flow_checks_state_and_hmac(
    simulator, tenant_a, make_member, client_for, settings
):
    info = simulator.info("globex")
    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = info.client_id, info.client_secret
    client = client_for(make_member(tenant_a, "owner"), tenant_a)

    back = _install(client, "globex.myshopify.com")
    tampered = back.query.replace("code=", "code=x")
    refused = client.get(f"{back.path}?{tampered}", follow=True)
    assert "could not be verified" in refused.text
    with schema_context(tenant_a.schema_name):
        assert not Store.objects.filter(shop_domain="globex.myshopify.com").exists()

    back = _install(client, "globex.myshopify.com")
    landed = client.get(f"{back.path}?{back.query}", follow=True)

    assert landed.redirect_chain[-1][0] == "/sync/"
    with schema_context(tenant_a.schema_name):
        store = Store.objects.get(shop_domain="globex.myshopify.com")
        assert store.access_mode == "oauth"
        assert store.refresh_token_encrypted and store.access_token_expires_at is not None
    # Replaying the same redirect fails: its state was used up.
    replay = client.get(f"{back.path}?{back.query}", follow=True)
    assert "could not be verified" in replay.text


def test_the_command_asks_for_a_secret_it_was_not_given(simulator, tenant_a, monkeypatch):
    info = simulator.info("umbrella")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{info.client_secret}\n"))  # piped in
    out = io.StringIO()

    call_command(
        "connect_store",
        "--tenant=acme",
        "--shop=umbrella.myshopify.com",
        f"--client-id={info.client_id}",
        "--no-sync",
        stdout=out,
    )

    assert "Connected" in out.getvalue() and info.client_secret not in out.getvalue()
    with schema_context(tenant_a.schema_name):
        store = Store.objects.get(shop_domain="umbrella.myshopify.com")
        assert store.access_mode == "client_credentials"
