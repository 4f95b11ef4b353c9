"""Legacy REST Admin API reads with Link-header (page_info) pagination."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

from .executor import FieldError
from .paging import IndexKeys, paginate
from .rest_payloads import customer_json, order_json, product_json, shop_json
from .wire import parse_time

SCOPE_FOR = {"orders": "read_orders", "customers": "read_customers", "products": "read_products"}


def _encode_page_info(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _decode_page_info(value: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))


def handle_rest(simulator, shop, token, version: str, resource: str, query: dict):
    if resource == "shop":
        return 200, {"shop": shop_json(shop)}, {}
    scope = SCOPE_FOR[resource]
    if scope not in token.scopes:
        message = f"[API] This action requires merchant approval for {scope} scope."
        return 403, {"errors": message}, {}
    try:
        limit = int(query.get("limit", 50))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 250:
        return 400, {"errors": {"limit": "Limit must be between 1 and 250"}}, {}
    if "page_info" in query:
        extra = set(query) - {"page_info", "limit", "fields"}
        if extra:
            # Shopify rejects filters next to page_info: they live inside the cursor.
            return 400, {"errors": {"page_info": "Invalid value."}}, {}
        try:
            info = _decode_page_info(query["page_info"])
        except ValueError:
            return 400, {"errors": {"page_info": "Invalid value."}}, {}
        filters, args = info["filters"], {info["direction"]: info["cursor"]}
    else:
        filters = {
            k: query[k]
            for k in (
                "status",
                "updated_at_min",
                "updated_at_max",
                "created_at_min",
                "created_at_max",
            )
            if k in query
        }
        args = {}
    if "before" in args:
        args["last"] = limit
    else:
        args["first"] = limit
    try:
        page, records = _page(shop, token, resource, filters, args, version)
    except (FieldError, ValueError) as error:
        return 400, {"errors": str(error)}, {}
    links = []
    base = f"{simulator.base_url}/{shop.config.domain}/admin/api/{version}/{resource}.json"
    if page.has_previous and page.cursors:
        info = _encode_page_info(
            {"filters": filters, "direction": "before", "cursor": page.cursors[0]}
        )
        links.append(f'<{base}?{urlencode({"limit": limit, "page_info": info})}>; rel="previous"')
    if page.has_next and page.cursors:
        info = _encode_page_info(
            {"filters": filters, "direction": "after", "cursor": page.cursors[-1]}
        )
        links.append(f'<{base}?{urlencode({"limit": limit, "page_info": info})}>; rel="next"')
    headers = {"Link": ", ".join(links)} if links else {}
    return 200, {resource: records}, headers


def _page(shop, token, resource: str, filters: dict, args: dict, version: str):
    state = shop.state
    config = shop.config
    tz, currency = config.timezone, config.currency
    low = parse_time(filters["updated_at_min"]) if "updated_at_min" in filters else None
    high = parse_time(filters["updated_at_max"]) if "updated_at_max" in filters else None
    c_low = parse_time(filters["created_at_min"]) if "created_at_min" in filters else None
    c_high = parse_time(filters["created_at_max"]) if "created_at_max" in filters else None

    def in_range(updated: int, created: int) -> bool:
        return not (
            (low is not None and updated < low)
            or (high is not None and updated > high)
            or (c_low is not None and created < c_low)
            or (c_high is not None and created > c_high)
        )

    if resource == "orders":
        status = filters.get("status", "open")
        since = state.orders_visible_since(token.scopes)

        def accept(index: int) -> bool:
            created = state.order_created[index]
            if since is not None and created < since:
                return False
            if not in_range(state.order_updated[index], created):
                return False
            if status == "any":
                return True
            order = state.order(index)
            closed = order.closed_at is not None or order.cancelled_at is not None
            return closed if status in ("closed", "cancelled") else not closed

        with state.lock:
            page = paginate(IndexKeys(state.order_count), state.order, lambda o: o.id, args, accept)
        body = [
            order_json(o, state.customer_by_id(o.customer_id), tz, currency) for o in page.items
        ]
        return page, body
    records = state.customers if resource == "customers" else state.products

    def accept_record(index: int) -> bool:
        record = records[index]
        return not record.deleted and in_range(record.updated_at, record.created_at)

    with state.lock:
        page = paginate(
            IndexKeys(len(records)), records.__getitem__, lambda r: r.id, args, accept_record
        )
    if resource == "customers":
        return page, [customer_json(c, tz, currency, version) for c in page.items]
    return page, [product_json(p, tz) for p in page.items]
