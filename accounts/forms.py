from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.core.exceptions import ValidationError

from accounts.backends import client_ip
from accounts.invitations import INVITABLE_ROLES
from accounts.lockout import sign_in_lockout_remaining
from accounts.models import Role
from tenants.hosts import host_with_port
from tenants.models import validate_timezone


class SignInForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(max_length=128, strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email, password = cleaned.get("email"), cleaned.get("password")
        if email and password:
            self.user = authenticate(self.request, email=email.lower(), password=password)
            if self.user is None:
                locked = sign_in_lockout_remaining(email=email, ip=client_ip(self.request))
                if locked:
                    minutes = max(1, round(locked / 60))
                    raise forms.ValidationError(
                        f"Too many failed sign-ins. Try again in about {minutes} minutes, "
                        "or reset your password."
                    )
                raise forms.ValidationError("That email and password do not match an account.")
        return cleaned


class SignUpForm(forms.Form):
    company_name = forms.CharField(
        max_length=100,
        label="Company name",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "organization"}),
    )
    full_name = forms.CharField(max_length=150, required=False, label="Your name")
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password.",
    )


class WorkspaceForm(forms.Form):
    """Sign-up for someone already signed in: only the new workspace's name."""

    company_name = forms.CharField(
        max_length=100,
        label="Company name",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "organization"}),
    )


class AcceptInvitationForm(forms.Form):
    """For an invited person without an account: choose a name and password."""

    full_name = forms.CharField(max_length=150, required=False, label="Your name")
    password = forms.CharField(
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(
        choices=[(role.value, role.label) for role in INVITABLE_ROLES], initial=Role.VIEWER
    )


class RoleChangeForm(forms.Form):
    role = forms.ChoiceField(choices=[(role.value, role.label) for role in INVITABLE_ROLES])


class TenantSettingsForm(forms.Form):
    timezone = forms.CharField(max_length=64, validators=[validate_timezone])
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": "Use a three-letter ISO 4217 code such as USD or EUR."},
    )
    data_retention_months = forms.IntegerField(
        min_value=1,
        max_value=120,
        required=False,
        label="Keep orders for (months)",
        help_text="Orders older than this are removed every night. Empty keeps everything.",
    )


class DeleteTenantForm(forms.Form):
    confirm_name = forms.CharField(max_length=100, label="Type the workspace's name to confirm")


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's form; the link always points at the main host, whichever host served the form."""

    def save(self, *args, **kwargs):
        from django.conf import settings

        kwargs.setdefault("domain_override", host_with_port(settings.BASE_DOMAIN))
        kwargs.setdefault("use_https", settings.PUBLIC_SCHEME == "https")
        return super().save(*args, **kwargs)


def form_errors_from(form, error: ValidationError) -> None:
    """Puts a service's ValidationError on the form: keyed errors on their fields when the form
    has them, everything else on the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
