from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


class HealthCheckMiddleware:
    """Answers /healthz before host routing, so probes work whatever Host header they send."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return healthz(request)
        return self.get_response(request)


def healthz(request):
    """Liveness and readiness: answers 200 only when PostgreSQL and Redis both answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {type(error).__name__}"
    try:
        cache.set("healthz", 1, timeout=5)
        checks["cache"] = "ok" if cache.get("healthz") == 1 else "error"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)
