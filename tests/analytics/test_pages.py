"""The four analytics pages: what a member sees, what htmx swaps, and what they may download."""

import csv
import io

import pytest

from tests.analytics.factories import sync_state_create

PAGES = ["/", "/customers/", "/orders/", "/products/"]
FILTERS = "range=custom&start=2025-02-20&end=2025-05-05&comparison=previous_year"


@pytest.fixture
def analyst_client(tenant_a, make_member, client_for, dataset):
    return client_for(make_member(tenant_a, "analyst"), tenant_a)


def test_each_page_shows_the_stores_numbers_with_charts(analyst_client, dataset):
    for path in PAGES:
        response = analyst_client.get(f"{path}?{FILTERS}")

        assert response.status_code == 200, path
        assert "Acme Retail" in response.text
        assert 'data-chart-source="chart-' in response.text
        assert 'hx-push-url="true"' in response.text
        assert "All stores in USD" in response.text  # EUR store is shown apart


def test_the_overview_shows_total_sales_as_the_selector_computes_them(analyst_client, dataset):
    from analytics.selectors import sales_summarise

    usd = [s.pk for s in dataset if s.currency == "USD"]
    import datetime as dt

    kpis = sales_summarise(store_ids=usd, start=dt.date(2025, 2, 20), end=dt.date(2025, 5, 5))

    text = analyst_client.get(f"/?{FILTERS}").text

    assert f"{kpis['total_sales']:,.2f}" in text
    assert "Stores in EUR" in text


def test_an_htmx_request_gets_only_the_body_partial(analyst_client, dataset):
    for path in PAGES:
        response = analyst_client.get(f"{path}?{FILTERS}", HTTP_HX_REQUEST="true")

        assert response.status_code == 200
        assert "<html" not in response.text and "sidebar" not in response.text
        assert 'id="f-range"' in response.text


def test_days_without_orders_are_zero_not_gaps(analyst_client, dataset):
    response = analyst_client.get("/?range=custom&start=2024-12-01&end=2024-12-31&export=sales")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))

    assert len(rows) == 31
    assert {row["orders"] for row in rows} == {"0"}
    assert rows[0]["total_sales"] == "0.00"


def test_every_table_of_every_page_downloads_as_csv(analyst_client, dataset):
    from analytics.exports import EXPORTS

    sections = {"overview": "/", "customers": "/customers/", "orders": "/orders/",
                "products": "/products/"}  # fmt: skip
    for section, names in EXPORTS.items():
        for name in names:
            response = analyst_client.get(f"{sections[section]}?{FILTERS}&export={name}")
            assert response.status_code == 200, (section, name)
            assert response["Content-Type"].startswith("text/csv")
            assert "attachment" in response["Content-Disposition"]


def test_a_viewer_sees_pages_but_cannot_download(tenant_a, make_member, client_for, dataset):
    client = client_for(make_member(tenant_a, "viewer"), tenant_a)

    for path in PAGES:
        page = client.get(f"{path}?{FILTERS}")
        assert page.status_code == 200
        assert "export=" not in page.text
        assert client.get(f"{path}?{FILTERS}&export=kpis").status_code == 403


def test_outsiders_get_404_for_pages_partials_and_csv(
    tenant_a, tenant_b, make_member, client_for, dataset
):
    client = client_for(make_member(tenant_b, "owner"), tenant_a)

    for path in PAGES:
        assert client.get(path).status_code == 404
        assert client.get(path, HTTP_HX_REQUEST="true").status_code == 404
        assert client.get(f"{path}?export=kpis").status_code == 404


def test_bad_filters_say_which_field_is_wrong(analyst_client, dataset):
    response = analyst_client.get("/?range=custom&start=2025-03-10&end=2025-03-01")

    assert response.status_code == 400
    assert "must be on or after start" in response.text


def test_freshness_and_warnings_are_shown(analyst_client, dataset):
    import datetime as dt

    sync_state_create(dataset[0], at=dt.datetime(2025, 5, 6, 8, 0, tzinfo=dt.UTC), repaired=3)
    sync_state_create(dataset[1], at=dt.datetime(2025, 5, 6, 9, 0, tzinfo=dt.UTC))

    text = analyst_client.get(f"/?{FILTERS}").text

    assert "As of 6 May 2025, 08:00 UTC" in text
    assert "repaired 3 differences" in text


def test_a_first_sync_in_progress_is_announced(tenant_a, make_member, client_for, acme_schema):
    from shopify_sync.models import SyncRun
    from tests.analytics.factories import store_create

    store = store_create(domain="new.myshopify.com")
    SyncRun.objects.create(
        store=store, kind="full", status="running", progress_done=45, progress_total=100
    )
    client = client_for(make_member(tenant_a, "viewer"), tenant_a)

    assert "First sync running: 45%" in client.get("/").text


def test_without_stores_the_pages_say_what_to_do(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, "viewer"), tenant_a)

    for path in PAGES:
        assert "Connect a Shopify store" in client.get(path).text


def _order_synced_on_june_first(store) -> None:
    """What an incremental sync of one new order leaves: the row and its rollups refreshed."""
    from analytics.services import rollups_refresh
    from tests.analytics.factories import local, order_create

    order, _ = order_create(
        store,
        processed_at=local("America/New_York", 2025, 6, 1, 12, 0),
        lines=[(None, 1, "10.00", "0.00")],
    )
    rollups_refresh(store_id=store.pk, order_shopify_ids=[order.shopify_id])


def test_a_committed_refresh_shows_on_the_next_page_load(
    analyst_client, dataset, django_capture_on_commit_callbacks
):
    query = "/?range=custom&start=2025-06-01&end=2025-06-02&export=kpis"
    assert "orders,0," in analyst_client.get(query).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        _order_synced_on_june_first(dataset[0])

    assert "orders,1," in analyst_client.get(query).content.decode()


def test_numbers_rendered_for_an_analyst_are_not_reused_for_a_viewer(
    analyst_client, tenant_a, make_member, client_for, dataset
):
    viewer = client_for(make_member(tenant_a, "viewer"), tenant_a)

    for path in PAGES:
        assert "export=" in analyst_client.get(f"{path}?{FILTERS}").text
        assert "export=" not in viewer.get(f"{path}?{FILTERS}").text


def test_freshness_changes_show_even_when_the_numbers_come_from_cache(analyst_client, dataset):
    import datetime as dt

    assert "repaired 4 differences" not in analyst_client.get(f"/?{FILTERS}").text

    sync_state_create(dataset[0], at=dt.datetime(2025, 5, 6, 8, 0, tzinfo=dt.UTC), repaired=4)

    assert "repaired 4 differences" in analyst_client.get(f"/?{FILTERS}").text


def test_a_committed_refresh_changes_the_rendered_page(
    analyst_client, dataset, django_capture_on_commit_callbacks
):
    page = "/orders/?range=custom&start=2025-06-01&end=2025-06-02&comparison=none"
    assert "No orders in this range" in analyst_client.get(page).text

    with django_capture_on_commit_callbacks(execute=True):
        _order_synced_on_june_first(dataset[0])

    assert "No orders in this range" not in analyst_client.get(page).text


def test_another_tenant_with_the_same_filters_sees_only_its_own_numbers(
    analyst_client, tenant_b, make_member, client_for, dataset
):
    from django.db import connection

    from analytics.services import rollups_refresh
    from tests.analytics.factories import local, order_create, store_create

    query = "?range=custom&start=2025-03-01&end=2025-03-31&comparison=none"
    assert "3,210,987.00" not in analyst_client.get(f"/{query}").text
    connection.set_tenant(tenant_b)
    try:
        store = store_create(domain="globex.myshopify.com")
        order_create(
            store,
            processed_at=local("America/New_York", 2025, 3, 10, 12, 0),
            lines=[(None, 1, "3210987.00", "0.00")],
        )
        rollups_refresh(store_id=store.pk)
    finally:
        connection.set_schema_to_public()
    globex = client_for(make_member(tenant_b, "analyst"), tenant_b)

    assert "3,210,987.00" in globex.get(f"/{query}").text
    assert "3,210,987.00" not in analyst_client.get(f"/{query}").text
