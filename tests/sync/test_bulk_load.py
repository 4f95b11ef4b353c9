"""Bulk exports are turned into rows by SQL (shopify_sync.bulk_load), pages and webhooks by
Python (shopify_sync.records): both must give the same rows for the same Shopify objects."""

import threading
from pathlib import Path

import orjson
import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from shopify_sync import bulk_load, queries, readers, records, rollup_hooks, writer
from shopify_sync.credentials import store_client
from shopify_sync.models import Order, StaleRollups, Store
from tests.sync.helpers import connect_with_client_credentials

FIXTURE = Path(__file__).parent / "fixtures/orders_with_line_items.jsonl"

# Objects at the edges of what records.py accepts: missing and null fields, tags as a string,
# an empty shipping address, several tax lines, money as MoneyV2 and as a scalar, ids with a
# query string, UnsignedInt64 counts as strings.
ODD_ORDERS = [
    {
        "id": "gid://shopify/Order/71",
        "updatedAt": "2026-02-01T10:00:00Z",
        "createdAt": "2026-01-31T23:30:00-05:00",
        "tags": ["vip", "wholesale"],
        "shippingAddress": {},
        "billingAddress": {"countryCodeV2": "FR"},
        "customer": {"id": "gid://shopify/Customer/5?from=pos"},
        "refunds": None,
        "totalPriceSet": {"shopMoney": {"amount": "12.5"}},
        "test": True,
    },
    {
        "id": "gid://shopify/Order/72",
        "updatedAt": "2026-02-01T10:00:00Z",
        "processedAt": "2026-02-01T09:00:00Z",
        "tags": "gift",
        "email": None,
        "shippingAddress": {"countryCodeV2": None},
        "billingAddress": {"countryCodeV2": "DE"},
        "refunds": [
            {"id": "gid://shopify/Refund/81", "updatedAt": "2026-02-03T00:00:00Z"},
            {"id": "gid://shopify/Refund/82", "createdAt": "2026-02-04T00:00:00Z", "note": None},
        ],
    },
    {
        "id": "gid://shopify/LineItem/91",
        "__parentId": "gid://shopify/Order/72",
        "quantity": 3,
        "currentQuantity": None,
        "product": None,
        "taxLines": [
            {"priceSet": {"shopMoney": {"amount": "1.10"}}},
            {"priceSet": {"shopMoney": {"amount": "0.25"}}},
        ],
    },
    {"id": "gid://shopify/LineItem/92", "__parentId": "gid://shopify/Order/71", "taxLines": None},
    # Tags whose JSON text has escapes, quotes or the separator inside a tag.
    {
        "id": "gid://shopify/Order/73",
        "updatedAt": "2026-02-01T10:00:00Z",
        "createdAt": "2026-02-01T09:00:00Z",
        "tags": ['say "hi"'],
    },
    {
        "id": "gid://shopify/Order/74",
        "updatedAt": "2026-02-01T10:00:00Z",
        "createdAt": "2026-02-01T09:00:00Z",
        "tags": ["a\\b", "c"],
    },
    {
        "id": "gid://shopify/Order/75",
        "updatedAt": "2026-02-01T10:00:00Z",
        "createdAt": "2026-02-01T09:00:00Z",
        "tags": ["x, y", "Kōbō"],
    },
    {
        "id": "gid://shopify/Order/76",
        "updatedAt": "2026-02-01T10:00:00Z",
        "createdAt": "2026-02-01T09:00:00Z",
        "tags": ["", ""],
    },
    {
        "id": "gid://shopify/Order/77",
        "updatedAt": "2026-02-01T10:00:00Z",
        "createdAt": "2026-02-01T09:00:00Z",
        "tags": ["tab\there"],
    },
    # One tax line as a MoneyV2, one as a plain amount, and none.
    {
        "id": "gid://shopify/LineItem/93",
        "__parentId": "gid://shopify/Order/73",
        "taxLines": [{"priceSet": {"amount": "0.70"}}],
    },
    {
        "id": "gid://shopify/LineItem/94",
        "__parentId": "gid://shopify/Order/73",
        "taxLines": [{"priceSet": "0.05"}],
    },
    {"id": "gid://shopify/LineItem/95", "__parentId": "gid://shopify/Order/74", "taxLines": []},
]
ODD_CUSTOMERS = [
    {
        "id": "gid://shopify/Customer/5",
        "numberOfOrders": "12",
        "amountSpent": {"amount": "310.40", "currencyCode": "EUR"},
        "defaultAddress": None,
        "state": "ENABLED",
        "tags": [],
    },
    {"id": "gid://shopify/Customer/6", "updatedAt": None, "amountSpent": None},
]
ODD_PRODUCTS = [
    {"id": "gid://shopify/Product/3", "status": "DRAFT", "totalInventory": 7, "tags": "a, b"},
    {
        "id": "gid://shopify/ProductVariant/31",
        "__parentId": "gid://shopify/Product/3",
        "price": "19.90",
        "compareAtPrice": "",
    },
    {
        "id": "gid://shopify/ProductVariant/32",
        "__parentId": "gid://shopify/Product/3",
        "price": "5",
        "compareAtPrice": "7.50",
        "inventoryQuantity": -2,
    },
]


def _rows_by_python(resource: str, objects: list[dict]) -> dict[str, list[dict]]:
    """What shopify_sync.records makes of the export's objects."""
    rows: dict[str, list[dict]] = {table: [] for table in bulk_load.TABLES_OF_EXPORT[resource]}
    for obj in objects:
        parent = records.gid_to_id(obj.get("__parentId"))
        if resource == "customers":
            rows["customers"].append(records.customer_row(obj))
        elif resource == "products" and parent:
            rows["variants"].append(records.variant_row(obj, parent))
        elif resource == "products":
            rows["products"].append(records.product_row(obj))
        elif parent:
            rows["line_items"].append(records.line_item_row(obj, parent, None))
        else:
            order = records.order_row(obj)
            rows["orders"].append(order)
            for refund in obj.get("refunds") or []:
                rows["refunds"].append(records.refund_row(refund, order["shopify_id"]))
    return rows


def _rows_by_sql(resource: str, block: bytes) -> dict[str, list[dict]]:
    staged = bulk_load.block_stage(resource=resource, block=block)
    rows = {}
    with connection.cursor() as cursor:
        for table in staged.tables:
            spec = writer.TABLES[table]
            cursor.execute(
                f"SELECT {', '.join(spec.columns)} FROM {writer.stage_name(spec)}"  # noqa: S608
            )
            rows[table] = [
                dict(zip(spec.columns, values, strict=True)) for values in cursor.fetchall()
            ]
    return rows


def _by_key(rows: list[dict]) -> dict:
    return {row["shopify_id"]: row for row in rows}


def _assert_same_rows(resource: str, block: bytes) -> None:
    objects = [orjson.loads(line) for line in block.splitlines() if line.strip()]
    expected = _rows_by_python(resource, objects)
    actual = _rows_by_sql(resource, block)
    assert actual.keys() == expected.keys()
    for table in expected:
        assert len(actual[table]) == len(expected[table]), table
        assert _by_key(actual[table]) == _by_key(expected[table]), table


def _jsonl(objects: list[dict]) -> bytes:
    return b"".join(orjson.dumps(obj) + b"\n" for obj in objects)


@pytest.fixture
def tenant_schema(tenant_a):
    connection.set_tenant(tenant_a)
    yield tenant_a
    connection.set_schema_to_public()


def test_shopifys_documented_bulk_file_gives_the_same_rows_as_records(tenant_schema):
    _assert_same_rows("orders", FIXTURE.read_bytes())


@pytest.mark.parametrize(
    ("resource", "objects"),
    [("orders", ODD_ORDERS), ("customers", ODD_CUSTOMERS), ("products", ODD_PRODUCTS)],
)
def test_odd_but_valid_objects_give_the_same_rows_as_records(tenant_schema, resource, objects):
    _assert_same_rows(resource, _jsonl(objects))


@pytest.mark.slow
def test_every_simulated_export_gives_the_same_rows_as_records(simulator, tenant_a, cleanup_stores):
    store, _ = connect_with_client_credentials(
        simulator, "globex", tenant_a, cleanup_stores, trigger_first_sync=False
    )
    templates = {
        "customers": queries.BULK_CUSTOMERS,
        "products": queries.BULK_PRODUCTS,
        "orders": queries.BULK_ORDERS,
    }
    with schema_context(tenant_a.schema_name), store_client(store) as client:
        for resource, template in templates.items():
            url = readers.bulk_export_url(client, queries.bulk_query(template, ""))
            block = b"".join(client.stream_blocks(url))
            _assert_same_rows(resource, block)
            # Small blocks hold whole lines, and all of them.
            small = list(client.stream_blocks(url, block_bytes=4096))
            assert len(small) > 1
            assert all(part.endswith(b"\n") for part in small)
            assert b"".join(small) == block


@pytest.mark.parametrize(
    ("line", "named"),
    [
        (b'{"updatedAt": "2026-02-01", "createdAt": "2026-02-01"}', "held an order without 'id'"),
        (b'{"id": "gid://shopify/Order/1", "createdAt": "2026-02-01"}', "without 'updatedAt'"),
        (b'{"id": "gid://shopify/Order/1", "updatedAt": "2026-02-01"}', "'processedAt' or"),
        (b'{"id": "gid://shopify/Order/abc", "createdAt": "2026-02-01"}', '"abc"'),
        (
            b'{"id": "gid://shopify/Order/1", "createdAt": "2026-02-01", "updatedAt": "soon"}',
            '"soon"',
        ),
        (b'{"id": "gid://shopify/Order/1", "createdAt": "2026-02-01", "totalPriceSet"', "json"),
    ],
)
def test_an_unreadable_record_fails_the_block_naming_the_problem_and_stores_nothing(
    tenant_schema, line, named
):
    store = Store.objects.create(shop_domain="bad.myshopify.com", name="Bad")
    good = orjson.dumps(
        {"id": "gid://shopify/Order/2", "updatedAt": "2026-02-01", "createdAt": "2026-02-01"}
    )

    with pytest.raises(bulk_load.ShopifyPayloadError) as raised:
        bulk_load.block_write(
            resource="orders",
            block=good + b"\n" + line + b"\n",
            store_id=store.pk,
            seen_at=timezone.now(),
        )

    assert str(raised.value).startswith("Shopify's orders export held ")
    assert named in str(raised.value)
    assert not Order.objects.filter(store=store).exists()


def _order_lines(first: int, count: int) -> bytes:
    return _jsonl(
        [
            {
                "id": f"gid://shopify/Order/{n}",
                "updatedAt": "2026-02-01T00:00:00Z",
                "test": False,
                "processedAt": "2026-01-31T12:00:00Z",
            }
            for n in range(first, first + count)
        ]
    )


def test_parallel_writers_store_every_block_and_stop_on_a_bad_one(transactional_db, tenant_a):
    with schema_context(tenant_a.schema_name):
        store = Store.objects.create(shop_domain="blocks.myshopify.com", name="Blocks")
        good = [_order_lines(1 + 1000 * n, 1000) for n in range(6)]
        writers = bulk_load.ParallelBlockWriter(
            resource="orders", store_id=store.pk, seen_at=timezone.now()
        )
        for block in good:
            writers.submit(block)
        stored = list(writers.finish())

        assert sorted(s.records for s in stored) == [1000] * 6
        assert sum(s.written["orders"].created for s in stored) == 6000
        assert Order.objects.filter(store=store).count() == 6000

        writers = bulk_load.ParallelBlockWriter(
            resource="orders", store_id=store.pk, seen_at=timezone.now()
        )
        writers.submit(_order_lines(7001, 10))
        writers.submit(b'{"id": "gid://shopify/Order/8001", "createdAt": "2026-02-01"}\n')
        with pytest.raises(bulk_load.ShopifyPayloadError, match="without 'updatedAt'"):
            list(writers.finish())

        assert not Order.objects.filter(store=store, shopify_id=8001).exists()
        assert not [t for t in threading.enumerate() if t.name.startswith("bulk-writer")]


def test_lines_are_fetched_for_new_refunds_and_stored_ones_without_lines(tenant_schema):
    """A refund cannot be edited: a full sync asks for the lines of new refunds, and of stored
    ones that have none yet (a run stopped before they came), not again for the others."""
    store = Store.objects.create(shop_domain="refunds.myshopify.com", name="Refunds")
    block = FIXTURE.read_bytes()

    def refunds_to_fetch() -> list[tuple[int, int]]:
        staged = bulk_load.block_write(
            resource="orders", block=block, store_id=store.pk, seen_at=timezone.now()
        )
        return staged.refunds

    assert refunds_to_fetch() == [(7001, 5001)]  # new
    assert refunds_to_fetch() == [(7001, 5001)]  # stored, without lines
    line = {c: None for c in writer.TABLES["refund_lines"].columns}
    line |= {"refund_shopify_id": 7001, "order_shopify_id": 5001, "line_item_shopify_id": 6001}
    line |= {"quantity": 1, "subtotal": 10, "total_tax": 0, "restock_type": ""}
    writer.rows_upsert(
        store_id=store.pk, resource="refund_lines", rows=[line], seen_at=timezone.now()
    )
    assert refunds_to_fetch() == []  # stored with its lines


def test_a_block_that_stores_rows_marks_the_rollups_stale_in_its_transaction(tenant_schema):
    """The mark commits with the rows, so a run that stops before its rollup rebuild leaves it
    for the next full sync; a block found exactly as stored leaves none."""
    store = Store.objects.create(shop_domain="marks.myshopify.com", name="Marks")
    block = FIXTURE.read_bytes()

    def write() -> None:
        bulk_load.block_write(
            resource="orders", block=block, store_id=store.pk, seen_at=timezone.now()
        )

    write()
    assert rollup_hooks.store_rebuild_needed(store_id=store.pk)
    StaleRollups.objects.filter(store_id=store.pk).delete()
    # Its refund has no line stored yet: asking for them is a change still to come.
    line = {c: None for c in writer.TABLES["refund_lines"].columns}
    line |= {"refund_shopify_id": 7001, "order_shopify_id": 5001, "line_item_shopify_id": 6001}
    line |= {"quantity": 1, "subtotal": 10, "total_tax": 0, "restock_type": ""}
    writer.rows_upsert(
        store_id=store.pk, resource="refund_lines", rows=[line], seen_at=timezone.now()
    )
    write()
    assert not rollup_hooks.store_rebuild_needed(store_id=store.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        Order.objects.filter(store=store).update(name="edited here")
        write()
        assert rollup_hooks.store_rebuild_needed(store_id=store.pk)
        raise RuntimeError("the run stops: its block and its mark are rolled back together")
    assert not rollup_hooks.store_rebuild_needed(store_id=store.pk)
