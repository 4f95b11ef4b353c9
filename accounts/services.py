"""Writes about people: users, memberships, ownership, and the audit log every app writes to."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.backends import client_ip
from accounts.models import AuditEvent, Membership, Role, User


def audit_record(
    *,
    tenant,
    actor,
    action: str,
    target: str = "",
    details: dict | None = None,
    request=None,
) -> AuditEvent:
    """Appends one event to the tenant's audit log (`tenant` None: a platform-level event).

    `actor` is a User, None or an anonymous user; `details` must be JSON-serialisable and must
    never hold secrets (tokens, passwords). The event survives the tenant's and the actor's
    deletion: both are stored as plain values.
    """
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        tenant_id=tenant.pk if tenant is not None else None,
        tenant_slug=tenant.slug if tenant is not None else "",
        actor_user_id=actor.pk if signed_in else None,
        actor_email=actor.email if signed_in else "",
        action=action[:64],
        target=str(target)[:255],
        ip=client_ip(request) if request is not None and request.META.get("REMOTE_ADDR") else None,
        details=details or {},
    )


def sign_in_audit(*, user: User, request=None) -> None:
    """A successful sign-in, recorded in every tenant the user belongs to."""
    for membership in Membership.objects.filter(user=user).select_related("tenant"):
        audit_record(
            tenant=membership.tenant,
            actor=user,
            action="auth.sign_in",
            target=user.email,
            request=request,
        )


def sign_in_failure_audit(*, email: str, request=None) -> None:
    """A failed sign-in for an existing account, recorded in each of its tenants; unknown
    addresses are not recorded anywhere (no tenant to attribute them to)."""
    memberships = Membership.objects.filter(user__email=email.strip().lower()).select_related(
        "tenant", "user"
    )
    for membership in memberships:
        audit_record(
            tenant=membership.tenant,
            actor=None,
            action="auth.sign_in_failed",
            target=membership.user.email,
            request=request,
        )


def user_create(*, email: str, password: str, full_name: str = "") -> User:
    """A new user; ValidationError (keyed by field) if the email is taken or the password weak."""
    email = email.strip().lower()
    validate_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            {"email": "An account with this email already exists. Sign in instead."}
        )
    try:
        validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    return User.objects.create_user(email=email, password=password, full_name=full_name.strip())


def user_profile_update(*, user: User, full_name: str) -> User:
    user.full_name = full_name.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name"])
    return user


def membership_create(*, user: User, tenant, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role '{role}'; choose one of {', '.join(Role.values)}.")
    membership, _created = Membership.objects.update_or_create(
        user=user, tenant=tenant, defaults={"role": role}
    )
    return membership


def _assert_not_owner(membership: Membership, verb: str) -> None:
    if membership.role == Role.OWNER:
        raise ValidationError(
            f"The owner cannot be {verb}; the owner first transfers ownership to someone else."
        )


@transaction.atomic
def membership_role_change(
    *, membership: Membership, role: str, actor: User, request=None
) -> Membership:
    """Changes a member's role. The owner's role is changed only by transferring ownership, so a
    tenant always keeps exactly one owner."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("tenant", "user")
        .get(pk=membership.pk)
    )
    _assert_not_owner(membership, "given another role")
    if role == Role.OWNER:
        raise ValidationError("To make someone the owner, transfer ownership.")
    if role not in Role.values:
        raise ValidationError(f"Unknown role '{role}'.")
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        tenant=membership.tenant,
        actor=actor,
        action="member.role_changed",
        target=membership.user.email,
        details={"from": previous, "to": role},
        request=request,
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User, request=None) -> None:
    membership = (
        Membership.objects.select_for_update()
        .select_related("tenant", "user")
        .get(pk=membership.pk)
    )
    _assert_not_owner(membership, "removed")
    membership.delete()
    audit_record(
        tenant=membership.tenant,
        actor=actor,
        action="member.removed",
        target=membership.user.email,
        details={"role": membership.role},
        request=request,
    )


@transaction.atomic
def ownership_transfer(*, tenant, new_owner: Membership, actor: User, request=None) -> None:
    """Makes `new_owner` (a member of `tenant`) the owner; the previous owner becomes an admin."""
    # Locking every membership of the tenant serialises concurrent transfers and role changes.
    rows = {
        m.pk: m
        for m in Membership.objects.select_for_update().select_related("user").filter(tenant=tenant)
    }
    target = rows.get(new_owner.pk)
    if target is None:
        raise ValidationError("The new owner must already be a member of this workspace.")
    if target.role == Role.OWNER:
        raise ValidationError("That member already owns this workspace.")
    Membership.objects.filter(tenant=tenant, role=Role.OWNER).update(role=Role.ADMIN)
    Membership.objects.filter(pk=target.pk).update(role=Role.OWNER)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="member.ownership_transferred",
        target=target.user.email,
        request=request,
    )
