from django.urls import path

from analytics import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("customers/", views.customers, name="customers"),
    path("orders/", views.orders, name="orders"),
    path("products/", views.products, name="products"),
]
