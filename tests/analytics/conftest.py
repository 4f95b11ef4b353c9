import pytest
from django.db import connection

from analytics.services import rollups_refresh
from tests.analytics.factories import dataset_generate


@pytest.fixture
def acme_schema(tenant_a):
    """Tenant A's schema activated for the test (its rows roll back with the test)."""
    connection.set_tenant(tenant_a)
    return tenant_a


@pytest.fixture
def dataset(acme_schema):
    """The generated stores of tests.analytics.factories, with their rollups built."""
    stores = dataset_generate()
    for store in stores:
        rollups_refresh(store_id=store.pk)
    return stores
