"""Rebuild the Pipedrive spec subsets in this folder from the vendor OpenAPI files (see PROVENANCE.md).

Usage: python extract_specs.py <pipedrive-v2.yaml> <pipedrive-v1.yaml>
Keeps the operations the connector and emulator use, verbatim, plus every component they reference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

V2_OPS = {
    "/organizations": ("get", "post"),
    "/organizations/{id}": ("get", "patch", "delete"),
    "/organizations/search": ("get",),
    "/deals": ("get", "post"),
    "/deals/{id}": ("get", "patch", "delete"),
    "/deals/search": ("get",),
    "/deals/{id}/products": ("get", "post"),
    "/deals/{id}/products/{product_attachment_id}": ("patch", "delete"),
    "/products": ("get", "post"),
    "/products/{id}": ("get", "patch", "delete"),
    "/products/search": ("get",),
    "/persons": ("get", "post"),
    "/persons/{id}": ("get",),
    "/organizationFields": ("get", "post"),
    "/organizationFields/{field_code}": ("get", "patch"),
    "/dealFields": ("get", "post"),
    "/dealFields/{field_code}": ("get", "patch"),
    "/productFields": ("get", "post"),
    "/productFields/{field_code}": ("get", "patch"),
}
V1_OPS = {
    "/users/me": ("get",),
    "/webhooks": ("get", "post"),
    "/webhooks/{id}": ("delete",),
    "/organizations/{id}/merge": ("put",),
    "/oauth/token": ("post",),
}


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def subset(spec: dict[str, Any], ops: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    paths = {}
    for path, methods in ops.items():
        item = spec["paths"][path]
        paths[path] = {k: v for k, v in item.items() if k in methods or k == "parameters"}
    out = {k: v for k, v in spec.items() if k not in ("paths", "components")}
    out["paths"] = paths
    components: dict[str, dict[str, Any]] = {"securitySchemes": spec["components"]["securitySchemes"]}
    seen: set[str] = set()
    todo: set[str] = set()
    _refs(paths, todo)
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        node = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = node
        more: set[str] = set()
        _refs(node, more)
        todo |= more - seen
    out["components"] = components
    return out


def main() -> None:
    here = Path(__file__).parent
    for source, ops, name in ((sys.argv[1], V2_OPS, "v2-subset.json"), (sys.argv[2], V1_OPS, "v1-subset.json")):
        with open(source, encoding="utf-8") as handle:
            spec = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        (here / name).write_text(json.dumps(subset(spec, ops), indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
