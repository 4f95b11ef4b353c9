"""The set-based writer: what a payload that leaves a field out keeps."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from shopify_sync import writer
from shopify_sync.models import Customer, Refund, Store

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tenant_a):
    connection.set_tenant(tenant_a)
    return Store.objects.create(shop_domain="writer.myshopify.com", name="Writer")


def _customer(shopify_id: int, *, at, orders, spent, email="a@example.com") -> dict:
    row = {c: None for c in writer.TABLES["customers"].columns}
    return row | {
        "shopify_id": shopify_id,
        "updated_at": at,
        "email": email,
        "first_name": "",
        "last_name": "",
        "phone": "",
        "state": "",
        "tags": "",
        "country_code": "",
        "city": "",
        "number_of_orders": orders,
        "amount_spent": spent,
    }


def _refund(shopify_id: int, *, shipping=None, tax=None, at=T0) -> dict:
    return {
        "shopify_id": shopify_id,
        "updated_at": at,
        "order_shopify_id": 9000 + shopify_id,
        "created_at": at,
        "note": "",
        "total_refunded": Decimal("10.00"),
        "shipping_refunded": shipping,
        "shipping_tax_refunded": tax,
    }


def _upsert(store, resource, rows):
    return writer.rows_upsert(store_id=store.pk, resource=resource, rows=rows, seen_at=T0)


def test_a_payload_without_order_totals_keeps_the_stored_ones(store):
    _upsert(store, "customers", [_customer(1, at=T0, orders=5, spent=Decimal("100.00"))])

    later = T0 + dt.timedelta(hours=1)
    _upsert(store, "customers", [_customer(1, at=later, orders=None, spent=None, email="b@x.io")])

    customer = Customer.objects.get(store=store, shopify_id=1)
    assert (customer.email, customer.number_of_orders, customer.amount_spent) == (
        "b@x.io",
        5,
        Decimal("100.00"),
    )


def test_a_new_row_without_them_gets_zero_and_a_later_value_replaces_it(store):
    _upsert(store, "customers", [_customer(2, at=T0, orders=None, spent=None)])
    assert Customer.objects.get(shopify_id=2).number_of_orders == 0

    _upsert(store, "customers", [_customer(2, at=T0, orders=3, spent=Decimal("9.50"))])
    assert Customer.objects.get(shopify_id=2).number_of_orders == 3


def test_refunded_shipping_survives_a_bulk_row_and_is_set_by_the_refund_query(store):
    _upsert(store, "refunds", [_refund(1, shipping=Decimal("4.99"), tax=Decimal("0.40"))])
    _upsert(store, "refunds", [_refund(1)])  # a bulk export's refund: no shipping lines
    refund = Refund.objects.get(store=store, shopify_id=1)
    assert (refund.shipping_refunded, refund.shipping_tax_refunded) == (
        Decimal("4.99"),
        Decimal("0.40"),
    )

    shipping = [{"shopify_id": 1, "shipping_refunded": Decimal("6.00"), "shipping_tax_refunded": 0}]
    assert writer.refunds_shipping_set(store_id=store.pk, rows=shipping) == {9001}
    assert writer.refunds_shipping_set(store_id=store.pk, rows=shipping) == set()  # unchanged
    assert Refund.objects.get(store=store, shopify_id=1).shipping_refunded == Decimal("6.00")


def _customers(ids, *, at=T0, orders=1) -> list[dict]:
    return [_customer(i, at=at, orders=orders, spent=Decimal("5.00")) for i in ids]


def test_a_large_batch_of_new_rows_is_stored_whole_and_counted_as_created(store):
    count = writer.INSERT_FROM_ROWS
    rows = _customers(range(1, count + 1))
    rows[0] |= {"number_of_orders": None, "amount_spent": None}  # a payload without totals

    result = _upsert(store, "customers", rows)

    assert (result.created, result.updated) == (count, 0)
    assert result.applied_ids == result.changed_ids == set(range(1, count + 1))
    stored = Customer.objects.filter(store=store, deleted_at__isnull=True, synced_at=T0)
    assert stored.count() == count
    first = stored.get(shopify_id=1)
    assert (first.number_of_orders, first.amount_spent) == (0, Decimal("0"))

    again = _upsert(store, "customers", rows)  # the same payloads again change nothing
    assert (again.created, again.updated, again.changed_ids) == (0, 0, set())
    assert Customer.objects.filter(store=store).count() == count


def test_a_large_batch_holding_a_key_twice_keeps_its_newest_version(store):
    later = T0 + dt.timedelta(hours=1)
    rows = _customers(range(1, writer.INSERT_FROM_ROWS + 1))
    rows.append(_customer(7, at=later, orders=9, spent=Decimal("90.00"), email="new@x.io"))

    result = _upsert(store, "customers", rows)

    assert result.created == writer.INSERT_FROM_ROWS
    assert Customer.objects.filter(store=store).count() == writer.INSERT_FROM_ROWS
    assert Customer.objects.get(store=store, shopify_id=7).email == "new@x.io"


def test_a_large_batch_never_overwrites_a_newer_stored_row(store):
    later = T0 + dt.timedelta(hours=1)
    _upsert(store, "customers", [_customer(500, at=later, orders=3, spent=Decimal("1"), email="n")])

    result = _upsert(store, "customers", _customers(range(1, writer.INSERT_FROM_ROWS + 1)))

    assert (result.created, result.updated) == (writer.INSERT_FROM_ROWS - 1, 0)
    assert 500 not in result.applied_ids
    newer = Customer.objects.get(store=store, shopify_id=500)
    assert (newer.email, newer.number_of_orders) == ("n", 3)


def _stage_customers(rows) -> None:
    """Puts `rows` in the customers' staging table, as a bulk block does."""
    spec = writer.TABLES["customers"]
    with connection.cursor() as cursor:
        stage = writer.stage_prepare(cursor, spec)
        with cursor.cursor.copy(f"COPY {stage} ({', '.join(spec.columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in spec.columns])


def _row_versions(store) -> dict[int, str]:
    """Where each stored customer's row version lies (ctid): a write, even of equal values,
    moves it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shopify_id, ctid::text FROM shopify_sync_customer WHERE store_id = %s",
            [store.pk],
        )
        return dict(cursor.fetchall())


def test_payloads_equal_to_the_stored_rows_are_not_written_again(store):
    rows = _customers(range(1, 6))
    _upsert(store, "customers", rows)
    before = _row_versions(store)
    changed = _customer(3, at=T0 + dt.timedelta(hours=1), orders=4, spent=Decimal("8.00"))
    # Totals left out (None) keep the stored ones: that payload is unchanged too.
    no_totals = rows[3] | {"number_of_orders": None, "amount_spent": None}

    result = _upsert(store, "customers", [rows[0], rows[1], changed, no_totals])

    assert (result.created, result.updated) == (0, 1)
    assert result.changed_ids == {3}
    assert result.applied_ids == {1, 2, 3, 4}
    after = _row_versions(store)
    assert [i for i in before if before[i] != after[i]] == [3]


def test_a_full_sync_counts_the_unchanged_rows_it_skipped_as_seen(store):
    _upsert(store, "customers", _customers(range(1, 6)))
    sync_began = T0 + dt.timedelta(days=1)
    # The full sync's export holds customers 1 to 3 as stored and 4 changed; 5 is gone.
    export = [
        *_customers(range(1, 4)),
        _customer(4, at=sync_began, orders=7, spent=Decimal("70.00")),
    ]
    _stage_customers(export)

    result = writer.staged_write(
        store_id=store.pk,
        resource="customers",
        seen_at=sync_began,
        with_ids=False,
        remember_unchanged=True,
    )
    deleted = writer.unseen_mark_deleted(
        store_id=store.pk,
        resource="customers",
        seen_since=sync_began,
        deleted_at=sync_began + dt.timedelta(hours=1),
    )

    assert (result.created, result.updated, deleted) == (0, 1, 1)
    gone = Customer.objects.filter(store=store, deleted_at__isnull=False)
    assert list(gone.values_list("shopify_id", flat=True)) == [5]
    # Another sync's records do not count for this one, and clearing them leaves none.
    later = sync_began + dt.timedelta(days=1)
    assert (
        writer.unseen_mark_deleted(
            store_id=store.pk,
            resource="customers",
            seen_since=later,
            deleted_at=later,
        )
        == 4
    )
    writer.unchanged_forget(store_id=store.pk, resources=("customers",))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM shopify_sync_unchangedkeys")
        assert cursor.fetchone()[0] == 0


def test_a_resumed_full_sync_does_not_mark_deleted_twice(store):
    """A run resumed after its deletion pass writes its last window again: the rows earlier
    windows found unchanged are not seen again (their records are cleared), and must stay."""
    from shopify_sync.models import SyncRun
    from shopify_sync.sync_engine import RunContext, _mark_unseen_deleted

    _upsert(store, "customers", _customers(range(1, 6)))
    sync_began = T0 + dt.timedelta(days=1)
    run = SyncRun.objects.create(store=store, kind="full", resources=["customers"])
    context = RunContext(run, client=None)
    _stage_customers(_customers(range(1, 5)))  # 5 is gone
    writer.staged_write(
        store_id=store.pk,
        resource="customers",
        seen_at=sync_began,
        with_ids=False,
        remember_unchanged=True,
    )

    assert _mark_unseen_deleted(context, "customers", sync_began) == 1
    resumed = RunContext(SyncRun.objects.get(pk=run.pk), client=None)
    assert _mark_unseen_deleted(resumed, "customers", sync_began) == 1

    assert Customer.objects.filter(store=store, deleted_at__isnull=True).count() == 4
