"""Bulk operations: JSONL shape, parity with paginated queries, limits."""

from __future__ import annotations

import json
import time

import httpx

from shopify_simulator.bulk import BulkOperation

RUN = """mutation($q: String!) { bulkOperationRunQuery(query: $q) {
  bulkOperation { id status } userErrors { field message code } } }"""
POLL = "{ currentBulkOperation { id status errorCode objectCount fileSize url partialDataUrl } }"
ORDERS = """{ orders { edges { node { id name totalPriceSet { shopMoney { amount } }
  refunds { id } lineItems { edges { node { id sku quantity } } } } } } }"""


def run_bulk(client, query: str) -> dict:
    created = client(RUN, {"q": query})["data"]["bulkOperationRunQuery"]
    assert created["userErrors"] == [] and created["bulkOperation"]["status"] == "CREATED"
    for _ in range(200):
        op = client(POLL)["data"]["currentBulkOperation"]
        if op["status"] not in ("CREATED", "RUNNING"):
            return op
        time.sleep(0.05)
    raise AssertionError("bulk operation did not finish")


def rebuild(text: str) -> dict:
    orders, children = {}, []
    for line in text.splitlines():
        record = json.loads(line)
        if "__parentId" in record:
            children.append(record)
        else:
            record["lineItems"] = []
            orders[record["id"]] = record
    for child in children:
        orders[child.pop("__parentId")]["lineItems"].append(child)
    return orders


def paginated(client) -> dict:
    query = """query($after: String) { orders(first: 50, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id name totalPriceSet { shopMoney { amount } } refunds { id }
        lineItems(first: 10) { nodes { id sku quantity } } } } }"""
    result, after = {}, None
    while True:
        page = client(query, {"after": after})["data"]["orders"]
        for node in page["nodes"]:
            node["lineItems"] = node["lineItems"]["nodes"]
            result[node["id"]] = node
        if not page["pageInfo"]["hasNextPage"]:
            return result
        after = page["pageInfo"]["endCursor"]


def test_bulk_jsonl_rebuilds_the_paginated_objects(gql):
    client = gql()
    op = run_bulk(client, ORDERS)
    assert op["status"] == "COMPLETED" and op["url"].startswith("http://")
    assert isinstance(op["objectCount"], str) and isinstance(op["fileSize"], str)
    text = httpx.get(op["url"]).text
    assert len(text.splitlines()) == int(op["objectCount"])
    assert rebuild(text) == paginated(client)


def test_children_follow_parents_before_2026_and_interleave_after(gql):
    def parent_positions_ok(text: str) -> bool:
        current = None
        for line in text.splitlines():
            record = json.loads(line)
            if "__parentId" not in record:
                current = record["id"]
            elif record["__parentId"] != current:
                return False
        return True

    old = run_bulk(gql(), ORDERS)
    assert parent_positions_ok(httpx.get(old["url"]).text)
    new = run_bulk(gql(version="2026-01"), ORDERS)
    assert not parent_positions_ok(httpx.get(new["url"]).text)


def test_empty_result_has_null_url(gql):
    query = '{ orders(query: "created_at:>2099-01-01") { edges { node { id } } } }'
    op = run_bulk(gql(), query)
    assert op["status"] == "COMPLETED" and op["objectCount"] == "0" and op["url"] is None


def test_only_one_bulk_query_at_a_time_before_2026(sim, gql):
    bulk = sim.simulator.shop("acme").bulk
    app = sim.simulator.shop("acme").auth.custom_app
    fake = BulkOperation(999999, app.key, "{}", "2025-10", 0, status="RUNNING")
    bulk.operations[fake.id] = fake
    try:
        body = gql()(RUN, {"q": ORDERS})["data"]["bulkOperationRunQuery"]
        assert body["bulkOperation"] is None
        assert body["userErrors"][0]["message"] == (
            "A bulk query operation for this app and shop is already in progress: "
            "gid://shopify/BulkOperation/999999."
        )
        newer = gql(version="2026-01")(RUN, {"q": ORDERS})["data"]["bulkOperationRunQuery"]
        assert newer["userErrors"] == []
    finally:
        del bulk.operations[fake.id]
    run_bulk(gql(), "{ products { edges { node { id } } } }")  # let the 2026-01 one finish first


def test_bulk_limits_are_enforced(gql):
    too_deep = """{ customers { edges { node { id orders { edges { node { id
      lineItems { edges { node { id } } } } } } } } } }"""
    body = gql()(RUN, {"q": too_deep})["data"]["bulkOperationRunQuery"]
    assert "nesting depth" in body["userErrors"][0]["message"]
    no_connection = "{ shop { name } }"
    body = gql()(RUN, {"q": no_connection})["data"]["bulkOperationRunQuery"]
    assert body["userErrors"][0]["field"] == ["query"]


def test_bulk_fail_next_gives_partial_data(sim, gql):
    sim.control("acme", "faults", {"bulk_fail_next": True})
    op = run_bulk(gql(), ORDERS)
    assert op["status"] == "FAILED" and op["errorCode"] == "INTERNAL_SERVER_ERROR"
    assert op["url"] is None and op["partialDataUrl"]
