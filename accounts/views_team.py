"""Tenant host: members, invitations and the audit log (owners and admins)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.access import tenant_access_for_request
from accounts.forms import InviteForm, RoleChangeForm, form_errors_from
from accounts.invitations import invitation_create, invitation_revoke
from accounts.permissions import MANAGE_MEMBERS, MANAGE_TENANT, VIEW_AUDIT_LOG, role_can
from accounts.selectors import (
    audit_event_list,
    invitation_get_in_tenant,
    invitation_list_open,
    membership_get_in_tenant,
    membership_list_for_tenant,
)
from accounts.services import membership_remove, membership_role_change, ownership_transfer

TEAM_PATH = "/settings/team/"


def _team_context(*, tenant, membership, invite_form=None) -> dict:
    return {
        "section": "team",
        "members": membership_list_for_tenant(tenant=tenant),
        "invitations": invitation_list_open(tenant=tenant),
        "invite_form": invite_form or InviteForm(),
        "role_choices": RoleChangeForm.base_fields["role"].choices,
        "can_transfer": role_can(membership.role, MANAGE_TENANT),
    }


def _team_response(request, *, tenant, membership, invite_form=None, status=200):
    context = _team_context(tenant=tenant, membership=membership, invite_form=invite_form)
    template = "accounts/team.html#team" if request.htmx else "accounts/team.html"
    return render(request, template, context, status=status)


def team(request):
    tenant, membership = tenant_access_for_request(request, capability=MANAGE_MEMBERS)
    return _team_response(request, tenant=tenant, membership=membership)


@require_POST
def team_invite(request):
    tenant, membership = tenant_access_for_request(request, capability=MANAGE_MEMBERS)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation_create(
                tenant=tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                request=request,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            form = None
    if request.htmx:
        return _team_response(
            request,
            tenant=tenant,
            membership=membership,
            invite_form=form,
            status=400 if form is not None and form.errors else 200,
        )
    if form is not None:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    return HttpResponseRedirect(TEAM_PATH)


def _member_action(request, membership_id: int, capability: str, action):
    tenant, membership = tenant_access_for_request(request, capability=capability)
    target = membership_get_in_tenant(tenant=tenant, membership_id=membership_id)
    if target is None:
        raise Http404("Page not found")
    try:
        notice = action(tenant, target)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, notice)
    if request.htmx:
        return _team_response(request, tenant=tenant, membership=membership)
    return HttpResponseRedirect(TEAM_PATH)


@require_POST
def member_role(request, membership_id: int):
    form = RoleChangeForm(request.POST)

    def change(tenant, target):
        if not form.is_valid():
            raise ValidationError("Choose admin, analyst or viewer.")
        membership_role_change(
            membership=target, role=form.cleaned_data["role"], actor=request.user, request=request
        )
        return f"{target.user.email} is now {form.cleaned_data['role']}."

    return _member_action(request, membership_id, MANAGE_MEMBERS, change)


@require_POST
def member_remove(request, membership_id: int):
    def remove(tenant, target):
        membership_remove(membership=target, actor=request.user, request=request)
        return f"{target.user.email} no longer has access."

    return _member_action(request, membership_id, MANAGE_MEMBERS, remove)


@require_POST
def member_transfer(request, membership_id: int):
    def transfer(tenant, target):
        ownership_transfer(tenant=tenant, new_owner=target, actor=request.user, request=request)
        return f"{target.user.email} now owns this workspace; you are an admin."

    return _member_action(request, membership_id, MANAGE_TENANT, transfer)


@require_POST
def invitation_cancel(request, invitation_id: int):
    tenant, membership = tenant_access_for_request(request, capability=MANAGE_MEMBERS)
    invitation = invitation_get_in_tenant(tenant=tenant, invitation_id=invitation_id)
    if invitation is None:
        raise Http404("Page not found")
    invitation_revoke(invitation=invitation, actor=request.user, request=request)
    messages.success(request, f"Invitation for {invitation.email} revoked.")
    if request.htmx:
        return _team_response(request, tenant=tenant, membership=membership)
    return HttpResponseRedirect(TEAM_PATH)


AUDIT_FILTERS = [
    ("", "Everything"),
    ("auth.", "Sign-ins"),
    ("member.", "Members"),
    ("data.", "Exports"),
    ("store.", "Stores"),
    ("sync.", "Syncs"),
    ("tenant.", "Workspace"),
]


def audit_log(request):
    tenant, _membership = tenant_access_for_request(request, capability=VIEW_AUDIT_LOG)
    prefix = request.GET.get("action", "")
    if prefix not in dict(AUDIT_FILTERS):
        prefix = ""
    page = Paginator(audit_event_list(tenant=tenant, action_prefix=prefix), 50).get_page(
        request.GET.get("page")
    )
    context = {"section": "audit", "page": page, "filters": AUDIT_FILTERS, "action": prefix}
    template = "accounts/audit_log.html#events" if request.htmx else "accounts/audit_log.html"
    return render(request, template, context)
