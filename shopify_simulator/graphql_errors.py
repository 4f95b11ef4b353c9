"""graphql-core validation errors rewritten in Shopify's (graphql-ruby's) words and shape."""

from __future__ import annotations

import re

from graphql import FieldNode, FragmentDefinitionNode, OperationDefinitionNode

_RULES = [
    (
        re.compile(r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'"),
        lambda m: (
            f"Field '{m['field']}' doesn't exist on type '{m['type']}'",
            {"code": "undefinedField", "typeName": m["type"], "fieldName": m["field"]},
        ),
    ),
    (
        re.compile(r"Unknown argument '(?P<arg>\w+)' on field '\w+\.(?P<field>\w+)'"),
        lambda m: (
            f"Field '{m['field']}' doesn't accept argument '{m['arg']}'",
            {
                "code": "argumentNotAccepted",
                "name": m["field"],
                "typeName": "Field",
                "argumentName": m["arg"],
            },
        ),
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' argument '(?P<arg>\w+)' of type .* is required"),
        lambda m: (
            f"Field '{m['field']}' is missing required arguments: {m['arg']}",
            {
                "code": "missingRequiredArguments",
                "className": "Field",
                "name": m["field"],
                "arguments": m["arg"],
            },
        ),
    ),
    (
        re.compile(
            r"Field '(?P<field>\w+)' must not have a selection since type '(?P<type>[\w!\[\]]+)'"
        ),
        lambda m: (
            f"Selections can't be made on scalars (field '{m['field']}' returns "
            f"{m['type'].strip('!')} but has selections)",
            {
                "code": "selectionMismatch",
                "nodeName": f"field '{m['field']}'",
                "typeName": m["type"].strip("!"),
            },
        ),
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' of type '(?P<type>[\w!\[\]]+)' must have a selection"),
        lambda m: (
            f"Field must have selections (field '{m['field']}' returns {m['type'].strip('!')} "
            f"but has no selections. Did you mean '{m['field']} {{ ... }}'?)",
            {
                "code": "selectionMismatch",
                "nodeName": f"field '{m['field']}'",
                "typeName": m["type"].strip("!"),
            },
        ),
    ),
    (
        re.compile(r"Unknown type '(?P<type>\w+)'"),
        lambda m: (
            f"No such type {m['type']}, so it can't be a fragment condition",
            {"code": "undefinedType", "typeName": m["type"]},
        ),
    ),
]


def shopify_error(error, document) -> dict:
    message, extensions = error.message, {"code": "validationError"}
    for pattern, build in _RULES:
        match = pattern.search(error.message)
        if match:
            message, extensions = build(match)
            break
    result: dict = {"message": message}
    if error.locations:
        result["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    path = node_path(document, error.nodes[0]) if error.nodes else None
    if path:
        result["path"] = path
    result["extensions"] = extensions
    return result


def node_path(document, target) -> list | None:
    """graphql-ruby's path: the operation ('query', 'query Name') then field names down to it."""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            label = definition.operation.value
            if definition.name:
                label += f" {definition.name.value}"
        elif isinstance(definition, FragmentDefinitionNode):
            label = f"fragment {definition.name.value}"
        else:
            continue
        found = _search(definition.selection_set, target, [label])
        if found:
            return found
    return None


def _search(selection_set, target, path: list) -> list | None:
    if selection_set is None:
        return None
    for node in selection_set.selections:
        here = [*path, node.name.value] if isinstance(node, FieldNode) else path
        if node is target:
            return here
        found = _search(getattr(node, "selection_set", None), target, here)
        if found:
            return found
    return None


def syntax_error(error) -> dict:
    location = error.locations[0] if error.locations else None
    description = error.message.removeprefix("Syntax Error: ")
    result: dict = {"message": f"syntax error, {description}"}
    if location:
        result["message"] += f" at [{location.line}, {location.column}]"
        result["locations"] = [{"line": location.line, "column": location.column}]
    return result
