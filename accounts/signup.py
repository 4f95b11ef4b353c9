"""Sign-up: a new person, their tenant (schema and host) and their ownership, all or nothing."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services import audit_record, user_create
from tenants.models import Tenant
from tenants.selectors import tenant_slug_candidates
from tenants.services import tenant_create

_SLUG_ATTEMPTS = 5


@transaction.atomic
def account_sign_up(
    *, email: str, password: str, company_name: str, full_name: str = ""
) -> tuple[User, Tenant]:
    """Creates the user, then their tenant with them as owner, in one transaction: any failure
    (taken email, weak password, schema creation) leaves neither behind."""
    if not company_name.strip():
        raise ValidationError({"company_name": "Enter your company's name."})
    user = user_create(email=email, password=password, full_name=full_name)
    return user, workspace_create(owner=user, company_name=company_name)


@transaction.atomic
def workspace_create(*, owner: User, company_name: str) -> Tenant:
    """A new tenant owned by `owner`. Its address is derived from the company name; when that is
    taken (also by a concurrent sign-up) the next free variant is used."""
    company_name = company_name.strip()
    if not company_name:
        raise ValidationError({"company_name": "Enter your company's name."})
    tenant = None
    for slug in tenant_slug_candidates(name=company_name, count=_SLUG_ATTEMPTS):
        try:
            # A savepoint per try: a lost race on the slug rolls back only this try.
            with transaction.atomic():
                tenant = tenant_create(name=company_name, slug=slug, owner=owner)
            break
        except IntegrityError:
            continue  # a concurrent sign-up took this address between the check and the insert
        except ValidationError as error:
            fields = getattr(error, "error_dict", {})
            if "slug" not in fields and "schema_name" not in fields:
                raise ValidationError({"company_name": error.messages}) from error
    if tenant is None:
        raise ValidationError(
            {"company_name": "Could not find a free address for this name; try a longer one."}
        )
    audit_record(tenant=tenant, actor=owner, action="tenant.created", target=tenant.slug)
    return tenant
