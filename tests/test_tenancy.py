"""Schema-per-tenant isolation: each tenant's rows live only in its own schema."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from shopify_sync.models import Store
from tenants.models import Tenant
from tenants.services import tenant_create


def _tables_in(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return {row[0] for row in cursor.fetchall()}


def test_creating_a_tenant_creates_its_schema_with_the_tenant_tables(db):
    tenant = tenant_create(name="Initech", slug="initech-store", timezone="Europe/Berlin")

    assert tenant.schema_name == "initech_store"
    tables = _tables_in("initech_store")
    assert "shopify_sync_store" in tables
    # Shared tables stay in public: a tenant schema holds no users, tenants or sessions.
    assert not tables & {"accounts_user", "tenants_tenant", "django_session"}
    with schema_context("initech_store"):
        assert Store.objects.count() == 0
    assert tenant.domains.get().domain == "initech-store.localhost"


def test_a_new_tenant_holds_nothing_of_another_tenant(tenant_a):
    with schema_context(tenant_a.schema_name):
        Store.objects.create(shop_domain="leak-check.myshopify.com")

    fresh = tenant_create(name="Hooli", slug="hooli", timezone="UTC")

    with schema_context(fresh.schema_name):
        assert not Store.objects.filter(shop_domain="leak-check.myshopify.com").exists()


def test_data_written_in_one_tenant_is_invisible_from_another(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        Store.objects.create(shop_domain="only-in-acme.myshopify.com")

    with schema_context(tenant_b.schema_name):
        assert not Store.objects.filter(shop_domain="only-in-acme.myshopify.com").exists()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM shopify_sync_store WHERE shop_domain = %s",
                ["only-in-acme.myshopify.com"],
            )
            assert cursor.fetchone()[0] == 0
    with schema_context(tenant_a.schema_name):
        assert Store.objects.filter(shop_domain="only-in-acme.myshopify.com").exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("admin", "reserved"),
        ("Bad Slug", "lowercase"),
        ("x", "lowercase"),
    ],
)
def test_bad_tenant_slugs_are_refused_and_leave_nothing_behind(db, slug, message):
    with pytest.raises(ValidationError) as error:
        tenant_create(name="Bad", slug=slug)

    assert message in " ".join(error.value.messages)
    assert not Tenant.objects.filter(slug=slug).exists()


def test_a_taken_slug_is_refused(tenant_a):
    with pytest.raises(ValidationError, match="already exists"):
        tenant_create(name="Copycat", slug="acme")
