"""Where ingestion tells analytics what changed, inside the transaction that changed it, so a
page never shows a half-applied sync."""


def orders_changed(*, store_id: int, order_ids: set[int]) -> None:
    from analytics import services

    refresh = getattr(services, "rollups_refresh", None)
    if refresh is not None and order_ids:
        refresh(store_id=store_id, order_shopify_ids=sorted(order_ids))


def store_rebuilt(*, store_id: int) -> None:
    from analytics import services

    refresh = getattr(services, "rollups_refresh", None)
    if refresh is not None:
        refresh(store_id=store_id)
