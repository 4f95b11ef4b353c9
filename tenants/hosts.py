"""Absolute URLs on the main host and on tenant hosts (links between them cross hosts)."""

from django.conf import settings


def host_with_port(hostname: str) -> str:
    """The host as users reach it, with the public port when there is one."""
    return f"{hostname}:{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else hostname


def _origin(hostname: str) -> str:
    return f"{settings.PUBLIC_SCHEME}://{host_with_port(hostname)}"


def tenant_hostname(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def main_host_url(path: str = "/") -> str:
    return _origin(settings.BASE_DOMAIN) + path


def tenant_host_url(tenant, path: str = "/") -> str:
    return _origin(tenant_hostname(tenant.slug)) + path
