"""POST /admin/api/<version>/graphql.json: validation, cost, throttling, execution."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    execute,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from .bulk import bulk_resolvers
from .cost import MAX_QUERY_COST, requested_cost
from .executor import Executor
from .graphql_errors import shopify_error, syntax_error
from .resolvers import RequestContext, build_resolvers
from .webhooks import subscription_resolvers

SCHEMA = build_schema(resources.files(__package__).joinpath("schema.graphql").read_text())
THROTTLED_DOC = "https://shopify.dev/api/usage/rate-limits"


@lru_cache(maxsize=512)
def _checked(query: str):
    """The parsed document and its validation errors (a GraphQLError when it does not parse).
    Clients send the same few documents again and again, and checking one costs milliseconds."""
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, error
    return document, tuple(validate(SCHEMA, document))


def throttled_body(requested: int, status: dict) -> dict:
    return {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": THROTTLED_DOC},
            }
        ],
        "extensions": {"cost": cost_extension(requested, None, status)},
    }


def cost_extension(requested: int, actual: int | None, status: dict) -> dict:
    return {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}


def max_cost_body(requested: int) -> dict:
    message = (
        f"Query cost is {requested}, which exceeds the single query max cost limit "
        f"({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more "
        "information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data "
        "with fewer limits, bulk operations should be used instead.\nSee "
        "https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
    )
    return {
        "errors": [
            {
                "message": message,
                "extensions": {
                    "code": "MAX_COST_EXCEEDED",
                    "cost": requested,
                    "maxCost": MAX_QUERY_COST,
                },
            }
        ]
    }


class GraphQLService:
    def __init__(self, base_url) -> None:
        self.schema = SCHEMA
        mutations = {
            "bulkOperationRunQuery": lambda root, args, ctx: ctx.shop.bulk.run(
                ctx, args["query"], args.get("groupObjects"), self.schema, self.bulk_resolvers
            ),
            "bulkOperationCancel": lambda root, args, ctx: ctx.shop.bulk.cancel(ctx, args["id"]),
            "webhookSubscriptionCreate": lambda root, args, ctx: ctx.shop.webhooks.create(
                ctx, args
            ),
            "webhookSubscriptionDelete": lambda root, args, ctx: ctx.shop.webhooks.delete(
                ctx, args["id"]
            ),
        }
        extra = {
            "BulkOperation": bulk_resolvers(base_url),
            "WebhookSubscription": subscription_resolvers(),
        }
        self.resolvers = build_resolvers(self.schema, mutations, extra)
        self.bulk_resolvers = self.resolvers

    def handle(self, shop, token, version: str, body: dict) -> tuple[int, dict]:
        query = body.get("query") if isinstance(body, dict) else None
        if not isinstance(query, str) or not query.strip():
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}
        document, errors = _checked(query)
        if document is None:
            return 200, {"errors": [syntax_error(errors)]}
        if errors:
            return 200, {"errors": [shopify_error(e, document) for e in errors]}
        operation = _pick_operation(document, body.get("operationName"))
        if operation is None:
            return 200, {"errors": [{"message": "An operation name is required"}]}
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), body.get("variables") or {}
        )
        if isinstance(coerced, list):
            return 200, {"errors": [_variable_error(e) for e in coerced]}
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        if _is_introspection(operation):
            result = execute(self.schema, document, variable_values=coerced)
            return 200, result.formatted
        requested = requested_cost(self.schema, operation, fragments, coerced)
        if requested > MAX_QUERY_COST:
            return 200, max_cost_body(requested)
        bucket = shop.bucket(token.app)
        if shop.faults.take_forced_throttle() or not bucket.try_take(requested):
            return 200, throttled_body(requested, bucket.status())
        ctx = RequestContext(shop, token, version)
        executor = Executor(self.schema, self.resolvers, fragments, coerced)
        is_mutation = operation.operation == OperationType.MUTATION
        root_type = "Mutation" if is_mutation else "QueryRoot"
        data = executor.project(None, executor.plan(operation.selection_set, root_type), ctx)
        actual = requested if is_mutation else executor.objects + 2 * executor.connections
        actual = min(actual, requested) if requested else actual
        bucket.give_back(requested - actual)
        response: dict = {"data": data}
        if executor.errors:
            response["errors"] = executor.errors
        response["extensions"] = {"cost": cost_extension(requested, actual, bucket.status())}
        return 200, response


def _pick_operation(document, name: str | None):
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((o for o in operations if o.name and o.name.value == name), None)
    return operations[0] if len(operations) == 1 else None


def _is_introspection(operation) -> bool:
    return any(
        isinstance(s, FieldNode) and s.name.value in ("__schema", "__type")
        for s in operation.selection_set.selections
    )


def _variable_error(error: GraphQLError) -> dict:
    return {
        "message": error.message,
        "locations": [{"line": loc.line, "column": loc.column} for loc in error.locations or ()],
        "extensions": {
            "code": "INVALID_VARIABLE",
            "problems": [{"path": [], "explanation": error.message}],
        },
    }
