"""Sign-up on the main host: user, tenant (schema, host) and ownership, all or nothing."""

from urllib.parse import urlsplit

from django.db import connection
from django.test import Client

from accounts.models import Membership, User
from tenants.models import Tenant
from tests.platform.conftest import sign_up_data


def _schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def test_the_sign_up_page_renders(main_client):
    page = main_client.get("/accounts/sign-up/")

    assert page.status_code == 200
    assert "Create your Xeno workspace" in page.text
    assert 'hx-post="/accounts/sign-up/"' in page.text


def test_sign_up_creates_user_tenant_and_owner_then_hands_off(main_client):
    response = main_client.post("/accounts/sign-up/", sign_up_data())

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.hostname == "initech-retail.localhost"
    assert target.path == "/auth/handoff/"
    tenant = Tenant.objects.get(slug="initech-retail")
    user = User.objects.get(email="bill@initech.example")
    assert Membership.objects.get(user=user, tenant=tenant).role == "owner"
    assert _schema_exists("initech_retail")

    tenant_client = Client(HTTP_HOST="initech-retail.localhost")
    landing = tenant_client.get(target.path + "?" + target.query)
    assert landing["Location"] == "/settings/welcome/"
    welcome = tenant_client.get("/settings/welcome/")
    assert welcome.status_code == 200
    assert "Connect a Shopify store" in welcome.text


def test_htmx_sign_up_redirects_the_browser_across_hosts(main_client):
    response = main_client.post("/accounts/sign-up/", sign_up_data(), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert urlsplit(response["HX-Redirect"]).hostname == "initech-retail.localhost"


def test_a_taken_company_address_gets_the_next_free_one(main_client):
    main_client.post("/accounts/sign-up/", sign_up_data())
    Client(HTTP_HOST="localhost").post(
        "/accounts/sign-up/", sign_up_data(email="other@initech.example")
    )

    assert set(Tenant.objects.filter(name="Initech Retail").values_list("slug", flat=True)) == {
        "initech-retail",
        "initech-retail-2",
    }


def test_a_reserved_or_odd_company_name_still_gets_a_valid_address(main_client):
    main_client.post("/accounts/sign-up/", sign_up_data(company_name="Admin"))
    Client(HTTP_HOST="localhost").post(
        "/accounts/sign-up/", sign_up_data(company_name="42 Ñandú!!", email="n@example.com")
    )

    slugs = set(Tenant.objects.values_list("slug", flat=True))
    assert "admin-shop" in slugs
    assert "shop-42-nandu" in slugs


def test_a_taken_email_is_refused_and_nothing_is_created(main_client, make_member, tenant_a):
    make_member(tenant_a, "viewer", email="taken@example.com")

    response = main_client.post("/accounts/sign-up/", sign_up_data(email="TAKEN@example.com"))

    assert response.status_code == 400
    assert "already exists" in response.text
    assert not Tenant.objects.filter(slug="initech-retail").exists()


def test_a_weak_password_is_refused_and_nothing_is_created(main_client):
    response = main_client.post("/accounts/sign-up/", sign_up_data(password="password"))

    assert response.status_code == 400
    assert "too common" in response.text
    assert not User.objects.filter(email="bill@initech.example").exists()
    assert not Tenant.objects.filter(slug="initech-retail").exists()
    assert not _schema_exists("initech_retail")


def test_a_failure_after_the_user_was_created_leaves_nothing(main_client, monkeypatch):
    import accounts.signup

    def broken_tenant_create(**kwargs):
        raise RuntimeError("schema creation failed")

    monkeypatch.setattr(accounts.signup, "tenant_create", broken_tenant_create)
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)

    assert client.post("/accounts/sign-up/", sign_up_data()).status_code == 500
    assert not User.objects.filter(email="bill@initech.example").exists()


def test_the_address_preview_partial(main_client):
    response = main_client.get(
        "/accounts/sign-up/address/?company_name=Acme+Retail", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "acme-retail.localhost" in response.text
    assert "<html" not in response.text


def test_a_signed_in_user_creates_another_workspace(main_client, tenant_a, make_member):
    user = make_member(tenant_a, "viewer", email="second@example.com")
    main_client.force_login(user)

    assert "You will own it as second@example.com" in main_client.get("/accounts/sign-up/").text
    response = main_client.post("/accounts/sign-up/", {"company_name": "Second Shop"})

    assert urlsplit(response["Location"]).hostname == "second-shop.localhost"
    tenant = Tenant.objects.get(slug="second-shop")
    assert Membership.objects.get(user=user, tenant=tenant).role == "owner"
