"""Registers the nightly retention task in django-celery-beat's table.

A data migration rather than CELERY_BEAT_SCHEDULE: the schedule then lives where every other
schedule lives (the DatabaseScheduler's tables), staff can change its time in the admin, and
deploying the code is enough to install it.
"""

from django.db import migrations

TASK_NAME = "tenants: nightly data retention"


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="17", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={"task": "tenants.retention_prune_all", "crontab": crontab, "enabled": True},
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_tenant_data_retention_months"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
