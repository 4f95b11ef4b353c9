"""The analytics API: the dashboard contract, the same numbers as the pages, who may call it."""

import datetime as dt

import pytest

from analytics.selectors import KPI_KEYS
from tests.analytics.expected import expected_kpis

QUERY = "range=custom&start=2025-03-01&end=2025-03-31&comparison=previous_period"
ENDPOINTS = ["dashboard", "customers", "orders", "products"]


@pytest.fixture
def viewer(tenant_a, make_member):
    return make_member(tenant_a, "viewer")


def test_the_dashboard_keeps_its_contract(tenant_a, viewer, client_for, dataset):
    store = dataset[0]

    body = client_for(viewer, tenant_a).get(f"/api/analytics/dashboard?{QUERY}&store={store.pk}")

    data = body.json()
    assert list(data) == [
        "tenant", "store", "start", "end", "timezone", "currency", "as_of", "kpis",
        "comparison", "series",
    ]  # fmt: skip
    assert (data["start"], data["end"]) == ("2025-03-01", "2025-03-31")
    assert data["timezone"] == "America/New_York" and data["currency"] == "USD"
    assert list(data["kpis"]) == list(KPI_KEYS) == list(data["comparison"])
    expected = expected_kpis([store], dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    for key in KPI_KEYS:
        if isinstance(expected[key], int):
            assert data["kpis"][key] == expected[key], key
        else:
            assert data["kpis"][key] == f"{expected[key]:.2f}", key
    assert len(data["series"]) == 31
    assert set(data["series"][0]) == {"date", "total_sales", "net_sales", "orders"}
    assert isinstance(data["series"][0]["total_sales"], str)


def test_the_api_answers_what_the_page_shows(tenant_a, make_member, client_for, dataset):
    client = client_for(make_member(tenant_a, "analyst"), tenant_a)

    api = client.get(f"/api/analytics/dashboard/?{QUERY}").json()
    csv_text = client.get(f"/?{QUERY}&export=kpis").content.decode()

    for key in ("total_sales", "net_sales", "orders", "returning_customer_rate"):
        assert f"{key},{api['kpis'][key]},{api['comparison'][key]}" in csv_text


def test_every_endpoint_answers_on_both_hosts_with_and_without_slash(
    tenant_a, viewer, client_for, dataset
):
    tenant_host, main_host = client_for(viewer, tenant_a), client_for(viewer)
    for name in ENDPOINTS:
        for path in (f"/api/analytics/{name}", f"/api/analytics/{tenant_a.pk}/{name}/"):
            client = tenant_host if path.count("/") == 3 else main_host
            response = client.get(f"{path}?{QUERY}")
            assert response.status_code == 200, path
            assert response.json()["currency"] == "USD"
    same = main_host.get(f"/api/analytics/{tenant_a.pk}/dashboard?{QUERY}").json()
    assert same == tenant_host.get(f"/api/analytics/dashboard/?{QUERY}").json()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("store=999999", "store"),
        ("start=2025-03-10&end=2025-03-01", "end"),
        ("start=2019-01-01&end=2025-03-01", "start"),
        ("start=2025-13-01", "start"),
        ("end=yesterday", "end"),
        ("granularity=hour", "granularity"),
    ],
)
def test_bad_filters_get_400_naming_the_field(tenant_a, viewer, client_for, dataset, query, field):
    response = client_for(viewer, tenant_a).get(f"/api/analytics/dashboard?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_outsiders_get_404_on_both_hosts(tenant_a, tenant_b, make_member, client_for, dataset):
    outsider = make_member(tenant_b, "owner")
    for name in ENDPOINTS:
        assert client_for(outsider, tenant_a).get(f"/api/analytics/{name}").status_code == 404
        main = client_for(outsider).get(f"/api/analytics/{tenant_a.pk}/{name}")
        assert main.status_code == 404


def test_the_openapi_schema_documents_the_endpoints(client_for, viewer):
    schema = client_for(viewer).get("/api/schema/?format=json").json()

    for name in ENDPOINTS:
        assert f"/api/analytics/{{tenant_id}}/{name}/" in schema["paths"]
    assert "Dashboard" in schema["components"]["schemas"]


def test_a_main_host_call_looks_the_tenant_and_membership_up_once(
    tenant_a, viewer, client_for, dataset
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    main_host = client_for(viewer)
    main_host.get(f"/api/analytics/{tenant_a.pk}/dashboard?{QUERY}")  # warm the report cache

    with CaptureQueriesContext(connection) as queries:
        response = main_host.get(f"/api/analytics/{tenant_a.pk}/dashboard?{QUERY}")

    assert response.status_code == 200
    lookups = [q["sql"] for q in queries if 'FROM "accounts_membership"' in q["sql"]]
    assert len(lookups) == 1, lookups  # the throttle and the view share it
