"""A local stand-in for the Shopify Admin API (GraphQL, bulk operations, OAuth, webhooks, REST).

Imports nothing from the rest of the project; see docs/simulator.md.
"""

from .config import ShopConfig, parse_shop_spec
from .simulator import Simulator

__all__ = ["ShopConfig", "Simulator", "parse_shop_spec"]
