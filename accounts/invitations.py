"""Invitations: owners and admins invite people by email to join a tenant with a role.

The link carries a signed token (salted, expiring after INVITATION_MAX_AGE_DAYS) naming the
invitation; the invitation row makes it single-use (accepted_at is set by a conditional UPDATE)
and revocable.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User
from accounts.services import audit_record
from tenants.hosts import main_host_url

_SALT = "xeno.accounts.invitation"
INVITABLE_ROLES = [Role.ADMIN, Role.ANALYST, Role.VIEWER]


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=_SALT)


def invitation_url(invitation: Invitation) -> str:
    return main_host_url(f"/accounts/invitations/{invitation_token(invitation)}/")


def invitation_for_token(*, token: str) -> Invitation | None:
    """The open invitation the token names, or None if forged, expired, used or revoked."""
    max_age = timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    invitation = (
        Invitation.objects.select_related("tenant", "invited_by")
        .filter(pk=payload.get("i"), email=payload.get("e"))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None


@transaction.atomic
def invitation_create(
    *, tenant, email: str, role: str, invited_by: User, request=None
) -> Invitation:
    """Invites `email` to `tenant` with `role` and emails the link. A newer invitation replaces
    an open one for the same address. Owners are made by transferring ownership, not invited."""
    email = email.strip().lower()
    validate_email(email)
    if role not in INVITABLE_ROLES:
        raise ValidationError(
            {"role": "Choose admin, analyst or viewer; ownership is transferred, not invited."}
        )
    if Membership.objects.filter(tenant=tenant, user__email=email).exists():
        raise ValidationError({"email": f"{email} is already a member of this workspace."})
    now = timezone.now()
    Invitation.objects.filter(tenant=tenant, email=email, accepted_at=None, revoked_at=None).update(
        revoked_at=now
    )
    invitation = Invitation.objects.create(
        tenant=tenant,
        email=email,
        role=role,
        invited_by=invited_by,
        expires_at=now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    context = {
        "invitation": invitation,
        "url": invitation_url(invitation),
        "days": settings.INVITATION_MAX_AGE_DAYS,
    }
    # Sent after commit: no email for an invitation that was rolled back.
    transaction.on_commit(
        lambda: send_mail(
            subject=f"Join {tenant.name} on Xeno",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    )
    audit_record(
        tenant=tenant,
        actor=invited_by,
        action="member.invited",
        target=email,
        details={"role": role},
        request=request,
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, request=None) -> Membership:
    """Makes `user` a member with the invited role. Only the invited address may accept, and only
    once; an existing membership keeps its role."""
    if user.email.lower() != invitation.email:
        raise ValidationError(
            f"This invitation is for {invitation.email}. Sign in with that address to accept it."
        )
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).update(accepted_at=timezone.now())
    if not claimed:
        raise ValidationError("This invitation has already been used, revoked or has expired.")
    membership, created = Membership.objects.get_or_create(
        user=user, tenant=invitation.tenant, defaults={"role": invitation.role}
    )
    if created:
        audit_record(
            tenant=invitation.tenant,
            actor=user,
            action="member.joined",
            target=user.email,
            details={"role": invitation.role},
            request=request,
        )
    return membership


def invitation_revoke(*, invitation: Invitation, actor: User, request=None) -> None:
    if Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    ):
        audit_record(
            tenant=invitation.tenant,
            actor=actor,
            action="invitation.revoked",
            target=invitation.email,
            request=request,
        )
