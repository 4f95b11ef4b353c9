"""Platform API on the main host: auth, profile, tenants and their users."""

urlpatterns: list = []
