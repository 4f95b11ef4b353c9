"""Each metric from the selectors equals the same metric computed from raw rows by hand."""

import datetime as dt

import pytest

from analytics.selectors import sales_summarise
from tests.analytics.expected import expected_kpis

RANGES = [
    (dt.date(2025, 2, 20), dt.date(2025, 5, 5)),
    (dt.date(2025, 3, 8), dt.date(2025, 3, 9)),  # both sides of US daylight saving
    (dt.date(2025, 3, 9), dt.date(2025, 3, 9)),
    (dt.date(2025, 3, 30), dt.date(2025, 3, 31)),  # EU daylight saving
    (dt.date(2025, 3, 15), dt.date(2025, 4, 14)),
    (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),  # nothing
]


@pytest.mark.parametrize("returns_on", ["refund_date", "order_date"])
def test_every_kpi_of_every_store_matches_the_raw_rows(dataset, returns_on):
    for store in dataset:
        for start, end in RANGES:
            kpis = sales_summarise(
                store_ids=[store.pk], start=start, end=end, returns_on=returns_on
            )
            assert kpis == expected_kpis([store], start, end, returns_on), (store, start, end)


def test_stores_of_one_currency_add_up(dataset):
    usd = [s for s in dataset if s.currency == "USD"]
    start, end = RANGES[0]

    kpis = sales_summarise(store_ids=[s.pk for s in usd], start=start, end=end)

    assert kpis == expected_kpis(usd, start, end)
    assert kpis["orders"] > 150
    assert kpis["returns"] > 0 and kpis["new_customers"] > 0
