def tenant_context(request):
    tenant = getattr(request, "tenant", None)
    return {
        "current_tenant": tenant,
        "current_membership": getattr(request, "membership", None),
    }
