"""Analytics pages and API at a million orders: latency through gunicorn, raw-table cost, refresh.

Loads a tenant `bench` (1,000,000 orders, 3,000,000 line items, 150,000 customers, 5,000 products,
~50,000 refunds, generated in SQL) into the database of BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/xeno_bench, created when missing; the data is kept and reused
on later runs unless --fresh), builds its rollups, starts gunicorn (5 sync workers: 2 × cores + 1)
and prints one line per page and API endpoint, then the time to refresh rollups after an
incremental sync of 1,000 changed orders.

Usage: .venv/bin/python bench/analytics.py [--fresh] [--requests 60] [--port 8791]
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xeno_bench")
ENV = {
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "0",
    "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEY": "Yp7lqVgV3vUuVRbmxcS5yGw6sGp7e3QJ6hXg6qKq3Vw=",
    "SECURE_SSL_REDIRECT": "0",
    "BASE_DOMAIN": "localhost",
    "LOG_LEVEL": "WARNING",
    "CACHE_KEY_PREFIX": "xeno-bench",
    "DJANGO_SETTINGS_MODULE": "xeno.settings",
}
os.environ.update(ENV)

ORDERS, LINES_PER_ORDER, CUSTOMERS, PRODUCTS, VARIANTS_PER_PRODUCT = 1_000_000, 3, 150_000, 5_000, 3
WORKERS = 5
ROLLUP_TABLES = (
    "analytics_order_fact",
    "analytics_refund_fact",
    "analytics_daily_sales",
    "analytics_daily_order_mix",
    "analytics_daily_product_sales",
    "analytics_customer_day",
    "analytics_customer_stats",
)
CLIENTS = 20


# The same numbers from the raw synced tables, for the default filters (last 30 days vs the 30
# before), each window bounded on processed_at so that the (store, processed_at) index is usable.
_CUR = {"lo": "(current_date - 29)", "hi": "(current_date + 1)"}
_CMP = {"lo": "(current_date - 59)", "hi": "(current_date - 29)"}
_ORDERS_IN = """shopify_sync_order o WHERE o.store_id = %(store)s AND o.deleted_at IS NULL
    AND NOT o.test AND o.processed_at >= {lo}::timestamp AT TIME ZONE %(tz)s
    AND o.processed_at < {hi}::timestamp AT TIME ZONE %(tz)s"""
_LINES = """JOIN shopify_sync_lineitem l ON l.store_id = o.store_id
    AND l.order_shopify_id = o.shopify_id AND l.deleted_at IS NULL"""
_RAW_KPIS = f"""SELECT count(DISTINCT o.shopify_id), sum(l.original_unit_price * l.quantity),
    sum(l.total_discount), sum(l.quantity) FROM {_ORDERS_IN.split(" WHERE ")[0]} {_LINES}
    WHERE {_ORDERS_IN.split(" WHERE ", 1)[1]}"""
_RAW_SHIPPING = f"SELECT sum(total_shipping), sum(total_tax) FROM {_ORDERS_IN}"
_RAW_RETURNS = """SELECT sum(rl.subtotal), sum(rl.total_tax) FROM shopify_sync_refund r
    JOIN shopify_sync_refundlineitem rl ON rl.store_id = r.store_id
     AND rl.refund_shopify_id = r.shopify_id
    JOIN shopify_sync_order o ON o.store_id = r.store_id AND o.shopify_id = r.order_shopify_id
     AND o.deleted_at IS NULL AND NOT o.test
    WHERE r.store_id = %(store)s AND r.deleted_at IS NULL
      AND r.created_at >= {lo}::timestamp AT TIME ZONE %(tz)s
      AND r.created_at < {hi}::timestamp AT TIME ZONE %(tz)s"""
_RAW_CUSTOMERS = f"""WITH firsts AS (
    SELECT customer_shopify_id, min(processed_at) AS first FROM shopify_sync_order
    WHERE store_id = %(store)s AND deleted_at IS NULL AND NOT test
      AND customer_shopify_id IS NOT NULL GROUP BY 1),
  buyers AS (SELECT DISTINCT o.customer_shopify_id FROM {_ORDERS_IN})
  SELECT count(*) FILTER (WHERE f.first >= {{lo}}::timestamp AT TIME ZONE %(tz)s), count(*)
  FROM buyers b JOIN firsts f USING (customer_shopify_id)"""
_RAW_SERIES = f"""SELECT (o.processed_at AT TIME ZONE %(tz)s)::date, count(DISTINCT o.shopify_id),
    sum(l.original_unit_price * l.quantity - l.total_discount)
    FROM shopify_sync_order o {_LINES} WHERE {_ORDERS_IN.split(" WHERE ", 1)[1]} GROUP BY 1"""
_RAW_TOP = f"""SELECT l.{{key}}, sum(l.quantity),
    sum(l.original_unit_price * l.quantity - l.total_discount) AS net
    FROM shopify_sync_order o {_LINES} WHERE {_ORDERS_IN.split(" WHERE ", 1)[1]}
    GROUP BY 1 ORDER BY net DESC LIMIT 10"""
_RAW_MIX = f"""SELECT financial_status, fulfillment_status,
    extract(isodow FROM o.processed_at AT TIME ZONE %(tz)s),
    extract(hour FROM o.processed_at AT TIME ZONE %(tz)s), count(*)
    FROM {_ORDERS_IN} GROUP BY 1, 2, 3, 4"""
_RAW_CUSTOMER_LIFETIME = """SELECT customer_shopify_id, count(*), max(processed_at),
    min(processed_at) FROM shopify_sync_order
    WHERE store_id = %(store)s AND deleted_at IS NULL AND NOT test
      AND customer_shopify_id IS NOT NULL GROUP BY 1"""
_RAW_UNSOLD = f"""SELECT p.shopify_id FROM shopify_sync_product p WHERE p.store_id = %(store)s
    AND NOT EXISTS (SELECT 1 FROM shopify_sync_order o {_LINES}
      WHERE {_ORDERS_IN.split(" WHERE ", 1)[1]} AND l.product_shopify_id = p.shopify_id)"""


def _both(*templates: str) -> list[str]:
    return [t.format(**w) for t in templates for w in (_CUR, _CMP)]


RAW_QUERIES = {
    "overview": [
        *_both(_RAW_KPIS, _RAW_SHIPPING, _RAW_RETURNS, _RAW_CUSTOMERS, _RAW_SERIES),
        _RAW_TOP.format(key="product_shopify_id", **_CUR),
    ],
    "customers": [
        _RAW_CUSTOMERS.format(**_CUR),
        _RAW_SERIES.format(**_CUR),
        _RAW_CUSTOMER_LIFETIME,
    ],
    "orders": [
        _RAW_KPIS.format(**_CUR),
        _RAW_SERIES.format(**_CUR),
        _RAW_MIX.format(**_CUR),
    ],
    "products": [
        _RAW_TOP.format(key="product_shopify_id", **_CUR),
        _RAW_TOP.format(key="variant_shopify_id", **_CUR),
        _RAW_UNSOLD.format(**_CUR),
    ],
}


def ensure_database() -> None:
    import psycopg

    base, name = DATABASE_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_all", verbosity=0)


def _insert(cursor, model, columns: dict[str, str], source: str, params: dict) -> None:
    """INSERT … SELECT for `model`, every column not in `columns` given its Python default."""
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        names.append(field.column)
        if field.column in columns:
            values.append(columns[field.column].replace(" % ", " %% "))  # SQL modulo
        else:
            key = f"default_{field.column}"
            default = field.get_default()
            params[key] = (
                field.get_db_prep_save(default, cursor.db) if default is not None else None
            )
            values.append(f"%({key})s")
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) "
        f"SELECT {', '.join(values)} {source.replace(' % ', ' %% ')}",
        params,
    )


def load_tenant(fresh: bool, rebuild: bool):
    from django.db import connection, transaction

    from accounts.models import User
    from accounts.services import membership_create
    from shopify_sync import models as m
    from tenants.models import Tenant
    from tenants.services import tenant_create

    tenant = Tenant.objects.filter(slug="bench").first()
    if tenant is None:
        tenant = tenant_create(name="Bench Retail", slug="bench", timezone="America/New_York")
    user = User.objects.filter(email="bench@xeno.local").first()
    if user is None:
        user = User.objects.create_user(email="bench@xeno.local", password=secrets.token_hex(16))
        membership_create(user=user, tenant=tenant, role="owner")
    connection.set_tenant(tenant)
    store = m.Store.objects.filter(shop_domain="bench.myshopify.com").first()
    if store is not None and not fresh and m.Order.objects.filter(store=store).exists():
        if rebuild:
            rollups_build(store)
        return tenant, user, store
    started = time.perf_counter()
    with transaction.atomic():
        m.Store.objects.filter(shop_domain="bench.myshopify.com").delete()
        store = m.Store.objects.create(
            shop_domain="bench.myshopify.com",
            name="Bench",
            iana_timezone="America/New_York",
            currency="USD",
        )
        p = {"store": store.pk}
        with connection.cursor() as cur:
            cur.execute("SELECT setseed(0.42)")
            common = {"store_id": "%(store)s", "synced_at": "now()", "updated_at": "now()"}
            _insert(
                cur,
                m.Product,
                common
                | {
                    "shopify_id": "g",
                    "title": "'Product ' || g",
                    "status": "'active'",
                    "total_inventory": "(g * 37) % 400",
                },
                f"FROM generate_series(1, {PRODUCTS}) g",
                dict(p),
            )
            _insert(
                cur,
                m.ProductVariant,
                common
                | {
                    "shopify_id": "100000 + g",
                    "product_shopify_id": f"(g - 1) / {VARIANTS_PER_PRODUCT} + 1",
                    "title": "'Size ' || (g % 3 + 1)",
                    "price": "5 + (g * 13) % 195",
                    "inventory_quantity": "(g * 53) % 120 - 5",
                },
                f"FROM generate_series(1, {PRODUCTS * VARIANTS_PER_PRODUCT}) g",
                dict(p),
            )
            _insert(
                cur,
                m.Customer,
                common
                | {
                    "shopify_id": "1000000 + g",
                    "email": "'c' || g || '@example.com'",
                    "first_name": "'Customer'",
                    "last_name": "g::text",
                    "country_code": "(ARRAY['US','US','US','CA','GB','DE','AU'])[1 + g % 7]",
                },
                f"FROM generate_series(1, {CUSTOMERS}) g",
                dict(p),
            )
            # Skewed customers (a few buy often) and two years of orders up to now.
            _insert(
                cur,
                m.Order,
                common
                | {
                    "shopify_id": "10000000 + g",
                    "name": "'#' || g",
                    "customer_shopify_id": "CASE WHEN random() < 0.12 THEN NULL ELSE 1000000 + 1 + "
                    f"floor(power(random(), 1.6) * {CUSTOMERS})::int END",
                    "created_at": "t",
                    "processed_at": "t",
                    "cancelled_at": "CASE WHEN random() < 0.02 THEN t + interval '3 hours' END",
                    "test": "random() < 0.005",
                    "financial_status": "(ARRAY['paid','paid','paid','paid','partially_refunded',"
                    "'refunded','pending'])[1 + floor(random() * 7)::int]",
                    "fulfillment_status": "(ARRAY['fulfilled','fulfilled','unfulfilled',"
                    "'partial'])[1 + floor(random() * 4)::int]",
                    "currency": "'USD'",
                    "total_shipping": "(ARRAY[0, 4.99, 9.99])[1 + g % 3]",
                    "total_tax": "round((random() * 20)::numeric, 2)",
                    "country_code": "(ARRAY['US','US','CA','GB','DE'])[1 + g % 5]",
                },
                "FROM (SELECT g, now() - random() * interval '730 days' AS t "
                f"FROM generate_series(1, {ORDERS}) g) s",
                dict(p),
            )
            _insert(
                cur,
                m.LineItem,
                common
                | {
                    "shopify_id": "100000000 + g",
                    "order_shopify_id": f"10000000 + (g - 1) / {LINES_PER_ORDER} + 1",
                    "variant_shopify_id": "100000 + v",
                    "product_shopify_id": f"(v - 1) / {VARIANTS_PER_PRODUCT} + 1",
                    "title": "'Item'",
                    "quantity": "1 + floor(random() * 3)::int",
                    "original_unit_price": "5 + (v * 13) % 195",
                    "total_discount": "CASE WHEN random() < 0.15 THEN 2.50 ELSE 0 END",
                },
                "FROM (SELECT g, 1 + floor(power(random(), 2) * "
                f"{PRODUCTS * VARIANTS_PER_PRODUCT})::int AS v "
                f"FROM generate_series(1, {ORDERS * LINES_PER_ORDER}) g) s",
                dict(p),
            )
            _insert(
                cur,
                m.Refund,
                common
                | {
                    "shopify_id": "o.shopify_id",
                    "order_shopify_id": "o.shopify_id",
                    "created_at": "o.processed_at + random() * interval '20 days'",
                },
                "FROM shopify_sync_order o WHERE o.store_id = %(store)s AND o.shopify_id % 20 = 0",
                dict(p),
            )
            cur.execute(
                """
                INSERT INTO shopify_sync_refundlineitem (store_id, refund_shopify_id,
                    order_shopify_id, line_item_shopify_id, quantity, subtotal, total_tax,
                    restock_type)
                SELECT r.store_id, r.shopify_id, r.order_shopify_id, li.shopify_id, 1,
                       li.original_unit_price, round(li.original_unit_price * 0.08, 2), 'return'
                FROM shopify_sync_refund r
                JOIN shopify_sync_lineitem li ON li.store_id = r.store_id
                 AND li.shopify_id = 100000000 + (r.order_shopify_id - 10000000 - 1) * 3 + 1
                WHERE r.store_id = %(store)s
                """,
                p,
            )
    print(f"loaded 1,000,000 orders in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    rollups_build(store)
    return tenant, user, store


def rollups_build(store) -> None:
    from django.db import connection, transaction

    from analytics.services import rollups_refresh

    started = time.perf_counter()
    with transaction.atomic():
        rollups_refresh(store_id=store.pk)
    print(f"rollups built from scratch in {time.perf_counter() - started:.1f} s", flush=True)
    connection.ensure_connection()
    connection.connection.autocommit = True  # VACUUM refuses to run in a transaction
    with connection.cursor() as cur:  # what autovacuum does soon after: index-only scans
        for table in ROLLUP_TABLES:
            cur.execute(f"VACUUM ANALYZE {table}")


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def request_once(port: int, host: str, path: str, cookie: str) -> tuple[float, int]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host, "Cookie": cookie})
        response = conn.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    finally:
        conn.close()
    return (time.perf_counter() - started) * 1000, status


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def concurrent(port, host, path, cookie, total: int) -> tuple[list[float], int, float]:
    latencies, errors, lock = [], [0], threading.Lock()
    per_client = max(1, total // CLIENTS)

    def client():
        for _ in range(per_client):
            ms, status = request_once(port, host, path, cookie)
            with lock:
                latencies.append(ms)
                if status != 200:
                    errors[0] += 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], len(latencies) / (time.perf_counter() - started)


def raw_p95(store, page: str, runs: int = 5) -> float:
    """The page's headline numbers computed straight from the raw synced tables."""
    from django.db import connection

    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        with connection.cursor() as cur:
            for sql in RAW_QUERIES[page]:
                cur.execute(sql, {"store": store.pk, "tz": store.iana_timezone})
                cur.fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 0.95)


def incremental_refresh(store) -> float:
    """Seconds from an incremental sync's 1,000 changed orders to rollups current (committed)."""
    from django.db import connection, transaction

    from analytics.services import rollups_refresh

    with connection.cursor() as cur:
        cur.execute(
            "SELECT shopify_id FROM shopify_sync_order WHERE store_id = %s "
            "ORDER BY processed_at DESC LIMIT 1000",
            [store.pk],
        )
        ids = [row[0] for row in cur.fetchall()]
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cur:  # what the sync's batch upsert would have written
            cur.execute(
                "UPDATE shopify_sync_order SET financial_status = 'partially_refunded', "
                "processed_at = processed_at - interval '1 hour', updated_at = now() "
                "WHERE store_id = %s AND shopify_id = ANY(%s)",
                [store.pk, ids],
            )
        written = time.perf_counter()
        rollups_refresh(store_id=store.pk, order_shopify_ids=ids)
    done = time.perf_counter()
    print(
        f"  (raw upsert {1000 * (written - started):.0f} ms, "
        f"rollups {1000 * (done - written):.0f} ms)"
    )
    return done - written


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true", help="regenerate the data")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the rollups")
    parser.add_argument("--requests", type=int, default=60, help="per endpoint and mode")
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()

    ensure_database()
    setup_django()
    tenant, user, store = load_tenant(args.fresh, args.rebuild)
    cookie = session_cookie(user)
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "xeno.wsgi",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ | ENV,
    )
    try:
        for _ in range(100):
            time.sleep(0.2)
            if request_once(args.port, "localhost", "/healthz", "")[1] in (200, 404):
                break
        tenant_host, main_host = "bench.localhost", "localhost"
        targets = [
            ("page overview", tenant_host, "/", "overview"),
            ("page customers", tenant_host, "/customers/", "customers"),
            ("page orders", tenant_host, "/orders/", "orders"),
            ("page products", tenant_host, "/products/", "products"),
            ("api dashboard", main_host, f"/api/analytics/{tenant.pk}/dashboard", "overview"),
            ("api customers", main_host, f"/api/analytics/{tenant.pk}/customers", "customers"),
            ("api orders", tenant_host, "/api/analytics/orders", "orders"),
            ("api products", tenant_host, "/api/analytics/products", "products"),
        ]
        print(f"gunicorn {WORKERS} sync workers, {CLIENTS} clients, default filters (last 30 days)")
        for name, host, path, raw in targets:
            for _ in range(WORKERS):  # each worker connects and imports once
                request_once(args.port, host, path, cookie)
            seq = [request_once(args.port, host, path, cookie) for _ in range(args.requests)]
            seq_ms = [ms for ms, _ in seq]
            seq_errors = sum(1 for _, status in seq if status != 200)
            conc_ms, errors, rate = concurrent(args.port, host, path, cookie, args.requests * 2)
            print(
                f"{name}: sequential p50 {statistics.median(seq_ms):.0f} ms "
                f"p95 {percentile(seq_ms, 0.95):.0f} ms | {CLIENTS} clients p50 "
                f"{statistics.median(conc_ms):.0f} ms p95 {percentile(conc_ms, 0.95):.0f} ms "
                f"{rate:.0f} req/s errors {errors + seq_errors} | raw tables p95 "
                f"{raw_p95(store, raw):.0f} ms",
                flush=True,
            )
        seconds = incremental_refresh(store)
        print(f"rollups current after an incremental sync of 1,000 orders: {seconds:.2f} s")
        cold = [
            f"{name} {request_once(args.port, host, path, cookie)[0]:.0f} ms"
            for name, host, path, _ in targets
        ]
        print("first request after that refresh (report cache empty): " + ", ".join(cold))
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
