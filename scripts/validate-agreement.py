#!/usr/bin/env python3
"""Compare `kagentctl check`'s schema verdicts with kubernetes-validate's, object by object.

Usage: scripts/validate-agreement.py KAGENTCTL FILE_OR_DIR... [--k8s 1.32.0] [--show N]

For every rendered YAML file given (directories: their *.yaml files), each document with an
apiVersion and kind that kubernetes-validate has a schema for (a built-in kind) is validated by
`kubernetes_validate.validate(doc, K8S, strict=True)`; kagentctl's verdict for the same object
is "invalid" when `kagentctl check --format json FILE` reports an error finding whose rule
starts with `schema-` for that object. Prints the agreement and the disagreements by rule.

Needs `pip install kubernetes-validate` (PyYAML comes with it). Not run by `cargo test`: it
reads corpora that are not part of the repository.
"""
import collections
import json
import os
import subprocess
import sys

import kubernetes_validate
import yaml


def files_of(args):
    for a in args:
        if os.path.isdir(a):
            for n in sorted(os.listdir(a)):
                if n.endswith((".yaml", ".yml")):
                    yield os.path.join(a, n)
        else:
            yield a


def key(kind, name, ns):
    return (kind or "", name or "", ns or "")


def main():
    argv = sys.argv[1:]
    k8s, show = "1.32.0", 10
    if "--k8s" in argv:
        i = argv.index("--k8s")
        k8s = argv[i + 1]
        del argv[i : i + 2]
    if "--show" in argv:
        i = argv.index("--show")
        show = int(argv[i + 1])
        del argv[i : i + 2]
    if len(argv) < 2:
        sys.exit(__doc__)
    exe, paths = argv[0], argv[1:]
    total = agree = 0
    both_invalid = both_valid = 0
    only_ours = collections.Counter()
    only_theirs = collections.Counter()
    examples = []
    skipped_files = 0
    for path in files_of(paths):
        try:
            with open(path, encoding="utf-8") as f:
                docs = [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]
        except Exception:
            # PyYAML (YAML 1.1) cannot read a few go-yaml outputs; they are not compared.
            skipped_files += 1
            continue
        out = subprocess.run([exe, "check", "--format", "json", path], capture_output=True, text=True)
        if out.returncode == 2:
            skipped_files += 1
            continue
        report = json.loads(out.stdout)
        ours = collections.defaultdict(list)
        for fd in report.get("findings", []):
            r = fd.get("resource") or {}
            if fd.get("severity") == "error" and fd.get("rule", "").startswith("schema-"):
                ours[key(r.get("kind"), r.get("name"), r.get("namespace"))].append(fd["rule"])
        for d in docs:
            if "apiVersion" not in d or "kind" not in d:
                continue
            md = d.get("metadata") or {}
            try:
                kubernetes_validate.validate(d, k8s, strict=True)
                theirs = None
            except kubernetes_validate.SchemaNotFoundError:
                continue  # not a built-in kind: custom resources are not compared
            except kubernetes_validate.ValidationError as e:
                theirs = str(e).splitlines()[0][:120]
            except Exception as e:  # noqa: BLE001 - a schema the package cannot load
                theirs = f"{type(e).__name__}"
            total += 1
            mine = ours.get(key(d.get("kind"), md.get("name"), md.get("namespace")))
            if bool(mine) == bool(theirs):
                agree += 1
                if mine:
                    both_invalid += 1
                else:
                    both_valid += 1
            elif mine:
                only_ours[mine[0]] += 1
                examples.append(f"ours only   {mine[0]:24} {d['kind']}/{md.get('name')}  {os.path.basename(path)}")
            else:
                only_theirs[theirs[:60]] += 1
                examples.append(f"theirs only {d['kind']}/{md.get('name')}  {os.path.basename(path)}: {theirs}")
    pct = 100.0 * agree / total if total else 0.0
    print(f"built-in objects compared: {total} (files skipped: {skipped_files})")
    print(f"agree: {agree} ({pct:.1f} %): {both_valid} valid for both, {both_invalid} invalid for both")
    print(f"kagentctl invalid, kubernetes-validate valid: {sum(only_ours.values())} {dict(only_ours)}")
    print(f"kubernetes-validate invalid, kagentctl valid: {sum(only_theirs.values())}")
    for k, v in only_theirs.most_common():
        print(f"  {v:4}  {k}")
    for e in examples[:show]:
        print("  " + e)


if __name__ == "__main__":
    main()
