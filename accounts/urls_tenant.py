from django.urls import path

from accounts import views

urlpatterns = [
    path("handoff/", views.redeem_handoff, name="handoff"),
    path("sign-out/", views.sign_out, name="tenant_sign_out"),
]
