"""Bulk operations: validate a bulk query, export it to JSONL in a thread, serve the file."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import secrets
import threading
from dataclasses import dataclass

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse, validate

from .executor import Executor, FieldError, unwrap
from .wire import gid, iso_utc

MAX_CONNECTIONS = 5
MAX_DEPTH = 2
ACTIVE = ("CREATED", "RUNNING", "CANCELING")


@dataclass
class BulkOperation:
    id: int
    app_key: str
    query: str
    version: str
    created_at: int
    status: str = "CREATED"
    type: str = "QUERY"
    completed_at: int | None = None
    error_code: str | None = None
    object_count: int = 0
    root_count: int = 0
    file_size: int | None = None
    file_token: str = ""
    partial: bool = False
    cancel_requested: bool = False


def bulk_resolvers(base_url) -> dict:
    def url(op, a, c):
        if op.status == "COMPLETED" and op.object_count:
            return f"{base_url()}/_bulk/{op.file_token}.jsonl"
        return None

    def partial_url(op, a, c):
        return f"{base_url()}/_bulk/{op.file_token}.jsonl" if op.partial else None

    return {
        "id": lambda op, a, c: gid("BulkOperation", op.id),
        "errorCode": lambda op, a, c: op.error_code,
        "createdAt": lambda op, a, c: iso_utc(op.created_at),
        "completedAt": lambda op, a, c: iso_utc(op.completed_at),
        "objectCount": lambda op, a, c: str(op.object_count),
        "rootObjectCount": lambda op, a, c: str(op.root_count),
        "fileSize": lambda op, a, c: str(op.file_size) if op.file_size is not None else None,
        "url": url,
        "partialDataUrl": partial_url,
    }


class BulkQueryError(Exception):
    pass


def check_shape(schema, document) -> OperationDefinitionNode:
    """Shopify's structural limits on bulk queries."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation.value != "query":
        raise BulkQueryError("Bulk queries must contain exactly one query operation.")
    operation = operations[0]
    roots = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    root_type = schema.query_type
    if len(roots) != 1 or not _is_connection(root_type, roots[0]):
        raise BulkQueryError("Bulk queries must contain at least one connection.")
    count = _check_connections(root_type, roots[0], depth=1, in_list=False, parent=None)
    if count > MAX_CONNECTIONS:
        raise BulkQueryError(
            f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
        )
    return operation


def _is_connection(parent_type, node: FieldNode) -> bool:
    field = parent_type.fields.get(node.name.value)
    return field is not None and unwrap(field.type)[0].name.endswith("Connection")


def _check_connections(parent_type, node: FieldNode, depth: int, in_list: bool, parent) -> int:
    field = parent_type.fields[node.name.value]
    named, is_list = unwrap(field.type)
    count = 0
    if named.name.endswith("Connection"):
        if depth > MAX_DEPTH:
            raise BulkQueryError(
                f"Bulk queries cannot contain connections with a nesting depth greater than "
                f"{MAX_DEPTH}."
            )
        if in_list:
            raise BulkQueryError(
                "Queries that contain a connection field within a list field are not currently "
                "supported."
            )
        if parent is not None and not _selects_id(parent):
            raise BulkQueryError(
                "The parent 'node' field for a nested connection must select the 'id' field. "
                f"Connection fields without 'id': {node.name.value}."
            )
        count = 1
    if node.selection_set is None or not hasattr(named, "fields"):
        return count
    for child in node.selection_set.selections:
        if not isinstance(child, FieldNode) or child.name.value.startswith("__"):
            continue
        if named.name.endswith("Connection") and child.name.value in ("edges", "nodes"):
            node_type = unwrap(named.fields[child.name.value].type)[0]
            inner = child
            if child.name.value == "edges":
                inner = next(
                    (
                        s
                        for s in child.selection_set.selections
                        if isinstance(s, FieldNode) and s.name.value == "node"
                    ),
                    None,
                )
                node_type = unwrap(node_type.fields["node"].type)[0]
            if inner is None or inner.selection_set is None:
                continue
            for grandchild in inner.selection_set.selections:
                if isinstance(grandchild, FieldNode) and not grandchild.name.value.startswith("__"):
                    count += _check_connections(node_type, grandchild, depth + 1, False, inner)
        elif not named.name.endswith("Connection"):
            count += _check_connections(named, child, depth, in_list or is_list, node)
    return count


def _selects_id(node: FieldNode) -> bool:
    return any(
        isinstance(s, FieldNode) and s.name.value == "id" for s in node.selection_set.selections
    )


class BulkManager:
    """Bulk operations of one shop, per app, as Shopify tracks them."""

    def __init__(self, shop, files: dict, directory: str, ids: itertools.count) -> None:
        self.shop = shop
        self.files = files  # file token -> path, shared with the HTTP server
        self.directory = directory
        self.ids = ids
        self.operations: dict[int, BulkOperation] = {}
        self.lock = threading.Lock()
        self.fail_next = False

    def find(self, number: int, app) -> BulkOperation | None:
        op = self.operations.get(number)
        return op if op is not None and op.app_key == app.key else None

    def current(self, app, op_type: str = "QUERY") -> BulkOperation | None:
        mine = [o for o in self.operations.values() if o.app_key == app.key and o.type == op_type]
        return max(mine, key=lambda o: o.id, default=None)

    def run(self, ctx, query: str, group_objects: bool | None, schema, resolvers) -> dict:
        try:
            document = parse(query)
            errors = validate(schema, document)
            if errors:
                raise BulkQueryError(f"Invalid bulk query: {errors[0].message}")
            check_shape(schema, document)
        except (GraphQLError, BulkQueryError) as error:
            message = (
                str(error)
                if isinstance(error, BulkQueryError)
                else f"Invalid bulk query: {error.message}"
            )
            return _payload(None, [{"field": ["query"], "message": message, "code": "INVALID"}])
        limit = 5 if ctx.version >= "2026-01" else 1
        with self.lock:
            running = [
                o
                for o in self.operations.values()
                if o.app_key == ctx.token.app.key and o.status in ACTIVE
            ]
            if len(running) >= limit:
                message = (
                    f"A bulk query operation for this app and shop is already in progress: "
                    f"{gid('BulkOperation', running[0].id)}."
                )
                return _payload(
                    None, [{"field": None, "message": message, "code": "OPERATION_IN_PROGRESS"}]
                )
            op = BulkOperation(
                next(self.ids), ctx.token.app.key, query, ctx.version, self.shop.state.clock.now()
            )
            op.file_token = secrets.token_urlsafe(16)
            self.operations[op.id] = op
            fail, self.fail_next = self.fail_next, False
        if group_objects is None:
            group_objects = ctx.version < "2026-01"
        bulk_ctx = type(ctx)(ctx.shop, ctx.token, ctx.version, bulk=True)
        created = dataclasses.replace(op)  # the reply shows CREATED even if the thread is quick
        thread = threading.Thread(
            target=self._export,
            args=(op, document, bulk_ctx, schema, resolvers, group_objects, fail),
            name=f"bulk-{op.id}",
            daemon=True,
        )
        thread.start()
        return _payload(created, [])

    def cancel(self, ctx, value: str) -> dict:
        number = int(value.rsplit("/", 1)[-1]) if value.rsplit("/", 1)[-1].isdigit() else -1
        op = self.find(number, ctx.token.app)
        if op is None:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
            }
        if op.status not in ACTIVE:
            message = f"A bulk operation cannot be canceled when it is {op.status.lower()}"
            return {"bulkOperation": op, "userErrors": [{"field": None, "message": message}]}
        op.cancel_requested = True
        op.status = "CANCELING"
        return {"bulkOperation": op, "userErrors": []}

    # -- the export ------------------------------------------------------------------------
    def _export(self, op, document, ctx, schema, resolvers, group_objects, fail) -> None:
        path = os.path.join(self.directory, f"bulk-{op.id}.jsonl")
        self.files[op.file_token] = path
        op.status = "RUNNING" if op.status == "CREATED" else op.status
        executor = Executor(schema, resolvers, _fragments(document), {})
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        root = executor.plan(operation.selection_set, "QueryRoot")[0]
        try:
            page = root.resolver(None, root.args, ctx)
        except FieldError as error:
            self._finish(op, "FAILED", error.extensions.get("code", "INTERNAL_SERVER_ERROR"))
            return
        node_plans = _node_plans(root)
        fail_at = len(page.items) // 2 if fail else None
        deferred: list[str] = []
        with open(path, "w", encoding="utf-8") as out:
            for n, item in enumerate(page.items):
                if op.cancel_requested:
                    self._finish(op, "CANCELED", None)
                    return
                if fail_at is not None and n >= fail_at:
                    out.flush()
                    op.partial = op.object_count > 0
                    self._finish(op, "FAILED", "INTERNAL_SERVER_ERROR")
                    return
                lines: list[str] = []
                self._emit(executor, ctx, item, node_plans, None, lines)
                op.root_count += 1
                op.object_count += len(lines)
                out.write(lines[0])
                if group_objects:
                    out.writelines(lines[1:])
                else:
                    # From 2026-01 children may follow a later parent: clients must index.
                    out.writelines(deferred)
                    deferred = lines[1:]
            out.writelines(deferred)
        op.file_size = os.path.getsize(path) if op.object_count else None
        self._finish(op, "COMPLETED", None)

    def _emit(self, executor, ctx, item, plans, parent_gid, lines: list[str]) -> None:
        record = {}
        nested = []
        for plan in plans:
            if plan.is_connection:
                nested.append(plan)
                continue
            try:
                value = plan.resolver(item, plan.args, ctx)
            except FieldError:
                value = None
            record[plan.key] = executor.complete(value, plan, ctx, None)
        if parent_gid is not None:
            record["__parentId"] = parent_gid
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        own_gid = record.get("id")
        for plan in nested:
            try:
                page = plan.resolver(item, plan.args, ctx)
            except FieldError:
                continue
            child_plans = _node_plans(plan)
            for child in page.items:
                self._emit(executor, ctx, child, child_plans, own_gid, lines)

    def _finish(self, op: BulkOperation, status: str, error_code: str | None) -> None:
        op.status = status
        op.error_code = error_code
        op.completed_at = self.shop.state.clock.now()
        self.shop.state.emit("bulk_operations/finish", op)


def _node_plans(connection_plan) -> list:
    for plan in connection_plan.children or ():
        if plan.name == "nodes":
            return plan.children
        if plan.name == "edges":
            for inner in plan.children:
                if inner.name == "node":
                    return inner.children
    return []


def _fragments(document) -> dict:
    return {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}


def _payload(op, errors: list) -> dict:
    return {"bulkOperation": op, "userErrors": errors}
