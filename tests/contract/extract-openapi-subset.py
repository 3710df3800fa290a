#!/usr/bin/env python3
"""Extracts the schemas the contract check needs from OpenAI's OpenAPI spec.

Source: https://github.com/openai/openai-openapi, openapi.yaml at commit f85dbe223d40e1a31cba812ab2d755c7e98a92a3
(2026-08-21, info.version 2.3.0), MIT licence (openai-openapi.LICENSE beside this file). The full spec is 3 MB; only
the Files and Batches schemas below (and what they reference) are kept, without their descriptions.

Usage: python3 extract-openapi-subset.py path/to/openapi.yaml > openai-openapi-subset.json   (needs PyYAML)
"""
import json
import sys

import yaml

ROOTS = ["Batch", "OpenAIFile", "ListBatchesResponse", "ListFilesResponse", "DeleteFileResponse", "ErrorResponse", "CreateBatchRequest"]
DROP = {"description", "example", "examples", "title"}


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                yield value.rsplit("/", 1)[1]
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def strip(node, names=False):
    """Drops documentation keys; under "properties" the keys are property names and all stay."""
    if isinstance(node, dict):
        if names:
            return {k: strip(v) for k, v in node.items()}
        return {k: strip(v, names=(k == "properties")) for k, v in node.items() if k not in DROP and not k.startswith("x-")}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main(path):
    spec = yaml.safe_load(open(path, encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    kept, todo = {}, list(ROOTS)
    while todo:
        name = todo.pop()
        if name not in kept:
            kept[name] = strip(schemas[name])
            todo.extend(refs(schemas[name]))
    subset = {
        "$id": "https://batchai.local/openai-openapi-subset.json",
        "source": "openai/openai-openapi openapi.yaml @ f85dbe223d40e1a31cba812ab2d755c7e98a92a3 (MIT)",
        "openapi": spec["openapi"],
        "version": spec["info"]["version"],
        "components": {"schemas": dict(sorted(kept.items()))},
    }
    json.dump(subset, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
