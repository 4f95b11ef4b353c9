"""Pages and selectors cost a fixed number of queries, whatever the data."""

import datetime as dt

import pytest

from analytics import selectors

FILTERS = "range=custom&start=2025-02-20&end=2025-05-05&granularity=week"


def test_each_sales_selector_is_one_query(dataset, django_assert_num_queries):
    window = {"store_ids": [s.pk for s in dataset], "start": dt.date(2025, 3, 1),
              "end": dt.date(2025, 3, 31)}  # fmt: skip
    for selector in (
        selectors.sales_summarise,
        selectors.sales_series,
        selectors.customers_series,
        selectors.products_top,
        selectors.orders_status_mix,
        selectors.orders_heatmap,
        selectors.customers_top,
        selectors.products_unsold,
    ):
        with django_assert_num_queries(1):
            selector(**window)


@pytest.mark.parametrize(
    ("path", "limit"), [("/", 15), ("/customers/", 12), ("/orders/", 13), ("/products/", 15)]
)
def test_pages_stay_within_their_query_budget(
    tenant_a, make_member, client_for, dataset, django_assert_max_num_queries, path, limit
):
    client = client_for(make_member(tenant_a, "analyst"), tenant_a)
    client.get(f"{path}?{FILTERS}")  # session and caches warm, as for a merchant clicking around

    with django_assert_max_num_queries(limit):
        assert client.get(f"{path}?{FILTERS}").status_code == 200
