from django.shortcuts import render

from shopify_sync.models import Store


def sync_page(request):
    stores = list(Store.objects.all())
    return render(request, "shopify_sync/sync.html", {"stores": stores, "section": "sync"})
