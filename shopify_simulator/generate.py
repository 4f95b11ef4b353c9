"""Deterministic generation of customers, products and orders from (seed, shop, index).

Orders are never stored after the first pass: `OrderFactory.build(index)` rebuilds the same
order from its index whenever it is needed, which keeps a 100k-order shop small in memory.
"""

from __future__ import annotations

import bisect
import itertools
import random
import unicodedata
from dataclasses import dataclass

from . import pools
from .history import sample_times
from .records import (
    CUSTOMER_BASE,
    LINE_ITEM_BASE,
    MAX_LINES,
    MAX_REFUNDS,
    MAX_VARIANTS,
    ORDER_BASE,
    PRODUCT_BASE,
    REFUND_BASE,
    REFUND_LINE_BASE,
    VARIANT_BASE,
    Address,
    Customer,
    LineItem,
    Order,
    Product,
    Refund,
    RefundLine,
    Variant,
)

DAY = 86400
LINE_COUNT_WEIGHTS = (45, 25, 14, 8, 5, 3)
QUANTITY_WEIGHTS = (70, 18, 8, 4)
CANCEL_REASONS = ("CUSTOMER", "FRAUD", "INVENTORY", "DECLINED", "OTHER")


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def random_address(rng: random.Random, first: str, last: str) -> tuple[Address, int]:
    place = rng.choices(pools.PLACES, pools.PLACE_WEIGHTS)[0]
    city, province, province_code, country, country_code, zip_prefix, tax_pm = place
    address = Address(
        first_name=first,
        last_name=last,
        address1=f"{rng.randint(1, 999)} {rng.choice(pools.NOUNS)} Street",
        city=city,
        province=province,
        province_code=province_code,
        country=country,
        country_code=country_code,
        zip=f"{zip_prefix}{rng.randint(10, 99)}",
        phone=None,
    )
    return address, tax_pm


@dataclass(slots=True, frozen=True)
class CatalogEntry:
    """What an order needs of a variant, frozen at sale time so later edits leave history alone."""

    product_id: int
    variant_id: int
    product_title: str
    variant_title: str
    sku: str
    vendor: str
    price: int


@dataclass(slots=True, frozen=True)
class Buyer:
    customer_id: int
    email: str
    address: Address
    tax_rate_pm: int


class Pool:
    """Items ordered by creation time, picked by weight among those that already existed."""

    def __init__(self) -> None:
        self.created: list[int] = []
        self.cumulative: list[float] = []
        self.items: list = []

    def add(self, created_at: int, weight: float, item) -> None:
        self.created.append(created_at)
        self.cumulative.append((self.cumulative[-1] if self.cumulative else 0.0) + weight)
        self.items.append(item)

    def pick(self, rng: random.Random, at: int):
        available = bisect.bisect_right(self.created, at) or 1
        target = rng.random() * self.cumulative[available - 1]
        return self.items[min(bisect.bisect_right(self.cumulative, target), available - 1)]


class ShopGenerator:
    """Builds one shop's initial population; every random draw is keyed by (shop seed, index)."""

    def __init__(self, config, shop_seed: int, anchor: int, id_offset: int) -> None:
        self.config = config
        self.seed = shop_seed
        self.anchor = anchor
        self.start = anchor - config.history_days * DAY
        self.id_offset = id_offset
        self.products_pool = Pool()  # of lists of CatalogEntry (one per variant)
        self.buyers = Pool()  # of Buyer

    def rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{self.seed}:{kind}:{index}")

    # -- customers -------------------------------------------------------------------------
    def customers(self) -> list[Customer]:
        times = sample_times(
            self.config.customers, self.start, self.anchor, self.config.timezone, self.seed + 1
        )
        result = []
        for index, created_at in enumerate(times):
            customer, weight = self.customer(index, created_at)
            result.append(customer)
            self.add_buyer(customer, weight)
        return result

    def customer(self, index: int, created_at: int) -> tuple[Customer, float]:
        rng = self.rng("customer", index)
        first, last = rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES)
        address, tax_pm = random_address(rng, first, last)
        handle = f"{ascii_slug(first) or 'customer'}.{ascii_slug(last) or 'x'}{index}"
        phone = f"+1555{rng.randint(1000000, 9999999)}" if rng.random() < 0.4 else None
        customer = Customer(
            index=index,
            id=CUSTOMER_BASE + self.id_offset + index,
            first_name=first,
            last_name=last,
            email=f"{handle}@{rng.choice(pools.EMAIL_DOMAINS)}",
            phone=phone,
            created_at=created_at,
            updated_at=created_at,
            state=rng.choices(("ENABLED", "DISABLED", "INVITED"), (55, 40, 5))[0],
            verified_email=rng.random() < 0.9,
            tags=[rng.choice(pools.TAGS)] if rng.random() < 0.2 else [],
            address=address,
            tax_rate_pm=tax_pm,
        )
        # Pareto propensity: most customers buy once, a few buy again and again.
        return customer, rng.paretovariate(1.1)

    def add_buyer(self, customer: Customer, weight: float) -> None:
        buyer = Buyer(customer.id, customer.email, customer.address, customer.tax_rate_pm)
        self.buyers.add(customer.created_at, weight, buyer)

    # -- products --------------------------------------------------------------------------
    def products(self) -> list[Product]:
        count = self.config.products
        rng = random.Random(self.seed + 2)
        # A launch catalogue at the start, then a steady trickle of new products.
        span = self.anchor - self.start
        times = sorted(
            self.start + (rng.randrange(DAY * 7) if rng.random() < 0.6 else rng.randrange(span))
            for _ in range(count)
        )
        result = [self.product(index, created_at) for index, created_at in enumerate(times)]
        for product in result:
            self.add_to_catalog(product)
        return result

    def product(self, index: int, created_at: int, horizon: int | None = None) -> Product:
        horizon = self.anchor if horizon is None else horizon
        rng = self.rng("product", index)
        noun = rng.choice(pools.NOUNS)
        title = f"{rng.choice(pools.ADJECTIVES)} {noun}"
        product_id = PRODUCT_BASE + self.id_offset + index
        base_price = rng.choice((900, 1200, 1500, 1999, 2400, 2900, 3500, 4900, 7900, 12900))
        base_price -= rng.choice((0, 1, 5))
        options = rng.choice(pools.VARIANT_OPTIONS)
        n_variants = min(rng.choices((1, 2, 3, 4), (40, 25, 20, 15))[0], len(options))
        updated_at = min(created_at + rng.randrange(DAY * 120), horizon)
        variants = []
        for k in range(n_variants):
            price = base_price + k * rng.choice((0, 0, 200, 500))
            variants.append(
                Variant(
                    id=VARIANT_BASE + self.id_offset + index * MAX_VARIANTS + k,
                    product_id=product_id,
                    title=options[k] if n_variants > 1 else "Default Title",
                    sku=f"{ascii_slug(noun)[:4].upper()}-{index:04d}-{k + 1}",
                    price=price,
                    original_price=price,
                    compare_at_price=price * 5 // 4 if rng.random() < 0.2 else None,
                    inventory=rng.randint(0, 400),
                    created_at=created_at,
                    updated_at=updated_at,
                    position=k + 1,
                )
            )
        status = rng.choices(("ACTIVE", "ARCHIVED", "DRAFT"), (85, 10, 5))[0]
        return Product(
            index=index,
            id=product_id,
            title=f"{title} {index + 1}",
            handle=f"{ascii_slug(title) or 'product'}-{index + 1}",
            vendor=rng.choice(pools.VENDORS),
            product_type=rng.choice(pools.PRODUCT_TYPES),
            status=status,
            created_at=created_at,
            updated_at=updated_at,
            tags=rng.sample(pools.TAGS, rng.randint(0, 2)),
            variants=variants,
            popularity=rng.paretovariate(1.3),
        )

    def add_to_catalog(self, product: Product) -> None:
        entries = [
            CatalogEntry(
                product.id, v.id, product.title, v.title, v.sku, product.vendor, v.original_price
            )
            for v in product.variants
        ]
        self.products_pool.add(product.created_at, product.popularity, entries)

    # -- orders ----------------------------------------------------------------------------
    def order_times(self) -> list[int]:
        return sample_times(
            self.config.orders, self.start, self.anchor, self.config.timezone, self.seed + 3
        )

    def order(self, index: int, created_at: int, horizon: int | None = None) -> Order:
        """Order number `index`; events after `horizon` (the generation 'now') are left out."""
        horizon = self.anchor if horizon is None else horizon
        rng = self.rng("order", index)
        buyer = self.buyers.pick(rng, created_at) if self.buyers.items else None
        if buyer is None or rng.random() < 0.12:
            first, last = rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES)
            address, tax_pm = random_address(rng, first, last)
            email = f"guest{index}@{pools.EMAIL_DOMAINS[0]}" if rng.random() < 0.9 else None
            customer_id = None
        else:
            address, tax_pm, email = buyer.address, buyer.tax_rate_pm, buyer.email
            customer_id = buyer.customer_id
        lines = self.line_items(rng, index, created_at, tax_pm)
        subtotal = sum(li.unit_price * li.quantity - li.discount for li in lines)
        source = rng.choice(pools.SOURCE_NAMES)
        shipping = 0 if subtotal >= 7500 or source == "pos" else rng.choice((499, 699, 999))
        order = Order(
            index=index,
            id=ORDER_BASE + self.id_offset + index,
            number=1001 + index,
            created_at=created_at,
            updated_at=created_at,
            customer_id=customer_id,
            email=email,
            test=rng.random() < 0.006,
            source_name=source,
            tags=[rng.choice(pools.TAGS)] if rng.random() < 0.1 else [],
            address=address,
            tax_rate_pm=tax_pm,
            line_items=lines,
            shipping=shipping,
            fulfillment_status="UNFULFILLED",
        )
        self.order_history(rng, order, horizon)
        return order

    def line_items(self, rng, index: int, created_at: int, tax_pm: int) -> list[LineItem]:
        count = rng.choices(range(1, 7), LINE_COUNT_WEIGHTS)[0]
        discount_pct = rng.choice((10, 15, 20, 25)) if rng.random() < 0.18 else 0
        lines = []
        for k in range(count):
            entry = rng.choice(self.products_pool.pick(rng, created_at))
            quantity = rng.choices((1, 2, 3, 4), QUANTITY_WEIGHTS)[0]
            gross = entry.price * quantity
            discount = gross * discount_pct // 100
            lines.append(
                LineItem(
                    id=LINE_ITEM_BASE + self.id_offset + index * MAX_LINES + k,
                    product_id=entry.product_id,
                    variant_id=entry.variant_id,
                    title=entry.product_title,
                    variant_title=entry.variant_title,
                    sku=entry.sku,
                    vendor=entry.vendor,
                    quantity=quantity,
                    unit_price=entry.price,
                    discount=discount,
                    tax=((gross - discount) * tax_pm + 500) // 1000,
                    tax_rate_pm=tax_pm,
                )
            )
        return lines

    def order_history(self, rng: random.Random, order: Order, horizon: int) -> None:
        """Fulfilment, cancellation and refunds that happened between creation and `horizon`."""
        created = order.created_at
        roll = rng.random()
        if roll < 0.02:
            cancelled = created + rng.randint(600, 2 * DAY)
            if cancelled <= horizon:
                cancel_order(self, order, cancelled, rng.choice(CANCEL_REASONS), rng)
                return
        fulfil_at = created + rng.randint(2 * 3600, 4 * DAY)
        state = rng.random()
        if fulfil_at <= horizon and state < 0.96:
            order.fulfillment_status = "FULFILLED" if state < 0.93 else "PARTIALLY_FULFILLED"
            order.fulfilled_at = fulfil_at
            order.updated_at = fulfil_at
        if order.fulfillment_status != "FULFILLED" or rng.random() >= 0.09:
            return
        at = fulfil_at
        for _ in range(1 if rng.random() < 0.9 else 2):
            # Most refunds come within a month; some arrive months later.
            delay = rng.randint(DAY, 30 * DAY) if rng.random() < 0.7 else rng.randint(30, 200) * DAY
            at += delay
            if at > horizon:
                return
            refund_order(self, order, at, rng, full=rng.random() < 0.3)


def next_refund_ids(generator: ShopGenerator, order: Order) -> tuple[int, int]:
    number = len(order.refunds)
    if number >= MAX_REFUNDS:
        raise ValueError("too many refunds on one order")
    refund_id = REFUND_BASE + generator.id_offset + order.index * MAX_REFUNDS + number
    line_base = REFUND_LINE_BASE + generator.id_offset + (order.index * MAX_REFUNDS + number) * 8
    return refund_id, line_base


def refund_order(generator, order: Order, at: int, rng: random.Random, full: bool) -> Refund | None:
    """Refund part (or all that is left) of an order; amounts never exceed what was paid."""
    open_lines = [li for li in order.line_items if li.current_quantity > 0]
    if not open_lines:
        return None
    if not full:
        open_lines = rng.sample(open_lines, rng.randint(1, len(open_lines)))
    refund_id, line_base = next_refund_ids(generator, order)
    lines = []
    for k, li in enumerate(open_lines):
        quantity = li.current_quantity if full else rng.randint(1, li.current_quantity)
        lines.append(refund_line(order, li, quantity, line_base + k, rng))
    refunded_shipping = sum(r.shipping for r in order.refunds)
    shipping = order.shipping - refunded_shipping if full else 0
    refund = Refund(refund_id, order.id, at, rng.choice(pools.REFUND_NOTES), lines, shipping)
    order.refunds.append(refund)
    order.updated_at = max(order.updated_at, at)
    return refund


def refund_line(order: Order, li: LineItem, quantity: int, line_id: int, rng) -> RefundLine:
    net = li.unit_price * li.quantity - li.discount
    done = [rl for r in order.refunds for rl in r.lines if rl.line_item.id == li.id]
    if quantity == li.current_quantity:
        # The last units take whatever rounding left over, so the line refunds exactly in full.
        subtotal = net - sum(rl.subtotal for rl in done)
        tax = li.tax - sum(rl.tax for rl in done)
    else:
        subtotal, tax = net * quantity // li.quantity, li.tax * quantity // li.quantity
    li.refunded_quantity += quantity
    restock = rng.choice(("RETURN", "NO_RESTOCK", "CANCEL" if order.cancelled_at else "RETURN"))
    return RefundLine(line_id, li, quantity, subtotal, tax, restock)


def cancel_order(generator, order: Order, at: int, reason: str, rng) -> None:
    order.cancelled_at = at
    order.cancel_reason = reason
    order.closed_at = at
    order.fulfillment_status = "UNFULFILLED"
    refund_order(generator, order, at, rng, full=True)
    order.updated_at = max(order.updated_at, at)


def chunked(iterable, size: int):
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
