"""The template schema that new tenant schemas are cloned from.

Cloning a migrated schema takes a fraction of the time of running every tenant migration again
(figures in docs/performance.md). The template must be at the latest migration, so it is migrated
by `migrate_all` and checked before each clone.
"""

from functools import lru_cache

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists


def _tenant_app_labels() -> set[str]:
    return {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}


@lru_cache(maxsize=1)
def _required_tenant_migrations() -> frozenset[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = _tenant_app_labels()
    return frozenset(node for node in loader.graph.nodes if node[0] in labels)


def _applied_migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        # The schema name comes from settings, not from user input.
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')  # noqa: S608
        return set(cursor.fetchall())


def tenant_template_is_current() -> bool:
    schema = settings.TENANT_BASE_SCHEMA
    if not schema_exists(schema):
        return False
    return _required_tenant_migrations() <= _applied_migrations(schema)


def tenant_template_migrate(*, verbosity: int = 0) -> None:
    """Creates the template schema if missing and applies every tenant migration to it."""
    schema = settings.TENANT_BASE_SCHEMA
    connection.set_schema_to_public()
    if not schema_exists(schema):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
    call_command(
        "migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=verbosity
    )
    connection.set_schema_to_public()
