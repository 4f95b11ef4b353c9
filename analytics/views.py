from django.shortcuts import render

PAGES = {
    "overview": "Overview",
    "customers": "Customers",
    "orders": "Orders",
    "products": "Products",
}


def _analytics_page(request, section: str):
    return render(
        request, "analytics/page.html", {"section": section, "page_title": PAGES[section]}
    )


def overview(request):
    return _analytics_page(request, "overview")


def customers(request):
    return _analytics_page(request, "customers")


def orders(request):
    return _analytics_page(request, "orders")


def products(request):
    return _analytics_page(request, "products")
