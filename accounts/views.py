from urllib.parse import urlsplit

from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.forms import SignInForm
from accounts.handoff import handoff_token_redeem, handoff_url
from accounts.selectors import membership_for, memberships_of_user
from accounts.services import sign_in_audit
from tenants.hosts import main_host_url
from tenants.models import Tenant
from tenants.selectors import tenant_for_hostname


def _tenant_for_member(*, user, slug: str) -> Tenant:
    """The tenant with this slug if the user belongs to it; 404 otherwise (also if it exists)."""
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None or membership_for(user=user, tenant=tenant) is None:
        raise Http404("Page not found")
    return tenant


def _handoff_redirect(*, user, tenant: Tenant, next_path: str = "/") -> HttpResponseRedirect:
    return HttpResponseRedirect(handoff_url(user_id=user.pk, tenant=tenant, next_path=next_path))


def sign_in(request):
    next_url = request.POST.get("next") or request.GET.get("next", "")
    form = SignInForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        sign_in_audit(user=form.user, request=request)
        return _after_sign_in(request, next_url)
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


def _after_sign_in(request, next_url: str):
    """Sends the user on to the tenant page they asked for, or to their only tenant."""
    if next_url:
        parts = urlsplit(next_url)
        hostname = (parts.hostname or "").lower()
        tenant = tenant_for_hostname(hostname=hostname) if hostname else None
        if tenant is not None and membership_for(user=request.user, tenant=tenant):
            return _handoff_redirect(user=request.user, tenant=tenant, next_path=parts.path or "/")
        if not hostname and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
            return HttpResponseRedirect(next_url)
    memberships = memberships_of_user(user=request.user)
    if len(memberships) == 1:
        return _handoff_redirect(user=request.user, tenant=memberships[0].tenant)
    return redirect("home")


@require_POST
def sign_out(request):
    logout(request)
    return HttpResponseRedirect(main_host_url("/"))


def home(request):
    memberships = memberships_of_user(user=request.user) if request.user.is_authenticated else []
    context = {"memberships": memberships, "deleted": request.GET.get("deleted") == "1"}
    return render(request, "accounts/home.html", context)


@login_required
def open_tenant(request, slug: str):
    tenant = _tenant_for_member(user=request.user, slug=slug)
    return _handoff_redirect(user=request.user, tenant=tenant)


def redeem_handoff(request):
    """Tenant host: signs the user in from a main-host token, then continues to `next`."""
    user_id = handoff_token_redeem(token=request.GET.get("token", ""), tenant_id=request.tenant.pk)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or membership_for(user=user, tenant=request.tenant) is None:
        return HttpResponseRedirect(main_host_url("/accounts/sign-in/"))
    login(request, user, backend="accounts.backends.LockoutModelBackend")
    next_path = request.GET.get("next", "/")
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"
    return HttpResponseRedirect(next_path)
