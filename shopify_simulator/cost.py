"""Shopify's calculated query cost and the leaky bucket that spends it."""

from __future__ import annotations

import threading
import time

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationType,
    is_leaf_type,
    value_from_ast_untyped,
)

from .executor import unwrap

MAX_QUERY_COST = 1000
MUTATION_COST = 10
FREE_OBJECTS = {"PageInfo"}


def requested_cost(schema, operation, fragments: dict, variables: dict) -> int:
    """Objects cost 1, scalars 0, connections 2 + first × (cost of one node), mutations 10."""
    if operation.operation == OperationType.MUTATION:
        return MUTATION_COST * len(operation.selection_set.selections)
    root = schema.query_type
    return _selection_cost(schema, operation.selection_set, root, fragments, variables)


def _selection_cost(schema, selection_set, parent_type, fragments, variables) -> int:
    total = 0
    for node in selection_set.selections:
        if isinstance(node, InlineFragmentNode):
            target = (
                schema.type_map[node.type_condition.name.value] if node.type_condition else None
            )
            total += _selection_cost(
                schema, node.selection_set, target or parent_type, fragments, variables
            )
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments[node.name.value]
            target = schema.type_map[fragment.type_condition.name.value]
            total += _selection_cost(schema, fragment.selection_set, target, fragments, variables)
        elif isinstance(node, FieldNode):
            total += _field_cost(schema, node, parent_type, fragments, variables)
    return total


def _field_cost(schema, node: FieldNode, parent_type, fragments, variables) -> int:
    name = node.name.value
    fields = getattr(parent_type, "fields", None)
    if name.startswith("__") or not fields or name not in fields:
        return 0
    named, _ = unwrap(fields[name].type)
    if is_leaf_type(named):
        return 0
    inner = (
        _selection_cost(schema, node.selection_set, named, fragments, variables)
        if node.selection_set
        else 0
    )
    if named.name.endswith("Connection"):
        args = {a.name.value: value_from_ast_untyped(a.value, variables) for a in node.arguments}
        size = args.get("first") or args.get("last") or 0
        return 2 + int(size) * inner
    if named.name.endswith("Edge"):
        return inner  # an edge is a wrapper; its node carries the cost
    if named.name in FREE_OBJECTS:
        return 0
    return 1 + inner


class LeakyBucket:
    """Points restore continuously at `restore_rate` per second up to `maximum`."""

    def __init__(self, maximum: float, restore_rate: float, clock=time.monotonic) -> None:
        self.maximum = float(maximum)
        self.restore_rate = float(restore_rate)
        self.available = float(maximum)
        self.clock = clock
        self.updated = clock()
        self.lock = threading.Lock()
        self.spent = 0.0  # points charged in all (what was taken minus what was given back)

    def _refill(self) -> None:
        now = self.clock()
        self.available = min(
            self.maximum, self.available + (now - self.updated) * self.restore_rate
        )
        self.updated = now

    def try_take(self, cost: float) -> bool:
        with self.lock:
            self._refill()
            if cost > self.available:
                return False
            self.available -= cost
            self.spent += cost
            return True

    def give_back(self, amount: float) -> None:
        with self.lock:
            self._refill()
            self.available = min(self.maximum, self.available + amount)
            self.spent -= amount

    def drain(self) -> None:
        with self.lock:
            self._refill()
            self.available = 0.0

    def status(self) -> dict:
        with self.lock:
            self._refill()
            return {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": int(self.available),
                "restoreRate": self.restore_rate,
            }
