"""In-memory records. Money is integer cents; timestamps are integer epoch seconds (UTC)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Id layout: a per-shop offset keeps ids unique across shops (as Shopify's are), and child ids
# embed their parent index so a line item or refund can be traced back without a lookup table.
ID_SPACING = 10**11
CUSTOMER_BASE = 7 * 10**13
PRODUCT_BASE = 8 * 10**13
VARIANT_BASE = 4 * 10**13
ORDER_BASE = 5 * 10**13
LINE_ITEM_BASE = 13 * 10**13
REFUND_BASE = 9 * 10**13
REFUND_LINE_BASE = 11 * 10**13
MAX_VARIANTS = 8
MAX_LINES = 8
MAX_REFUNDS = 8


@dataclass(slots=True)
class Address:
    first_name: str
    last_name: str
    address1: str
    city: str
    province: str
    province_code: str
    country: str
    country_code: str
    zip: str
    phone: str | None


@dataclass(slots=True)
class Customer:
    index: int
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    created_at: int
    updated_at: int
    state: str
    verified_email: bool
    tags: list[str]
    address: Address
    tax_rate_pm: int
    order_count: int = 0
    amount_spent: int = 0
    deleted: bool = False


@dataclass(slots=True)
class Variant:
    id: int
    product_id: int
    title: str
    sku: str
    price: int
    original_price: int
    compare_at_price: int | None
    inventory: int
    created_at: int
    updated_at: int
    position: int


@dataclass(slots=True)
class Product:
    index: int
    id: int
    title: str
    handle: str
    vendor: str
    product_type: str
    status: str
    created_at: int
    updated_at: int
    tags: list[str]
    variants: list[Variant]
    popularity: float
    deleted: bool = False


@dataclass(slots=True)
class LineItem:
    id: int
    product_id: int
    variant_id: int
    title: str
    variant_title: str
    sku: str
    vendor: str
    quantity: int
    unit_price: int
    discount: int
    tax: int
    tax_rate_pm: int
    refunded_quantity: int = 0

    @property
    def current_quantity(self) -> int:
        return self.quantity - self.refunded_quantity

    @property
    def discounted_unit_price(self) -> int:
        return self.unit_price - self.discount // self.quantity


@dataclass(slots=True)
class RefundLine:
    id: int
    line_item: LineItem
    quantity: int
    subtotal: int
    tax: int
    restock_type: str


@dataclass(slots=True)
class Refund:
    id: int
    order_id: int
    created_at: int
    note: str | None
    lines: list[RefundLine]
    shipping: int

    @property
    def total(self) -> int:
        return sum(line.subtotal + line.tax for line in self.lines) + self.shipping


@dataclass(slots=True)
class Order:
    index: int
    id: int
    number: int
    created_at: int
    updated_at: int
    customer_id: int | None
    email: str | None
    test: bool
    source_name: str
    tags: list[str]
    address: Address | None
    tax_rate_pm: int
    line_items: list[LineItem]
    shipping: int
    fulfillment_status: str
    fulfilled_at: int | None = None
    cancelled_at: int | None = None
    cancel_reason: str | None = None
    closed_at: int | None = None
    refunds: list[Refund] = field(default_factory=list)
    note: str | None = None

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def line_total(self) -> int:
        return sum(li.unit_price * li.quantity for li in self.line_items)

    @property
    def discounts(self) -> int:
        return sum(li.discount for li in self.line_items)

    @property
    def subtotal(self) -> int:
        return self.line_total - self.discounts

    @property
    def tax(self) -> int:
        return sum(li.tax for li in self.line_items)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping + self.tax

    @property
    def refunded(self) -> int:
        return sum(r.total for r in self.refunds)

    @property
    def financial_status(self) -> str:
        refunded = self.refunded
        if refunded == 0:
            return "PAID"
        return "REFUNDED" if refunded >= self.total else "PARTIALLY_REFUNDED"
