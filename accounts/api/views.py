"""Platform API on the main host. Each view parses, checks access (accounts.access), calls one
service or selector, and serialises."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, status
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.access import tenant_access_for_request
from accounts.api import serializers as s
from accounts.api.throttles import AuthThrottle, TenantThrottle, UserThrottle
from accounts.invitations import invitation_create
from accounts.permissions import MANAGE_MEMBERS, MANAGE_STORES, VIEW_ANALYTICS
from accounts.selectors import membership_list_for_tenant
from accounts.services import sign_in_audit, user_create, user_profile_update
from accounts.signup import account_sign_up
from tenants.models import Tenant
from tenants.selectors import tenant_slug_candidates
from tenants.services import tenant_create, tenant_settings_update

AUTH_THROTTLES = [AuthThrottle, UserThrottle]


def _tokens_for(user) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class RegisterView(generics.GenericAPIView):
    """Creates an account (and, with `company_name`, a workspace it owns); returns a JWT pair."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = AUTH_THROTTLES
    serializer_class = s.RegisterSerializer

    @extend_schema(responses={201: s.RegisterResponseSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tenant = None
        try:
            if data["company_name"].strip():
                user, tenant = account_sign_up(**data)
            else:
                with transaction.atomic():
                    user = user_create(
                        email=data["email"], password=data["password"], full_name=data["full_name"]
                    )
        except DjangoValidationError as error:
            raise s.drf_validation_error(error) from error
        body = {
            "user": s.UserSerializer(user).data,
            "tenant": s.TenantSerializer(tenant).data if tenant else None,
            **_tokens_for(user),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(TokenObtainPairView):
    """Email and password → JWT access and refresh tokens. Repeated failures lock out (429)."""

    serializer_class = s.LoginSerializer
    throttle_classes = AUTH_THROTTLES

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:
            sign_in_audit(user=self._authenticated_user, request=request)
        return response

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        self._serializer = serializer
        return serializer

    @property
    def _authenticated_user(self):
        return self._serializer.user


class RefreshView(TokenRefreshView):
    throttle_classes = AUTH_THROTTLES


class ProfileView(generics.GenericAPIView):
    """The signed-in user's profile."""

    serializer_class = s.UserSerializer

    def get_object(self):
        # Also used by OPTIONS (DRF's metadata) to describe PUT.
        return self.request.user

    def get(self, request):
        return Response(s.UserSerializer(request.user).data)

    @extend_schema(request=s.ProfileUpdateSerializer, responses={200: s.UserSerializer})
    def put(self, request):
        serializer = s.ProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = user_profile_update(user=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise s.drf_validation_error(error) from error
        return Response(s.UserSerializer(user).data)


class TenantListCreateView(generics.ListCreateAPIView):
    """`POST`: create a workspace you own. `GET`: every workspace (platform staff only)."""

    serializer_class = s.TenantSerializer

    def get_queryset(self):
        if not self.request.user.is_staff:
            raise PermissionDenied("Only platform staff may list all workspaces.")
        return Tenant.objects.order_by("id")

    @extend_schema(request=s.TenantCreateSerializer, responses={201: s.TenantSerializer})
    def post(self, request):
        serializer = s.TenantCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        slug = data.pop("slug", None) or tenant_slug_candidates(name=data["name"], count=1)[0]
        try:
            tenant = tenant_create(slug=slug, owner=request.user, **data)
        except DjangoValidationError as error:
            raise s.drf_validation_error(error) from error
        return Response(s.TenantSerializer(tenant).data, status=status.HTTP_201_CREATED)


class TenantDetailView(generics.GenericAPIView):
    """A workspace you belong to (404 otherwise). `PUT` needs the right to manage settings."""

    serializer_class = s.TenantSerializer
    throttle_classes = [UserThrottle, TenantThrottle]

    def get_object(self):
        # Used by OPTIONS (DRF's metadata) to decide whether to describe PUT.
        tenant, _membership = tenant_access_for_request(
            self.request, tenant_id=self.kwargs["tenant_id"], capability=MANAGE_STORES
        )
        return tenant

    def get(self, request, tenant_id: int):
        tenant, _membership = tenant_access_for_request(
            request, tenant_id=tenant_id, capability=VIEW_ANALYTICS
        )
        return Response(s.TenantSerializer(tenant).data)

    @extend_schema(request=s.TenantUpdateSerializer, responses={200: s.TenantSerializer})
    def put(self, request, tenant_id: int):
        tenant, _membership = tenant_access_for_request(
            request, tenant_id=tenant_id, capability=MANAGE_STORES
        )
        serializer = s.TenantUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tenant = tenant_settings_update(
                tenant=tenant, actor=request.user, request=request, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise s.drf_validation_error(error) from error
        return Response(s.TenantSerializer(tenant).data)


class TenantUsersView(generics.GenericAPIView):
    """Members of a workspace; `POST` invites someone by email (the invitation is emailed)."""

    serializer_class = s.MemberSerializer
    throttle_classes = [UserThrottle, TenantThrottle]

    @extend_schema(
        responses=inline_serializer(
            "PaginatedMemberList",
            fields={
                "count": drf_serializers.IntegerField(),
                "next": drf_serializers.URLField(allow_null=True),
                "previous": drf_serializers.URLField(allow_null=True),
                "results": s.MemberSerializer(many=True),
            },
        )
    )
    def get(self, request, tenant_id: int):
        tenant, _membership = tenant_access_for_request(
            request, tenant_id=tenant_id, capability=MANAGE_MEMBERS
        )
        page = self.paginate_queryset(membership_list_for_tenant(tenant=tenant))
        return self.get_paginated_response(s.MemberSerializer(page, many=True).data)

    @extend_schema(request=s.InviteSerializer, responses={201: s.InvitationSerializer})
    def post(self, request, tenant_id: int):
        tenant, _membership = tenant_access_for_request(
            request, tenant_id=tenant_id, capability=MANAGE_MEMBERS
        )
        serializer = s.InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            invitation = invitation_create(
                tenant=tenant, invited_by=request.user, request=request, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise s.drf_validation_error(error) from error
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)
