"""Field resolvers for the records: one small function per Admin API field that needs logic.

Fields without an entry here fall back to reading an attribute of the same name.
"""

from __future__ import annotations

import bisect
import zlib
from dataclasses import dataclass
from datetime import datetime

from .executor import FieldError
from .paging import IndexKeys, Page, check_window, paginate
from .records import (
    MAX_REFUNDS,
    REFUND_BASE,
    Address,
    Customer,
    LineItem,
    Order,
    Product,
    Refund,
    RefundLine,
    Variant,
)
from .search import parse_search
from .wire import gid, iso_utc, money, parse_gid, zone

SCOPE_DOC = "https://shopify.dev/api/usage/access-scopes"


class RequestContext:
    """What resolvers may see of one request: its shop, token scopes, API version, mode."""

    def __init__(self, shop, token, version: str, bulk: bool = False) -> None:
        self.shop = shop
        self.state = shop.state
        self.token = token
        self.scopes = set(token.scopes)
        self.version = version
        self.bulk = bulk
        self.currency = shop.config.currency

    def require(self, scope: str, field_name: str) -> None:
        if scope not in self.scopes:
            raise FieldError(
                f"Access denied for {field_name} field. Required access: `{scope}` access scope.",
                {
                    "code": "ACCESS_DENIED",
                    "documentation": SCOPE_DOC,
                    "requiredAccess": f"`{scope}` access scope.",
                },
            )

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def money(self, cents: int) -> tuple[int, str]:
        return (cents, self.currency)

    def type_of(self, value) -> str:
        if isinstance(value, dict):
            return value["__typename"]
        return TYPE_NAMES[type(value).__name__]


TYPE_NAMES = {
    "Order": "Order",
    "Customer": "Customer",
    "Product": "Product",
    "Variant": "ProductVariant",
    "LineItem": "LineItem",
    "Refund": "Refund",
    "RefundLine": "RefundLineItem",
    "Address": "MailingAddress",
    "BulkOperation": "BulkOperation",
    "Subscription": "WebhookSubscription",
}


def window(ctx, args: dict, name: str) -> None:
    check_window(args, name, required=not ctx.bulk)


def list_page(items: list, args: dict, ctx) -> Page:
    """Connections over a record's own small list (line items, variants, refund lines)."""
    return paginate(
        IndexKeys(len(items)), items.__getitem__, _record_id, args, cursors=not ctx.bulk
    )


def _record_id(record) -> int:
    return record.id


# -- collections at the root ---------------------------------------------------------------
def order_filter(ctx, args: dict):
    search = parse_search(args.get("query"))
    since = ctx.state.orders_visible_since(ctx.scopes)
    if since is not None:
        search.tighten("created_at", low=since)
    return search


def orders_page(ctx, args: dict, customer_index: int | None = None) -> Page:
    state = ctx.state
    search = order_filter(ctx, args)
    created, updated = state.order_created, state.order_updated
    owners = state.order_customer
    (c_low, c_high), (u_low, u_high) = search.bound("created_at"), search.bound("updated_at")
    i_low, i_high = search.bound("id")

    def accept(index: int) -> bool:
        if customer_index is not None and owners[index] != customer_index:
            return False
        if c_low is not None and created[index] < c_low:
            return False
        if c_high is not None and created[index] > c_high:
            return False
        if u_low is not None and updated[index] < u_low:
            return False
        if u_high is not None and updated[index] > u_high:
            return False
        order_id = index + state.order_id_base
        return not (
            (i_low is not None and order_id < i_low) or (i_high is not None and order_id > i_high)
        )

    with state.lock:
        if args.get("sortKey") == "UPDATED_AT":
            keys, bounds = list(state.order_keys.keys), (u_low, u_high)
        else:
            keys, bounds = IndexKeys(state.order_count), _index_bounds(created, c_low, c_high)
        return paginate(keys, state.order, _record_id, args, accept, bounds, cursors=not ctx.bulk)


def _index_bounds(created, low, high):
    """Orders are numbered in creation order, so a created_at range is an index range."""
    start = bisect.bisect_left(created, low) if low is not None else None
    end = bisect.bisect_right(created, high) - 1 if high is not None else None
    return start, end


def records_page(ctx, args: dict, records: list, sorted_keys) -> Page:
    search = parse_search(args.get("query"))

    def accept(index: int) -> bool:
        record = records[index]
        if record.deleted:
            return False
        values = {"updated_at": record.updated_at, "created_at": record.created_at, "id": record.id}
        return search.matches(values)

    with ctx.state.lock:
        if args.get("sortKey") == "UPDATED_AT":
            keys = list(sorted_keys.keys)
            bounds = search.bound("updated_at")
        else:
            keys, bounds = IndexKeys(len(records)), (None, None)
        return paginate(
            keys, records.__getitem__, _record_id, args, accept, bounds, cursors=not ctx.bulk
        )


def count_result(count: int, limit) -> dict:
    if limit is not None and count > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


def orders_count(root, args, ctx):
    ctx.require("read_orders", "ordersCount")
    state = ctx.state
    search = order_filter(ctx, args)
    count = sum(
        1
        for i in range(state.order_count)
        if search.matches(
            {
                "created_at": state.order_created[i],
                "updated_at": state.order_updated[i],
                "id": state.order_id_base + i,
            }
        )
    )
    return count_result(count, args.get("limit"))


def records_count(records, args) -> dict:
    search = parse_search(args.get("query"))
    count = sum(
        1
        for r in records
        if not r.deleted
        and search.matches({"updated_at": r.updated_at, "created_at": r.created_at, "id": r.id})
    )
    return count_result(count, args.get("limit"))


def customers_field(root, args, ctx):
    ctx.require("read_customers", "customers")
    window(ctx, args, "customers")
    return records_page(ctx, args, ctx.state.customers, ctx.state.customer_keys)


def products_field(root, args, ctx):
    ctx.require("read_products", "products")
    window(ctx, args, "products")
    return records_page(ctx, args, ctx.state.products, ctx.state.product_keys)


def orders_field(root, args, ctx):
    ctx.require("read_orders", "orders")
    window(ctx, args, "orders")
    return orders_page(ctx, args)


def lookup(ctx, value: str):
    """Resolve a GID to a live record the token may read, or None as Shopify does."""
    parsed = parse_gid(value or "")
    if parsed is None:
        raise FieldError(f"Invalid global id '{value}'", {"code": "argumentLiteralsIncompatible"})
    kind, number = parsed
    state = ctx.state
    if kind == "Order":
        ctx.require("read_orders", "order")
        index = state.order_index(number)
        since = state.orders_visible_since(ctx.scopes)
        if index is None or (since is not None and state.order_created[index] < since):
            return None
        return state.order(index)
    if kind == "Refund":
        ctx.require("read_orders", "refund")
        order_index = (number - REFUND_BASE - state.id_offset) // MAX_REFUNDS
        if not 0 <= order_index < state.order_count:
            return None
        since = state.orders_visible_since(ctx.scopes)
        if since is not None and state.order_created[order_index] < since:
            return None
        order = state.order(order_index)
        return next((refund for refund in order.refunds if refund.id == number), None)
    if kind == "Customer":
        ctx.require("read_customers", "customer")
        return state.customer_by_id(number)
    if kind == "Product":
        ctx.require("read_products", "product")
        return state.product_by_id(number)
    if kind == "ProductVariant":
        ctx.require("read_products", "productVariant")
        return state.variant_by_id(number)
    if kind == "BulkOperation":
        return ctx.shop.bulk.find(number, ctx.token.app)
    if kind == "WebhookSubscription":
        return ctx.shop.webhooks.find(number, ctx.token.app)
    return None


def app_installation(root, args, ctx):
    app = ctx.token.app
    return {
        "__typename": "AppInstallation",
        "id": gid("AppInstallation", zlib.crc32(app.client_id.encode())),
        "accessScopes": [
            {"handle": s, "description": s.replace("_", " ")} for s in ctx.token.scopes
        ],
        "app": {
            "id": gid("App", zlib.crc32(app.key.encode())),
            "title": app.title,
            "apiKey": app.client_id,
            "handle": app.key,
        },
    }


def subscriptions_field(root, args, ctx):
    window(ctx, args, "webhookSubscriptions")
    subscriptions = ctx.shop.webhooks.list(ctx.token.app, args.get("topics"))
    return paginate(IndexKeys(len(subscriptions)), subscriptions.__getitem__, _record_id, args)


QUERY_ROOT = {
    "shop": lambda root, args, ctx: ctx.shop,
    "node": lambda root, args, ctx: lookup(ctx, args["id"]),
    "nodes": lambda root, args, ctx: [lookup(ctx, value) for value in args["ids"]],
    "order": lambda root, args, ctx: lookup(ctx, args["id"]),
    "customer": lambda root, args, ctx: lookup(ctx, args["id"]),
    "product": lambda root, args, ctx: lookup(ctx, args["id"]),
    "productVariant": lambda root, args, ctx: lookup(ctx, args["id"]),
    "orders": orders_field,
    "customers": customers_field,
    "products": products_field,
    "ordersCount": orders_count,
    "customersCount": lambda root, args, ctx: (
        ctx.require("read_customers", "customersCount"),
        records_count(ctx.state.customers, args),
    )[1],
    "productsCount": lambda root, args, ctx: (
        ctx.require("read_products", "productsCount"),
        records_count(ctx.state.products, args),
    )[1],
    "currentAppInstallation": app_installation,
    "currentBulkOperation": lambda root, args, ctx: ctx.shop.bulk.current(
        ctx.token.app, args.get("type", "QUERY")
    ),
    "bulkOperation": lambda root, args, ctx: lookup(ctx, args["id"]),
    "webhookSubscription": lambda root, args, ctx: lookup(ctx, args["id"]),
    "webhookSubscriptions": subscriptions_field,
}


# -- shop ----------------------------------------------------------------------------------
def _offset(shop) -> str:
    offset = datetime.now(zone(shop.config.timezone)).strftime("%z")
    return offset


SHOP = {
    "id": lambda s, a, c: gid("Shop", 60000000 + s.state.id_offset // 10**11),
    "name": lambda s, a, c: s.config.name.replace("-", " ").title(),
    "email": lambda s, a, c: f"owner@{s.config.domain}",
    "contactEmail": lambda s, a, c: f"support@{s.config.domain}",
    "myshopifyDomain": lambda s, a, c: s.config.domain,
    "url": lambda s, a, c: f"https://{s.config.domain}",
    "ianaTimezone": lambda s, a, c: s.config.timezone,
    "timezoneAbbreviation": lambda s, a, c: datetime.now(zone(s.config.timezone)).tzname(),
    "timezoneOffset": lambda s, a, c: _offset(s),
    "timezoneOffsetMinutes": lambda s, a, c: int(
        datetime.now(zone(s.config.timezone)).utcoffset().total_seconds() // 60
    ),
    "currencyCode": lambda s, a, c: s.config.currency,
    "enabledPresentmentCurrencies": lambda s, a, c: [s.config.currency],
    "plan": lambda s, a, c: {
        "displayName": s.plan_display_name,
        "publicDisplayName": s.plan_display_name,
        "partnerDevelopment": False,
        "shopifyPlus": s.config.plan in ("plus", "enterprise"),
    },
    "createdAt": lambda s, a, c: iso_utc(s.state.generator.start - 86400),
    "updatedAt": lambda s, a, c: iso_utc(s.state.generator.start - 86400),
    "taxesIncluded": lambda s, a, c: False,
}

MONEY_BAG = {
    "shopMoney": lambda v, a, c: v,
    "presentmentMoney": lambda v, a, c: v,
}
MONEY_V2 = {
    "amount": lambda v, a, c: money(v[0]),
    "currencyCode": lambda v, a, c: v[1],
}


def address_id(address: Address) -> str:
    return gid(
        "MailingAddress", zlib.crc32(f"{address.address1}{address.zip}{address.last_name}".encode())
    )


MAILING_ADDRESS = {
    "id": lambda a, args, c: address_id(a),
    "firstName": lambda a, args, c: a.first_name,
    "lastName": lambda a, args, c: a.last_name,
    "name": lambda a, args, c: f"{a.first_name} {a.last_name}",
    "address1": lambda a, args, c: a.address1,
    "address2": lambda a, args, c: None,
    "company": lambda a, args, c: None,
    "city": lambda a, args, c: a.city,
    "province": lambda a, args, c: a.province,
    "provinceCode": lambda a, args, c: a.province_code,
    "country": lambda a, args, c: a.country,
    "countryCodeV2": lambda a, args, c: a.country_code,
    "zip": lambda a, args, c: a.zip,
    "phone": lambda a, args, c: a.phone,
}


def customer_orders(customer: Customer, args, ctx):
    ctx.require("read_orders", "orders")
    window(ctx, args, "orders")
    return orders_page(ctx, args, customer_index=customer.index)


CUSTOMER = {
    "id": lambda o, a, c: gid("Customer", o.id),
    "legacyResourceId": lambda o, a, c: str(o.id),
    "firstName": lambda o, a, c: o.first_name,
    "lastName": lambda o, a, c: o.last_name,
    "displayName": lambda o, a, c: f"{o.first_name} {o.last_name}",
    "note": lambda o, a, c: None,
    "createdAt": lambda o, a, c: iso_utc(o.created_at),
    "updatedAt": lambda o, a, c: iso_utc(o.updated_at),
    "verifiedEmail": lambda o, a, c: o.verified_email,
    "taxExempt": lambda o, a, c: False,
    "numberOfOrders": lambda o, a, c: str(o.order_count),
    "amountSpent": lambda o, a, c: c.money(o.amount_spent),
    "defaultAddress": lambda o, a, c: o.address,
    "addresses": lambda o, a, c: [o.address],
    "orders": customer_orders,
}

PRODUCT = {
    "id": lambda o, a, c: gid("Product", o.id),
    "legacyResourceId": lambda o, a, c: str(o.id),
    "productType": lambda o, a, c: o.product_type,
    "descriptionHtml": lambda o, a, c: f"<p>{o.title}</p>",
    "createdAt": lambda o, a, c: iso_utc(o.created_at),
    "updatedAt": lambda o, a, c: iso_utc(o.updated_at),
    "publishedAt": lambda o, a, c: iso_utc(o.created_at) if o.status == "ACTIVE" else None,
    "totalInventory": lambda o, a, c: sum(v.inventory for v in o.variants),
    "tracksInventory": lambda o, a, c: True,
    "variantsCount": lambda o, a, c: {"count": len(o.variants), "precision": "EXACT"},
    "variants": lambda o, a, c: (window(c, a, "variants"), list_page(o.variants, a, c))[1],
}

VARIANT = {
    "id": lambda o, a, c: gid("ProductVariant", o.id),
    "legacyResourceId": lambda o, a, c: str(o.id),
    "displayName": lambda o, a, c: f"{_product_title(o, c)} - {o.title}",
    "barcode": lambda o, a, c: None,
    "price": lambda o, a, c: money(o.price),
    "compareAtPrice": lambda o, a, c: money(o.compare_at_price) if o.compare_at_price else None,
    "inventoryQuantity": lambda o, a, c: o.inventory,
    "taxable": lambda o, a, c: True,
    "createdAt": lambda o, a, c: iso_utc(o.created_at),
    "updatedAt": lambda o, a, c: iso_utc(o.updated_at),
    "product": lambda o, a, c: c.state.product_by_id(o.product_id),
}


def _product_title(variant: Variant, ctx) -> str:
    product = ctx.state.product_by_id(variant.product_id)
    return product.title if product else ""


def _current_subtotal(order: Order) -> int:
    refunded_lines = sum(rl.subtotal for r in order.refunds for rl in r.lines)
    return order.subtotal - refunded_lines


def _current_tax(order: Order) -> int:
    return order.tax - sum(rl.tax for r in order.refunds for rl in r.lines)


def order_customer(order: Order, args, ctx):
    ctx.require("read_customers", "customer")
    return ctx.state.customer_by_id(order.customer_id)


ORDER = {
    "id": lambda o, a, c: gid("Order", o.id),
    "legacyResourceId": lambda o, a, c: str(o.id),
    "name": lambda o, a, c: o.name,
    "createdAt": lambda o, a, c: iso_utc(o.created_at),
    "updatedAt": lambda o, a, c: iso_utc(o.updated_at),
    "processedAt": lambda o, a, c: iso_utc(o.created_at),
    "cancelledAt": lambda o, a, c: iso_utc(o.cancelled_at),
    "cancelReason": lambda o, a, c: o.cancel_reason,
    "closedAt": lambda o, a, c: iso_utc(o.closed_at),
    "closed": lambda o, a, c: o.closed_at is not None,
    "confirmed": lambda o, a, c: True,
    "phone": lambda o, a, c: None,
    "currencyCode": lambda o, a, c: c.currency,
    "presentmentCurrencyCode": lambda o, a, c: c.currency,
    "displayFinancialStatus": lambda o, a, c: o.financial_status,
    "displayFulfillmentStatus": lambda o, a, c: o.fulfillment_status,
    "returnStatus": lambda o, a, c: "NO_RETURN",
    "fullyPaid": lambda o, a, c: True,
    "unpaid": lambda o, a, c: False,
    "taxesIncluded": lambda o, a, c: False,
    "subtotalLineItemsQuantity": lambda o, a, c: sum(li.quantity for li in o.line_items),
    "currentSubtotalLineItemsQuantity": lambda o, a, c: sum(
        li.current_quantity for li in o.line_items
    ),
    "subtotalPriceSet": lambda o, a, c: c.money(o.subtotal),
    "totalPriceSet": lambda o, a, c: c.money(o.total),
    "totalDiscountsSet": lambda o, a, c: c.money(o.discounts),
    "totalShippingPriceSet": lambda o, a, c: c.money(o.shipping),
    "totalTaxSet": lambda o, a, c: c.money(o.tax),
    "totalRefundedSet": lambda o, a, c: c.money(o.refunded),
    "totalRefundedShippingSet": lambda o, a, c: c.money(sum(r.shipping for r in o.refunds)),
    "totalReceivedSet": lambda o, a, c: c.money(o.total),
    "totalOutstandingSet": lambda o, a, c: c.money(0),
    "currentSubtotalPriceSet": lambda o, a, c: c.money(_current_subtotal(o)),
    "currentTotalPriceSet": lambda o, a, c: c.money(o.total - o.refunded),
    "currentTotalTaxSet": lambda o, a, c: c.money(_current_tax(o)),
    "currentTotalDiscountsSet": lambda o, a, c: c.money(
        sum(li.discount * li.current_quantity // li.quantity for li in o.line_items)
    ),
    "customer": order_customer,
    "billingAddress": lambda o, a, c: o.address,
    "shippingAddress": lambda o, a, c: o.address,
    "sourceName": lambda o, a, c: o.source_name,
    "lineItems": lambda o, a, c: (window(c, a, "lineItems"), list_page(o.line_items, a, c))[1],
    "refunds": lambda o, a, c: o.refunds[: a["first"]] if a.get("first") else o.refunds,
}


def _line_name(li: LineItem) -> str:
    return li.title if li.variant_title == "Default Title" else f"{li.title} - {li.variant_title}"


LINE_ITEM = {
    "id": lambda o, a, c: gid("LineItem", o.id),
    "name": lambda o, a, c: _line_name(o),
    "variantTitle": lambda o, a, c: None if o.variant_title == "Default Title" else o.variant_title,
    "currentQuantity": lambda o, a, c: o.current_quantity,
    "refundableQuantity": lambda o, a, c: o.current_quantity,
    "unfulfilledQuantity": lambda o, a, c: 0,
    "requiresShipping": lambda o, a, c: True,
    "taxable": lambda o, a, c: True,
    "variant": lambda o, a, c: c.state.variant_by_id(o.variant_id),
    "product": lambda o, a, c: c.state.product_by_id(o.product_id),
    "originalUnitPriceSet": lambda o, a, c: c.money(o.unit_price),
    "discountedUnitPriceSet": lambda o, a, c: c.money(o.discounted_unit_price),
    "discountedUnitPriceAfterAllDiscountsSet": lambda o, a, c: c.money(o.discounted_unit_price),
    "originalTotalSet": lambda o, a, c: c.money(o.unit_price * o.quantity),
    "discountedTotalSet": lambda o, a, c: c.money(o.unit_price * o.quantity - o.discount),
    "totalDiscountSet": lambda o, a, c: c.money(o.discount),
    "taxLines": lambda o, a, c: [
        {
            "title": "Sales Tax",
            "rate": o.tax_rate_pm / 1000,
            "ratePercentage": o.tax_rate_pm / 10,
            "priceSet": c.money(o.tax),
        }
    ]
    if o.tax_rate_pm
    else [],
}

REFUND = {
    "id": lambda o, a, c: gid("Refund", o.id),
    "legacyResourceId": lambda o, a, c: str(o.id),
    "createdAt": lambda o, a, c: iso_utc(o.created_at),
    "updatedAt": lambda o, a, c: iso_utc(o.created_at),
    "totalRefundedSet": lambda o, a, c: c.money(o.total),
    "order": lambda o, a, c: c.state.order(c.state.order_index(o.order_id)),
    "refundLineItems": lambda o, a, c: (window(c, a, "refundLineItems"), list_page(o.lines, a, c))[
        1
    ],
    "refundShippingLines": lambda o, a, c: (
        window(c, a, "refundShippingLines"),
        list_page(refund_shipping_lines(o), a, c),
    )[1],
}


@dataclass(slots=True)
class RefundShippingLine:
    """The shipping a refund gave back; the simulator's shops have one shipping line an order,
    untaxed, so a refund has at most one of these (sharing the refund's id)."""

    id: int
    amount: int


def refund_shipping_lines(refund) -> list[RefundShippingLine]:
    return [RefundShippingLine(refund.id, refund.shipping)] if refund.shipping else []


REFUND_SHIPPING_LINE = {
    "id": lambda o, a, c: gid("RefundShippingLine", o.id),
    "shippingLine": lambda o, a, c: {"title": "Standard"},
    "subtotalAmountSet": lambda o, a, c: c.money(o.amount),
    "taxAmountSet": lambda o, a, c: c.money(0),
}
SHIPPING_LINE = {"title": lambda o, a, c: o["title"]}

REFUND_LINE_ITEM = {
    "id": lambda o, a, c: gid("RefundLineItem", o.id),
    "lineItem": lambda o, a, c: o.line_item,
    "restockType": lambda o, a, c: o.restock_type,
    "restocked": lambda o, a, c: o.restock_type in ("RETURN", "CANCEL"),
    "priceSet": lambda o, a, c: c.money(o.line_item.unit_price),
    "subtotalSet": lambda o, a, c: c.money(o.subtotal),
    "totalTaxSet": lambda o, a, c: c.money(o.tax),
}

CONNECTION = {
    "edges": lambda page, a, c: list(zip(page.cursors, page.items, strict=False))
    if page.cursors
    else [(None, item) for item in page.items],
    "nodes": lambda page, a, c: page.items,
    "pageInfo": lambda page, a, c: page,
}
EDGE = {"cursor": lambda e, a, c: e[0], "node": lambda e, a, c: e[1]}
PAGE_INFO = {
    "hasNextPage": lambda p, a, c: p.has_next,
    "hasPreviousPage": lambda p, a, c: p.has_previous,
    "startCursor": lambda p, a, c: p.cursors[0] if p.cursors else None,
    "endCursor": lambda p, a, c: p.cursors[-1] if p.cursors else None,
}


def build_resolvers(schema, mutations: dict, extra: dict) -> dict:
    table = {
        "QueryRoot": QUERY_ROOT,
        "Mutation": mutations,
        "Shop": SHOP,
        "MoneyBag": MONEY_BAG,
        "MoneyV2": MONEY_V2,
        "MailingAddress": MAILING_ADDRESS,
        "Customer": CUSTOMER,
        "Product": PRODUCT,
        "ProductVariant": VARIANT,
        "Order": ORDER,
        "LineItem": LINE_ITEM,
        "Refund": REFUND,
        "RefundLineItem": REFUND_LINE_ITEM,
        "RefundShippingLine": REFUND_SHIPPING_LINE,
        "ShippingLine": SHIPPING_LINE,
        "PageInfo": PAGE_INFO,
        **extra,
    }
    for name in schema.type_map:
        if name.endswith("Connection"):
            table[name] = CONNECTION
        elif name.endswith("Edge"):
            table[name] = EDGE
    return table


__all__ = ["Customer", "Product", "Refund", "RefundLine", "RequestContext", "build_resolvers"]
