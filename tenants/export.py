"""Export of all of a tenant's data: one CSV file per table, in a zip."""

import tempfile
import zipfile

from django.apps import apps
from django.conf import settings
from django.db import connection

from tenants.models import Tenant


def _export_models():
    for label in settings.TENANT_APPS:
        config = apps.get_app_config(label.rsplit(".", 1)[-1])
        if label.startswith("django."):
            continue
        yield from config.get_models()


def _exportable_columns(model) -> list[str]:
    # Credentials stay out of exports even though they are encrypted at rest.
    return [
        field.column
        for field in model._meta.concrete_fields
        if not field.name.endswith(("_encrypted", "secret", "token"))
    ]


def tenant_export_zip(*, tenant: Tenant, actor, request=None):
    """A temporary file holding a zip with one CSV (with header) per tenant table, read from the
    tenant's schema, table by table (a sync running meanwhile may make them differ slightly).
    The caller streams and closes it. The export is recorded in the audit log."""
    from accounts.services import audit_record

    spool = tempfile.TemporaryFile()
    tables = 0
    with (
        zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        connection.cursor() as cursor,
    ):
        schema = tenant.schema_name
        for model in _export_models():
            table = model._meta.db_table
            columns = ", ".join(f'"{c}"' for c in _exportable_columns(model))
            with archive.open(f"{table}.csv", "w") as out:
                # Identifiers come from the model registry and the validated schema name.
                sql = (
                    f'COPY (SELECT {columns} FROM "{schema}"."{table}" ORDER BY 1) '  # noqa: S608
                    "TO STDOUT WITH CSV HEADER"
                )
                with cursor.cursor.copy(sql) as copy:
                    for block in copy:
                        out.write(block)
            tables += 1
    audit_record(
        tenant=tenant,
        actor=actor,
        action="data.exported",
        target="all data (zip)",
        details={"tables": tables},
        request=request,
    )
    spool.seek(0)
    return spool
