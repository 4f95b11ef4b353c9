"""Serializers of the platform API: they validate input; services do the writing."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from accounts.backends import client_ip
from accounts.invitations import INVITABLE_ROLES
from accounts.lockout import sign_in_lockout_remaining
from accounts.models import Invitation, Membership, User
from tenants.models import Tenant


def drf_validation_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as DRF's, keyed by field where the service keyed it."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({"non_field_errors": error.messages})


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so that a typo is a 400 rather than silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(
                set(data) - {name for name, f in self.fields.items() if not f.read_only}
            )
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "is_staff", "date_joined"]
        read_only_fields = fields


class ProfileUpdateSerializer(StrictSerializer):
    full_name = serializers.CharField(max_length=150, allow_blank=True)


class TenantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = [
            "id",
            "name",
            "slug",
            "timezone",
            "currency",
            "data_retention_months",
            "paused_at",
            "created_at",
        ]
        read_only_fields = fields


class RegisterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    company_name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="When given, a workspace with this name is created and you own it.",
    )


class RegisterResponseSerializer(serializers.Serializer):
    user = UserSerializer()
    tenant = TenantSerializer(allow_null=True)
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginSerializer(TokenObtainPairSerializer):
    """Email and password for a JWT pair. Addresses are compared case-insensitively, and a locked
    out caller gets 429 with Retry-After instead of a verdict on the password."""

    def validate(self, attrs):
        attrs[self.username_field] = attrs[self.username_field].strip().lower()
        request = self.context.get("request")
        locked = sign_in_lockout_remaining(email=attrs[self.username_field], ip=client_ip(request))
        if locked:
            raise Throttled(wait=locked, detail="Too many failed sign-ins; try again later.")
        try:
            return super().validate(attrs)
        except AuthenticationFailed:
            locked = sign_in_lockout_remaining(
                email=attrs[self.username_field], ip=client_ip(request)
            )
            if locked:
                raise Throttled(wait=locked, detail="Too many failed sign-ins.") from None
            raise


class TenantCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.CharField(
        max_length=40,
        required=False,
        help_text="Host label (3–40 lowercase letters, digits, hyphens); derived from the name "
        "when omitted.",
    )
    timezone = serializers.CharField(max_length=64, required=False, default="UTC")
    currency = serializers.CharField(max_length=3, required=False, default="USD")


class TenantUpdateSerializer(StrictSerializer):
    timezone = serializers.CharField(max_length=64)
    currency = serializers.CharField(max_length=3)
    data_retention_months = serializers.IntegerField(
        min_value=1, max_value=120, allow_null=True, required=False, default=None
    )


class MemberSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user_id", "email", "full_name", "role", "created_at"]
        read_only_fields = fields


class InviteSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=[r.value for r in INVITABLE_ROLES])


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at"]
        read_only_fields = fields
