"""The XMS API spec subset (xms-api-readonly.yaml, Swagger 2.0) as JSON Schema, for the stub XMS server.

Swagger 2.0 schemas are JSON Schema draft 4 plus a few keywords (``example``, ``x-*``, formats) that draft 4
ignores, so jsonschema's Draft4Validator checks them once ``#/definitions/...`` resolves. Two changes make the
check strict enough to stop the stub drifting from the published API:

* ``allOf`` is flattened into one object (XMS records are ``allOf: [Base, {samples: [...]}]``) and every object
  that lists properties gets ``additionalProperties: false``: the stub may send only fields the spec defines.
  Objects declared with no properties (``data``, ``property``) stay free-form.
* ``date-time``, ``int32`` and ``int64`` formats are checked.

Examples come from the definitions' ``example:`` objects. swagger-codegen, which wrote them, renders a
free-form object as the string ``'{}'`` and a nil reference as ``null``; ``example()`` turns the former back
into ``{}`` where the schema wants an object and leaves the latter out. (The envelope examples, ``hosts:
['', '']``, are codegen placeholders; the stub builds envelopes itself.) Definitions without an example are
built the way swagger-codegen builds them (a string property's example is its name, numbers are 0, ...).
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPEC_FILE = Path(__file__).with_name("xms-api-readonly.yaml")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
CODEGEN_TIME = "2000-01-23T04:56:07.000+00:00"
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time")
def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not DATE_TIME.match(value):
        return False
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # raises on 2026-13-45
    return True


@FORMATS.checks("int64")
def is_int64(value: object) -> bool:
    return not isinstance(value, int) or -2 ** 63 <= value < 2 ** 63


@FORMATS.checks("int32")
def is_int32(value: object) -> bool:
    return not isinstance(value, int) or -2 ** 31 <= value < 2 ** 31


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


class Spec:
    """Definitions, paths and response schemas of the spec subset."""

    def __init__(self, path: Path = SPEC_FILE) -> None:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.base_path: str = doc["basePath"]
        self.paths: dict[str, Any] = doc["paths"]
        self.raw: dict[str, Any] = doc["definitions"]
        self.definitions = {name: self.strict(schema) for name, schema in self.raw.items()}
        self.validators: dict[str, jsonschema.Draft4Validator] = {}
        self.templates = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in self.paths]

    # -- schemas ---------------------------------------------------------------------------------------
    def flatten(self, schema: dict[str, Any]) -> dict[str, Any]:
        """One object schema for an ``allOf`` of objects (references resolved, properties merged)."""
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = self.raw[ref_name(part["$ref"])] if "$ref" in part else part
            part = self.flatten(part) if "allOf" in part else part
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += [r for r in part.get("required", []) if r not in merged["required"]]
        if not merged["required"]:
            del merged["required"]
        return merged

    def strict(self, schema: Any) -> Any:
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            return {"$ref": schema["$ref"]}  # draft 4 ignores a $ref's siblings anyway
        if "allOf" in schema:
            schema = self.flatten(schema)
        out = {key: value for key, value in schema.items() if key not in ("example", "properties", "items")}
        if "items" in schema:
            out["items"] = self.strict(schema["items"])
        if "properties" in schema:
            out["properties"] = {name: self.strict(sub) for name, sub in schema["properties"].items()}
            if out["properties"]:
                out["additionalProperties"] = False
        return out

    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        """Why ``instance`` does not conform to ``schema`` (which may ``$ref`` the definitions)."""
        key = json.dumps(schema, sort_keys=True)
        validator = self.validators.get(key)
        if validator is None:
            validator = self.validators[key] = jsonschema.Draft4Validator({**schema, "definitions": self.definitions},
                                                                          format_checker=FORMATS)
        return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
                for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))]

    # -- paths -----------------------------------------------------------------------------------------
    def template(self, path: str) -> str | None:
        """The spec path (``/hosts/{host_id}``) matching a concrete path under the base path."""
        for pattern, template in self.templates:
            if pattern.match(path):
                return template
        return None

    def operation(self, template: str, method: str) -> dict[str, Any] | None:
        return self.paths.get(template, {}).get(method.lower())

    def response_schema(self, template: str, method: str, status: int) -> dict[str, Any] | None:
        """Schema of a response, ``None`` when the spec gives that response no body schema.

        Raises ``KeyError`` when the spec has no such response at all.
        """
        operation = self.paths[template][method.lower()]
        responses = operation["responses"]
        if status == 401 and operation.get("security"):
            return None  # implied by the operation's security schemes, which the spec's responses leave out
        if status not in responses and str(status) not in responses:
            raise KeyError(f"{method} {template} has no {status} response in the spec")
        return (responses.get(status) or responses.get(str(status)) or {}).get("schema")

    def query_errors(self, template: str, method: str, query: dict[str, list[str]]) -> list[str]:
        """Unknown query parameters and values of the wrong type (the ``token`` parameter is the auth scheme)."""
        params = {p["name"]: p for p in self.paths[template][method.lower()].get("parameters", []) if p["in"] == "query"}
        problems = []
        for name, values in query.items():
            if name == "token":
                continue
            if name not in params:
                problems.append(f"query parameter {name!r} is not in the spec")
            elif not all(typed_ok(params[name]["type"], value) for value in values):
                problems.append(f"query parameter {name}={values} is not a {params[name]['type']}")
        return problems

    def body_schema(self, template: str, method: str) -> dict[str, Any] | None:
        params = self.paths[template][method.lower()].get("parameters", [])
        return next((p["schema"] for p in params if p["in"] == "body"), None)

    # -- examples --------------------------------------------------------------------------------------
    def example(self, name: str) -> Any:
        """An instance of definition ``name`` from the spec's examples (see the module docstring)."""
        return self.sample({"$ref": f"#/definitions/{name}"}, ())

    def sample(self, schema: dict[str, Any], seen: tuple[str, ...], name: str = "string") -> Any:
        if "$ref" in schema:
            name = ref_name(schema["$ref"])
            definition = self.raw[name]
            if "example" in definition:
                return self.repair(copy.deepcopy(definition["example"]), definition)
            return None if name in seen else self.sample(definition, seen + (name,))
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self.sample(part, seen) or {})
            return merged
        if "properties" in schema:
            built = {key: self.sample(sub, seen, key) for key, sub in schema["properties"].items()}
            return {key: value for key, value in built.items() if value is not None}
        return self.scalar(schema, seen, name)

    def scalar(self, schema: dict[str, Any], seen: tuple[str, ...], name: str) -> Any:
        kind = schema.get("type")
        if kind == "array":
            item = self.sample(schema["items"], seen)
            return [] if item is None else [item]
        if kind == "string":
            return CODEGEN_TIME if schema.get("format") == "date-time" else name
        return {"integer": 0, "number": 0.0, "boolean": True, "object": {}}.get(kind)

    def repair(self, value: Any, schema: dict[str, Any]) -> Any:
        """``'{}'`` strings back to objects where ``schema`` wants an object (recursively)."""
        if "$ref" in schema:
            return self.repair(value, self.raw[ref_name(schema["$ref"])])
        if "allOf" in schema:
            schema = self.flatten(schema)
        if schema.get("type") == "object" and value == "{}":
            return {}
        if isinstance(value, list) and "items" in schema:
            return [self.repair(item, schema["items"]) for item in value]
        if isinstance(value, dict):
            props = schema.get("properties", {})
            return {key: self.repair(item, props[key]) if key in props else item for key, item in value.items()
                    if item is not None}  # a null reference (``parent: null``): Go leaves the key out
        return value


def typed_ok(kind: str, value: str) -> bool:
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    if kind == "boolean":
        return value in ("true", "false")
    return True
