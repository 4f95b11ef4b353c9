"""GraphQL documents Xeno sends to the Admin API (one place, so API upgrades are reviewed here)."""

import json

SHOP = """
query ShopInfo {
  shop { name myshopifyDomain ianaTimezone currencyCode plan { displayName } }
  currentAppInstallation { accessScopes { handle } }
}
"""

COUNTS = """
query Counts($orders: String, $customers: String, $products: String) {
  ordersCount(query: $orders, limit: null) { count precision }
  customersCount(query: $customers, limit: null) { count precision }
  productsCount(query: $products, limit: null) { count precision }
}
"""

# Amounts in the shop's currency; the currency itself comes once, with the order or the shop
# (asking for it in every money field made a bulk file 12 % longer for nothing).
_MONEY = "shopMoney { amount }"

CUSTOMER_FIELDS = """
id email firstName lastName phone state tags createdAt updatedAt numberOfOrders
amountSpent { amount }
defaultAddress { countryCodeV2 city }
"""

PRODUCT_FIELDS = """
id title handle vendor productType status tags totalInventory createdAt updatedAt
"""

VARIANT_FIELDS = "id title sku price compareAtPrice inventoryQuantity updatedAt"

ORDER_FIELDS = f"""
id name email createdAt processedAt updatedAt cancelledAt closedAt test currencyCode
displayFinancialStatus displayFulfillmentStatus sourceName tags
customer {{ id }}
shippingAddress {{ countryCodeV2 }}
billingAddress {{ countryCodeV2 }}
subtotalPriceSet {{ {_MONEY} }}
totalPriceSet {{ {_MONEY} }}
totalDiscountsSet {{ {_MONEY} }}
totalShippingPriceSet {{ {_MONEY} }}
totalTaxSet {{ {_MONEY} }}
totalRefundedSet {{ {_MONEY} }}
"""

LINE_ITEM_FIELDS = f"""
id title sku vendor quantity currentQuantity
variant {{ id }}
product {{ id }}
originalUnitPriceSet {{ {_MONEY} }}
totalDiscountSet {{ {_MONEY} }}
taxLines {{ priceSet {{ {_MONEY} }} }}
"""

REFUND_FIELDS = f"id createdAt updatedAt note totalRefundedSet {{ {_MONEY} }}"

REFUND_LINE_FIELDS = f"""
quantity restockType lineItem {{ id }}
subtotalSet {{ {_MONEY} }}
totalTaxSet {{ {_MONEY} }}
"""

# Bulk exports: one connection per resource, nested connections on their own JSONL lines.
# Refund lines are a connection inside the `refunds` list, which bulk queries cannot contain;
# they are fetched afterwards for the refunds found (REFUND_LINES_BY_ID).
BULK_CUSTOMERS = f"""
{{ customers(query: $filter) {{ edges {{ node {{ {CUSTOMER_FIELDS} }} }} }} }}
"""

BULK_PRODUCTS = f"""
{{ products(query: $filter) {{ edges {{ node {{ {PRODUCT_FIELDS}
  variants {{ edges {{ node {{ {VARIANT_FIELDS} }} }} }} }} }} }} }}
"""

BULK_ORDERS = f"""
{{ orders(query: $filter) {{ edges {{ node {{ {ORDER_FIELDS}
  refunds {{ {REFUND_FIELDS} }}
  lineItems {{ edges {{ node {{ {LINE_ITEM_FIELDS} }} }} }} }} }} }} }}
"""

BULK_RUN = """
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
"""

BULK_STATUS = """
query BulkStatus($id: ID!) {
  bulkOperation(id: $id) {
    id status errorCode objectCount rootObjectCount fileSize url partialDataUrl
  }
}
"""

REFUND_SHIPPING_FIELDS = f"subtotalAmountSet {{ {_MONEY} }} taxAmountSet {{ {_MONEY} }}"

# What bulk exports cannot nest in the `refunds` list, fetched per refund: its lines and the
# shipping it gave back. Most refunds have one to three lines and at most one shipping line, so
# first pages of four and two keep a refund at 39 points (node 1 + lines 2 + 4 x 6 + shipping
# 2 + 2 x 5): REFUND_CHUNK of them stay under Shopify's 1000-point single-query limit even when
# `nodes` is charged per id. A longer refund is paged on by REFUND_CONNECTION_PAGE.
REFUND_LINES_FIRST = 4
REFUND_SHIPPING_FIRST = 2
REFUND_CHUNK = 25

REFUND_LINES_BY_ID = f"""
query RefundLines($ids: [ID!]!, $first: Int!) {{
  nodes(ids: $ids) {{
    ... on Refund {{ id
      refundLineItems(first: $first) {{
        pageInfo {{ hasNextPage endCursor }} nodes {{ {REFUND_LINE_FIELDS} }} }}
      refundShippingLines(first: {REFUND_SHIPPING_FIRST}) {{
        pageInfo {{ hasNextPage endCursor }} nodes {{ {REFUND_SHIPPING_FIELDS} }} }} }}
  }}
}}
"""

REFUND_CONNECTION_FIELDS = {
    "refundLineItems": REFUND_LINE_FIELDS,
    "refundShippingLines": REFUND_SHIPPING_FIELDS,
}


def refund_connection_page(connection: str) -> str:
    """The next page of one of a refund's connections (refundLineItems, refundShippingLines)."""
    return f"""
query RefundConnectionPage($id: ID!, $after: String) {{
  node(id: $id) {{
    ... on Refund {{ {connection}(first: 100, after: $after) {{
      pageInfo {{ hasNextPage endCursor }} nodes {{ {REFUND_CONNECTION_FIELDS[connection]} }} }} }}
  }}
}}
"""


# Incremental pages: children come with their changed parent. Page sizes keep each query under
# Shopify's 1000-point single-query limit; an order with more line items, and the lines of its
# refunds, are fetched by follow-up queries.
PAGE_CUSTOMERS = f"""
query Customers($after: String, $filter: String) {{
  customers(first: 250, after: $after, sortKey: UPDATED_AT, query: $filter) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {CUSTOMER_FIELDS} }}
  }}
}}
"""

PAGE_PRODUCTS = f"""
query Products($after: String, $filter: String) {{
  products(first: 25, after: $after, sortKey: UPDATED_AT, query: $filter) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {PRODUCT_FIELDS} variants(first: 25) {{
      pageInfo {{ hasNextPage }} nodes {{ {VARIANT_FIELDS} }} }} }}
  }}
}}
"""

PAGE_ORDERS = f"""
query Orders($after: String, $filter: String) {{
  orders(first: 12, after: $after, sortKey: UPDATED_AT, query: $filter) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {ORDER_FIELDS}
      refunds {{ {REFUND_FIELDS} }}
      lineItems(first: 5) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_ITEM_FIELDS} }} }}
    }}
  }}
}}
"""

ORDER_LINE_ITEMS_PAGE = f"""
query OrderLines($id: ID!, $after: String) {{
  order(id: $id) {{ lineItems(first: 50, after: $after) {{
    pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_ITEM_FIELDS} }} }} }}
}}
"""

WEBHOOK_CREATE = """
mutation CreateWebhook($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic,
      webhookSubscription: { callbackUrl: $url, format: JSON }) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
"""

WEBHOOK_LIST = """
query Webhooks { webhookSubscriptions(first: 100) { nodes { id topic callbackUrl } } }
"""

WEBHOOK_DELETE = """
mutation DeleteWebhook($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { message } }
}
"""


def bulk_query(template: str, search: str) -> str:
    """Bulk queries take no variables: the search filter is written into the document."""
    return template.replace("$filter", json.dumps(search))
