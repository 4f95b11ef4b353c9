"""Shopify payloads → rows for Xeno's tables.

Two shapes arrive: GraphQL nodes (camelCase, money in `...Set.shopMoney.amount`, GIDs) from syncs,
and REST-style webhook bodies (snake_case, money as strings, numeric ids). Both become the same
row dicts, keyed by column name, so one writer stores them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

ZERO = Decimal("0.00")


class PayloadError(ValueError):
    """A Shopify payload lacks something Xeno needs; the message names the field."""


def gid_to_id(value) -> int | None:
    """`gid://shopify/Order/123` → 123 (plain integers and numeric strings pass through)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    tail = text.rsplit("/", 1)[-1].split("?", 1)[0]
    if not tail.isdigit():
        raise PayloadError(f"'{text}' is not a Shopify id")
    return int(tail)


def _money(bag) -> Decimal:
    if bag is None:
        return ZERO
    if isinstance(bag, dict):
        bag = (bag.get("shopMoney") or bag).get("amount")
    if bag is None or bag == "":
        return ZERO
    return Decimal(bag) if isinstance(bag, str) else Decimal(str(bag))


def _when(value) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _required(node: dict, key: str, kind: str):
    value = node.get(key)
    if value in (None, ""):
        raise PayloadError(f"{kind} payload has no '{key}'")
    return value


def _tags(value) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    return value or ""


def _enum(value) -> str:
    return (value or "").lower()


# --- GraphQL nodes -------------------------------------------------------------------------


def customer_row(node: dict) -> dict:
    address = node.get("defaultAddress") or {}
    return {
        "shopify_id": gid_to_id(_required(node, "id", "customer")),
        "updated_at": _when(node.get("updatedAt")),
        "email": node.get("email") or "",
        "first_name": node.get("firstName") or "",
        "last_name": node.get("lastName") or "",
        "phone": node.get("phone") or "",
        "state": _enum(node.get("state")),
        "tags": _tags(node.get("tags")),
        "country_code": address.get("countryCodeV2") or "",
        "city": address.get("city") or "",
        "number_of_orders": int(node.get("numberOfOrders") or 0),
        "amount_spent": _money(node.get("amountSpent")),
        "created_at": _when(node.get("createdAt")),
    }


def product_row(node: dict) -> dict:
    return {
        "shopify_id": gid_to_id(_required(node, "id", "product")),
        "updated_at": _when(node.get("updatedAt")),
        "title": node.get("title") or "",
        "handle": node.get("handle") or "",
        "vendor": node.get("vendor") or "",
        "product_type": node.get("productType") or "",
        "status": _enum(node.get("status")),
        "tags": _tags(node.get("tags")),
        "total_inventory": int(node.get("totalInventory") or 0),
        "created_at": _when(node.get("createdAt")),
    }


def variant_row(node: dict, product_id: int) -> dict:
    compare_at = node.get("compareAtPrice")
    return {
        "shopify_id": gid_to_id(_required(node, "id", "variant")),
        "updated_at": _when(node.get("updatedAt")),
        "product_shopify_id": product_id,
        "title": node.get("title") or "",
        "sku": node.get("sku") or "",
        "price": _money(node.get("price")),
        "compare_at_price": _money(compare_at) if compare_at not in (None, "") else None,
        "inventory_quantity": int(node.get("inventoryQuantity") or 0),
    }


def order_row(node: dict) -> dict:
    address = node.get("shippingAddress") or node.get("billingAddress") or {}
    processed = _when(node.get("processedAt")) or _when(node.get("createdAt"))
    if processed is None:
        raise PayloadError("order payload has neither 'processedAt' nor 'createdAt'")
    return {
        "shopify_id": gid_to_id(_required(node, "id", "order")),
        "updated_at": _when(_required(node, "updatedAt", "order")),
        "name": node.get("name") or "",
        "email": node.get("email") or "",
        "customer_shopify_id": gid_to_id((node.get("customer") or {}).get("id")),
        "created_at": _when(node.get("createdAt")) or processed,
        "processed_at": processed,
        "cancelled_at": _when(node.get("cancelledAt")),
        "closed_at": _when(node.get("closedAt")),
        "test": bool(node.get("test")),
        "financial_status": _enum(node.get("displayFinancialStatus")),
        "fulfillment_status": _enum(node.get("displayFulfillmentStatus")),
        "currency": node.get("currencyCode") or "",
        "subtotal_price": _money(node.get("subtotalPriceSet")),
        "total_price": _money(node.get("totalPriceSet")),
        "total_discounts": _money(node.get("totalDiscountsSet")),
        "total_shipping": _money(node.get("totalShippingPriceSet")),
        "total_tax": _money(node.get("totalTaxSet")),
        "total_refunded": _money(node.get("totalRefundedSet")),
        "country_code": address.get("countryCodeV2") or "",
        "source_name": node.get("sourceName") or "",
        "tags": _tags(node.get("tags")),
    }


def line_item_row(node: dict, order_id: int, order_updated_at) -> dict:
    tax = sum((_money(line.get("priceSet")) for line in node.get("taxLines") or []), ZERO)
    return {
        "shopify_id": gid_to_id(_required(node, "id", "line item")),
        "updated_at": order_updated_at,
        "order_shopify_id": order_id,
        "product_shopify_id": gid_to_id((node.get("product") or {}).get("id")),
        "variant_shopify_id": gid_to_id((node.get("variant") or {}).get("id")),
        "title": node.get("title") or "",
        "sku": node.get("sku") or "",
        "vendor": node.get("vendor") or "",
        "quantity": int(node.get("quantity") or 0),
        "current_quantity": node.get("currentQuantity"),
        "original_unit_price": _money(node.get("originalUnitPriceSet")),
        "total_discount": _money(node.get("totalDiscountSet")),
        "total_tax": tax,
    }


def refund_row(node: dict, order_id: int) -> dict:
    created = _when(node.get("createdAt")) or _when(node.get("updatedAt"))
    return {
        "shopify_id": gid_to_id(_required(node, "id", "refund")),
        "updated_at": _when(node.get("updatedAt")) or created,
        "order_shopify_id": order_id,
        "created_at": created,
        "note": node.get("note") or "",
        "total_refunded": _money(node.get("totalRefundedSet")),
        # A connection inside the refunds list: fetched with the refund lines
        # (refund_shipping_row); None keeps what is stored.
        "shipping_refunded": None,
        "shipping_tax_refunded": None,
    }


def refund_shipping_row(lines: list[dict], refund_id: int) -> dict:
    """The shipping a refund gave back, from its `refundShippingLines` nodes."""
    return {
        "shopify_id": refund_id,
        "shipping_refunded": sum((_money(n.get("subtotalAmountSet")) for n in lines), ZERO),
        "shipping_tax_refunded": sum((_money(n.get("taxAmountSet")) for n in lines), ZERO),
    }


def refund_line_row(node: dict, refund_id: int, order_id: int) -> dict:
    return {
        "refund_shopify_id": refund_id,
        "order_shopify_id": order_id,
        "line_item_shopify_id": gid_to_id(
            _required(node.get("lineItem") or {}, "id", "refund line")
        ),
        "quantity": int(node.get("quantity") or 0),
        "subtotal": _money(node.get("subtotalSet")),
        "total_tax": _money(node.get("totalTaxSet")),
        "restock_type": _enum(node.get("restockType")),
    }


def order_rows_from_page_node(node: dict) -> dict[str, list[dict]]:
    """An order from a paged query, with its line items, refunds and refund lines inline."""
    order = order_row(node)
    order_id, updated = order["shopify_id"], order["updated_at"]
    line_items = (node.get("lineItems") or {}).get("nodes") or []
    rows = {
        "orders": [order],
        "line_items": [line_item_row(item, order_id, updated) for item in line_items],
        "refunds": [],
        "refund_lines": [],
    }
    for refund in node.get("refunds") or []:
        refund_fields = refund_row(refund, order_id)
        rows["refunds"].append(refund_fields)
        for line in (refund.get("refundLineItems") or {}).get("nodes") or []:
            rows["refund_lines"].append(
                refund_line_row(line, refund_fields["shopify_id"], order_id)
            )
    return rows


# --- REST-style webhook bodies -------------------------------------------------------------


def _rest_money(value) -> Decimal:
    """A REST money value: a decimal string, or a `*_set` object with `shop_money.amount`."""
    if isinstance(value, dict):
        value = (value.get("shop_money") or {}).get("amount")
    return Decimal(str(value)) if value not in (None, "") else ZERO


def customer_row_from_webhook(body: dict) -> dict:
    address = body.get("default_address") or {}
    return {
        "shopify_id": gid_to_id(_required(body, "id", "customer")),
        "updated_at": _when(body.get("updated_at")),
        "email": body.get("email") or "",
        "first_name": body.get("first_name") or "",
        "last_name": body.get("last_name") or "",
        "phone": body.get("phone") or "",
        "state": _enum(body.get("state")),
        "tags": _tags(body.get("tags")),
        "country_code": address.get("country_code") or "",
        "city": address.get("city") or "",
        # 2025-01+ customer webhooks carry no order count or spend: keep what syncs stored.
        "number_of_orders": body.get("orders_count"),
        "amount_spent": _rest_money(body["total_spent"]) if "total_spent" in body else None,
        "created_at": _when(body.get("created_at")),
    }


def product_rows_from_webhook(body: dict) -> dict[str, list[dict]]:
    product_id = gid_to_id(_required(body, "id", "product"))
    variants = body.get("variants") or []
    product = {
        "shopify_id": product_id,
        "updated_at": _when(body.get("updated_at")),
        "title": body.get("title") or "",
        "handle": body.get("handle") or "",
        "vendor": body.get("vendor") or "",
        "product_type": body.get("product_type") or "",
        "status": _enum(body.get("status")),
        "tags": _tags(body.get("tags")),
        "total_inventory": sum(int(v.get("inventory_quantity") or 0) for v in variants),
        "created_at": _when(body.get("created_at")),
    }
    variant_rows = [
        {
            "shopify_id": gid_to_id(_required(variant, "id", "variant")),
            "updated_at": _when(variant.get("updated_at")) or product["updated_at"],
            "product_shopify_id": product_id,
            "title": variant.get("title") or "",
            "sku": variant.get("sku") or "",
            "price": _rest_money(variant.get("price")),
            "compare_at_price": (
                _rest_money(variant["compare_at_price"])
                if variant.get("compare_at_price") not in (None, "")
                else None
            ),
            "inventory_quantity": int(variant.get("inventory_quantity") or 0),
        }
        for variant in variants
    ]
    return {"products": [product], "variants": variant_rows}


def _refund_rows_from_webhook(refund: dict, order_id: int) -> tuple[dict, list[dict]]:
    refund_id = gid_to_id(_required(refund, "id", "refund"))
    created = _when(refund.get("created_at")) or _when(refund.get("processed_at"))
    lines = []
    total = ZERO
    for line in refund.get("refund_line_items") or []:
        subtotal = _rest_money(line.get("subtotal_set") or line.get("subtotal"))
        tax = _rest_money(line.get("total_tax_set") or line.get("total_tax"))
        total += subtotal + tax
        lines.append(
            {
                "refund_shopify_id": refund_id,
                "order_shopify_id": order_id,
                "line_item_shopify_id": gid_to_id(
                    line.get("line_item_id") or (line.get("line_item") or {}).get("id")
                ),
                "quantity": int(line.get("quantity") or 0),
                "subtotal": subtotal,
                "total_tax": tax,
                "restock_type": _enum(line.get("restock_type")),
            }
        )
    transactions = refund.get("transactions") or []
    paid = sum(
        (_rest_money(t.get("amount")) for t in transactions if t.get("kind") == "refund"), ZERO
    )
    shipping, shipping_tax = _rest_refund_shipping(refund)
    row = {
        "shopify_id": refund_id,
        "updated_at": created,
        "order_shopify_id": order_id,
        "created_at": created,
        "note": refund.get("note") or "",
        "total_refunded": paid or total + shipping + shipping_tax,
        "shipping_refunded": shipping,
        "shipping_tax_refunded": shipping_tax,
    }
    return row, lines


def _rest_refund_shipping(refund: dict) -> tuple[Decimal, Decimal]:
    """Shipping (and its tax) a REST refund gave back: its `refund_shipping_lines`, or in older
    payloads its `order_adjustments` of kind `shipping_refund`, whose amounts are negative."""
    lines = refund.get("refund_shipping_lines") or []
    if lines:
        shipping = sum(
            (_rest_money(x.get("subtotal_amount_set") or x.get("subtotal_amount")) for x in lines),
            ZERO,
        )
        tax = sum(
            (_rest_money(x.get("tax_amount_set") or x.get("tax_amount")) for x in lines), ZERO
        )
        return shipping, tax
    adjustments = [
        a for a in refund.get("order_adjustments") or [] if a.get("kind") == "shipping_refund"
    ]
    shipping = -sum(
        (_rest_money(a.get("amount_set") or a.get("amount")) for a in adjustments), ZERO
    )
    tax = -sum(
        (_rest_money(a.get("tax_amount_set") or a.get("tax_amount")) for a in adjustments), ZERO
    )
    return shipping, tax


def order_rows_from_webhook(body: dict) -> dict[str, list[dict]]:
    order_id = gid_to_id(_required(body, "id", "order"))
    updated = _when(_required(body, "updated_at", "order"))
    address = body.get("shipping_address") or body.get("billing_address") or {}
    processed = _when(body.get("processed_at")) or _when(body.get("created_at"))
    if processed is None:
        raise PayloadError("order payload has neither 'processed_at' nor 'created_at'")
    shipping = body.get("total_shipping_price_set") or sum(
        (_rest_money(line.get("price")) for line in body.get("shipping_lines") or []), ZERO
    )
    order = {
        "shopify_id": order_id,
        "updated_at": updated,
        "name": body.get("name") or "",
        "email": body.get("email") or "",
        "customer_shopify_id": gid_to_id((body.get("customer") or {}).get("id")),
        "created_at": _when(body.get("created_at")) or processed,
        "processed_at": processed,
        "cancelled_at": _when(body.get("cancelled_at")),
        "closed_at": _when(body.get("closed_at")),
        "test": bool(body.get("test")),
        "financial_status": _enum(body.get("financial_status")),
        "fulfillment_status": _enum(body.get("fulfillment_status")) or "unfulfilled",
        "currency": body.get("currency") or "",
        "subtotal_price": _rest_money(body.get("subtotal_price")),
        "total_price": _rest_money(body.get("total_price")),
        "total_discounts": _rest_money(body.get("total_discounts")),
        "total_shipping": _rest_money(shipping),
        "total_tax": _rest_money(body.get("total_tax")),
        "total_refunded": ZERO,
        "country_code": address.get("country_code") or "",
        "source_name": body.get("source_name") or "",
        "tags": _tags(body.get("tags")),
    }
    rows = {"orders": [order], "line_items": [], "refunds": [], "refund_lines": []}
    for item in body.get("line_items") or []:
        tax = sum((_rest_money(line.get("price")) for line in item.get("tax_lines") or []), ZERO)
        discount = sum(
            (_rest_money(a.get("amount")) for a in item.get("discount_allocations") or []), ZERO
        )
        rows["line_items"].append(
            {
                "shopify_id": gid_to_id(_required(item, "id", "line item")),
                "updated_at": updated,
                "order_shopify_id": order_id,
                "product_shopify_id": gid_to_id(item.get("product_id")),
                "variant_shopify_id": gid_to_id(item.get("variant_id")),
                "title": item.get("title") or item.get("name") or "",
                "sku": item.get("sku") or "",
                "vendor": item.get("vendor") or "",
                "quantity": int(item.get("quantity") or 0),
                "current_quantity": item.get("current_quantity"),
                "original_unit_price": _rest_money(item.get("price")),
                "total_discount": discount or _rest_money(item.get("total_discount")),
                "total_tax": tax,
            }
        )
    for refund in body.get("refunds") or []:
        refund_fields, lines = _refund_rows_from_webhook(refund, order_id)
        rows["refunds"].append(refund_fields)
        rows["refund_lines"].extend(lines)
    order["total_refunded"] = sum((r["total_refunded"] for r in rows["refunds"]), ZERO)
    return rows


def refund_rows_from_webhook(body: dict) -> dict[str, list[dict]]:
    order_id = gid_to_id(_required(body, "order_id", "refund"))
    refund, lines = _refund_rows_from_webhook(body, order_id)
    return {"refunds": [refund], "refund_lines": lines}
