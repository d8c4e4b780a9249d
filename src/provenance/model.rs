//! The provenance data model: places in files, build steps, origins and the record of
//! values kept on each resource. It imports nothing but the field-path step type, so
//! `resource` can carry a record without importing the code that computes or reads it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::check::lines::Step as Seg;

/// A place in a file: 1-based line, and 1-based column (0 when only the line is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// The file, as the build named it.
    pub file: Arc<PathBuf>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub col: usize,
}

impl Loc {
    /// `file:line` with the file relative to `root`.
    pub fn short(&self, root: &Path) -> String {
        format!("{}:{}", rel(&self.file, root), self.line)
    }

    /// `file:line:col` (or `file:line`) with the file relative to `root`.
    pub fn long(&self, root: &Path) -> String {
        if self.col > 0 {
            format!("{}:{}:{}", rel(&self.file, root), self.line, self.col)
        } else {
            self.short(root)
        }
    }
}

/// `file` relative to `root` when it is inside it, else as it is.
pub fn rel(file: &Path, root: &Path) -> String {
    let file = crate::load::clean(file);
    let root = crate::load::clean(root);
    if root.as_os_str().is_empty() {
        return file.display().to_string();
    }
    match file.strip_prefix(&root) {
        Ok(r) => r.display().to_string(),
        Err(_) => file.display().to_string(),
    }
}

/// The kinds of build step that write values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// A resource file read under `resources:`.
    Resource,
    /// `configMapGenerator` / `secretGenerator` (or a generator plugin).
    Generator,
    /// A strategic-merge patch (`patches:` or `patchesStrategicMerge:`).
    StrategicMergePatch,
    /// A JSON 6902 patch.
    Json6902Patch,
    /// `namespace:`.
    Namespace,
    /// `namePrefix:`.
    NamePrefix,
    /// `nameSuffix:`.
    NameSuffix,
    /// `labels:` / `commonLabels:`.
    Labels,
    /// `commonAnnotations:`.
    Annotations,
    /// `images:`.
    Images,
    /// `replicas:`.
    Replicas,
    /// `replacements:`.
    Replacement,
    /// The content-hash suffix of a generated name.
    HashSuffix,
    /// A reference rewritten to follow a renamed object.
    NameReference,
    /// A `$(VAR)` substituted from `vars:`.
    Var,
    /// A transformer plugin configuration (`transformers:`).
    Plugin,
    /// `buildMetadata: [managedByLabel]`.
    ManagedByLabel,
}

impl StepKind {
    /// The short name shown in blame comments and explanations.
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Resource => "resource",
            StepKind::Generator => "generator",
            StepKind::StrategicMergePatch => "patch",
            StepKind::Json6902Patch => "json6902",
            StepKind::Namespace => "namespace",
            StepKind::NamePrefix => "namePrefix",
            StepKind::NameSuffix => "nameSuffix",
            StepKind::Labels => "labels",
            StepKind::Annotations => "commonAnnotations",
            StepKind::Images => "images",
            StepKind::Replicas => "replicas",
            StepKind::Replacement => "replacement",
            StepKind::HashSuffix => "hashSuffix",
            StepKind::NameReference => "nameReference",
            StepKind::Var => "var",
            StepKind::Plugin => "transformer",
            StepKind::ManagedByLabel => "managedByLabel",
        }
    }
}

/// A build step as the build describes it to the recorder.
#[derive(Debug, Clone)]
pub struct StepDesc {
    /// What ran.
    pub kind: StepKind,
    /// The kustomization (or plugin configuration) file that configured it.
    pub kfile: PathBuf,
    /// The field of `kfile` that configured it, dotted (`replicas[0]`, `patches[1]`).
    pub field: String,
    /// The file the step read its values from (a resource or patch file), if any.
    pub source: Option<PathBuf>,
    /// What it acted on, for the reader (`kagent` for `replicas[kagent]`).
    pub label: String,
    /// Configured in a `kind: Component` kustomization.
    pub component: bool,
}

impl StepDesc {
    /// A step configured by `field` of `kfile`.
    pub fn new(kind: StepKind, kfile: &Path, field: impl Into<String>) -> StepDesc {
        StepDesc {
            kind,
            kfile: kfile.to_path_buf(),
            field: field.into(),
            source: None,
            label: String::new(),
            component: false,
        }
    }

    /// The same step, reading its values from `file`.
    pub fn source(mut self, file: &Path) -> StepDesc {
        self.source = Some(file.to_path_buf());
        self
    }

    /// The same step, labelled with what it acted on.
    pub fn label(mut self, label: impl Into<String>) -> StepDesc {
        self.label = label.into();
        self
    }
}

/// A recorded step: its kind, where it was configured, its label.
#[derive(Debug, Clone)]
pub struct StepInfo {
    /// What ran.
    pub kind: StepKind,
    /// The kustomization line that configured it (none for resource files).
    pub configured: Option<Loc>,
    /// What it acted on.
    pub label: String,
    /// Configured in a component.
    pub component: bool,
}

/// A place in a file as the record keeps it (smaller than [`Loc`]: one per recorded value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    file: Arc<PathBuf>,
    line: u32,
    col: u32,
}

impl At {
    /// The place, for readers.
    pub fn loc(&self) -> Loc {
        Loc {
            file: self.file.clone(),
            line: self.line as usize,
            col: self.col as usize,
        }
    }

    /// `line` and `col` (1-based; column 0 when unknown) of `file`.
    pub(crate) fn new(file: Arc<PathBuf>, line: usize, col: usize) -> At {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        At {
            file,
            line: clamp(line),
            col: clamp(col),
        }
    }
}

impl From<Loc> for At {
    fn from(l: Loc) -> At {
        At::new(l.file, l.line, l.col)
    }
}

/// Who wrote a value: the step, and the place the value itself was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Index of the step in [`Provenance::steps`].
    pub step: u32,
    /// Where the value was read (a resource or patch file position), when known.
    pub at: Option<At>,
    /// The object whose name this value follows (for name references).
    pub follows: Option<Arc<Follow>>,
}

/// The renamed object a name reference follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follow {
    /// `Kind name` of the object.
    pub what: String,
    /// Who gave the object its name.
    pub origin: Origin,
}

/// A value an origin overwrote, with its own origin.
#[derive(Debug, Clone)]
pub struct Prior {
    /// The value before (a scalar, or the whole list or map it replaced).
    pub value: Value,
    /// Who had written it.
    pub origin: Origin,
}

/// The record of one value of an object: who wrote it, what it replaced, and (for maps
/// and lists) the records of its members.
#[derive(Debug, Clone)]
pub struct Node {
    /// Who wrote (or, for a map or list, created) this value.
    pub origin: Origin,
    /// The values it replaced, newest first (most values replaced none: no list kept).
    was: Option<Box<Was>>,
    /// The value's own shape.
    pub body: Body,
}

/// The values a value replaced, boxed apart from the record (most replaced none).
#[derive(Debug, Clone)]
struct Was(Vec<Prior>);

/// A map key in a record: the common field names of Kubernetes objects are shared, not
/// copied into each record.
#[derive(Debug, Clone)]
pub struct Key(std::borrow::Cow<'static, str>);

/// Field names common enough to share, sorted.
const COMMON_KEYS: &[&str] = &[
    "annotations",
    "apiVersion",
    "app",
    "app.kubernetes.io/component",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/name",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
    "args",
    "command",
    "configMap",
    "configMapKeyRef",
    "configMapRef",
    "containerPort",
    "containers",
    "cpu",
    "data",
    "emptyDir",
    "env",
    "envFrom",
    "failureThreshold",
    "fieldPath",
    "fieldRef",
    "httpGet",
    "image",
    "imagePullPolicy",
    "initialDelaySeconds",
    "items",
    "key",
    "kind",
    "labels",
    "limits",
    "livenessProbe",
    "matchLabels",
    "memory",
    "metadata",
    "mountPath",
    "name",
    "namespace",
    "path",
    "periodSeconds",
    "persistentVolumeClaim",
    "port",
    "ports",
    "protocol",
    "readOnly",
    "readinessProbe",
    "replicas",
    "requests",
    "resources",
    "revisionHistoryLimit",
    "roleRef",
    "rules",
    "secret",
    "secretKeyRef",
    "secretName",
    "securityContext",
    "selector",
    "serviceAccountName",
    "spec",
    "subjects",
    "targetPort",
    "template",
    "timeoutSeconds",
    "type",
    "value",
    "valueFrom",
    "volumeMounts",
    "volumes",
];

/// Longest common field name.
const COMMON_MAX: usize = 32;

/// The common field name equal to `k`: the few of its length are compared first byte
/// first (a binary search compared whole names, a tenth of the recording time).
fn common_key(k: &str) -> Option<&'static str> {
    static BY_LEN: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    let by_len = BY_LEN.get_or_init(|| {
        let mut t = vec![Vec::new(); COMMON_MAX + 1];
        for c in COMMON_KEYS {
            if let Some(b) = t.get_mut(c.len()) {
                b.push(*c);
            }
        }
        t
    });
    let first = *k.as_bytes().first()?;
    by_len
        .get(k.len())?
        .iter()
        .find(|c| c.as_bytes()[0] == first && **c == k)
        .copied()
}

impl Key {
    /// The key `k`, shared when it is a common field name.
    pub(crate) fn new(k: &str) -> Key {
        match common_key(k) {
            Some(c) => Key(std::borrow::Cow::Borrowed(c)),
            None => Key(std::borrow::Cow::Owned(k.to_string())),
        }
    }
}

impl std::ops::Deref for Key {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// The shape of a recorded value.
#[derive(Debug, Clone)]
pub enum Body {
    /// A scalar, as last recorded.
    Leaf(Value),
    /// A map's members, sorted by key (the order of the object's own maps).
    Map(Vec<(Key, Node)>),
    /// A list's items.
    Seq(Vec<Node>),
}

impl Node {
    /// A record of `body` written by `origin`, replacing nothing.
    pub(crate) fn new(origin: Origin, body: Body) -> Node {
        Node {
            origin,
            was: None,
            body,
        }
    }

    /// The values this one replaced, newest first.
    pub fn was(&self) -> &[Prior] {
        self.was.as_deref().map_or(&[], |w| w.0.as_slice())
    }

    /// Records that this value replaced `prior` (newest first), before the older ones.
    pub(crate) fn replaced(&mut self, prior: Prior, older: &[Prior]) {
        let mut all = Vec::with_capacity(1 + older.len() + self.was().len());
        all.push(prior);
        all.extend_from_slice(older);
        all.extend_from_slice(self.was());
        self.was = Some(Box::new(Was(all)));
    }

    /// The record of member `key` of a map.
    pub fn field(&self, key: &str) -> Option<&Node> {
        match &self.body {
            Body::Map(m) => m
                .binary_search_by(|(k, _)| (**k).cmp(key))
                .ok()
                .map(|i| &m[i].1),
            _ => None,
        }
    }

    /// The record at `steps` under this node.
    pub fn get(&self, steps: &[Seg]) -> Option<&Node> {
        let mut cur = self;
        for s in steps {
            cur = match (&cur.body, s) {
                (Body::Map(_), Seg::Key(k)) => cur.field(k)?,
                (Body::Seq(v), Seg::Index(i)) => v.get(*i)?,
                _ => return None,
            };
        }
        Some(cur)
    }
}

/// The record of one object: the record of its root map, and a fingerprint of the object
/// as last compared (a step that leaves the fingerprint unchanged changed nothing).
#[derive(Debug, Clone)]
pub struct Record {
    /// The root map's record.
    pub root: Node,
    pub(crate) fingerprint: u64,
}

/// The fingerprint of an object whose record may be out of date: compare it in full.
pub(crate) const UNKNOWN_FINGERPRINT: u64 = 0;

impl Record {
    /// Forgets the object's fingerprint, after a change made outside any recorded step
    /// (build annotations): the next step compares the whole object again, and a step
    /// whose scope leaves the object out does not take the change for its own.
    pub fn forget_fingerprint(&mut self) {
        self.fingerprint = UNKNOWN_FINGERPRINT;
    }
}

impl std::ops::Deref for Record {
    type Target = Node;
    fn deref(&self) -> &Node {
        &self.root
    }
}

/// Short descriptions ([`Provenance::describe`]) already made, by origin: describing
/// every line of a large render names the same few origins many times.
#[derive(Debug, Default)]
pub struct Described(std::collections::HashMap<(u32, usize, u32, usize), String>);

/// The steps of a build with provenance, to read the origins on its resources.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Every recorded step, in the order they ran.
    pub steps: Vec<StepInfo>,
}

impl Provenance {
    /// The step of an origin.
    pub fn step(&self, o: &Origin) -> Option<&StepInfo> {
        self.steps.get(o.step as usize)
    }

    /// Where an origin points a reader: where the value was read, else the kustomization
    /// line that configured the step.
    pub fn location(&self, o: &Origin) -> Option<Loc> {
        o.at.as_ref()
            .map(At::loc)
            .or_else(|| self.step(o).and_then(|s| s.configured.clone()))
    }

    /// [`Provenance::describe`] (short form), made once per origin of `memo`.
    pub fn describe_memo<'m>(&self, o: &Origin, root: &Path, memo: &'m mut Described) -> &'m str {
        // The short form depends on the step, the file and line, and the object followed.
        let key = (
            o.step,
            o.at.as_ref().map_or(0, |a| Arc::as_ptr(&a.file) as usize),
            o.at.as_ref().map_or(0, |a| a.line),
            o.follows.as_ref().map_or(0, |f| Arc::as_ptr(f) as usize),
        );
        memo.0
            .entry(key)
            .or_insert_with(|| self.describe(o, root, false))
    }

    /// A one-line description: `overlays/prod/kustomization.yaml:28 replicas[kagent]`, or
    /// just `base/statefulset.yaml:10` for a value read from a resource file.
    pub fn describe(&self, o: &Origin, root: &Path, long: bool) -> String {
        let mut out = match self.location(o) {
            Some(l) if long => l.long(root),
            Some(l) => l.short(root),
            None => "(unknown)".to_string(),
        };
        if let Some(s) = self.step(o) {
            if s.kind != StepKind::Resource {
                out.push(' ');
                if s.component {
                    out.push_str("component ");
                }
                out.push_str(s.kind.name());
                if !s.label.is_empty() {
                    out.push('[');
                    out.push_str(&s.label);
                    out.push(']');
                }
            }
        }
        if let Some(f) = &o.follows {
            out.push_str(" follows ");
            out.push_str(&f.what);
            if let Some(s) = self.step(&f.origin) {
                out.push_str(&format!(" ({})", s.kind));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_keys_are_sorted_and_shared() {
        assert!(COMMON_KEYS.windows(2).all(|w| w[0] < w[1]));
        assert!(COMMON_KEYS.iter().all(|k| k.len() <= COMMON_MAX));
        for k in COMMON_KEYS {
            assert!(
                matches!(Key::new(k).0, std::borrow::Cow::Borrowed(_)),
                "{k}"
            );
        }
        assert!(matches!(Key::new("").0, std::borrow::Cow::Owned(_)));
        assert!(matches!(Key::new("specs").0, std::borrow::Cow::Owned(_)));
        assert!(matches!(Key::new("spec").0, std::borrow::Cow::Borrowed(_)));
        assert_eq!(&*Key::new("x-custom"), "x-custom");
    }
}
