"""A small, fast GraphQL executor over a validated document.

graphql-core parses and validates; execution is ours because a bulk export projects hundreds of
thousands of objects and graphql-core's general machinery is several times slower. Selections are
compiled once per (selection set, concrete type) into flat field plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    is_abstract_type,
    is_leaf_type,
    value_from_ast_untyped,
)

FREE_TYPES = {"PageInfo"}  # Shopify does not charge for pageInfo


class FieldError(Exception):
    """An error that nulls one field and is reported in `errors` with its path."""

    def __init__(self, message: str, extensions: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions or {}


@dataclass(slots=True)
class FieldPlan:
    key: str
    name: str
    node: FieldNode
    args: dict
    resolver: object
    type_name: str
    is_leaf: bool
    is_abstract: bool
    is_connection: bool
    is_list: bool
    children: list | None = None  # plans for a concrete object type
    selection: SelectionSetNode | None = None
    extra: dict = field(default_factory=dict)


def unwrap(gql_type):
    is_list = False
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        if isinstance(gql_type, GraphQLList):
            is_list = True
        gql_type = gql_type.of_type
    return gql_type, is_list


class Executor:
    def __init__(self, schema: GraphQLSchema, resolvers: dict, fragments: dict, variables: dict):
        self.schema = schema
        self.resolvers = resolvers
        self.fragments = fragments
        self.variables = variables
        self._plans: dict = {}
        self.errors: list[dict] = []
        self.objects = 0  # counts charged objects for actualQueryCost
        self.connections = 0

    # -- compilation -----------------------------------------------------------------------
    def arguments(self, node: FieldNode, field_def) -> dict:
        values = {name: arg.default_value for name, arg in field_def.args.items()}
        values = {k: v for k, v in values.items() if v is not None and not _undefined(v)}
        for argument in node.arguments:
            values[argument.name.value] = value_from_ast_untyped(argument.value, self.variables)
        return values

    def plan(self, selection: SelectionSetNode, type_name: str) -> list[FieldPlan]:
        cache_key = (id(selection), type_name)
        cached = self._plans.get(cache_key)
        if cached is not None:
            return cached
        gql_type = self.schema.type_map[type_name]
        grouped: dict[str, list[FieldNode]] = {}
        self._collect(selection, gql_type, grouped)
        plans = []
        type_resolvers = self.resolvers.get(type_name, {})
        for key, nodes in grouped.items():
            node = nodes[0]
            name = node.name.value
            if name == "__typename":
                plans.append(_typename_plan(key, node, type_name))
                continue
            field_def = gql_type.fields[name]
            named, is_list = unwrap(field_def.type)
            merged = _merge_selections(nodes)
            plan = FieldPlan(
                key=key,
                name=name,
                node=node,
                args=self.arguments(node, field_def),
                resolver=type_resolvers.get(name) or _attribute(name),
                type_name=named.name,
                is_leaf=is_leaf_type(named),
                is_abstract=is_abstract_type(named),
                is_connection=named.name.endswith("Connection"),
                is_list=is_list,
                selection=merged,
            )
            plans.append(plan)
        self._plans[cache_key] = plans
        for plan in plans:
            if plan.selection is not None and not plan.is_abstract and not plan.is_leaf:
                plan.children = self.plan(plan.selection, plan.type_name)
        return plans

    def _collect(self, selection: SelectionSetNode, gql_type, grouped: dict) -> None:
        for node in selection.selections:
            if not self._included(node):
                continue
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                grouped.setdefault(key, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                if self._applies(node.type_condition, gql_type):
                    self._collect(node.selection_set, gql_type, grouped)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                if self._applies(fragment.type_condition, gql_type):
                    self._collect(fragment.selection_set, gql_type, grouped)

    def _applies(self, condition, gql_type: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        target = self.schema.type_map[condition.name.value]
        return target is gql_type or (
            is_abstract_type(target) and self.schema.is_sub_type(target, gql_type)
        )

    def _included(self, node) -> bool:
        for directive in node.directives or ():
            if_value = next((a.value for a in directive.arguments if a.name.value == "if"), None)
            value = bool(value_from_ast_untyped(if_value, self.variables)) if if_value else True
            if directive.name.value == "skip" and value:
                return False
            if directive.name.value == "include" and not value:
                return False
        return True

    # -- execution -------------------------------------------------------------------------
    def project(self, obj, plans: list[FieldPlan], ctx, path=None) -> dict:
        result = {}
        for plan in plans:
            try:
                value = plan.resolver(obj, plan.args, ctx)
            except FieldError as error:
                self.fail(error, plan, (path, plan.key))
                result[plan.key] = None
                continue
            result[plan.key] = self.complete(value, plan, ctx, (path, plan.key))
        return result

    def complete(self, value, plan: FieldPlan, ctx, path):
        if value is None or plan.is_leaf:
            return value
        if plan.is_list:
            return [self.complete_one(item, plan, ctx, (path, n)) for n, item in enumerate(value)]
        return self.complete_one(value, plan, ctx, path)

    def complete_one(self, value, plan: FieldPlan, ctx, path):
        if value is None:
            return None
        if plan.is_connection:
            self.connections += 1
        elif plan.type_name not in FREE_TYPES and not plan.type_name.endswith("Edge"):
            self.objects += 1
        children = plan.children
        if children is None:
            children = self.plan(plan.selection, ctx.type_of(value))
        return self.project(value, children, ctx, path)

    def fail(self, error: FieldError, plan: FieldPlan, path) -> None:
        location = plan.node.loc.source.get_location(plan.node.loc.start)
        self.errors.append(
            {
                "message": error.message,
                "locations": [{"line": location.line, "column": location.column}],
                "path": flatten_path(path),
                "extensions": error.extensions,
            }
        )


def flatten_path(path) -> list:
    parts = []
    while path is not None:
        path, key = path
        parts.append(key)
    return parts[::-1]


def _undefined(value) -> bool:
    return type(value).__name__ == "UndefinedType"


def _attribute(name: str):
    def resolve(obj, args, ctx):
        return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)

    return resolve


def _typename_plan(key: str, node: FieldNode, type_name: str) -> FieldPlan:
    return FieldPlan(
        key=key,
        name="__typename",
        node=node,
        args={},
        resolver=lambda obj, args, ctx: type_name,
        type_name="String",
        is_leaf=True,
        is_abstract=False,
        is_connection=False,
        is_list=False,
    )


def _merge_selections(nodes: list[FieldNode]) -> SelectionSetNode | None:
    sets = [n.selection_set for n in nodes if n.selection_set is not None]
    if len(sets) <= 1:
        return sets[0] if sets else None
    merged = SelectionSetNode(selections=tuple(s for each in sets for s in each.selections))
    merged.loc = sets[0].loc
    return merged
