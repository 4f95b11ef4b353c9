from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shopify_sync.webhook_processing import webhook_receive


@csrf_exempt  # Shopify signs the body with HMAC instead
@require_POST
def shopify_webhook(request):
    headers = request.headers
    status, reason = webhook_receive(
        shop_domain=headers.get("X-Shopify-Shop-Domain", "").strip().lower(),
        topic=headers.get("X-Shopify-Topic", ""),
        signature=headers.get("X-Shopify-Hmac-Sha256", ""),
        body=request.body,
        event_id=headers.get("X-Shopify-Event-Id", ""),
        webhook_id=headers.get("X-Shopify-Webhook-Id", ""),
        api_version=headers.get("X-Shopify-API-Version", ""),
        triggered_at=headers.get("X-Shopify-Triggered-At", ""),
    )
    return JsonResponse({"detail": reason}, status=status)
