"""REST-style (snake_case) bodies shared by webhooks and the legacy REST endpoints."""

from __future__ import annotations

from .records import Address, Customer, LineItem, Order, Product, Refund, Variant
from .wire import gid, iso_local, money


def price_set(cents: int, currency: str) -> dict:
    amount = {"amount": money(cents), "currency_code": currency}
    return {"shop_money": amount, "presentment_money": dict(amount)}


def address_json(address: Address | None, customer_id: int | None = None) -> dict | None:
    if address is None:
        return None
    body = {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "name": f"{address.first_name} {address.last_name}",
        "address1": address.address1,
        "address2": None,
        "company": None,
        "city": address.city,
        "province": address.province,
        "province_code": address.province_code,
        "country": address.country,
        "country_code": address.country_code,
        "zip": address.zip,
        "phone": address.phone,
    }
    if customer_id is not None:
        body.update(customer_id=customer_id, country_name=address.country, default=True)
    return body


def customer_json(customer: Customer, tz: str, currency: str, version: str) -> dict:
    body = {
        "id": customer.id,
        "email": customer.email,
        "created_at": iso_local(customer.created_at, tz),
        "updated_at": iso_local(customer.updated_at, tz),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "state": customer.state.lower(),
        "note": None,
        "verified_email": customer.verified_email,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": customer.phone,
        "currency": currency,
        "addresses": [address_json(customer.address, customer.id)],
        "tax_exemptions": [],
        "admin_graphql_api_id": gid("Customer", customer.id),
        "default_address": address_json(customer.address, customer.id),
    }
    if version < "2025-01":
        # 2025-01 dropped the purchase summary from customer payloads.
        body.update(
            orders_count=customer.order_count,
            total_spent=money(customer.amount_spent),
            tags=", ".join(customer.tags),
        )
    return body


def variant_json(variant: Variant, tz: str) -> dict:
    return {
        "id": variant.id,
        "product_id": variant.product_id,
        "title": variant.title,
        "price": money(variant.price),
        "compare_at_price": money(variant.compare_at_price) if variant.compare_at_price else None,
        "sku": variant.sku,
        "position": variant.position,
        "inventory_policy": "deny",
        "inventory_quantity": variant.inventory,
        "old_inventory_quantity": variant.inventory,
        "taxable": True,
        "barcode": None,
        "option1": variant.title,
        "option2": None,
        "option3": None,
        "created_at": iso_local(variant.created_at, tz),
        "updated_at": iso_local(variant.updated_at, tz),
        "admin_graphql_api_id": gid("ProductVariant", variant.id),
    }


def product_json(product: Product, tz: str) -> dict:
    return {
        "id": product.id,
        "title": product.title,
        "body_html": f"<p>{product.title}</p>",
        "vendor": product.vendor,
        "product_type": product.product_type,
        "created_at": iso_local(product.created_at, tz),
        "handle": product.handle,
        "updated_at": iso_local(product.updated_at, tz),
        "published_at": iso_local(product.created_at, tz) if product.status == "ACTIVE" else None,
        "template_suffix": None,
        "published_scope": "web",
        "tags": ", ".join(product.tags),
        "status": product.status.lower(),
        "admin_graphql_api_id": gid("Product", product.id),
        "variants": [variant_json(v, tz) for v in product.variants],
        "options": [],
        "images": [],
        "image": None,
    }


def line_item_json(li: LineItem, currency: str) -> dict:
    return {
        "id": li.id,
        "admin_graphql_api_id": gid("LineItem", li.id),
        "current_quantity": li.current_quantity,
        "fulfillable_quantity": li.current_quantity,
        "name": li.title
        if li.variant_title == "Default Title"
        else f"{li.title} - {li.variant_title}",
        "price": money(li.unit_price),
        "price_set": price_set(li.unit_price, currency),
        "product_exists": True,
        "product_id": li.product_id,
        "quantity": li.quantity,
        "requires_shipping": True,
        "sku": li.sku,
        "taxable": True,
        "title": li.title,
        "total_discount": money(li.discount),
        "total_discount_set": price_set(li.discount, currency),
        "variant_id": li.variant_id,
        "variant_title": li.variant_title,
        "vendor": li.vendor,
        "tax_lines": [
            {
                "title": "Sales Tax",
                "price": money(li.tax),
                "rate": li.tax_rate_pm / 1000,
                "price_set": price_set(li.tax, currency),
            }
        ]
        if li.tax_rate_pm
        else [],
        "discount_allocations": [],
        "duties": [],
    }


def refund_json(refund: Refund, tz: str, currency: str) -> dict:
    return {
        "id": refund.id,
        "order_id": refund.order_id,
        "created_at": iso_local(refund.created_at, tz),
        "processed_at": iso_local(refund.created_at, tz),
        "note": refund.note,
        "restock": any(rl.restock_type == "RETURN" for rl in refund.lines),
        "user_id": None,
        "admin_graphql_api_id": gid("Refund", refund.id),
        "duties": [],
        "order_adjustments": [],
        "refund_shipping_lines": [
            {
                "id": refund.id,
                "subtotal_amount_set": price_set(refund.shipping, currency),
                "tax_amount_set": price_set(0, currency),
            }
        ]
        if refund.shipping
        else [],
        "total_duties_set": price_set(0, currency),
        "refund_line_items": [
            {
                "id": rl.id,
                "quantity": rl.quantity,
                "line_item_id": rl.line_item.id,
                "location_id": None,
                "restock_type": rl.restock_type.lower(),
                "subtotal": money(rl.subtotal),
                "total_tax": money(rl.tax),
                "subtotal_set": price_set(rl.subtotal, currency),
                "total_tax_set": price_set(rl.tax, currency),
                "line_item": line_item_json(rl.line_item, currency),
            }
            for rl in refund.lines
        ],
        "transactions": [
            {
                "id": refund.id + 1,
                "order_id": refund.order_id,
                "kind": "refund",
                "gateway": "shopify_payments",
                "status": "success",
                "amount": money(refund.total),
                "currency": currency,
                "created_at": iso_local(refund.created_at, tz),
            }
        ],
    }


def order_json(order: Order, customer: Customer | None, tz: str, currency: str) -> dict:
    refunded_lines = sum(rl.subtotal for r in order.refunds for rl in r.lines)
    refunded_tax = sum(rl.tax for r in order.refunds for rl in r.lines)
    current_total = order.total - order.refunded
    amounts = {
        "current_subtotal_price": order.subtotal - refunded_lines,
        "current_total_discounts": order.discounts,
        "current_total_price": current_total,
        "current_total_tax": order.tax - refunded_tax,
        "subtotal_price": order.subtotal,
        "total_discounts": order.discounts,
        "total_line_items_price": order.line_total,
        "total_price": order.total,
        "total_tax": order.tax,
        "total_outstanding": 0,
    }
    body = {
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "name": order.name,
        "number": order.number - 1000,
        "order_number": order.number,
        "email": order.email,
        "contact_email": order.email,
        "created_at": iso_local(order.created_at, tz),
        "updated_at": iso_local(order.updated_at, tz),
        "processed_at": iso_local(order.created_at, tz),
        "cancelled_at": iso_local(order.cancelled_at, tz),
        "cancel_reason": order.cancel_reason.lower() if order.cancel_reason else None,
        "closed_at": iso_local(order.closed_at, tz),
        "confirmed": True,
        "currency": currency,
        "presentment_currency": currency,
        "financial_status": order.financial_status.lower(),
        "fulfillment_status": {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}.get(
            order.fulfillment_status
        ),
        "test": order.test,
        "source_name": order.source_name,
        "tags": ", ".join(order.tags),
        "note": order.note,
        "taxes_included": False,
        "total_shipping_price_set": price_set(order.shipping, currency),
        "billing_address": address_json(order.address),
        "shipping_address": address_json(order.address),
        "customer": None,
        "line_items": [line_item_json(li, currency) for li in order.line_items],
        "refunds": [refund_json(r, tz, currency) for r in order.refunds],
        "shipping_lines": [
            {
                "code": "Standard",
                "price": money(order.shipping),
                "title": "Standard",
                "price_set": price_set(order.shipping, currency),
            }
        ],
        "discount_codes": [],
        "fulfillments": [],
    }
    for key, cents in amounts.items():
        body[key] = money(cents)
        body[key + "_set"] = price_set(cents, currency)
    if customer is not None:
        body["customer"] = {
            "id": customer.id,
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "created_at": iso_local(customer.created_at, tz),
            "updated_at": iso_local(customer.updated_at, tz),
            "state": customer.state.lower(),
            "admin_graphql_api_id": gid("Customer", customer.id),
            "default_address": address_json(customer.address, customer.id),
        }
    return body


def shop_json(shop) -> dict:
    config = shop.config
    return {
        "id": 60000000 + shop.state.id_offset // 10**11,
        "name": config.name.replace("-", " ").title(),
        "email": f"owner@{config.domain}",
        "domain": config.domain,
        "myshopify_domain": config.domain,
        "iana_timezone": config.timezone,
        "currency": config.currency,
        "plan_name": config.plan,
        "plan_display_name": shop.plan_display_name,
        "country_code": "US",
        "primary_locale": "en",
        "created_at": iso_local(shop.state.generator.start - 86400, config.timezone),
        "updated_at": iso_local(shop.state.generator.start - 86400, config.timezone),
    }
