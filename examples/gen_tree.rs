//! Generates a synthetic, deterministic kustomize tree for scaling benchmarks:
//!
//! ```text
//! cargo run --release --example gen_tree -- --resources N --depth D [--seed S] --out DIR
//! ```
//!
//! This is a port of `shared/bench/gen_synthetic.py`, the generator the reference
//! `kubectl kustomize` timings were taken on. It reproduces CPython's `random.Random`
//! (MT19937 seeded by `init_by_array`, `getrandbits`-based `_randbelow`, `sample`'s pool
//! and set methods) and the script's small YAML emitter, so for the same `(N, D, seed)` it
//! writes the same bytes as the Python script: figures taken on either tree compare.
//!
//! Layout written under DIR (`base/` and `overlays/` are replaced):
//!
//! ```text
//! base/kustomization.yaml      resources (one multi-document file per app),
//!                              configMapGenerator + secretGenerator, labels
//! base/apps/app-NNNN.yaml      Deployment or StatefulSet (1-3 containers with env,
//!                              volumes, probes, resources), Service, ConfigMap,
//!                              ServiceAccount, and for most apps Role + RoleBinding
//! overlays/level-1 .. level-D  each adds namePrefix (odd) or nameSuffix (even),
//!                              namespace, commonLabels, labels, commonAnnotations,
//!                              images, replicas, strategic-merge patches (inline, file,
//!                              patchesStrategicMerge), JSON 6902 patches by name and by
//!                              label selector, and a hashed configMapGenerator
//! ```
//!
//! Exactly N resources are written into the base; the output has `N + 2 + D` documents.
//! The build target (`DIR/overlays/level-D`, or `DIR/base` for depth 0) is printed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use regex::Regex;

// ------------------------------------------------------------------------------------
// CPython's random.Random.
// ------------------------------------------------------------------------------------

/// MT19937 with CPython's seeding and sampling helpers.
struct PyRandom {
    mt: [u32; 624],
    idx: usize,
}

impl PyRandom {
    /// `random.Random(seed)` for a non-negative integer seed.
    fn new(seed: u64) -> PyRandom {
        let mut r = PyRandom {
            mt: [0; 624],
            idx: 625,
        };
        let mut key = vec![seed as u32];
        if seed >> 32 != 0 {
            key.push((seed >> 32) as u32);
        }
        r.init_by_array(&key);
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..624 {
            let p = self.mt[i - 1];
            self.mt[i] = 1_812_433_253u32
                .wrapping_mul(p ^ (p >> 30))
                .wrapping_add(i as u32);
        }
        self.idx = 624;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        const N: usize = 624;
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let p = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (p ^ (p >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let p = self.mt[i - 1];
            self.mt[i] =
                (self.mt[i] ^ (p ^ (p >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                self.mt[0] = self.mt[N - 1];
                i = 1;
            }
        }
        self.mt[0] = 0x8000_0000;
    }

    fn genrand(&mut self) -> u32 {
        const N: usize = 624;
        const M: usize = 397;
        if self.idx >= N {
            for k in 0..N {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % N] & 0x7fff_ffff);
                let mut v = self.mt[(k + M) % N] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.mt[k] = v;
            }
            self.idx = 0;
        }
        let mut y = self.mt[self.idx];
        self.idx += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random()`: 53 random bits as a float in [0, 1).
    fn random(&mut self) -> f64 {
        let a = (self.genrand() >> 5) as f64;
        let b = (self.genrand() >> 6) as f64;
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `_randbelow(n)` for 0 < n < 2^32.
    fn below(&mut self, n: usize) -> usize {
        let k = usize::BITS - n.leading_zeros();
        loop {
            let r = (self.genrand() >> (32 - k)) as usize;
            if r < n {
                return r;
            }
        }
    }

    /// `randint(a, b)`, both ends included.
    fn randint(&mut self, a: i64, b: i64) -> i64 {
        a + self.below((b - a + 1) as usize) as i64
    }

    /// `choice(seq)`.
    fn choice<T: Clone>(&mut self, seq: &[T]) -> T {
        seq[self.below(seq.len())].clone()
    }

    /// `sample(seq, k)`, in selection order.
    fn sample<T: Clone>(&mut self, seq: &[T], k: usize) -> Vec<T> {
        let n = seq.len();
        let mut setsize = 21usize;
        if k > 5 {
            setsize += 4usize.pow(((k * 3) as f64).log(4.0).ceil() as u32);
        }
        let mut out = Vec::with_capacity(k);
        if n <= setsize {
            let mut pool: Vec<T> = seq.to_vec();
            for i in 0..k {
                let j = self.below(n - i);
                out.push(pool[j].clone());
                pool[j] = pool[n - i - 1].clone();
            }
        } else {
            let mut selected = std::collections::HashSet::new();
            for _ in 0..k {
                let mut j = self.below(n);
                while selected.contains(&j) {
                    j = self.below(n);
                }
                selected.insert(j);
                out.push(seq[j].clone());
            }
        }
        out
    }
}

// ------------------------------------------------------------------------------------
// Documents and the script's block-style YAML emitter.
// ------------------------------------------------------------------------------------

/// A YAML value with insertion-ordered maps (like a Python dict).
#[derive(Debug, Clone)]
enum Y {
    Bool(bool),
    Int(i64),
    Str(String),
    Map(Vec<(String, Y)>),
    List(Vec<Y>),
}

impl From<&str> for Y {
    fn from(s: &str) -> Y {
        Y::Str(s.to_string())
    }
}
impl From<String> for Y {
    fn from(s: String) -> Y {
        Y::Str(s)
    }
}
impl From<i64> for Y {
    fn from(i: i64) -> Y {
        Y::Int(i)
    }
}
impl From<bool> for Y {
    fn from(b: bool) -> Y {
        Y::Bool(b)
    }
}
impl From<Vec<Y>> for Y {
    fn from(v: Vec<Y>) -> Y {
        Y::List(v)
    }
}

/// `map! { "k" => v, ... }`: an ordered map.
macro_rules! map {
    ($($k:expr => $v:expr),* $(,)?) => {
        Y::Map(vec![$((String::from($k), Y::from($v))),*])
    };
}

/// `list![a, b]`: a sequence.
macro_rules! list {
    ($($v:expr),* $(,)?) => {
        Y::List(vec![$(Y::from($v)),*])
    };
}

impl Y {
    /// `d[k] = v`: replaces in place or appends.
    fn set(&mut self, k: &str, v: impl Into<Y>) {
        if let Y::Map(m) = self {
            let v = v.into();
            match m.iter_mut().find(|(x, _)| x == k) {
                Some(e) => e.1 = v,
                None => m.push((k.to_string(), v)),
            }
        }
    }

    /// `d[k]` (a map value) or `l[i]` (through `idx`).
    fn at(&mut self, k: &str) -> &mut Y {
        match self {
            Y::Map(m) => match m.iter_mut().find(|(x, _)| x == k) {
                Some(e) => &mut e.1,
                None => panic!("no key {k}"),
            },
            _ => panic!("not a map"),
        }
    }

    fn idx(&mut self, i: usize) -> &mut Y {
        match self {
            Y::List(l) => &mut l[i],
            _ => panic!("not a list"),
        }
    }

    fn push(&mut self, v: Y) {
        if let Y::List(l) = self {
            l.push(v);
        }
    }

    fn is_nonempty_map(&self) -> bool {
        matches!(self, Y::Map(m) if !m.is_empty())
    }

    fn is_nonempty_list(&self) -> bool {
        matches!(self, Y::List(l) if !l.is_empty())
    }
}

struct Emitter {
    plain_ok: Regex,
    ambiguous: Regex,
}

impl Emitter {
    fn new() -> Emitter {
        Emitter {
            plain_ok: Regex::new(r"^[A-Za-z0-9_./][A-Za-z0-9_./:@=+-]*$").expect("regex"),
            ambiguous: Regex::new(
                r"^(?:[-+]?[0-9][0-9_]*(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|\.[0-9]+|[-+]?\.inf|\.nan|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|[0-9:]+)$",
            )
            .expect("regex"),
        }
    }

    fn scalar_str(&self, s: &str) -> String {
        if !s.is_empty()
            && self.plain_ok.is_match(s)
            && !self.ambiguous.is_match(s)
            && !s.ends_with(':')
        {
            return s.to_string();
        }
        // json.dumps (ASCII input).
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    fn inline(&self, v: &Y) -> String {
        match v {
            Y::Map(_) => "{}".into(),
            Y::List(_) => "[]".into(),
            Y::Bool(b) => if *b { "true" } else { "false" }.into(),
            Y::Int(i) => i.to_string(),
            Y::Str(s) => self.scalar_str(s),
        }
    }

    fn emit(&self, v: &Y, indent: usize, out: &mut Vec<String>) {
        let pad = " ".repeat(indent);
        match v {
            Y::Map(m) => {
                if m.is_empty() {
                    out.push(format!("{pad}{{}}"));
                    return;
                }
                for (k, val) in m {
                    let key = self.scalar_str(k);
                    if val.is_nonempty_map() {
                        out.push(format!("{pad}{key}:"));
                        self.emit(val, indent + 2, out);
                    } else if val.is_nonempty_list() {
                        out.push(format!("{pad}{key}:"));
                        self.emit(val, indent, out);
                    } else if let Y::Str(s) = val.clone() {
                        if s.contains('\n') {
                            out.push(format!("{pad}{key}: |"));
                            for line in s.trim_end_matches('\n').split('\n') {
                                out.push(if line.is_empty() {
                                    String::new()
                                } else {
                                    format!("{pad}  {line}")
                                });
                            }
                        } else {
                            out.push(format!("{pad}{key}: {}", self.inline(val)));
                        }
                    } else {
                        out.push(format!("{pad}{key}: {}", self.inline(val)));
                    }
                }
            }
            Y::List(l) => {
                if l.is_empty() {
                    out.push(format!("{pad}[]"));
                    return;
                }
                for item in l {
                    if item.is_nonempty_map() || item.is_nonempty_list() {
                        let mut sub = Vec::new();
                        self.emit(item, indent + 2, &mut sub);
                        sub[0] = format!("{pad}- {}", &sub[0][indent + 2..]);
                        out.extend(sub);
                    } else {
                        out.push(format!("{pad}- {}", self.inline(item)));
                    }
                }
            }
            other => out.push(format!("{pad}{}", self.inline(other))),
        }
    }

    fn to_yaml(&self, doc: &Y) -> String {
        let mut out = Vec::new();
        self.emit(doc, 0, &mut out);
        out.join("\n") + "\n"
    }

    fn to_yaml_stream(&self, docs: &[Y]) -> String {
        docs.iter()
            .map(|d| self.to_yaml(d))
            .collect::<Vec<_>>()
            .join("---\n")
    }
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

// ------------------------------------------------------------------------------------
// Base resources.
// ------------------------------------------------------------------------------------

const TEAMS: [&str; 8] = [
    "payments", "search", "catalog", "identity", "ledger", "media", "ops", "growth",
];
const TIERS: [&str; 4] = ["frontend", "backend", "worker", "cache"];
const IMAGE_POOL: [&str; 16] = [
    "registry.example.com/platform/app-server",
    "registry.example.com/platform/worker",
    "registry.example.com/platform/gateway",
    "registry.example.com/data/indexer",
    "registry.example.com/data/etl-runner",
    "registry.example.com/data/cache-proxy",
    "registry.example.com/web/frontend",
    "registry.example.com/web/static-assets",
    "docker.io/library/nginx",
    "docker.io/library/redis",
    "docker.io/library/busybox",
    "quay.io/prometheus/statsd-exporter",
    "quay.io/example/log-shipper",
    "gcr.io/example-project/sidecar-proxy",
    "ghcr.io/example-org/config-reloader",
    "ghcr.io/example-org/migrator",
];

fn sidecar_images() -> &'static [&'static str] {
    &IMAGE_POOL[11..]
}

fn app_labels(name: &str, team: &str, tier: &str) -> Y {
    map! {
        "app.kubernetes.io/name" => name,
        "app.kubernetes.io/part-of" => team,
        "tier" => tier,
    }
}

fn make_container(
    rng: &mut PyRandom,
    name: &str,
    image: &str,
    idx: i64,
    cm_name: &str,
    main: bool,
) -> Y {
    let tag = format!(
        "{}.{}.{}",
        rng.randint(1, 4),
        rng.randint(0, 20),
        rng.randint(0, 9)
    );
    let log_level = rng.choice(&["debug", "info", "warn"]);
    let threads = rng.randint(1, 32);
    let mut env = list![
        map! {"name" => "APP_NAME", "value" => name},
        map! {"name" => "LOG_LEVEL", "value" => log_level},
        map! {"name" => "WORKER_THREADS", "value" => threads.to_string()},
        map! {
            "name" => "POD_NAMESPACE",
            "valueFrom" => map! {"fieldRef" => map! {"fieldPath" => "metadata.namespace"}},
        },
        map! {
            "name" => "FEATURE_FLAGS",
            "valueFrom" => map! {"configMapKeyRef" => map! {"name" => cm_name, "key" => "feature-flags"}},
        },
    ];
    for j in 0..rng.randint(0, 4) {
        let v = rng.randint(0, 9999);
        env.push(map! {"name" => format!("EXTRA_SETTING_{j}"), "value" => format!("value-{v}")});
    }
    let mut c = map! {
        "name" => if main { "main".to_string() } else { format!("sidecar-{idx}") },
        "image" => format!("{image}:{tag}"),
        "imagePullPolicy" => "IfNotPresent",
    };
    if main {
        c.set(
            "args",
            list![
                "--config=/etc/app/config.yaml",
                format!("--port={}", 8080 + idx)
            ],
        );
        c.set(
            "ports",
            list![
                map! {"name" => "http", "containerPort" => 8080i64, "protocol" => "TCP"},
                map! {"name" => "metrics", "containerPort" => 9090i64, "protocol" => "TCP"},
            ],
        );
    }
    c.set("env", env);
    c.set(
        "envFrom",
        list![map! {"configMapRef" => map! {"name" => "app-settings"}}],
    );
    let cpu = rng.choice(&[50i64, 100, 250, 500, 1000]);
    let mem = rng.choice(&[64i64, 128, 256, 512, 1024]);
    c.set(
        "resources",
        map! {
            "requests" => map! {"cpu" => format!("{cpu}m"), "memory" => format!("{mem}Mi")},
            "limits" => map! {"cpu" => format!("{}m", cpu * 2), "memory" => format!("{}Mi", mem * 2)},
        },
    );
    let mut mounts =
        list![map! {"name" => "config", "mountPath" => "/etc/app", "readOnly" => true}];
    if main {
        mounts.push(map! {"name" => "tmp", "mountPath" => "/tmp"});
        let delay = rng.randint(5, 30);
        c.set(
            "livenessProbe",
            map! {
                "httpGet" => map! {"path" => "/healthz", "port" => "http"},
                "initialDelaySeconds" => delay,
                "periodSeconds" => 10i64,
            },
        );
        c.set(
            "readinessProbe",
            map! {
                "httpGet" => map! {"path" => "/ready", "port" => "http"},
                "periodSeconds" => 5i64,
            },
        );
        c.set(
            "securityContext",
            map! {
                "allowPrivilegeEscalation" => false,
                "readOnlyRootFilesystem" => true,
                "runAsNonRoot" => true,
                "capabilities" => map! {"drop" => list!["ALL"]},
            },
        );
    }
    c.set("volumeMounts", mounts);
    c
}

/// What the overlays need to know of an app.
#[derive(Debug, Clone)]
struct AppInfo {
    name: String,
    kind: &'static str,
    cm: Option<String>,
}

fn make_app(rng: &mut PyRandom, i: usize, budget: usize) -> (Vec<Y>, AppInfo) {
    let name = format!("app-{i:04}");
    let team = TEAMS[i % TEAMS.len()];
    let tier = TIERS[rng.below(TIERS.len())];
    let labels = app_labels(&name, team, tier);
    let cm_name = format!("{name}-config");
    let sa_name = format!("{name}-sa");
    let stateful = rng.random() < 0.3;
    let kind = if stateful {
        "StatefulSet"
    } else {
        "Deployment"
    };
    let image = IMAGE_POOL[rng.below(11)];
    let mut containers = list![make_container(rng, &name, image, 0, &cm_name, true)];
    for s in 0..rng.randint(0, 2) {
        let side = sidecar_images();
        let img = side[rng.below(side.len())];
        containers.push(make_container(rng, &name, img, s + 1, &cm_name, false));
    }
    let mut volumes = list![
        map! {"name" => "config", "configMap" => map! {"name" => cm_name.as_str(), "defaultMode" => 420i64}},
        map! {"name" => "tmp", "emptyDir" => map! {"sizeLimit" => "256Mi"}},
    ];
    if rng.random() < 0.4 {
        volumes.push(
            map! {"name" => "credentials", "secret" => map! {"secretName" => "app-credentials"}},
        );
        containers.idx(0).at("volumeMounts").push(map! {
            "name" => "credentials", "mountPath" => "/var/run/secrets/app", "readOnly" => true,
        });
    }
    let mut pod_spec = map! {
        "serviceAccountName" => sa_name.as_str(),
        "terminationGracePeriodSeconds" => 30i64,
        "securityContext" => map! {"fsGroup" => 2000i64, "runAsUser" => 1000i64},
        "containers" => containers,
        "volumes" => volumes,
    };
    if rng.random() < 0.3 {
        let pool = rng.choice(&["general", "highmem"]);
        pod_spec.set(
            "nodeSelector",
            map! {"kubernetes.io/os" => "linux", "pool" => pool},
        );
    }
    if rng.random() < 0.2 {
        pod_spec.set(
            "tolerations",
            list![map! {"key" => "dedicated", "operator" => "Equal", "value" => team, "effect" => "NoSchedule"}],
        );
    }
    let owner = format!("team-{team}");
    let replicas = rng.randint(1, 5);
    let mut workload = map! {
        "apiVersion" => "apps/v1",
        "kind" => kind,
        "metadata" => map! {
            "name" => name.as_str(),
            "labels" => labels.clone(),
            "annotations" => map! {"synthetic.example.com/owner" => owner.as_str()},
        },
        "spec" => map! {
            "replicas" => replicas,
            "revisionHistoryLimit" => 10i64,
            "selector" => map! {"matchLabels" => map! {"app.kubernetes.io/name" => name.as_str()}},
            "template" => map! {
                "metadata" => map! {
                    "labels" => labels.clone(),
                    "annotations" => map! {"prometheus.io/scrape" => "true", "prometheus.io/port" => "9090"},
                },
                "spec" => pod_spec,
            },
        },
    };
    if stateful {
        let spec = workload.at("spec");
        spec.set("serviceName", name.as_str());
        spec.set("podManagementPolicy", "Parallel");
        spec.at("template")
            .at("spec")
            .at("containers")
            .idx(0)
            .at("volumeMounts")
            .push(map! {"name" => "data", "mountPath" => "/var/lib/app"});
        let size = rng.choice(&[1i64, 5, 10, 50]);
        spec.set(
            "volumeClaimTemplates",
            list![map! {
                "metadata" => map! {"name" => "data"},
                "spec" => map! {
                    "accessModes" => list!["ReadWriteOnce"],
                    "resources" => map! {"requests" => map! {"storage" => format!("{size}Gi")}},
                },
            }],
        );
    } else {
        workload.at("spec").set(
            "strategy",
            map! {
                "type" => "RollingUpdate",
                "rollingUpdate" => map! {"maxSurge" => "25%", "maxUnavailable" => 0i64},
            },
        );
    }
    let mut service = map! {
        "apiVersion" => "v1",
        "kind" => "Service",
        "metadata" => map! {
            "name" => name.as_str(),
            "labels" => labels.clone(),
            "annotations" => map! {"synthetic.example.com/owner" => owner.as_str()},
        },
        "spec" => map! {
            "type" => "ClusterIP",
            "selector" => map! {"app.kubernetes.io/name" => name.as_str()},
            "ports" => list![
                map! {"name" => "http", "port" => 80i64, "targetPort" => "http", "protocol" => "TCP"},
                map! {"name" => "metrics", "port" => 9090i64, "targetPort" => "metrics", "protocol" => "TCP"},
            ],
        },
    };
    if stateful {
        service.at("spec").set("clusterIP", "None");
    }
    let mut flags = rng.sample(&["alpha", "beta", "gamma", "delta", "epsilon", "zeta"], 3);
    flags.sort_unstable();
    let timeout = rng.randint(1, 60);
    let db_pool = rng.randint(2, 50);
    let max_conn = rng.randint(10, 1000);
    let configmap = map! {
        "apiVersion" => "v1",
        "kind" => "ConfigMap",
        "metadata" => map! {"name" => cm_name.as_str(), "labels" => labels.clone()},
        "data" => map! {
            "feature-flags" => flags.join(","),
            "config.yaml" => format!(
                "server:\n  port: 8080\n  name: {name}\n  timeoutSeconds: {timeout}\ndatabase:\n  host: db-{team}.example.internal\n  pool: {db_pool}\n"
            ),
            "max-connections" => max_conn.to_string(),
        },
    };
    let sa = map! {
        "apiVersion" => "v1",
        "kind" => "ServiceAccount",
        "metadata" => map! {"name" => sa_name.as_str(), "labels" => labels.clone()},
    };
    let mut docs = vec![workload, service, configmap, sa];
    if rng.random() < 0.7 {
        let role_name = format!("{name}-role");
        docs.push(map! {
            "apiVersion" => "rbac.authorization.k8s.io/v1",
            "kind" => "Role",
            "metadata" => map! {"name" => role_name.as_str(), "labels" => labels.clone()},
            "rules" => list![
                map! {"apiGroups" => list![""], "resources" => list!["configmaps", "secrets"], "verbs" => list!["get", "list", "watch"]},
                map! {"apiGroups" => list!["coordination.k8s.io"], "resources" => list!["leases"], "verbs" => list!["get", "create", "update"]},
            ],
        });
        docs.push(map! {
            "apiVersion" => "rbac.authorization.k8s.io/v1",
            "kind" => "RoleBinding",
            "metadata" => map! {"name" => format!("{name}-rolebinding"), "labels" => labels.clone()},
            "roleRef" => map! {"apiGroup" => "rbac.authorization.k8s.io", "kind" => "Role", "name" => role_name.as_str()},
            "subjects" => list![map! {"kind" => "ServiceAccount", "name" => sa_name.as_str()}],
        });
    }
    docs.truncate(budget);
    let info = AppInfo {
        cm: (docs.len() >= 3).then(|| cm_name.clone()),
        name,
        kind,
    };
    (docs, info)
}

// ------------------------------------------------------------------------------------
// Overlays.
// ------------------------------------------------------------------------------------

/// (prefix, suffix) contributed by a level.
fn affix(level: usize) -> (String, String) {
    if level % 2 == 1 {
        (format!("l{level}-"), String::new())
    } else {
        (String::new(), format!("-l{level}"))
    }
}

/// Name of a base resource as seen by level `level`'s patches.
fn name_before(level: usize, base: &str) -> String {
    let (mut pre, mut suf) = (String::new(), String::new());
    for k in 1..level {
        let (p, s) = affix(k);
        pre = p + &pre;
        suf += &s;
    }
    format!("{pre}{base}{suf}")
}

fn pick(rng: &mut PyRandom, seq: &[AppInfo], n: usize) -> Vec<AppInfo> {
    let mut v = rng.sample(seq, n.min(seq.len()));
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

fn make_level(
    rng: &mut PyRandom,
    em: &Emitter,
    level: usize,
    apps: &[AppInfo],
    out: &Path,
) -> PathBuf {
    let d = out.join("overlays").join(format!("level-{level}"));
    let workloads: Vec<AppInfo> = apps
        .iter()
        .filter(|a| a.kind == "Deployment" || a.kind == "StatefulSet")
        .cloned()
        .collect();
    let deployments: Vec<AppInfo> = workloads
        .iter()
        .filter(|a| a.kind == "Deployment")
        .cloned()
        .collect();
    let gen_name = format!("level-{level}-settings");
    let (pre, suf) = affix(level);
    let lvl = level as i64;

    let mut kust = map! {
        "apiVersion" => "kustomize.config.k8s.io/v1beta1",
        "kind" => "Kustomization",
        "resources" => list![if level == 1 { "../../base".to_string() } else { format!("../level-{}", level - 1) }],
    };
    if !pre.is_empty() {
        kust.set("namePrefix", pre);
    }
    if !suf.is_empty() {
        kust.set("nameSuffix", suf);
    }
    kust.set("namespace", format!("synthetic-l{level}"));
    kust.set(
        "commonLabels",
        map! {format!("synthetic.example.com/level-{level}") => "enabled"},
    );
    kust.set(
        "labels",
        list![map! {
            "pairs" => map! {"environment" => ["dev", "staging", "prod"][level % 3], "rollout-wave" => level.to_string()},
            "includeSelectors" => false,
            "includeTemplates" => true,
        }],
    );
    kust.set(
        "commonAnnotations",
        map! {
            format!("synthetic.example.com/level-{level}-owner") => format!("team-{}", TEAMS[level % TEAMS.len()]),
            "synthetic.example.com/last-applied-level" => level.to_string(),
        },
    );
    let mut pool = rng.sample(&IMAGE_POOL, 6);
    pool.sort_unstable();
    let mut images = Vec::new();
    for (j, img) in pool.iter().enumerate() {
        let mut entry = map! {"name" => *img};
        if j == 0 {
            let rest = img.split_once('/').map(|(_, r)| r).unwrap_or("");
            entry.set("newName", format!("mirror-l{level}.example.com/{rest}"));
        }
        if j == 1 {
            let hex: Vec<char> = "0123456789abcdef".chars().collect();
            let digest: String = (0..64).map(|_| rng.choice(&hex)).collect();
            entry.set("digest", format!("sha256:{digest}"));
        } else {
            let (a, b) = (rng.randint(0, 99), rng.randint(0, 9));
            entry.set("newTag", format!("v{level}.{a}.{b}"));
        }
        images.push(entry);
    }
    kust.set("images", images);
    let mut replicas = Vec::new();
    for a in pick(rng, &workloads, 3) {
        let count = rng.randint(2, 9);
        replicas.push(map! {"name" => a.name.as_str(), "count" => count});
    }
    kust.set("replicas", replicas);

    let mut patches = Vec::new();
    // 1. Strategic merge, inline, no target, referring to this level's generated ConfigMap.
    for a in pick(rng, &workloads, 2) {
        let mem = rng.choice(&[512i64, 768, 2048]);
        let smp = map! {
            "apiVersion" => "apps/v1",
            "kind" => a.kind,
            "metadata" => map! {"name" => a.name.as_str()},
            "spec" => map! {"template" => map! {"spec" => map! {"containers" => list![map! {
                "name" => "main",
                "env" => list![map! {
                    "name" => format!("LEVEL_{level}_MODE"),
                    "valueFrom" => map! {"configMapKeyRef" => map! {"name" => gen_name.as_str(), "key" => "mode"}},
                }],
                "resources" => map! {"limits" => map! {"memory" => format!("{mem}Mi")}},
            }]}}},
        };
        patches.push(map! {"patch" => em.to_yaml(&smp)});
    }
    // 2. Strategic merge from a file, targeted by kind and label selector.
    let smp_file = map! {
        "apiVersion" => "apps/v1",
        "kind" => "Deployment",
        "metadata" => map! {"name" => "not-used"},
        "spec" => map! {"template" => map! {
            "metadata" => map! {"annotations" => map! {format!("synthetic.example.com/level-{level}-patched") => "true"}},
            "spec" => map! {"volumes" => list![map! {"name" => format!("level-{level}-settings"), "configMap" => map! {"name" => gen_name.as_str()}}]},
        }},
    };
    write(&d.join("patches/smp-backend.yaml"), &em.to_yaml(&smp_file));
    patches.push(map! {
        "path" => "patches/smp-backend.yaml",
        "target" => map! {"kind" => "Deployment", "labelSelector" => "tier=backend"},
    });
    // 3. JSON 6902 by name (original name on odd levels, renamed on even ones).
    let pool = if deployments.is_empty() {
        &workloads
    } else {
        &deployments
    };
    for a in pick(rng, pool, 3) {
        let tname = if level % 2 == 1 {
            a.name.clone()
        } else {
            name_before(level, &a.name)
        };
        let rhl = rng.randint(1, 5);
        let ops = list![
            map! {"op" => "replace", "path" => "/spec/revisionHistoryLimit", "value" => rhl},
            map! {
                "op" => "add",
                "path" => "/spec/template/spec/containers/0/env/-",
                "value" => map! {"name" => format!("PATCHED_BY_LEVEL_{level}"), "value" => "json6902"},
            },
        ];
        patches.push(map! {
            "patch" => em.to_yaml(&ops),
            "target" => map! {"group" => "apps", "version" => "v1", "kind" => a.kind, "name" => tname},
        });
    }
    // 4. JSON 6902 from a file, targeted by a set-based label selector.
    let ops_file = list![
        map! {"op" => "add", "path" => "/spec/template/spec/terminationGracePeriodSeconds", "value" => 30 + lvl},
        map! {
            "op" => "add",
            "path" => "/spec/template/metadata/labels/synthetic.example.com~1selected-by",
            "value" => format!("level-{level}"),
        },
    ];
    write(
        &d.join("patches/json6902-workers.yaml"),
        &em.to_yaml(&ops_file),
    );
    patches.push(map! {
        "path" => "patches/json6902-workers.yaml",
        "target" => map! {"kind" => "Deployment|StatefulSet", "labelSelector" => "tier in (worker,cache)"},
    });
    // 5. JSON 6902 on Services matched by a label the base set.
    let exposed = list![map! {
        "op" => "add",
        "path" => "/metadata/annotations/synthetic.example.com~1exposed-level",
        "value" => level.to_string(),
    }];
    patches.push(map! {
        "patch" => em.to_yaml(&exposed),
        "target" => map! {
            "version" => "v1",
            "kind" => "Service",
            "labelSelector" => format!("app.kubernetes.io/part-of={}", TEAMS[level % TEAMS.len()]),
        },
    });
    kust.set("patches", patches);

    // Legacy field, still common in the wild.
    if let Some(cm) = &apps[level % apps.len()].cm {
        let legacy = map! {
            "apiVersion" => "v1",
            "kind" => "ConfigMap",
            "metadata" => map! {"name" => cm.as_str()},
            "data" => map! {format!("level-{level}-override") => "true", "max-connections" => (100 * level).to_string()},
        };
        write(
            &d.join("patches/configmap-override.yaml"),
            &em.to_yaml(&legacy),
        );
        kust.set(
            "patchesStrategicMerge",
            list!["patches/configmap-override.yaml"],
        );
    }

    // Generator with the default hash suffix, referenced by the patches above.
    let mut env = String::new();
    for j in 0..5 {
        let _ = writeln!(env, "SETTING_{j}=level{level}-value{}", rng.randint(0, 999));
    }
    write(&d.join("settings.env"), &env);
    let mut tuning = String::new();
    for j in 0..8 {
        let _ = writeln!(tuning, "tuning.key{j}={}", rng.randint(0, 1_000_000));
    }
    write(&d.join("files/tuning.properties"), &tuning);
    kust.set(
        "configMapGenerator",
        list![map! {
            "name" => gen_name.as_str(),
            "literals" => list![format!("mode={}", ["blue", "green", "canary"][level % 3]), format!("level={level}")],
            "envs" => list!["settings.env"],
            "files" => list!["files/tuning.properties"],
        }],
    );
    write(&d.join("kustomization.yaml"), &em.to_yaml(&kust));
    d
}

/// Writes the tree for `(n, depth, seed)` under `out`; returns the build target.
/// (`pub(crate)`: `benches/pipeline.rs` includes this file to make its inputs.)
pub(crate) fn generate(out: &Path, n: usize, depth: usize, seed: u64) -> PathBuf {
    let mut rng = PyRandom::new(seed);
    let em = Emitter::new();
    for sub in ["base", "overlays"] {
        let _ = std::fs::remove_dir_all(out.join(sub));
    }
    std::fs::create_dir_all(out).unwrap_or_else(|e| panic!("creating {}: {e}", out.display()));

    let mut apps = Vec::new();
    let mut files = Vec::new();
    let (mut remaining, mut i) = (n, 0usize);
    while remaining > 0 {
        let (docs, info) = make_app(&mut rng, i, remaining);
        let path = format!("apps/{}.yaml", info.name);
        write(&out.join("base").join(&path), &em.to_yaml_stream(&docs));
        files.push(Y::Str(path));
        remaining -= docs.len();
        apps.push(info);
        i += 1;
    }
    write(
        &out.join("base/credentials.env"),
        "username=app\npassword=not-a-real-secret\n",
    );
    let base_kust = map! {
        "apiVersion" => "kustomize.config.k8s.io/v1beta1",
        "kind" => "Kustomization",
        "labels" => list![map! {"pairs" => map! {"synthetic.example.com/generated" => "true"}}],
        "resources" => files,
        "configMapGenerator" => list![map! {
            "name" => "app-settings",
            "literals" => list!["REGION=eu-west-1", "CLUSTER=synthetic", format!("SEED={seed}")],
        }],
        "secretGenerator" => list![map! {"name" => "app-credentials", "envs" => list!["credentials.env"]}],
    };
    write(
        &out.join("base/kustomization.yaml"),
        &em.to_yaml(&base_kust),
    );

    let mut target = out.join("base");
    for level in 1..=depth {
        target = make_level(&mut rng, &em, level, &apps, out);
    }
    target
}

fn usage() -> ! {
    eprintln!("usage: gen_tree --resources N --depth D [--seed S] --out DIR");
    std::process::exit(2);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut n, mut depth, mut seed, mut out) = (None, None, 1u64, None);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--resources" => n = val().parse::<usize>().ok(),
            "--depth" => depth = val().parse::<usize>().ok(),
            "--seed" => seed = val().parse::<u64>().unwrap_or_else(|_| usage()),
            "--out" => out = Some(PathBuf::from(val())),
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    let (Some(n), Some(depth), Some(out)) = (n, depth, out) else {
        usage()
    };
    if n < 1 {
        eprintln!("--resources must be >= 1");
        std::process::exit(2);
    }
    println!("{}", generate(&out, n, depth, seed).display());
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_cpython_random() {
        // python3 -c 'import random; r=random.Random(42); print([r.getrandbits(32) for _ in range(3)], r.random())'
        let mut r = super::PyRandom::new(42);
        assert_eq!(
            [r.genrand(), r.genrand(), r.genrand()],
            [2_746_317_213, 478_163_327, 107_420_369]
        );
    }
}
