"""Request validation against the bundled vendor spec, plus the rules the spec leaves out."""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from diaryflow.sandbox.flowus.apierror import bad_request

JSON = Any
REQUEST_SCHEMAS = (
    "QueryDatabaseRequest",
    "CreatePageRequest",
    "UpdatePageRequest",
    "AppendBlockChildrenRequest",
    "UpdateBlockRequest",
    "V1SearchRequest",
)
MAX_TEXT = 2000
RICH_TEXT_KEYS = ("rich_text", "title", "caption")


@functools.cache
def load_spec() -> dict[str, JSON]:
    """Return the bundled, unmodified vendor OpenAPI document."""
    text = resources.files("diaryflow.sandbox").joinpath("data/openapi.json").read_text("utf-8")
    loaded: dict[str, JSON] = json.loads(text)
    return loaded


def denullable(node: JSON) -> JSON:
    """Rewrite OpenAPI 3.0's ``nullable: true`` (ignored by JSON Schema) as ``null`` allowed."""
    if isinstance(node, list):
        return [denullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: denullable(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _relax_create_parent(schemas: dict[str, JSON]) -> None:
    # The spec's Parent requires "type", yet its own createPage examples (and real clients)
    # send {"database_id": ...} alone, which the API accepts.
    schemas["CreatePageRequest"]["properties"]["parent"] = {
        "type": "object",
        "anyOf": [{"required": ["database_id"]}, {"required": ["page_id"]}],
        "properties": {
            "type": {"enum": ["database_id", "page_id"]},
            "database_id": {"type": "string"},
            "page_id": {"type": "string"},
        },
    }


def _allow_file_type(schemas: dict[str, JSON]) -> None:
    # BlockData forbids extra keys yet lacks "type", which the docs give image/file blocks
    # ("file" | "external") and which the API sends back when such blocks are read.
    schemas["BlockData"]["properties"]["type"] = {"enum": ["file", "external"]}


@functools.cache
def sandbox_schemas() -> dict[str, JSON]:
    """Return the spec's component schemas as the sandbox validates with them."""
    schemas: dict[str, JSON] = denullable(copy.deepcopy(load_spec()["components"]["schemas"]))
    _relax_create_parent(schemas)
    _allow_file_type(schemas)
    return schemas


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """Return a Draft 2020-12 validator for one component schema, refs resolved locally."""
    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": sandbox_schemas()}}
    return Draft202012Validator(root)


def validate_request(name: str, body: JSON) -> None:
    """Validate a request body against a spec schema and the unwritten rules; 400 if bad."""
    error = best_match(validator(name).iter_errors(body))
    if error is not None:
        raise bad_request(f"body failed validation at {error.json_path}: {error.message}")
    check_rich_text(body)


def check_rich_text(node: JSON, path: str = "$") -> None:
    """Enforce what the real API needs but the spec omits: item ``type``, ≤ 2000 chars."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if key in RICH_TEXT_KEYS and isinstance(value, list):
                for index, item in enumerate(value):
                    _check_item(item, f"{where}[{index}]")
            elif key == "cells" and isinstance(value, list):
                for row, cell in enumerate(value):
                    for index, item in enumerate(cell if isinstance(cell, list) else []):
                        _check_item(item, f"{where}[{row}][{index}]")
            else:
                check_rich_text(value, where)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            check_rich_text(item, f"{path}[{index}]")


def utf16_length(text: str) -> int:
    """Return the length in UTF-16 code units, the way the API's JavaScript counts."""
    return len(text.encode("utf-16-le")) // 2


def _check_item(item: JSON, path: str) -> None:
    if not isinstance(item, dict):
        raise bad_request(f"{path}: a rich-text item must be an object")
    kind = item.get("type")
    if kind not in ("text", "mention", "equation"):
        # Reported: the real API silently drops the content of items without "type".
        raise bad_request(f"{path}.type: rich-text items must say type text/mention/equation")
    if kind == "text":
        content = (item.get("text") or {}).get("content")
        if not isinstance(content, str):
            raise bad_request(f"{path}.text.content: a text item needs a string content")
        if utf16_length(content) > MAX_TEXT:
            raise bad_request(
                f"{path}.text.content: {utf16_length(content)} characters, at most {MAX_TEXT}"
            )
