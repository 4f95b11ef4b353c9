"""Creating and changing tenants. Every write to Tenant goes through here."""

import logging

from django.conf import settings
from django.db import connection, transaction

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
