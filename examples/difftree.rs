//! Writes one random, valid kustomize tree for differential testing against
//! `kubectl kustomize` (see `scripts/differential.sh`).
//!
//! ```text
//! cargo run --example difftree -- --seed N --out DIR [--only f1,f2,...]
//! ```
//!
//! The tree is built from independent *features* (a kustomization field, a plugin config,
//! an input quirk). The seed picks which features a tree has; each feature draws its own
//! random numbers from the seed and its name, so dropping features (`--only`, used by the
//! minimiser) leaves the others unchanged. Prints the features used, comma-separated.
//! `DIR` is the build target.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// SplitMix64: small, seedable, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, salt: &str) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for b in salt.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Scalars written where transformers write or copy: every style and tag that matters.
const SCALARS: &[&str] = &[
    "plain",
    "\"quoted\"",
    "'single'",
    "\"5\"",
    "'7'",
    "!!str 4",
    "!!str \"4\"",
    "0777",
    "\"0777\"",
    "0x1F",
    "1e10",
    "1.0",
    "0.",
    "-0",
    "~",
    "null",
    "\"\"",
    "true",
    "\"true\"",
    "yes",
    "\"no\"",
    "12345678901234567890",
    "9007199254740993",
    "2024-01-01",
    "\"2024-01-01\"",
    "\"a b\"",
    "|\n    block text\n",
    ">-\n    folded\n    text\n",
    "x=y",
    "\"with: colon\"",
    ".inf",
    "!!int 5",
    "!!float 1",
    "True",
    "0o17",
    "+1",
    ".5",
];

/// Names of the features a tree can have, in the order they are written.
const FEATURES: &[&str] = &[
    "overlay",
    "component",
    "namespace",
    "prefix",
    "suffix",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "images",
    "replicas",
    "smp",
    "smpDirectives",
    "json6902",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "mergeGenerator",
    "replacements",
    "vars",
    "nsTransformer",
    "labelTransformer",
    "annotationsTransformer",
    "prefixSuffixTransformer",
    "imageTagTransformer",
    "replicaTransformer",
    "patchTransformer",
    "sortOptions",
    "buildMetadata",
    "crlf",
    "bom",
    "emptyDocs",
    "list",
    "anchors",
    "longStrings",
    "customResource",
    "odd",
    "valueAdd",
    "refusals",
    "patchOptions",
    "generatorPlugins",
    "generatorExtras",
    "configurations",
    "openapi",
    "replacementFile",
    "imageExtras",
];

struct Tree {
    files: Vec<(PathBuf, String)>,
    /// Kustomization text of the target (root) and of the base when there is one.
    root: String,
    base: String,
    comp: String,
    has_base: bool,
    has_comp: bool,
}

impl Tree {
    /// The kustomization a transformer goes to: the base or the target.
    fn k(&mut self, rng: &mut Rng) -> &mut String {
        if self.has_base && rng.chance(40) {
            &mut self.base
        } else if self.has_comp && rng.chance(25) {
            &mut self.comp
        } else {
            &mut self.root
        }
    }
    fn dir_of(&self, rng: &mut Rng) -> (&'static str, bool) {
        if self.has_base && rng.chance(40) {
            ("base/", true)
        } else {
            ("", false)
        }
    }
    fn add(&mut self, path: &str, text: String) {
        self.files.push((PathBuf::from(path), text));
    }
}

const NAMES: &[&str] = &["web", "api", "db", "cache"];

fn workload(rng: &mut Rng, kind: &str, name: &str) -> String {
    let mut s = String::new();
    let api = match kind {
        "CronJob" => "batch/v1",
        "Job" => "batch/v1",
        _ => "apps/v1",
    };
    let _ = writeln!(
        s,
        "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}"
    );
    if rng.chance(50) || (name == NAMES[0] && rng.chance(80)) {
        let _ = writeln!(s, "  labels:\n    app: {name}");
        if rng.chance(30) {
            let _ = writeln!(s, "    owner: {}", rng.pick(SCALARS).replace('\n', "\n  "));
        }
    }
    if rng.chance(30) {
        let _ = writeln!(s, "  annotations:\n    note: {}", scalar_inline(rng));
    }
    let containers = |rng: &mut Rng, ind: &str| {
        let mut c = String::new();
        let images = [
            "nginx",
            "nginx:1.25",
            "docker.io/library/nginx:1.25",
            "registry.local:5000/team/api:v1",
            "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "busybox:latest",
            "quay.io/org/db",
        ];
        if rng.chance(25) {
            let _ = writeln!(
                c,
                "{ind}initContainers:\n{ind}- name: init\n{ind}  image: {}",
                rng.pick(&images)
            );
        }
        let _ = writeln!(
            c,
            "{ind}containers:\n{ind}- name: main\n{ind}  image: {}",
            rng.pick(&images)
        );
        if rng.chance(50) {
            let _ = writeln!(
                c,
                "{ind}  env:\n{ind}  - name: MODE\n{ind}    value: {}",
                scalar_inline(rng)
            );
            if rng.chance(50) {
                let _ = writeln!(c, "{ind}  - name: CFG\n{ind}    valueFrom:\n{ind}      configMapKeyRef:\n{ind}        name: cfg\n{ind}        key: a");
            }
        }
        if rng.chance(40) {
            let _ = writeln!(
                c,
                "{ind}  ports:\n{ind}  - containerPort: 8080\n{ind}    name: http"
            );
        }
        if rng.chance(30) {
            let _ = writeln!(c, "{ind}- name: side\n{ind}  image: {}", rng.pick(&images));
        }
        if rng.chance(10) {
            let _ = writeln!(
                c,
                "{ind}ephemeralContainers:\n{ind}- name: debug\n{ind}  image: {}",
                rng.pick(&images)
            );
        }
        if rng.chance(30) {
            let _ = writeln!(c, "{ind}volumes:\n{ind}- name: cfg\n{ind}  configMap:\n{ind}    name: cfg\n{ind}- name: sec\n{ind}  secret:\n{ind}    secretName: sec");
            if rng.chance(40) {
                let _ = writeln!(c, "{ind}- name: proj\n{ind}  projected:\n{ind}    sources:\n{ind}    - configMap:\n{ind}        name: cfg\n{ind}    - secret:\n{ind}        name: sec");
            }
        }
        if rng.chance(20) {
            let _ = writeln!(c, "{ind}imagePullSecrets:\n{ind}- name: sec");
        }
        c
    };
    match kind {
        "CronJob" => {
            let _ = writeln!(s, "spec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels:\n            app: {name}\n        spec:\n          restartPolicy: OnFailure");
            s.push_str(&containers(rng, "          "));
        }
        _ => {
            let _ = writeln!(s, "spec:");
            if rng.chance(60) {
                let _ = writeln!(
                    s,
                    "  replicas: {}",
                    rng.pick(&["1", "\"3\"", "'2'", "!!str 4", "0", "~", "5"])
                );
            }
            if rng.chance(80) {
                let _ = writeln!(s, "  selector:\n    matchLabels:\n      app: {name}");
            }
            if kind == "StatefulSet" {
                let _ = writeln!(s, "  serviceName: {name}");
                if rng.chance(50) {
                    let _ = writeln!(s, "  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 1Gi");
                }
            }
            let _ = writeln!(s, "  template:\n    metadata:");
            if rng.chance(85) {
                let _ = writeln!(s, "      labels:\n        app: {name}");
            }
            let _ = writeln!(s, "    spec:");
            s.push_str(&containers(rng, "      "));
        }
    }
    s
}

/// A value for a kustomization's string map (labels, annotations, generator options):
/// mostly text, as such maps must hold; now and then any scalar, which Kustomize refuses.
fn kstr(rng: &mut Rng) -> String {
    if rng.chance(15) {
        return scalar_inline(rng);
    }
    loop {
        let v = scalar_inline(rng);
        let text = v.starts_with('"')
            || v.starts_with('\'')
            || v.starts_with("!!str")
            || matches!(v.as_str(), "plain" | "x=y");
        if text {
            return v;
        }
    }
}

fn scalar_inline(rng: &mut Rng) -> String {
    loop {
        let v = *rng.pick(SCALARS);
        if !v.contains('\n') {
            return v.to_string();
        }
    }
}

/// One resource file with several objects.
///
/// The first workload (`web`, which most features target) is a Deployment in most trees, so
/// that most trees build; `cfg_generated` and `sec_generated` leave out the ConfigMap `cfg`
/// and the Secret `sec` a generator makes.
fn resources(rng: &mut Rng, cfg_generated: bool, sec_generated: bool) -> String {
    let mut docs: Vec<String> = Vec::new();
    let n = 1 + rng.below(3);
    for (i, name) in NAMES.iter().take(n).enumerate() {
        let kind = if i == 0 && rng.chance(85) {
            "Deployment"
        } else {
            *rng.pick(&["Deployment", "StatefulSet", "CronJob", "Deployment"])
        };
        docs.push(workload(rng, kind, name));
    }
    docs.push(format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {0}\nspec:\n  selector:\n    app: {0}\n  ports:\n  - port: 80\n    targetPort: {1}\n",
        NAMES[0],
        rng.pick(&["8080", "http", "\"8080\""])
    ));
    if rng.chance(60) && !cfg_generated {
        docs.push(format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: {}\n  b: {}\n",
            scalar_inline(rng),
            rng.pick(SCALARS).replace('\n', "\n  ")
        ));
    }
    if rng.chance(30) && !sec_generated {
        docs.push("apiVersion: v1\nkind: Secret\nmetadata:\n  name: sec\ntype: Opaque\nstringData:\n  k: v\n".into());
    }
    if rng.chance(40) {
        docs.push("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n".into());
        let kind = *rng.pick(&["RoleBinding", "ClusterRoleBinding"]);
        let role = if kind == "RoleBinding" {
            "Role"
        } else {
            "ClusterRole"
        };
        let mut b = format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: rb\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: {role}\n  name: reader\nsubjects:\n- kind: ServiceAccount\n  name: sa\n");
        if rng.chance(50) {
            b.push_str("  namespace: other\n");
        }
        if rng.chance(50) {
            b.push_str("- kind: ServiceAccount\n  name: default\n");
        }
        if rng.chance(30) {
            b.push_str("- kind: User\n  name: alice\n  apiGroup: rbac.authorization.k8s.io\n");
        }
        docs.push(b);
        docs.push(format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: {role}\nmetadata:\n  name: reader\nrules: []\n"));
    }
    if rng.chance(25) {
        docs.push(format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing\nspec:\n  tls:\n  - secretName: sec\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: {}\n            port:\n              number: 80\n",
            NAMES[0]
        ));
    }
    if rng.chance(20) {
        docs.push("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: oldns\n".into());
    }
    docs.join("---\n")
}

fn selector(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => "kind: Deployment".into(),
        1 => format!("name: {}", rng.pick(NAMES)),
        2 => "labelSelector: app=web".into(),
        3 => "name: \"w.*\"".into(),
        4 => "kind: StatefulSet|Deployment".into(),
        _ => "annotationSelector: note".into(),
    }
}

fn feature(t: &mut Tree, name: &str, rng: &mut Rng) {
    match name {
        "namespace" => {
            let ns = *rng.pick(&["prod", "team-a", "\"123\""]);
            let _ = writeln!(t.k(rng), "namespace: {ns}");
        }
        "prefix" => {
            let _ = writeln!(t.k(rng), "namePrefix: {}", rng.pick(&["p-", "x", "\"1-\""]));
        }
        "suffix" => {
            let _ = writeln!(
                t.k(rng),
                "nameSuffix: {}",
                rng.pick(&["-s", "-v2", "\"-1\""])
            );
        }
        "commonLabels" => {
            let v = kstr(rng);
            let k2 = rng.pick(&["owner", "app", "tier"]).to_string();
            let _ = writeln!(t.k(rng), "commonLabels:\n  {k2}: {v}");
        }
        "labels" => {
            let v = kstr(rng);
            let sel = rng.chance(40);
            let tmpl = rng.chance(40);
            let mut s = format!("labels:\n- pairs:\n    owner: {v}\n");
            if sel {
                s.push_str("  includeSelectors: true\n");
            }
            if tmpl {
                s.push_str("  includeTemplates: true\n");
            }
            if rng.chance(20) {
                s.push_str("  fields:\n  - path: spec/template/metadata/annotations\n    kind: Deployment\n    create: true\n");
            }
            t.k(rng).push_str(&s);
        }
        "commonAnnotations" => {
            let v = kstr(rng);
            let other = kstr(rng);
            let _ = writeln!(
                t.k(rng),
                "commonAnnotations:\n  note: {v}\n  other: {other}"
            );
        }
        "images" => {
            let mut s = "images:\n".to_string();
            for _ in 0..1 + rng.below(2) {
                let name = *rng.pick(&[
                    "nginx",
                    "busybox",
                    "registry.local:5000/team/api",
                    "ghcr.io/org/app",
                    "quay.io/org/db",
                    "docker.io/library/nginx",
                ]);
                let _ = writeln!(s, "- name: {name}");
                // A number as newTag is refused by Kustomize: keep it rare.
                match rng.below(16) {
                    1 => s.push_str("  newName: mirror.local/x\n"),
                    2 => s.push_str("  digest: sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"),
                    3 => s.push_str("  newName: mirror.local:443/y\n  newTag: v9\n"),
                    4 => s.push_str("  newTag: 2\n"),
                    5 | 6 => s.push_str("  newTag: v1.26\n"),
                    _ => s.push_str("  newTag: \"1.26\"\n"),
                }
            }
            t.k(rng).push_str(&s);
        }
        "replicas" => {
            let _ = writeln!(
                t.k(rng),
                "replicas:\n- name: {}\n  count: {}",
                if rng.chance(70) {
                    NAMES[0]
                } else {
                    rng.pick(NAMES)
                },
                rng.below(6)
            );
        }
        "smp" => {
            let (dir, _) = t.dir_of(rng);
            let target = NAMES[0];
            let v = scalar_inline(rng);
            let body = match rng.below(4) {
                0 => format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {target}\n  labels:\n    owner: {v}\nspec:\n  replicas: {}\n", rng.pick(&["3", "\"4\"", "null"])),
                1 => format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {target}\n  annotations:\n    note: {v}\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        env:\n        - name: EXTRA\n          value: {}\n", scalar_inline(rng)),
                2 => format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {target}\nspec:\n  template:\n    metadata:\n      labels:\n        extra: {v}\n"),
                _ => format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {target}\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        image: patched:{}\n", rng.below(9)),
            };
            t.add(&format!("{dir}smp.yaml"), body);
            let k = if dir.is_empty() {
                &mut t.root
            } else {
                &mut t.base
            };
            k.push_str("patches:\n- path: smp.yaml\n");
            if rng.chance(30) {
                k.push_str("  target:\n    kind: Deployment\n");
            }
        }
        "smpDirectives" => {
            let body = match rng.below(7) {
                0 => "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: side\n        $patch: delete\n".to_string(),
                1 => "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      $patch: replace\n      containers:\n      - name: only\n        image: only:1\n".to_string(),
                2 => "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      $setElementOrder/containers:\n      - name: main\n      containers:\n      - name: main\n        args: [a, b]\n".to_string(),
                3 => "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        $retainKeys: [name, image]\n        image: retained:1\n".to_string(),
                4 => "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        $deleteFromPrimitiveList/args: [a]\n        args: [b]\n".to_string(),
                5 => "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    $patch: merge\n    metadata:\n      annotations:\n        merged: \"1\"\n".to_string(),
                _ => "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    $patch: delete\n".to_string(),
            };
            t.add("dir.yaml", body);
            t.root.push_str("patches:\n- path: dir.yaml\n");
        }
        "json6902" => {
            let ops = match rng.below(7) {
                0 => "- op: add\n  path: /spec/template/spec/containers/-\n  value:\n    name: added\n    image: added:1\n".to_string(),
                1 => format!("- op: replace\n  path: /metadata/labels/owner\n  value: {}\n", scalar_inline(rng)),
                2 => "- op: copy\n  from: /metadata/name\n  path: /metadata/annotations/copied\n".to_string(),
                3 => "- op: test\n  path: /kind\n  value: Deployment\n- op: add\n  path: /metadata/annotations/tested\n  value: \"yes\"\n".to_string(),
                4 => "- op: move\n  from: /metadata/labels\n  path: /metadata/annotations/moved\n".to_string(),
                5 => "[{\"op\": \"add\", \"path\": \"/spec/replicas\", \"value\": 12345678901234567890}]\n".to_string(),
                _ => format!("- op: add\n  path: /metadata/annotations/n\n  value: {}\n", rng.pick(&["1e10", "1.5", "12345678901234567890", "true", "null", "\"s\""])),
            };
            let target = selector(rng);
            let _ = write!(t.root, "patches:\n- target:\n    {target}\n  patch: |\n");
            for l in ops.lines() {
                let _ = writeln!(t.root, "    {l}");
            }
        }
        "patchesStrategicMerge" => {
            t.add(
                "psm.yaml",
                format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    psm: {}\n", scalar_inline(rng)),
            );
            t.root.push_str("patchesStrategicMerge:\n- psm.yaml\n");
        }
        "patchesJson6902" => {
            let op = *rng.pick(&[
                "- op: add\n  path: /metadata/annotations/j\n  value: \"1\"\n",
                "- op: add\n  path: /metadata/annotations\n  value:\n    j: \"1\"\n",
                "- op: add\n  path: /spec/sessionAffinity\n  value: ClientIP\n",
                "- op: replace\n  path: /spec/ports/0/port\n  value: 8443\n",
            ]);
            t.add("j.yaml", op.into());
            t.root.push_str("patchesJson6902:\n- target:\n    version: v1\n    kind: Service\n    name: web\n  path: j.yaml\n");
        }
        "configMapGenerator" => {
            let (dir, _) = t.dir_of(rng);
            t.add(
                &format!("{dir}app.env"),
                "# comment\nA=1\nB=x=y\nC=\"quoted\"\n\nD= spaced \n".into(),
            );
            t.add(&format!("{dir}file.txt"), "line one\nline two\n".into());
            let k = if dir.is_empty() {
                &mut t.root
            } else {
                &mut t.base
            };
            let mut s = "configMapGenerator:\n- name: cfg\n".to_string();
            match rng.below(3) {
                0 => s.push_str("  literals:\n  - a=1\n  - b=0777\n  - c=\n"),
                1 => s.push_str("  envs:\n  - app.env\n"),
                _ => s.push_str("  files:\n  - file.txt\n  - key=file.txt\n"),
            }
            if rng.chance(30) {
                s.push_str("  options:\n    disableNameSuffixHash: true\n");
            }
            if rng.chance(20) {
                s.push_str(
                    "  options:\n    labels:\n      gen: \"1\"\n    annotations:\n      g: x\n",
                );
            }
            k.push_str(&s);
        }
        "secretGenerator" => {
            let ty = *rng.pick(&[
                "",
                "  type: kubernetes.io/tls\n  literals:\n  - tls.crt=c\n  - tls.key=k\n",
                "  type: Opaque\n",
            ]);
            let mut s = "secretGenerator:\n- name: sec\n".to_string();
            if ty.contains("tls") {
                s.push_str(ty);
            } else {
                s.push_str(ty);
                s.push_str("  literals:\n  - password=s3cr3t\n");
            }
            t.k(rng).push_str(&s);
        }
        "generatorOptions" => {
            let s = match rng.below(3) {
                0 => "generatorOptions:\n  disableNameSuffixHash: true\n".to_string(),
                1 => format!("generatorOptions:\n  labels:\n    gen: {}\n", kstr(rng)),
                _ => format!("generatorOptions:\n  annotations:\n    g: {}\n", kstr(rng)),
            };
            t.root.push_str(&s);
        }
        "mergeGenerator" => {
            let b = *rng.pick(&["merge", "replace"]);
            // A `cfg` the target itself generates would clash with the merge: use another name.
            let name = if t.root.contains("- name: cfg\n") {
                "cfg2"
            } else {
                "cfg"
            };
            let _ = write!(
                t.root,
                "configMapGenerator:\n- name: {name}\n  behavior: {b}\n  literals:\n  - z=9\n"
            );
            if !t.base.contains(&format!("- name: {name}\n")) {
                let _ = write!(
                    t.base,
                    "configMapGenerator:\n- name: {name}\n  literals:\n  - a=1\n"
                );
            }
        }
        "replacements" => {
            let mut s =
                "replacements:\n- source:\n    kind: Deployment\n    name: web\n".to_string();
            let (fp, opts) = match rng.below(5) {
                0 => ("metadata.name", ""),
                1 => (
                    "spec.template.spec.containers.0.image",
                    *rng.pick(&[
                        "    options:\n      delimiter: ':'\n      index: 1\n",
                        "    options:\n      delimiter: '/'\n      index: 0\n",
                        "    options:\n      delimiter: ':'\n      index: 5\n",
                    ]),
                ),
                2 => ("spec.template.spec.containers.[name=main].image", ""),
                3 => ("metadata.labels.app", ""),
                _ => ("spec.replicas", ""),
            };
            let _ = writeln!(s, "    fieldPath: {fp}");
            if !opts.is_empty() && rng.chance(50) {
                s.push_str(opts);
            }
            let (tp, create) = match rng.below(4) {
                0 => ("metadata.annotations.copied", "      create: true\n"),
                1 => ("data.a", ""),
                2 => (
                    "spec.template.metadata.labels.copied",
                    "      create: true\n",
                ),
                _ => (
                    "metadata.labels.owner",
                    if rng.chance(50) {
                        "      create: true\n"
                    } else {
                        ""
                    },
                ),
            };
            let kind = if tp.starts_with("data") {
                "ConfigMap"
            } else {
                "Deployment"
            };
            let _ = write!(
                s,
                "  targets:\n  - select:\n      kind: {kind}\n    fieldPaths:\n    - {tp}\n"
            );
            let target_delim = rng.chance(20);
            if !create.is_empty() || target_delim {
                s.push_str("    options:\n");
                s.push_str(create);
                if target_delim {
                    let d: &&str = rng.pick(&[
                        "      delimiter: '-'\n      index: 0\n",
                        "      delimiter: '.'\n      index: -1\n",
                    ]);
                    s.push_str(d);
                }
            }
            t.root.push_str(&s);
        }
        "vars" => {
            t.root.push_str("vars:\n- name: WEB_NAME\n  objref:\n    kind: Service\n    name: web\n    apiVersion: v1\n");
            t.add(
                "varpatch.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        args: [\"--svc=$(WEB_NAME)\"]\n".into(),
            );
            t.root.push_str("patchesStrategicMerge:\n- varpatch.yaml\n");
        }
        "nsTransformer" => {
            let mode = *rng.pick(&["", "none", "defaultOnly", "allServiceAccounts"]);
            let mut s = "apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: ns\n  namespace: plugin-ns\n".to_string();
            if rng.chance(50) {
                s.push_str("unsetOnly: true\n");
            }
            if !mode.is_empty() {
                let _ = writeln!(s, "setRoleBindingSubjects: {mode}");
            }
            if rng.chance(50) {
                s.push_str("fieldSpecs:\n- path: metadata/namespace\n  create: true\n");
            }
            t.add("ns.yaml", s);
            t.root.push_str("transformers:\n- ns.yaml\n");
        }
        "labelTransformer" => {
            let v = scalar_inline(rng);
            t.add(
                "lt.yaml",
                format!("apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: lt\nlabels:\n  plug: {v}\nfieldSpecs:\n- path: metadata/labels\n  create: true\n- path: spec/template/metadata/labels\n  create: {}\n", rng.pick(&["true", "false"])),
            );
            t.root.push_str("transformers:\n- lt.yaml\n");
        }
        "annotationsTransformer" => {
            let v = scalar_inline(rng);
            t.add(
                "at.yaml",
                format!("apiVersion: builtin\nkind: AnnotationsTransformer\nmetadata:\n  name: at\nannotations:\n  plug: {v}\nfieldSpecs:\n- path: metadata/annotations\n  create: true\n"),
            );
            t.root.push_str("transformers:\n- at.yaml\n");
        }
        "prefixSuffixTransformer" => {
            t.add(
                "ps.yaml",
                "apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: ps\nprefix: pp-\nsuffix: -ss\nfieldSpecs:\n- path: metadata/name\n".into(),
            );
            t.root.push_str("transformers:\n- ps.yaml\n");
        }
        "imageTagTransformer" => {
            t.add(
                "it.yaml",
                "apiVersion: builtin\nkind: ImageTagTransformer\nmetadata:\n  name: it\nimageTag:\n  name: nginx\n  newTag: \"7\"\n".into(),
            );
            t.root.push_str("transformers:\n- it.yaml\n");
        }
        "replicaTransformer" => {
            t.add(
                "rc.yaml",
                format!("apiVersion: builtin\nkind: ReplicaCountTransformer\nmetadata:\n  name: rc\nreplica:\n  name: {}\n  count: 9\nfieldSpecs:\n- path: spec/replicas\n  create: true\n  kind: Deployment\n", NAMES[0]),
            );
            t.root.push_str("transformers:\n- rc.yaml\n");
        }
        "patchTransformer" => {
            t.add(
                "pt.yaml",
                format!("apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: pt\npatch: '[{{\"op\": \"add\", \"path\": \"/metadata/annotations/pt\", \"value\": \"1\"}}]'\ntarget:\n  {}\n", selector(rng)),
            );
            t.root.push_str("transformers:\n- pt.yaml\n");
        }
        "sortOptions" => {
            if rng.chance(50) {
                t.root.push_str("sortOptions:\n  order: fifo\n");
            } else {
                t.root.push_str("sortOptions:\n  order: legacy\n  legacySortOptions:\n    orderFirst: [Service]\n    orderLast: [Deployment]\n");
            }
        }
        "buildMetadata" => {
            let _ = writeln!(
                t.root,
                "buildMetadata: [{}]",
                rng.pick(&[
                    "managedByLabel",
                    "originAnnotations",
                    "transformerAnnotations",
                    "originAnnotations, transformerAnnotations"
                ])
            );
        }
        "customResource" => {
            t.add(
                "cr.yaml",
                "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: widget\nspec:\n  size: 3\n  image: nginx:1\n  items:\n  - name: a\n    value: 1\n".into(),
            );
            t.root.push_str("resources:\n- cr.yaml\n");
            t.add(
                "crp.yaml",
                "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: widget\nspec:\n  items:\n  - name: b\n    value: 2\n".into(),
            );
            t.root.push_str("patches:\n- path: crp.yaml\n");
        }
        "list" => {
            let body = if rng.chance(20) {
                "apiVersion: v1\nkind: List\nitems: []\n".to_string()
            } else {
                "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: listed\n  data:\n    k: v\n".to_string()
            };
            t.add("list.yaml", body);
            t.root.push_str("resources:\n- list.yaml\n");
        }
        "anchors" => {
            t.add(
                "anchors.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchored\n  labels: &l\n    app: anchored\n  annotations:\n    <<: *l\n    extra: x\ndata:\n  a: &v shared\n  b: *v\n".into(),
            );
            t.root.push_str("resources:\n- anchors.yaml\n");
        }
        "longStrings" => {
            let long = "word ".repeat(30);
            t.add(
                "long.yaml",
                format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\n  annotations:\n    text: \"{}\"\ndata:\n  script: |\n    #!/bin/sh\n    echo {}\n  trailing: \"ends with space \"\n", long.trim(), long.trim()),
            );
            t.root.push_str("resources:\n- long.yaml\n");
        }
        "odd" => {
            let body = match rng.below(10) {
                4 => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: odd-\ndata:\n  a: b\n".to_string(),
                5 => "%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n".to_string(),
                6 => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\ndata:\n  1: one\n".to_string(),
                7 => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\ndata:\n  n: .nan\n  i: -.inf\n".to_string(),
                8 => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n  annotations:\n    long: this is a plain annotation value that goes on well past the eighty column mark so it folds\ndata:\n  folded: >\n    folded text\n    over lines\n\n    and a paragraph\n".to_string(),
                9 => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n  labels:\n    ~: x\n".to_string(),
                0 => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\ndata:\n  t: 2024-01-01\n  n: 0x10\n  o: 0o17\n  f: 1_000\n".to_string(),
                1 => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\nbinaryData:\n  b: !!binary aGVsbG8=\n".to_string(),
                2 => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n  annotations:\n    n: null\ndata: {}\n".to_string(),
                _ => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n  labels: {}\ndata:\n  e: \"\"\n".to_string(),
            };
            t.add("odd.yaml", body);
            t.root.push_str("resources:\n- odd.yaml\n");
        }
        "valueAdd" => {
            let (fp, pos) = *rng.pick(&[
                ("metadata/namespace", ""),
                ("metadata/annotations/va", ""),
                ("spec/template/spec/containers/0/image", ""),
                ("metadata/annotations/path", "  filePathPosition: 1\n"),
            ]);
            let mut s = format!(
                "apiVersion: builtin\nkind: ValueAddTransformer\nmetadata:\n  name: va\nvalue: {}\ntargets:\n- fieldPath: {fp}\n",
                rng.pick(&["added", "dir/sub", "\"5\""])
            );
            s.push_str(pos);
            if rng.chance(60) {
                let _ = writeln!(s, "  selector:\n    {}", selector(rng));
            }
            t.add("va.yaml", s);
            t.root.push_str("transformers:\n- va.yaml\n");
        }
        "refusals" => {
            // Inputs Kustomize refuses (or accepts oddly): both tools must agree.
            match rng.below(8) {
                0 => {
                    t.add("psf.yaml", "apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: psf\nprefix: nf-\n".into());
                    t.root.push_str("transformers:\n- psf.yaml\n");
                }
                1 => {
                    t.add("nsl.yaml", "apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: nsl\n  namespace: x\nfieldSpecs:\n- path: spec/template/spec/containers\n  kind: Deployment\n".into());
                    t.root.push_str("transformers:\n- nsl.yaml\n");
                }
                2 => {
                    t.add("nokind.yaml", "metadata:\n  name: web\nspec:\n  replicas: 2\n".into());
                    t.root.push_str("patches:\n- path: nokind.yaml\n");
                }
                3 => {
                    let _ = writeln!(
                        t.root,
                        "commonAnnotations:\n  nulled: {}",
                        rng.pick(&["null", "~", "", "\"\""])
                    );
                }
                4 => t.root.push_str("replicas:\n- name: web\n  count: null\n"),
                7 => t.root.push_str("helmCharts:\n- name: chart\n  repo: https://example.com\n  version: 1.0.0\n"),
                5 => t.root.push_str("configMapGenerator:\n- name: tabbed\n  literals:\n  - |\n    k=line one\n    \tline two\n"),
                _ => t.root.push_str("commonLabels:\n  1: one\n"),
            }
        }
        "patchOptions" => {
            let (body, opt) = match rng.below(4) {
                0 => (
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: renamed\n",
                    "allowNameChange: true",
                ),
                1 => (
                    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\n",
                    "allowKindChange: true",
                ),
                2 => (
                    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: both\n",
                    "allowNameChange: true\n    allowKindChange: true",
                ),
                _ => (
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: renamed\n",
                    "allowNameChange: false",
                ),
            };
            t.add("rename.yaml", body.to_string());
            let _ = write!(
                t.root,
                "patches:\n- path: rename.yaml\n  target:\n    kind: Deployment\n    name: web\n  options:\n    {opt}\n"
            );
        }
        "generatorPlugins" => {
            let mut s = String::new();
            if rng.chance(60) {
                let _ = write!(
                    s,
                    "apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: plugcfg\n{}literals:\n- k={}\n",
                    if rng.chance(40) { "  namespace: gen-ns\n" } else { "" },
                    rng.pick(&["v", "0777", "\"q\"", "true"])
                );
                if rng.chance(40) {
                    s.push_str("options:\n  immutable: true\n  labels:\n    g: \"1\"\n");
                }
            } else {
                s.push_str("apiVersion: builtin\nkind: SecretGenerator\nmetadata:\n  name: plugsec\ntype: Opaque\nliterals:\n- token=abc\n");
                if rng.chance(40) {
                    s.push_str("options:\n  disableNameSuffixHash: true\n");
                }
            }
            t.add("gen.yaml", s);
            t.root.push_str("generators:\n- gen.yaml\n");
        }
        "generatorExtras" => {
            let (dir, _) = t.dir_of(rng);
            t.add(&format!("{dir}extra.env"), "# c\nX=1\nY=two words\n".into());
            let k = if dir.is_empty() {
                &mut t.root
            } else {
                &mut t.base
            };
            let mut s = "configMapGenerator:\n- name: extra\n  envs:\n  - extra.env\n".to_string();
            match rng.below(4) {
                0 => s.push_str("  options:\n    immutable: true\n"),
                1 => s.push_str("  namespace: gen-ns\n"),
                2 => s.push_str(
                    "  literals:\n  - Z=3\n  options:\n    annotations:\n      a: \"0777\"\n",
                ),
                _ => {}
            }
            if rng.chance(40) {
                s.push_str("secretGenerator:\n- name: extrasec\n  envs:\n  - extra.env\n  type: kubernetes.io/generic\n");
            }
            if rng.chance(30) {
                s.push_str("generatorOptions:\n  immutable: true\n");
            }
            k.push_str(&s);
        }
        "configurations" => {
            t.add(
                "gadget.yaml",
                "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: gadget\nspec:\n  configName: cfg\n  serviceName: web\n  selector:\n    app: gadget\n  tags: [a]\n".into(),
            );
            let mut conf = String::new();
            if rng.chance(70) {
                conf.push_str("nameReference:\n- kind: ConfigMap\n  fieldSpecs:\n  - path: spec/configName\n    kind: Gadget\n- kind: Service\n  fieldSpecs:\n  - path: spec/serviceName\n    kind: Gadget\n");
            }
            if rng.chance(50) {
                conf.push_str(
                    "commonLabels:\n- path: spec/selector\n  kind: Gadget\n  create: true\n",
                );
            }
            if rng.chance(40) {
                conf.push_str(
                    "namePrefix:\n- path: metadata/name\n- path: spec/configName\n  kind: Gadget\n",
                );
            }
            if rng.chance(30) {
                conf.push_str("images:\n- path: spec/image\n  kind: Gadget\n");
            }
            if conf.is_empty() {
                conf.push_str("namespace:\n- path: spec/ns\n  kind: Gadget\n  create: true\n");
            }
            t.add("conf.yaml", conf);
            t.root
                .push_str("resources:\n- gadget.yaml\nconfigurations:\n- conf.yaml\n");
            if !t.has_base && !t.root.contains("configMapGenerator") && rng.chance(50) {
                t.root.push_str(
                    "configMapGenerator:\n- name: cfg\n  behavior: create\n  literals:\n  - g=1\n",
                );
            }
        }
        "openapi" => {
            let strategy = *rng.pick(&["merge", "replace"]);
            t.add(
                "schema.json",
                format!("{{\n  \"definitions\": {{\n    \"v1.Gizmo\": {{\n      \"properties\": {{\n        \"apiVersion\": {{\"type\": \"string\"}},\n        \"kind\": {{\"type\": \"string\"}},\n        \"metadata\": {{\"type\": \"object\"}},\n        \"spec\": {{\n          \"properties\": {{\n            \"parts\": {{\n              \"items\": {{\"$ref\": \"#/definitions/v1.Part\"}},\n              \"type\": \"array\",\n              \"x-kubernetes-patch-merge-key\": \"name\",\n              \"x-kubernetes-patch-strategy\": \"{strategy}\"\n            }}\n          }},\n          \"type\": \"object\"\n        }}\n      }},\n      \"type\": \"object\",\n      \"x-kubernetes-group-version-kind\": [{{\"group\": \"example.com\", \"kind\": \"Gizmo\", \"version\": \"v1\"}}]\n    }},\n    \"v1.Part\": {{\n      \"properties\": {{\"name\": {{\"type\": \"string\"}}, \"size\": {{\"type\": \"integer\"}}}},\n      \"type\": \"object\"\n    }}\n  }}\n}}\n"),
            );
            t.add(
                "gizmo.yaml",
                "apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: gizmo\nspec:\n  parts:\n  - name: a\n    size: 1\n  - name: b\n    size: 2\n".into(),
            );
            t.add(
                "gizmo-patch.yaml",
                format!("apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: gizmo\nspec:\n  parts:\n  - name: {}\n    size: 9\n", rng.pick(&["a", "c"])),
            );
            let (dir, _) = t.dir_of(rng);
            if let Some(pos) = t.files.iter().position(|(p, _)| p.ends_with("schema.json")) {
                let (_, text) = t.files.remove(pos);
                t.add(&format!("{dir}schema.json"), text);
            }
            let k = if dir.is_empty() {
                &mut t.root
            } else {
                &mut t.base
            };
            k.push_str("openapi:\n  path: schema.json\n");
            t.root
                .push_str("resources:\n- gizmo.yaml\npatches:\n- path: gizmo-patch.yaml\n");
        }
        "replacementFile" => {
            let reject = if rng.chance(40) {
                "    reject:\n    - name: api\n"
            } else {
                ""
            };
            let src = *rng.pick(&[
                "source:\n    kind: Service\n    name: web\n    fieldPath: spec.ports.0.port\n",
                "source:\n    kind: ConfigMap\n    name: cfg\n    fieldPath: data.a\n",
                "source:\n    kind: Deployment\n    name: web\n    fieldPath: metadata.labels.app\n",
                "source:\n    kind: Service\n    name: web\n    fieldPath: metadata.name\n",
            ]);
            let sel = *rng.pick(&[
                "kind: Deployment",
                "labelSelector: app=web",
                "name: web|api",
                "group: apps",
            ]);
            let path = *rng.pick(&[
                "metadata.annotations.fromfile",
                "spec.template.spec.containers.[name=main].env.[name=FROM].value",
                "spec.template.metadata.labels.fromfile",
            ]);
            t.add(
                "repl.yaml",
                format!("- {src}  targets:\n  - select:\n      {sel}\n{reject}    fieldPaths:\n    - {path}\n    options:\n      create: true\n"),
            );
            t.root.push_str("replacements:\n- path: repl.yaml\n");
        }
        "imageExtras" => {
            let s = *rng.pick(&[
                "images:\n- name: nginx\n  newTag: \"1.27\"\n  digest: sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n",
                "images:\n- name: nginx\n  tagSuffix: -debug\n",
                "images:\n- name: busybox\n  newName: nginx\n- name: nginx\n  newTag: chained\n",
                "images:\n- name: \"*\"\n  newTag: star\n",
                "images:\n- name: registry.local:5000/team/api\n  newName: other.local:6000/api\n  newTag: \"010\"\n",
            ]);
            t.k(rng).push_str(s);
        }
        // File-level quirks are applied in `main`; layout features in `build`.
        _ => {}
    }
}

fn build(seed: u64, only: Option<&[String]>) -> (Tree, Vec<&'static str>) {
    let mut pick = Rng::new(seed, "features");
    let mut chosen: Vec<&'static str> = Vec::new();
    let n = 2 + pick.below(6);
    for _ in 0..n {
        let f = *pick.pick(FEATURES);
        if !chosen.contains(&f) {
            chosen.push(f);
        }
    }
    if let Some(only) = only {
        chosen.retain(|f| only.iter().any(|o| o == f));
    }
    chosen.sort_by_key(|f| FEATURES.iter().position(|x| x == f));
    let mut base_rng = Rng::new(seed, "resources");
    let cfg_generated = chosen.iter().any(|f| {
        matches!(
            *f,
            "configMapGenerator" | "mergeGenerator" | "configurations"
        )
    });
    let sec_generated = chosen.contains(&"secretGenerator");
    let res = resources(&mut base_rng, cfg_generated, sec_generated);
    let has_base = chosen.contains(&"overlay") || chosen.contains(&"mergeGenerator");
    let has_comp = chosen.contains(&"component");
    let mut t = Tree {
        files: Vec::new(),
        root: String::new(),
        base: String::new(),
        comp: String::new(),
        has_base,
        has_comp,
    };
    if has_base {
        t.add("base/res.yaml", res);
        t.base.push_str("resources:\n- res.yaml\n");
        t.root.push_str("resources:\n- base\n");
    } else {
        t.add("res.yaml", res);
        t.root.push_str("resources:\n- res.yaml\n");
    }
    if has_comp {
        // A component with nothing in it is refused; give it an object of its own.
        t.add(
            "comp/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-comp\ndata:\n  c: \"1\"\n"
                .into(),
        );
        t.comp.push_str("resources:\n- cm.yaml\n");
    }
    for f in &chosen {
        let mut rng = Rng::new(seed, f);
        feature(&mut t, f, &mut rng);
    }
    (t, chosen)
}

/// Joins repeated top-level keys of a kustomization (features append `patches:` etc.).
fn merge_keys(text: &str) -> String {
    let mut order: Vec<String> = Vec::new();
    let mut blocks: std::collections::HashMap<String, String> = Default::default();
    let mut current = String::new();
    for line in text.lines() {
        if !line.starts_with(' ') && !line.starts_with('-') && line.contains(':') {
            let key = line.split(':').next().unwrap_or("").to_string();
            let rest = line[key.len() + 1..].trim().to_string();
            current = key.clone();
            if !blocks.contains_key(&key) {
                order.push(key.clone());
                blocks.insert(key.clone(), String::new());
                if !rest.is_empty() {
                    let e = blocks.entry(key).or_default();
                    e.push_str(&format!(" {rest}"));
                    continue;
                }
            }
            continue;
        }
        let e = blocks.entry(current.clone()).or_default();
        e.push('\n');
        e.push_str(line);
    }
    let mut out = String::new();
    for k in order {
        let body = &blocks[&k];
        out.push_str(&format!("{k}:{body}\n"));
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut seed = 0u64;
    let mut out: Option<PathBuf> = None;
    let mut only: Option<Vec<String>> = None;
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--seed" => seed = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(0),
            "--out" => out = args.get(i + 1).map(PathBuf::from),
            "--only" => {
                only = args.get(i + 1).map(|s| {
                    s.split(',')
                        .filter(|x| !x.is_empty())
                        .map(String::from)
                        .collect()
                })
            }
            other => {
                eprintln!(
                    "unknown argument {other}; usage: difftree --seed N --out DIR [--only f1,f2]"
                );
                std::process::exit(2);
            }
        }
        i += 2;
    }
    let Some(out) = out else {
        eprintln!("usage: difftree --seed N --out DIR [--only f1,f2]");
        std::process::exit(2);
    };
    let (mut t, chosen) = build(seed, only.as_deref());
    let mut quirks = Rng::new(seed, "quirks");
    let root = merge_keys(&t.root);
    let base = merge_keys(&t.base);
    t.add("kustomization.yaml", root);
    if t.has_base {
        t.add("base/kustomization.yaml", base);
    }
    if t.has_comp {
        let comp = merge_keys(&t.comp);
        t.add(
            "comp/kustomization.yaml",
            format!("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n{comp}"),
        );
        if let Some((_, k)) = t
            .files
            .iter_mut()
            .find(|(p, _)| p == Path::new("kustomization.yaml"))
        {
            k.push_str("components:\n- comp\n");
        }
    }
    for (path, text) in &mut t.files {
        let is_resource = !path.ends_with("kustomization.yaml");
        if chosen.contains(&"emptyDocs") && is_resource && quirks.chance(50) {
            *text = format!("---\n# leading comment\n---\n{text}---\n");
        }
        if chosen.contains(&"crlf") && quirks.chance(50) {
            *text = text.replace('\n', "\r\n");
        }
        if chosen.contains(&"bom") && is_resource && quirks.chance(50) {
            *text = format!("\u{feff}{text}");
        }
    }
    for (path, text) in &t.files {
        let p = out.join(path);
        if let Some(d) = p.parent() {
            if let Err(e) = std::fs::create_dir_all(d) {
                eprintln!("{}: {e}", d.display());
                std::process::exit(1);
            }
        }
        if let Err(e) = std::fs::write(&p, text) {
            eprintln!("{}: {e}", p.display());
            std::process::exit(1);
        }
    }
    println!("{}", chosen.join(","));
}
