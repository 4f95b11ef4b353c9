"""Main host: sign-up (a new person and their workspace) and accepting an invitation."""

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect

from accounts.forms import AcceptInvitationForm, SignUpForm, WorkspaceForm, form_errors_from
from accounts.handoff import handoff_url
from accounts.invitations import invitation_accept, invitation_for_token
from accounts.models import User
from accounts.services import user_create
from accounts.signup import account_sign_up, workspace_create
from tenants.hosts import tenant_hostname
from tenants.selectors import tenant_slug_candidates

BACKEND = "accounts.backends.LockoutModelBackend"


def _go(request, url: str):
    # htmx follows a client redirect with a full page load, which may cross hosts.
    return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)


def sign_up(request):
    """New people give email, password and company; signed-in people only a company name."""
    signed_in = request.user.is_authenticated
    form = (WorkspaceForm if signed_in else SignUpForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if signed_in:
                user = request.user
                tenant = workspace_create(owner=user, **form.cleaned_data)
            else:
                user, tenant = account_sign_up(**form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            login(request, user, backend=BACKEND)
            return _go(
                request, handoff_url(user_id=user.pk, tenant=tenant, next_path="/settings/welcome/")
            )
    template = "accounts/sign_up.html#form" if request.htmx else "accounts/sign_up.html"
    return render(request, template, {"form": form}, status=400 if form.errors else 200)


def sign_up_address(request):
    """HTMX partial: the address the workspace would get for the company name typed so far."""
    name = request.GET.get("company_name", "")[:100]
    slug = tenant_slug_candidates(name=name, count=1)[0] if name.strip() else ""
    hostname = tenant_hostname(slug) if slug else ""
    return render(request, "accounts/sign_up.html#address", {"hostname": hostname})


def invitation(request, token: str):
    invite = invitation_for_token(token=token)
    if invite is None:
        return render(request, "accounts/invitation.html", {"invalid": True}, status=404)
    context = {"invitation": invite, "token": token}
    if request.user.is_authenticated:
        if request.user.email != invite.email:
            context["wrong_user"] = True
            return render(request, "accounts/invitation.html", context, status=403)
        if request.method == "POST":
            try:
                invitation_accept(invitation=invite, user=request.user, request=request)
            except ValidationError as error:
                context["error"] = " ".join(error.messages)
                return render(request, "accounts/invitation.html", context, status=400)
            return _go(request, handoff_url(user_id=request.user.pk, tenant=invite.tenant))
        return render(request, "accounts/invitation.html", context)
    if User.objects.filter(email=invite.email).exists():
        context["needs_sign_in"] = True
        return render(request, "accounts/invitation.html", context)
    form = AcceptInvitationForm(request.POST or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = user_create(
                    email=invite.email,
                    password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["full_name"],
                )
                invitation_accept(invitation=invite, user=user, request=request)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            login(request, user, backend=BACKEND)
            return _go(request, handoff_url(user_id=user.pk, tenant=invite.tenant))
    return render(request, "accounts/invitation.html", context, status=400 if form.errors else 200)
