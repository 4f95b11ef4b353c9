"""Sync API (the seed's /api/sync/...): start syncs, read status. Same views on both hosts."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import tenant_access_for_request
from accounts.permissions import RUN_SYNC, VIEW_ANALYTICS
from shopify_sync.models import Store, SyncRun
from shopify_sync.selectors import run_summary, stores_sync_panels
from shopify_sync.services import RESOURCES, sync_request, sync_request_audit


class SyncRequestSerializer(serializers.Serializer):
    store = serializers.CharField(
        required=False,
        max_length=255,
        help_text="Store id or shop domain; all active stores when omitted.",
    )
    kind = serializers.ChoiceField(
        choices=["incremental", "full"],
        required=False,
        help_text="Default: incremental for one resource, full for /full.",
    )


class QueuedRunSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    store = serializers.CharField()
    kind = serializers.CharField()
    resources = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    joined_existing_run = serializers.BooleanField()


class RunSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    status = serializers.CharField()
    kind = serializers.CharField()
    error = serializers.CharField(allow_null=True)
    resources = serializers.DictField()


class StoreStatusSerializer(serializers.Serializer):
    store_id = serializers.IntegerField()
    shop_domain = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    totals = serializers.DictField(child=serializers.IntegerField())
    data_health = serializers.DictField()
    recent_runs = RunSerializer(many=True)


def _stores(identifier: str | None) -> list[Store]:
    stores = Store.objects.filter(status=Store.Status.ACTIVE)
    if not identifier:
        return list(stores)
    chosen = Store.objects.filter(
        pk=int(identifier) if identifier.isdigit() else None
    ) | Store.objects.filter(shop_domain=identifier.lower())
    found = list(chosen)
    if not found:
        raise NotFound(f"No store '{identifier}' in this workspace.")
    return found


class SyncStartView(APIView):
    """POST /api/sync/[<tenant_id>/]customers|products|orders|full"""

    resources: tuple[str, ...] = ()
    default_kind = SyncRun.Kind.INCREMENTAL

    @extend_schema(
        request=SyncRequestSerializer,
        responses={
            202: QueuedRunSerializer(many=True),
            400: OpenApiResponse(description="bad input"),
        },
    )
    def post(self, request, tenant_id: int | None = None):
        tenant, _membership = tenant_access_for_request(
            request, tenant_id=tenant_id, capability=RUN_SYNC
        )
        serializer = SyncRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = serializer.validated_data.get("kind", self.default_kind)
        queued = []
        for store in _stores(serializer.validated_data.get("store")):
            try:
                run, created = sync_request(
                    store=store,
                    kind=kind,
                    resources=list(self.resources),
                    trigger=SyncRun.Trigger.MANUAL,
                    user_id=request.user.pk,
                )
            except ValidationError as error:
                return Response({"detail": " ".join(error.messages)}, status=400)
            sync_request_audit(tenant=tenant, run=run, request=request)
            queued.append(
                {
                    "run_id": run.pk,
                    "store": store.shop_domain,
                    "kind": run.kind,
                    "resources": run.resources,
                    "status": run.status,
                    "joined_existing_run": not created,
                }
            )
        return Response(queued, status=status.HTTP_202_ACCEPTED)


class SyncStatusView(APIView):
    """GET /api/sync/[<tenant_id>/]status: per store status, data health, runs and totals."""

    @extend_schema(responses=StoreStatusSerializer(many=True))
    def get(self, request, tenant_id: int | None = None):
        tenant_access_for_request(request, tenant_id=tenant_id, capability=VIEW_ANALYTICS)
        stores = list(Store.objects.order_by("shop_domain"))
        body = [
            {
                "store_id": panel["store"].pk,
                "shop_domain": panel["store"].shop_domain,
                "name": panel["store"].name,
                "status": panel["store"].status,
                "status_reason": panel["store"].status_reason,
                "totals": panel["totals"],
                "data_health": panel["health"],
                "recent_runs": [
                    run_summary(run=run, totals=panel["totals"]) for run in panel["runs"]
                ],
            }
            for panel in stores_sync_panels(stores=stores, runs_per_store=10)
        ]
        return Response(body)


def start_view(resources, kind):
    return SyncStartView.as_view(resources=resources, default_kind=kind)


RESOURCE_ENDPOINTS = {
    "customers": start_view(("customers",), SyncRun.Kind.INCREMENTAL),
    "products": start_view(("products",), SyncRun.Kind.INCREMENTAL),
    "orders": start_view(("orders",), SyncRun.Kind.INCREMENTAL),
    "full": start_view(RESOURCES, SyncRun.Kind.FULL),
}
