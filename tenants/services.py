"""Creating and changing tenants. Every write to Tenant goes through here."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone

from tenants.hosts import tenant_hostname
from tenants.models import Domain, Tenant, schema_name_for_slug
from tenants.template_schema import tenant_template_is_current, tenant_template_migrate

logger = logging.getLogger(__name__)


@transaction.atomic
def tenant_create(
    *, name: str, slug: str, timezone: str = "UTC", currency: str = "USD", owner=None
) -> Tenant:
    """Creates the tenant, its schema (all tables, empty), its host name and, if given, its owner.

    Runs in one transaction: PostgreSQL DDL is transactional, so a failure leaves no schema,
    no tenant row and no domain behind.
    """
    from accounts.services import membership_create  # accounts depends on tenants, not back

    tenant = Tenant(
        name=name.strip(),
        slug=slug,
        schema_name=schema_name_for_slug(slug),
        timezone=timezone,
        currency=currency,
    )
    tenant.full_clean()
    if settings.TENANT_CREATION_FAKES_MIGRATIONS and not tenant_template_is_current():
        tenant_template_migrate()
    tenant.save(verbosity=0)
    Domain.objects.create(domain=tenant_hostname(slug), tenant=tenant, is_primary=True)
    if owner is not None:
        membership_create(user=owner, tenant=tenant, role="owner")
    connection.set_schema_to_public()
    logger.info("tenant created", extra={"tenant": tenant.slug})
    return tenant


def tenant_settings_update(
    *,
    tenant: Tenant,
    actor,
    timezone: str,
    currency: str,
    data_retention_months: int | None,
    request=None,
) -> Tenant:
    """Changes the reporting timezone, currency and retention period (validated)."""
    from accounts.services import audit_record

    before = {
        "timezone": tenant.timezone,
        "currency": tenant.currency,
        "data_retention_months": tenant.data_retention_months,
    }
    tenant.timezone = timezone
    tenant.currency = currency.strip().upper()
    tenant.data_retention_months = data_retention_months
    tenant.full_clean(exclude=["schema_name", "slug", "name"])
    tenant.save(update_fields=["timezone", "currency", "data_retention_months"])
    after = {key: getattr(tenant, key) for key in before}
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changed:
        audit_record(
            tenant=tenant,
            actor=actor,
            action="tenant.settings_changed",
            target=tenant.slug,
            details=changed,
            request=request,
        )
    return tenant


def tenant_pause_set(*, tenant: Tenant, paused: bool, actor, request=None) -> Tenant:
    """Pauses (or resumes) all syncing of the tenant; sync tasks check Tenant.paused_at."""
    from accounts.services import audit_record

    if paused == tenant.is_paused:
        return tenant
    tenant.paused_at = dj_timezone.now() if paused else None
    Tenant.objects.filter(pk=tenant.pk).update(paused_at=tenant.paused_at)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="tenant.paused" if paused else "tenant.resumed",
        target=tenant.slug,
        request=request,
    )
    return tenant


@transaction.atomic
def tenant_delete(*, tenant: Tenant, actor, confirm_name: str, request=None) -> None:
    """Deletes the tenant: its schema (all synced data), host, memberships, invitations and beat
    schedules. The audit log keeps the event, with who did it.

    `confirm_name` must equal the tenant's name, so that a stray request cannot delete it.
    """
    from django_celery_beat.models import PeriodicTask

    from accounts.services import audit_record

    if confirm_name.strip() != tenant.name:
        raise ValidationError({"confirm_name": "Type the workspace's name exactly to delete it."})
    audit_record(
        tenant=tenant,
        actor=actor,
        action="tenant.deleted",
        target=tenant.slug,
        details={"name": tenant.name, "schema": tenant.schema_name},
        request=request,
    )
    # Periodic tasks name their tenant by schema in their kwargs (see tenants.task_base) and,
    # for shopify_sync's, in their name too.
    PeriodicTask.objects.filter(
        Q(kwargs__contains=f'"schema_name": "{tenant.schema_name}"')
        | Q(name__startswith=f"sync:{tenant.schema_name}:")
    ).delete()
    connection.set_schema_to_public()
    tenant.delete(force_drop=True)
    logger.info("tenant deleted", extra={"tenant": tenant.slug})
