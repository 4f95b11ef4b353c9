from django.urls import path

from shopify_sync.webhook_views import shopify_webhook

urlpatterns = [
    path("shopify/", shopify_webhook, name="shopify-webhook"),
]
