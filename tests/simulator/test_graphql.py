"""GraphQL Admin API: pagination, filters, errors, costs and scopes."""

from __future__ import annotations

import datetime as dt
import json

import shopify

from shopify_simulator.wire import iso_utc

PAGE = """
query($after: String, $query: String, $sort: OrderSortKeys) {
  orders(first: 50, after: $after, query: $query, sortKey: $sort) {
    edges { cursor node { id updatedAt createdAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


def all_orders(client, query=None, sort="ID"):
    seen, after = [], None
    while True:
        variables = {"after": after, "query": query, "sort": sort}
        page = client(PAGE, variables)["data"]["orders"]
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def test_pagination_visits_every_order_exactly_once(sim, gql):
    orders = all_orders(gql())
    ids = [o["id"] for o in orders]
    assert len(ids) == len(set(ids)) == sim.shop("acme").order_count


def test_updated_at_filter_and_sort(sim, gql):
    state = sim.shop("acme")
    cutoff = sorted(state.order_updated)[len(state.order_updated) // 2]
    text = f"updated_at:>'{iso_utc(cutoff)}'"
    orders = all_orders(gql(), query=text, sort="UPDATED_AT")
    expected = sum(1 for u in state.order_updated if u > cutoff)
    assert len(orders) == expected > 0
    stamps = [o["updatedAt"] for o in orders]
    assert stamps == sorted(stamps) and all(s > iso_utc(cutoff) for s in stamps)


def test_unknown_field_gives_shopify_error_shape(gql):
    body = gql()("{ orders(first: 1) { nodes { id foo } } }")
    assert "data" not in body
    (error,) = body["errors"]
    assert error["message"] == "Field 'foo' doesn't exist on type 'Order'"
    assert error["path"] == ["query", "orders", "nodes", "foo"]
    assert error["extensions"] == {
        "code": "undefinedField",
        "typeName": "Order",
        "fieldName": "foo",
    }


def test_cost_and_throttling_follow_the_bucket(sim, gql):
    client = gql("recent")  # its own bucket, untouched by other tests
    query = (
        "{ orders(first: 250) { edges { node { id totalPriceSet { shopMoney { amount } } } } } }"
    )
    first = client(query)["extensions"]["cost"]
    # 2 + 250 × (order + MoneyBag + MoneyV2), as in the real THROTTLED fixture.
    assert first["requestedQueryCost"] == 752
    returned = len(sim.shop("recent").order_created) and min(250, _visible_recent(sim))
    assert first["actualQueryCost"] == 2 + 3 * returned
    assert first["throttleStatus"]["maximumAvailable"] == 2000.0
    assert first["throttleStatus"]["restoreRate"] == 100.0
    assert 2000 - first["actualQueryCost"] <= first["throttleStatus"]["currentlyAvailable"] <= 2000
    sim.set_faults("recent", drain_bucket=True)
    throttled = client(query)
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert throttled["extensions"]["cost"]["actualQueryCost"] is None
    assert throttled["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 752


def _visible_recent(sim) -> int:
    state = sim.shop("recent")
    since = state.clock.now() - 60 * 86400
    return sum(1 for c in state.order_created if c >= since)


def test_max_cost_exceeded(gql):
    query = "{ orders(first: 250) { nodes { id lineItems(first: 10) { nodes { id } } } } }"
    error = gql()(query)["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["cost"] > 1000


def test_more_than_250_per_page_is_refused(gql):
    body = gql()("{ customers(first: 251) { nodes { id } } }")
    assert body["errors"][0]["path"] == ["customers"]


def test_orders_without_read_all_orders_see_only_60_days(sim, gql):
    count = gql("recent")("{ ordersCount(limit: null) { count precision } }")["data"]
    assert count["ordersCount"] == {"count": _visible_recent(sim), "precision": "EXACT"}
    assert 0 < _visible_recent(sim) < sim.shop("recent").order_count


def test_access_denied_without_read_orders(gql):
    body = gql("noorders")(
        "{ orders(first: 5) { nodes { id } } products(first: 1) { nodes { id } } }"
    )
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert error["path"] == ["orders"]
    assert body["data"]["products"]["nodes"]


def test_money_is_consistent(sim):
    state = sim.shop("acme")
    for index in range(state.order_count):
        order = state.order(index)
        lines = sum(li.unit_price * li.quantity for li in order.line_items)
        assert order.subtotal == lines - order.discounts
        assert order.total == order.subtotal + order.shipping + order.tax
        assert 0 <= order.refunded <= order.total
        if order.cancelled_at:
            assert order.refunded == order.total


def test_stats_endpoint_matches_queries(sim, gql):
    stats = sim.control("acme", "stats")
    counts = gql()(
        "{ ordersCount(limit: null) { count } customersCount { count } productsCount { count } }"
    )["data"]
    assert counts["ordersCount"]["count"] == stats["orders"]
    assert counts["customersCount"]["count"] == stats["customers"]
    assert counts["productsCount"]["count"] == stats["products"]
    assert isinstance(stats["orders_total_price"], str) and "." in stats["orders_total_price"]


def test_shop_and_scopes_through_the_shopify_library(sim):
    shopify.ApiVersion.define_version(shopify.Release("2025-10"))
    info = sim.info("acme")
    session = shopify.Session("acme.myshopify.com", "2025-10", info.token)
    shopify.ShopifyResource.activate_session(session)
    try:
        shopify.ShopifyResource.set_site(f"{info.admin_url}/admin/api/2025-10")
        raw = shopify.GraphQL().execute(
            "{ shop { name myshopifyDomain ianaTimezone currencyCode plan { displayName } } "
            "currentAppInstallation { accessScopes { handle } } }"
        )
    finally:
        shopify.ShopifyResource.clear_session()
    data = json.loads(raw)["data"]
    assert data["shop"]["myshopifyDomain"] == "acme.myshopify.com"
    assert data["shop"]["ianaTimezone"] == "America/New_York"
    handles = {s["handle"] for s in data["currentAppInstallation"]["accessScopes"]}
    assert {"read_orders", "read_all_orders"} <= handles


def test_unknown_version_is_404(sim):
    import httpx

    info = sim.info("acme")
    headers = {"X-Shopify-Access-Token": info.token}
    for version in ("garbage", "2023-10"):
        url = f"{info.admin_url}/admin/api/{version}/graphql.json"
        assert (
            httpx.post(url, json={"query": "{ shop { name } }"}, headers=headers).status_code == 404
        )


def test_same_seed_same_data_and_history_is_realistic():
    from shopify_simulator.simulator import Simulator

    anchor = int(dt.datetime(2026, 1, 15, tzinfo=dt.UTC).timestamp())
    a = Simulator(["x:orders=300,customers=60"], seed=7, anchor=anchor)
    b = Simulator(["x:orders=300,customers=60"], seed=7, anchor=anchor)
    c = Simulator(["x:orders=300,customers=60"], seed=8, anchor=anchor)
    try:
        sa, sb, sc = (s.shop("x").state for s in (a, b, c))
        assert sa.stats() == sb.stats() and sa.order(123) == sb.order(123)
        assert sa.stats() != sc.stats()
        names = {f"{cu.first_name} {cu.last_name}" for cu in sa.customers}
        assert any(not n.isascii() for n in names)
        assert any(sa.order(i).customer_id is None for i in range(300))
    finally:
        for s in (a, b, c):
            s.stop()
