"""Time per tenant creation: running every tenant migration versus cloning the template schema.

Creates a scratch database on the server of DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/xeno_bench; only its server and credentials are used, never
its data), migrates the public and template schemas there, then creates tenants through
`tenants.services.tenant_create` alternately with TENANT_CREATION_FAKES_MIGRATIONS=False (a fresh
schema and `migrate_schemas`) and True (django-tenants clones `_tenant_template`, then fakes the
migrations). One untimed warm-up tenant per mode goes first (imports, migration graph, the
clone function). The scratch database is dropped at the end, also on failure.

Usage: DATABASE_URL=postgres://... .venv/bin/python bench/tenant_creation.py [--tenants 10]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 1.0
MODES = {"migrations": False, "clone": True}


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(_with_database(url, "postgres"), autocommit=True)


def create_scratch_database(url: str) -> tuple[str, str]:
    name = f"xeno_scratch_tenants_{os.getpid()}"
    with _admin(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, _with_database(url, name)


def drop_scratch_database(url: str, name: str) -> None:
    with _admin(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def run(count: int) -> dict[str, list[float]]:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from tenants.services import tenant_create
    from tenants.template_schema import tenant_template_migrate

    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    print(f"public schema migrated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    tenant_template_migrate()
    print(
        f"template schema {settings.TENANT_BASE_SCHEMA} migrated in "
        f"{time.perf_counter() - started:.1f} s (once per deploy, not per tenant)"
    )

    def create(mode: str, index: int) -> float:
        settings.TENANT_CREATION_FAKES_MIGRATIONS = MODES[mode]
        slug = f"bench-{'mig' if mode == 'migrations' else 'cln'}-{index:03d}"
        begun = time.perf_counter()
        tenant = tenant_create(name=f"Bench {slug}", slug=slug)
        elapsed = time.perf_counter() - begun
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
                [tenant.schema_name],
            )
            tables = cursor.fetchone()[0]
        assert tables > 0, f"{slug}: empty schema"
        return elapsed

    for mode in MODES:
        create(mode, 0)  # warm-up, not counted
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for index in range(1, count + 1):
        # Alternating, so that drift (cache, autovacuum, catalog growth) hits both modes alike.
        order = list(MODES) if index % 2 else list(reversed(MODES))
        for mode in order:
            times[mode].append(create(mode, index))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            [settings.TENANT_BASE_SCHEMA],
        )
        print(f"tables per tenant schema: {cursor.fetchone()[0]}")
    connection.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=10, help="timed tenants per mode")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xeno_bench")
    name, scratch_url = create_scratch_database(base_url)
    os.environ.update(
        {
            "DATABASE_URL": scratch_url,
            "DJANGO_SETTINGS_MODULE": "xeno.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": os.environ.get("FIELD_ENCRYPTION_KEY")
            or "Yp7lqVgV3vUuVRbmxcS5yGw6sGp7e3QJ6hXg6qKq3Vw=",
            "LOG_LEVEL": "WARNING",
            "CACHE_KEY_PREFIX": f"xeno-bench-tenants-{os.getpid()}",
        }
    )
    print(f"scratch database {name}; {args.tenants} timed tenants per mode (+1 warm-up each)")
    try:
        times = run(args.tenants)
    finally:
        drop_scratch_database(base_url, name)
        print(f"scratch database {name} dropped")

    medians = {}
    for mode, values in times.items():
        medians[mode] = statistics.median(values)
        p95 = percentile(values, 0.95)
        verdict = "meets" if p95 <= TARGET_SECONDS else "MISSES"
        print(
            f"{mode:>10}: median {medians[mode] * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms  "
            f"min {min(values) * 1000:7.0f} ms  max {max(values) * 1000:7.0f} ms  "
            f"({verdict} the {TARGET_SECONDS:.0f} s target)"
        )
    faster, slower = sorted(medians, key=medians.get)
    print(
        f"faster: {faster} ({medians[slower] / medians[faster]:.1f}x faster than {slower} "
        f"by median)"
    )
    if faster != "clone":
        print(
            "WARNING: cloning is slower than migrations; TENANT_CREATION_FAKES_MIGRATIONS=True "
            "should not be the default"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
