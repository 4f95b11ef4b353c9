"""Refund webhook bodies (REST shape) become the same refund rows a sync would write."""

import copy
import json
from decimal import Decimal
from pathlib import Path

from shopify_sync.records import refund_rows_from_webhook

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "refunds__create.json").read_text())


def test_shopifys_example_refund_gives_its_lines_and_no_shipping():
    rows = refund_rows_from_webhook(FIXTURE)

    (refund,) = rows["refunds"]
    assert refund["shopify_id"] == 890088186047892319
    assert refund["order_shopify_id"] == 820982911946154508
    assert [line["subtotal"] for line in rows["refund_lines"]] == [
        Decimal(line["subtotal_set"]["shop_money"]["amount"])
        for line in FIXTURE["refund_line_items"]
    ]
    assert rows["refund_lines"][0]["line_item_shopify_id"] == 487817672276298554
    assert refund["total_refunded"] == Decimal("85.00")  # what the refund transactions paid back
    assert (refund["shipping_refunded"], refund["shipping_tax_refunded"]) == (0, 0)


def test_refunded_shipping_lines_are_summed_with_their_tax():
    body = copy.deepcopy(FIXTURE)
    body["refund_shipping_lines"] = [
        {
            "id": 1,
            "subtotal_amount_set": {"shop_money": {"amount": "4.99", "currency_code": "USD"}},
            "tax_amount_set": {"shop_money": {"amount": "0.40", "currency_code": "USD"}},
        },
        {
            "id": 2,
            "subtotal_amount_set": {"shop_money": {"amount": "2.00", "currency_code": "USD"}},
            "tax_amount_set": {"shop_money": {"amount": "0.00", "currency_code": "USD"}},
        },
    ]

    (refund,) = refund_rows_from_webhook(body)["refunds"]

    assert refund["shipping_refunded"] == Decimal("6.99")
    assert refund["shipping_tax_refunded"] == Decimal("0.40")


def test_older_payloads_refund_shipping_as_a_negative_order_adjustment():
    body = copy.deepcopy(FIXTURE)
    body["order_adjustments"] = [
        {"id": 7, "kind": "shipping_refund", "amount": "-5.00", "tax_amount": "-0.45"},
        {"id": 8, "kind": "refund_discrepancy", "amount": "-1.00", "tax_amount": "0.00"},
    ]

    (refund,) = refund_rows_from_webhook(body)["refunds"]

    assert refund["shipping_refunded"] == Decimal("5.00")
    assert refund["shipping_tax_refunded"] == Decimal("0.45")
