"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from xeno.request_context import request_id_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xeno.settings")

app = Celery("xeno")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@before_task_publish.connect
def _carry_request_id(headers=None, **_kwargs):
    if headers is not None and "request_id" not in headers:
        headers["request_id"] = request_id_var.get()


@task_prerun.connect
def _restore_request_id(task=None, **_kwargs):
    request_id = getattr(task.request, "request_id", None) if task else None
    request_id_var.set(request_id or (f"task-{task.request.id}" if task else "-"))


@task_postrun.connect
def _forget_request_id(**_kwargs):
    # A worker thread runs many tasks: the next one must not log under this one's id.
    request_id_var.set("-")
