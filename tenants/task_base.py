"""Celery tasks that work on one tenant's data.

A tenant task is queued with the tenant's schema name and runs inside that schema; its other
arguments are ids, never model instances. Queue it with `tenant_task_enqueue`, which waits for the
surrounding transaction to commit so that the worker sees what the caller wrote.
"""

from celery import Task
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from tenants.models import Tenant


class TenantTask(Task):
    abstract = True
    # The signature check at publish time would reject `schema_name`, which __call__ consumes.
    typing = False

    def __call__(self, *args, schema_name: str, **kwargs):
        connection.set_schema_to_public()
        tenant = Tenant.objects.filter(schema_name=schema_name).first()
        if tenant is None:
            # The tenant was deleted after the task was queued: nothing left to work on.
            return None
        # The real tenant (not a stand-in for its schema), so tasks can read its settings, such
        # as whether it is paused, from connection.tenant.
        with tenant_context(tenant):
            return super().__call__(*args, **kwargs)

    def retry(self, args=None, kwargs=None, **options):
        # The request Celery builds in __call__ holds the arguments without `schema_name`
        # (consumed above): a retry must name its tenant again, or it could not run.
        kwargs = self.request.kwargs if kwargs is None else kwargs
        kwargs = {**kwargs, "schema_name": connection.schema_name}
        return super().retry(args=args, kwargs=kwargs, **options)


def tenant_task_enqueue(task: TenantTask, *, tenant: Tenant, **kwargs) -> None:
    """Queues `task` for `tenant` once the current transaction commits (at once outside one)."""
    schema_name = tenant.schema_name
    transaction.on_commit(lambda: task.apply_async(kwargs={**kwargs, "schema_name": schema_name}))
