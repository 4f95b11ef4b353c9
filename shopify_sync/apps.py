from django.apps import AppConfig


class ShopifySyncConfig(AppConfig):
    name = "shopify_sync"
    verbose_name = "Shopify sync"
