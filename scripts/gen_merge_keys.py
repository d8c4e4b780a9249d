#!/usr/bin/env python3
"""Generate src/schema/merge_keys.rs from the Kubernetes OpenAPI (v2) document that
Kustomize compiles into kyaml (kyaml/openapi/kubernetesapi/v1_21_2/swagger.pb).

Usage:
    scripts/gen_merge_keys.py SWAGGER_PB > src/schema/merge_keys.rs
    rustfmt --edition 2021 src/schema/merge_keys.rs

SWAGGER_PB is kyaml/openapi/kubernetesapi/v1_21_2/swagger.pb from the Kustomize
repository at tag kustomize/v5.5.0 (the file is not kept in this repository).

The input is the gnostic protobuf encoding of an OpenAPI v2 document. This script
decodes the protobuf wire format itself (no dependencies) and only reads the parts it
needs: definitions, their properties / items / additionalProperties / $ref / type and the
vendor extensions x-kubernetes-group-version-kind, x-kubernetes-patch-strategy,
x-kubernetes-patch-merge-key and x-kubernetes-list-map-keys.

The generated table keeps only the schema paths that lead to an associative list (a list
whose patch strategy contains "merge"): everywhere else kyaml's merge treats a list as
atomic, which is exactly what "no schema" means to the merger, so the rest is pruned.
"""

import sys

# --- protobuf wire format -------------------------------------------------------------


def read_varint(buf, pos):
    result = 0
    shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def fields(buf):
    """Yields (field number, wire type, value) for one message; length-delimited values
    are memoryview slices."""
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = read_varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = read_varint(buf, pos)
        elif wt == 1:
            val = buf[pos : pos + 8]
            pos += 8
        elif wt == 2:
            ln, pos = read_varint(buf, pos)
            val = buf[pos : pos + ln]
            pos += ln
        elif wt == 5:
            val = buf[pos : pos + 4]
            pos += 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield num, wt, val


def text(v):
    return bytes(v).decode("utf-8")


# --- gnostic OpenAPI v2 messages (field numbers from openapiv2/OpenAPIv2.proto) -------
# Document: definitions = 9
# Definitions / Properties: repeated NamedSchema additional_properties = 1
# NamedSchema / NamedAny: name = 1, value = 2
# Any: yaml = 2
# Schema: _ref = 1, additional_properties = 21 (AdditionalPropertiesItem: schema = 1),
#         type = 22 (TypeItem: repeated string value = 1), items = 23 (ItemsItem:
#         repeated Schema schema = 1), properties = 25, vendor_extension = 31


def parse_yaml_value(s):
    """The extension values used here: a scalar, a list of scalars, or a list of flat
    maps (x-kubernetes-group-version-kind)."""
    lines = [l for l in s.splitlines() if l.strip()]
    if not lines:
        return ""
    if not lines[0].startswith("- "):
        return lines[0].strip().strip('"')
    items = []
    for l in lines:
        if l.startswith("- "):
            body = l[2:]
            if ":" in body and not body.startswith('"'):
                items.append({})
                k, v = body.split(":", 1)
                items[-1][k.strip()] = v.strip().strip('"')
            else:
                items.append(body.strip().strip('"'))
        else:
            k, v = l.strip().split(":", 1)
            items[-1][k.strip()] = v.strip().strip('"')
    return items


def parse_schema(buf):
    s = {"ref": "", "type": [], "items": None, "props": {}, "addl": None, "ext": {}}
    for num, _, val in fields(buf):
        if num == 1:
            s["ref"] = text(val)
        elif num == 21:
            for n2, _, v2 in fields(val):
                if n2 == 1:
                    s["addl"] = parse_schema(v2)
        elif num == 22:
            for n2, _, v2 in fields(val):
                if n2 == 1:
                    s["type"].append(text(v2))
        elif num == 23:
            for n2, _, v2 in fields(val):
                if n2 == 1 and s["items"] is None:
                    s["items"] = parse_schema(v2)
        elif num == 25:
            for n2, _, v2 in fields(val):
                if n2 == 1:
                    name, sub = named(v2)
                    s["props"][name] = parse_schema(sub)
        elif num == 31:
            name, anyv = named(val)
            y = ""
            for n2, _, v2 in fields(anyv):
                if n2 == 2:
                    y = text(v2)
            s["ext"][name] = parse_yaml_value(y)
    return s


def named(buf):
    name, value = "", b""
    for num, _, val in fields(buf):
        if num == 1:
            name = text(val)
        elif num == 2:
            value = val
    return name, value


def parse_document(data):
    defs = {}
    for num, _, val in fields(memoryview(data)):
        if num == 9:
            for n2, _, v2 in fields(val):
                if n2 == 1:
                    name, sub = named(v2)
                    defs[name] = parse_schema(sub)
    return defs


# --- schema graph ---------------------------------------------------------------------


class Graph:
    def __init__(self, defs):
        self.defs = defs
        self.nodes = []  # list of dicts
        self.by_key = {}

    def resolve(self, s):
        key = None
        while s["ref"]:
            name = s["ref"].rsplit("/", 1)[-1]
            s = self.defs.get(name)
            if s is None:
                return None, None
            key = ("def", name)
        return s, key

    def node_for(self, s, key):
        """Builds (or finds) the node for schema s (already resolved); key identifies it."""
        if key is not None and key in self.by_key:
            return self.by_key[key]
        idx = len(self.nodes)
        node = {"schema": s, "idx": idx, "key": key}
        self.nodes.append(node)
        if key is not None:
            self.by_key[key] = idx
        if s["type"] == ["array"]:
            strategy = s["ext"].get("x-kubernetes-patch-strategy")
            node["kind"] = "list"
            node["merge"] = strategy is not None and "merge" in str(strategy).split(",")
            keys = []
            if strategy is not None:
                if "x-kubernetes-list-map-keys" in s["ext"]:
                    keys = list(s["ext"]["x-kubernetes-list-map-keys"])
                elif "x-kubernetes-patch-merge-key" in s["ext"]:
                    keys = [s["ext"]["x-kubernetes-patch-merge-key"]]
            node["keys"] = keys
            node["items"] = None
            if s["items"] is not None:
                node["items"] = self.child(s["items"], None)
        else:
            node["kind"] = "fields"
            node["fields"] = {}
            node["addl"] = None
            for name, ps in sorted(s["props"].items()):
                node["fields"][name] = self.child(ps, None)
            if s["addl"] is not None:
                node["addl"] = self.child(s["addl"], None)
        return idx

    def child(self, s, key):
        if s["ref"]:
            r, k = self.resolve(s)
            if r is None:
                return None
            return self.node_for(r, k)
        return self.node_for(s, key)

    def relevance(self):
        rel = [False] * len(self.nodes)
        changed = True
        while changed:
            changed = False
            for n in self.nodes:
                if rel[n["idx"]]:
                    continue
                r = False
                if n["kind"] == "list":
                    # Elements of a list are only walked when the list is associative.
                    r = n["merge"]
                else:
                    for c in list(n["fields"].values()) + [n["addl"]]:
                        if c is not None and rel[c]:
                            r = True
                            break
                if r:
                    rel[n["idx"]] = True
                    changed = True
        return rel


# The hand-written part of merge_keys.rs: node types and the `Schema` API (including
# the hooks into src/schema/custom.rs). Edit it here, not in the generated file.
HEADER_RUST = "// (Node and NONE are defined in openapi.rs, which includes this file.)"


def main():
    data = open(sys.argv[1], "rb").read()
    defs = parse_document(data)
    g = Graph(defs)
    roots = {}
    for name in sorted(defs):
        d = defs[name]
        gvks = d["ext"].get("x-kubernetes-group-version-kind")
        if not isinstance(gvks, list):
            continue
        idx = g.node_for(d, ("def", name))
        for gvk in gvks:
            if not isinstance(gvk, dict):
                continue
            group = gvk.get("group", "")
            api_version = gvk["version"] if not group else group + "/" + gvk["version"]
            roots[(api_version, gvk["kind"])] = (idx, name)
    rel = g.relevance()

    # Renumber relevant nodes densely, in a stable order.
    order = [n for n in g.nodes if rel[n["idx"]]]
    new_idx = {n["idx"]: i for i, n in enumerate(order)}

    def ref(c):
        if c is None or not rel[c]:
            return "NONE"
        return str(new_idx[c])

    out = []
    w = out.append
    w("//! Merge keys and patch strategies of the built-in Kubernetes kinds, as Kustomize's")
    w("//! strategic merge sees them.")
    w("//!")
    w("//! @generated by scripts/gen_merge_keys.py from the Kubernetes v1.21.2 OpenAPI document")
    w("//! that Kustomize v5.5.0 compiles in (kyaml/openapi/kubernetesapi/v1_21_2). Do not edit:")
    w("//! data only, included by `openapi.rs`, which reads it.")
    w("//!")
    w("//! Only schema paths that lead to an associative list (a list whose")
    w("//! `x-kubernetes-patch-strategy` contains `merge`) are kept: to kyaml's merge, any other")
    w("//! list is atomic, which is also what a missing schema means.")
    w("")
    w(HEADER_RUST)
    w("")
    w("/// Schema nodes, indexed by `u16`.")
    w("static NODES: [Node; %d] = [" % len(order))
    for n in order:
        label = n["key"][1] if n["key"] else "(inline)"
        w("    // %d: %s" % (new_idx[n["idx"]], label))
        if n["kind"] == "list":
            keys = ", ".join('"%s"' % k for k in n["keys"])
            w(
                "    Node::List { keys: &[%s], items: %s },"
                % (keys, ref(n["items"]))
            )
        else:
            fl = [(k, c) for k, c in sorted(n["fields"].items()) if c is not None and rel[c]]
            body = ", ".join('("%s", %s)' % (k, ref(c)) for k, c in fl)
            w("    Node::Fields { fields: &[%s], additional: %s }," % (body, ref(n["addl"])))
    w("];")
    w("")
    rows = [
        (kind, av, new_idx[idx])
        for (av, kind), (idx, name) in sorted(roots.items(), key=lambda x: (x[0][1], x[0][0]))
        if rel[idx]
    ]
    w("/// The root node of each built-in kind with an associative list anywhere in its schema:")
    w("/// `(kind, apiVersion, node)`, sorted by kind, then apiVersion.")
    w("static ROOTS: [(&str, &str, u16); %d] = [" % len(rows))
    for kind, av, idx in rows:
        w('    ("%s", "%s", %d),' % (kind, av, idx))
    w("];")
    print("\n".join(("//" + l[3:]) if l.startswith("//!") else l for l in out))


if __name__ == "__main__":
    main()
