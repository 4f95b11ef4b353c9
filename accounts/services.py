from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import Membership, Role, User


def user_get_or_create(*, email: str, password: str) -> User:
    """The user with this email; created with `password` (validated) when new."""
    email = email.strip().lower()
    validate_email(email)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return existing
    validate_password(password, User(email=email))
    return User.objects.create_user(email=email, password=password)


def membership_create(*, user: User, tenant, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role '{role}'; choose one of {', '.join(Role.values)}.")
    membership, _created = Membership.objects.update_or_create(
        user=user, tenant=tenant, defaults={"role": role}
    )
    return membership
