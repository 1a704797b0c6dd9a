#!/usr/bin/env python3
"""Writes tests/k8s/job-configmap-vX.Y-strict.json: the JSON Schemas (draft 2020-12) of a
Kubernetes batch/v1 Job and a v1 ConfigMap, from the Kubernetes OpenAPI schemas that
the PyPI package kubernetes-validate ships (its `vX.Y.0-local-strict` folder: strict =
no unknown fields), reduced to what the two kinds reach and without the descriptions.
The schema data is Kubernetes' (Apache-2.0), not ours; cargo test validates the
manifest `cinegraph batch k8s` prints against it (tests/cli.rs).

    pip install kubernetes-validate
    scripts/k8s-schema.py 1.37 > tests/k8s/job-configmap-v1.37-strict.json
"""
import json
import os
import sys

import kubernetes_validate

version = sys.argv[1] if len(sys.argv) > 1 else "1.37"
root = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema",
                    f"v{version}.0-local-strict")
defs = json.load(open(os.path.join(root, "_definitions.json")))["$defs"]
kinds = {k: json.load(open(os.path.join(root, f))) for k, f in
         [("Job", "job-batch-v1.json"), ("ConfigMap", "configmap-v1.json")]}
PREFIX = "/api/_definitions.json#/$defs/"
needed = set()


def walk(node):
    """Drops descriptions, points $refs at this file's $defs, notes what they name."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "description":
                continue
            if k == "$ref" and isinstance(v, str) and v.startswith((PREFIX, "#/$defs/")):
                name = v.split("/$defs/", 1)[1]
                needed.add(name)
                out[k] = "#/$defs/" + name
            else:
                out[k] = walk(v)
        return out
    if isinstance(node, list):
        return [walk(v) for v in node]
    return node


# Each kind's own $id and $schema go: nested under $defs, an $id would make its
# "#/$defs/…" references resolve against that URI instead of this file.
top = {k: {f: v for f, v in walk(s).items() if f not in ("$id", "$schema")}
       for k, s in kinds.items()}
done = {}
while needed - done.keys():
    for name in sorted(needed - done.keys()):
        done[name] = walk(defs[name])
schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$comment": f"Kubernetes v{version} batch/v1 Job and v1 ConfigMap, strict, from kubernetes-validate "
                f"{kubernetes_validate.__version__} (Kubernetes OpenAPI, Apache-2.0); written by scripts/k8s-schema.py",
    "oneOf": [{"$ref": "#/$defs/kind." + k} for k in sorted(top)],
    "$defs": dict(sorted({**{"kind." + k: v for k, v in top.items()}, **done}.items())),
}
json.dump(schema, sys.stdout, indent=None, separators=(",", ":"), sort_keys=True)
sys.stdout.write("\n")
