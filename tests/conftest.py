import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from accounts.services import membership_create
from tenants.models import Tenant
from tenants.services import tenant_create
from tenants.template_schema import tenant_template_migrate

PASSWORD = "correct-horse-battery-9"
TEST_TENANTS = {"acme": "Acme Retail", "globex": "Globex Outfitters"}


def ensure_tenant(slug: str) -> Tenant:
    """The test tenant with this slug. Its schema is created once per session and kept; the row
    is recreated cheaply when a transactional test has flushed the public tables."""
    tenant = Tenant.objects.filter(slug=slug).first()
    return tenant or tenant_create(name=TEST_TENANTS[slug], slug=slug, timezone="America/New_York")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        tenant_template_migrate()
        for slug in TEST_TENANTS:
            ensure_tenant(slug)


@pytest.fixture(autouse=True)
def _public_schema_after_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def tenant_a(db) -> Tenant:
    return ensure_tenant("acme")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return ensure_tenant("globex")


@pytest.fixture
def make_member(db):
    """Creates a user with the given role in the tenant (role None: a user of no tenant)."""

    def make(tenant: Tenant | None, role: str | None, email: str | None = None) -> User:
        email = email or f"{role or 'outsider'}-{tenant.slug if tenant else 'none'}@example.com"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=PASSWORD
        )
        if tenant is not None and role is not None:
            membership_create(user=user, tenant=tenant, role=role)
        return user

    return make


def host_of(tenant: Tenant | None) -> str:
    return f"{tenant.slug}.localhost" if tenant else "localhost"


@pytest.fixture
def client_for():
    """A test client signed in as `user`, sending requests to the tenant's host (None: main)."""

    def make(user: User | None, tenant: Tenant | None = None) -> Client:
        client = Client(HTTP_HOST=host_of(tenant))
        if user is not None:
            client.force_login(user)
        return client

    return make
