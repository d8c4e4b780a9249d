//! Resource-aware diff of rendered manifests.
//!
//! The core is pure: [`diff_sets`] matches two lists of rendered objects by
//! apiVersion/kind/namespace/name and returns a [`Report`] with one [`Entry`] per added,
//! removed or changed resource. A changed entry carries its field-level changes
//! ([`paths`]) and, for Secrets, the per-key status of `data`/`stringData` ([`mask`]);
//! the YAML it shows (and diffs) is already masked, so no formatter can print a secret
//! value. [`mod@format`] prints reports as text, paths, markdown or JSON; [`source`] reads the
//! two sides (files, directories, the kagent tree, the tree at a git ref); [`cli`] is
//! `kagentctl diff`.
//!
//! Generated ConfigMaps and Secrets carry a content-hash suffix (`kagent-config-742d79c4gt`),
//! so changing one value renames them. When exactly one removed and one added object of
//! the same kind and namespace differ only in that suffix, they are reported as one changed
//! resource (`~ ConfigMap kagent/kagent-config-742d79c4gt -> kagent-config-...`) instead
//! of a removal plus an addition. Every other rename is a removal plus an addition.
//!
//! [`immutable`] names the changes `kubectl apply` cannot make to a live object (a
//! selector, a StatefulSet's volume claim templates, a binding's `roleRef`, ...).

pub mod cli;
pub mod format;
pub mod ignore;
pub mod immutable;
pub mod mask;
pub mod paths;
pub mod rename;
pub mod source;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

pub use mask::{KeyStatus, SecretKey};
pub use paths::{Change, FieldChange};

/// The identity of a rendered object: apiVersion, kind, namespace and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key<'a> {
    /// `apiVersion` (`""` when missing).
    pub api_version: &'a str,
    /// `kind` (`""` when missing).
    pub kind: &'a str,
    /// `metadata.namespace` (`""` when unset).
    pub namespace: &'a str,
    /// `metadata.name` (`""` when missing).
    pub name: &'a str,
}

impl<'a> Key<'a> {
    /// The key of one object; missing fields are empty strings.
    pub fn of(v: &'a Value) -> Key<'a> {
        let s = |f: &str| v.get(f).and_then(Value::as_str).unwrap_or("");
        let meta = |f: &str| {
            v.get("metadata")
                .and_then(|m| m.get(f))
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        Key {
            api_version: s("apiVersion"),
            kind: s("kind"),
            namespace: meta("namespace"),
            name: meta("name"),
        }
    }
}

impl fmt::Display for Key<'_> {
    /// `Kind namespace/name`, or `Kind name` for cluster-scoped objects.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// What happened to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Present on both sides with different content.
    Changed,
    /// Only on the new side.
    Added,
    /// Only on the old side.
    Removed,
}

impl Status {
    /// The header sigil: `~`, `+` or `-`.
    pub fn sigil(self) -> char {
        match self {
            Status::Changed => '~',
            Status::Added => '+',
            Status::Removed => '-',
        }
    }

    /// `changed`, `added` or `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Changed => "changed",
            Status::Added => "added",
            Status::Removed => "removed",
        }
    }
}

/// One added, removed or changed resource.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Added, removed or changed.
    pub status: Status,
    /// The resource's key: the new one for added and changed resources, the old one for
    /// removed resources.
    pub key: Key<'a>,
    /// For a generated object whose hash suffix changed, or a detected rename: the old name.
    pub old_name: Option<&'a str>,
    /// For a detected move to another namespace: the old namespace.
    pub old_namespace: Option<&'a str>,
    /// For a detected rename or move (`--detect-renames`): how similar the two objects
    /// are, in percent.
    pub similarity: Option<u8>,
    /// The old object, Secret values masked (`None` when added).
    pub old: Option<Cow<'a, Value>>,
    /// The new object, Secret values masked (`None` when removed).
    pub new: Option<Cow<'a, Value>>,
    /// Field-level changes of a changed resource (Secret data excluded: see `secret_keys`).
    pub fields: Vec<FieldChange<'a>>,
    /// For Secrets: every `data`/`stringData` key and what happened to it.
    pub secret_keys: Vec<SecretKey<'a>>,
}

impl Entry<'_> {
    /// The header line without colour: `~ StatefulSet kagent/kagent`, and for a renamed
    /// generated object `~ ConfigMap kagent/old-name -> new-name`.
    pub fn header(&self) -> String {
        let similar = self
            .similarity
            .map(|p| format!(" (renamed, {p}% similar)"))
            .unwrap_or_default();
        match (self.old_name, self.old_namespace) {
            (None, None) => format!("{} {}", self.status.sigil(), self.key),
            (name, None) => {
                let old_key = Key {
                    name: name.unwrap_or(self.key.name),
                    ..self.key
                };
                format!(
                    "{} {old_key} -> {}{similar}",
                    self.status.sigil(),
                    self.key.name
                )
            }
            (name, Some(ns)) => {
                let old_key = Key {
                    name: name.unwrap_or(self.key.name),
                    namespace: ns,
                    ..self.key
                };
                let new_key = Key {
                    kind: "",
                    ..self.key
                };
                let new = new_key.to_string();
                format!(
                    "{} {old_key} -> {}{similar}",
                    self.status.sigil(),
                    new.trim_start()
                )
            }
        }
    }

    /// The unified diff of the (masked) YAML of both sides, `context` lines around each
    /// change: hunks only (`@@ -a,b +c,d @@` and their lines), no file header. An added or
    /// removed resource is shown in full.
    pub fn unified(&self, context: usize) -> String {
        let mut old = String::new();
        let mut new = String::new();
        if let Some(v) = &self.old {
            crate::yaml::emit_document(v, &mut old);
        }
        if let Some(v) = &self.new {
            crate::yaml::emit_document(v, &mut new);
        }
        let diff = similar::TextDiff::from_lines(&old, &new);
        let mut out = String::new();
        for hunk in diff.unified_diff().context_radius(context).iter_hunks() {
            use std::fmt::Write;
            // Writing into a String cannot fail.
            let _ = write!(out, "{hunk}");
        }
        out
    }
}

/// The difference between two sets of rendered objects.
#[derive(Debug, Clone, Default)]
pub struct Report<'a> {
    /// Added, removed and changed resources, in output order: new-side order, each removed
    /// resource placed where it stood on the old side.
    pub entries: Vec<Entry<'a>>,
    /// How many resources are identical on both sides.
    pub unchanged: usize,
}

impl Report<'_> {
    /// How many entries have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.entries.iter().filter(|e| e.status == status).count()
    }

    /// Whether both sides hold the same objects.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `1 changed, 1 added, 0 removed`.
    pub fn summary(&self) -> String {
        format!(
            "{} changed, {} added, {} removed",
            self.count(Status::Changed),
            self.count(Status::Added),
            self.count(Status::Removed)
        )
    }
}

/// The characters of Kustomize's generator hash suffix (hex with 0,1,3,a,e replaced).
const HASH_ALPHABET: &[u8] = b"2456789bcdfghkmt";

/// For a name with a Kustomize generator hash suffix (`kagent-config-742d79c4gt`), the
/// name without it (`kagent-config`).
pub fn generated_stem(name: &str) -> Option<&str> {
    let (stem, hash) = name.rsplit_once('-')?;
    (!stem.is_empty() && hash.len() == 10 && hash.bytes().all(|b| HASH_ALPHABET.contains(&b)))
        .then_some(stem)
}

/// Whether objects of `kind` come from Kustomize generators (and so may carry a hash suffix).
fn is_generated_kind(kind: &str) -> bool {
    kind == "ConfigMap" || kind == "Secret"
}

/// Compares two sets of rendered objects (in output order).
///
/// Objects are matched by apiVersion/kind/namespace/name; a generated ConfigMap or Secret
/// whose hash suffix changed is matched with its successor (see the module docs).
/// Documents that are not objects (empty documents) are ignored. If one side repeats a key,
/// the first occurrence is matched and the others count as added or removed.
pub fn diff_sets<'a>(old: &'a [Value], new: &'a [Value]) -> Report<'a> {
    diff_sets_with(old, new, None)
}

/// [`diff_sets`], and with `renames` (a similarity threshold in percent) also pairs a
/// removed and an added object of the same apiVersion and kind whose content, name and
/// namespace aside, is at least that similar: a rename or move, shown as one changed
/// resource.
pub fn diff_sets_with<'a>(old: &'a [Value], new: &'a [Value], renames: Option<u8>) -> Report<'a> {
    let old: Vec<&Value> = old.iter().filter(|v| v.is_object()).collect();
    let new: Vec<&Value> = new.iter().filter(|v| v.is_object()).collect();
    let old_keys: Vec<Key> = old.iter().map(|v| Key::of(v)).collect();
    let new_keys: Vec<Key> = new.iter().map(|v| Key::of(v)).collect();

    let mut old_index: HashMap<Key, usize> = HashMap::with_capacity(old.len());
    for (i, k) in old_keys.iter().enumerate() {
        old_index.entry(*k).or_insert(i);
    }
    let mut old_used = vec![false; old.len()];
    // For each new object, the old object it is matched with.
    let mut matched: Vec<Option<usize>> = new_keys
        .iter()
        .map(|k| {
            let i = *old_index.get(k)?;
            if old_used[i] {
                return None;
            }
            old_used[i] = true;
            Some(i)
        })
        .collect();
    pair_hash_renames(&old_keys, &new_keys, &mut old_used, &mut matched);
    let mut similarity: HashMap<usize, u8> = HashMap::new();
    if let Some(threshold) = renames {
        similarity = rename::pair_similar(
            (&old, &old_keys),
            (&new, &new_keys),
            &mut old_used,
            &mut matched,
            threshold,
        );
    }

    let mut report = Report::default();
    let mut next_old = 0;
    let flush_removed = |upto: usize, next_old: &mut usize, report: &mut Report<'a>| {
        while *next_old < upto {
            let i = *next_old;
            *next_old += 1;
            if !old_used[i] {
                report
                    .entries
                    .push(one_sided(Status::Removed, old_keys[i], old[i]));
            }
        }
    };
    // For each new position, the old index of the next matched object: removed objects
    // before it are printed ahead of an added object there (`-` before `+`).
    let mut next_match = vec![old.len(); matched.len() + 1];
    for j in (0..matched.len()).rev() {
        next_match[j] = matched[j].unwrap_or(next_match[j + 1]);
    }
    for (j, m) in matched.iter().enumerate() {
        match *m {
            Some(i) => {
                flush_removed(i, &mut next_old, &mut report);
                if old[i] == new[j] {
                    report.unchanged += 1;
                } else {
                    let mut e = changed(old_keys[i], new_keys[j], old[i], new[j]);
                    e.similarity = similarity.get(&j).copied();
                    report.entries.push(e);
                }
            }
            None => {
                flush_removed(next_match[j], &mut next_old, &mut report);
                report
                    .entries
                    .push(one_sided(Status::Added, new_keys[j], new[j]));
            }
        }
    }
    flush_removed(old.len(), &mut next_old, &mut report);
    report
}

/// Pairs unmatched generated objects whose names differ only in the hash suffix, when the
/// pairing is unambiguous (exactly one candidate on each side).
fn pair_hash_renames(
    old_keys: &[Key],
    new_keys: &[Key],
    old_used: &mut [bool],
    matched: &mut [Option<usize>],
) {
    type Group<'k> = (&'k str, &'k str, &'k str, &'k str);
    fn group<'k>(k: &Key<'k>) -> Option<Group<'k>> {
        if !is_generated_kind(k.kind) {
            return None;
        }
        Some((k.api_version, k.kind, k.namespace, generated_stem(k.name)?))
    }
    // Candidates per group: (old indices, new indices).
    let mut groups: HashMap<Group, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, k) in old_keys.iter().enumerate() {
        if !old_used[i] {
            if let Some(g) = group(k) {
                groups.entry(g).or_default().0.push(i);
            }
        }
    }
    if groups.is_empty() {
        return;
    }
    for (j, k) in new_keys.iter().enumerate() {
        if matched[j].is_none() {
            if let Some(g) = group(k) {
                if let Some(entry) = groups.get_mut(&g) {
                    entry.1.push(j);
                }
            }
        }
    }
    for (olds, news) in groups.values() {
        if let ([i], [j]) = (olds.as_slice(), news.as_slice()) {
            old_used[*i] = true;
            matched[*j] = Some(*i);
        }
    }
}

/// An added or removed entry.
fn one_sided<'a>(status: Status, key: Key<'a>, v: &'a Value) -> Entry<'a> {
    let (shown, secret_keys) = if mask::is_secret(v) {
        let (masked, keys) = mask::mask_alone(v, status == Status::Removed);
        (Cow::Owned(masked), keys)
    } else {
        (Cow::Borrowed(v), Vec::new())
    };
    let (old, new) = match status {
        Status::Removed => (Some(shown), None),
        _ => (None, Some(shown)),
    };
    Entry {
        status,
        key,
        old_name: None,
        old_namespace: None,
        similarity: None,
        old,
        new,
        fields: Vec::new(),
        secret_keys,
    }
}

/// A changed entry.
fn changed<'a>(old_key: Key<'a>, new_key: Key<'a>, old: &'a Value, new: &'a Value) -> Entry<'a> {
    let secret = mask::is_secret(old) || mask::is_secret(new);
    let fields = paths::diff_fields(old, new, secret);
    let (old_shown, new_shown, secret_keys) = if secret {
        let m = mask::mask_pair(old, new);
        (Cow::Owned(m.old), Cow::Owned(m.new), m.keys)
    } else {
        (Cow::Borrowed(old), Cow::Borrowed(new), Vec::new())
    };
    Entry {
        status: Status::Changed,
        key: new_key,
        old_name: (old_key.name != new_key.name).then_some(old_key.name),
        old_namespace: (old_key.namespace != new_key.namespace).then_some(old_key.namespace),
        similarity: None,
        old: Some(old_shown),
        new: Some(new_shown),
        fields,
        secret_keys,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str, level: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "namespace": "kagent"},
               "data": {"LOG_LEVEL": level}})
    }

    fn sts(replicas: u64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "kagent", "namespace": "kagent"},
               "spec": {"replicas": replicas}})
    }

    fn ns() -> Value {
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kagent"}})
    }

    #[test]
    fn matches_by_identity_and_counts() {
        let old = vec![ns(), sts(1)];
        let new = vec![ns(), sts(5), cm("extra", "info")];
        let r = diff_sets(&old, &new);
        assert_eq!(r.summary(), "1 changed, 1 added, 0 removed");
        assert_eq!(r.unchanged, 1);
        assert_eq!(r.entries[0].header(), "~ StatefulSet kagent/kagent");
        assert_eq!(r.entries[1].header(), "+ ConfigMap kagent/extra");
    }

    #[test]
    fn a_move_is_no_change_and_identical_sets_are_empty() {
        let old = vec![ns(), sts(1)];
        let new = vec![sts(1), ns()];
        assert!(diff_sets(&old, &new).is_empty());
    }

    #[test]
    fn a_rename_is_removed_plus_added() {
        let old = vec![cm("a", "info")];
        let new = vec![cm("b", "info")];
        let r = diff_sets(&old, &new);
        assert_eq!(r.summary(), "0 changed, 1 added, 1 removed");
        // Removed entries stay where they were on the old side.
        assert_eq!(r.entries[0].header(), "- ConfigMap kagent/a");
        assert_eq!(r.entries[1].header(), "+ ConfigMap kagent/b");
    }

    #[test]
    fn apiversion_is_part_of_the_identity() {
        let mut v1 = sts(1);
        v1["apiVersion"] = json!("apps/v1beta2");
        let (old, new) = ([v1], [sts(1)]);
        let r = diff_sets(&old, &new);
        assert_eq!(r.summary(), "0 changed, 1 added, 1 removed");
    }

    #[test]
    fn hash_suffix_rename_is_a_change() {
        let old = vec![cm("kagent-config-742d79c4gt", "info")];
        let new = vec![cm("kagent-config-6kfk4bttkb", "debug")];
        let r = diff_sets(&old, &new);
        assert_eq!(r.summary(), "1 changed, 0 added, 0 removed");
        assert_eq!(
            r.entries[0].header(),
            "~ ConfigMap kagent/kagent-config-742d79c4gt -> kagent-config-6kfk4bttkb"
        );
    }

    #[test]
    fn ambiguous_hash_renames_are_not_paired() {
        let old = vec![cm("c-742d79c4gt", "a"), cm("c-2c4m2hb74k", "b")];
        let new = vec![cm("c-6kfk4bttkb", "c")];
        assert_eq!(
            diff_sets(&old, &new).summary(),
            "0 changed, 1 added, 2 removed"
        );
    }

    #[test]
    fn generated_stem_needs_the_kustomize_alphabet() {
        assert_eq!(
            generated_stem("kagent-config-742d79c4gt"),
            Some("kagent-config")
        );
        assert_eq!(generated_stem("kagent-config-0123456789"), None);
        assert_eq!(generated_stem("kagent-config"), None);
        assert_eq!(generated_stem("-742d79c4gt"), None);
    }

    #[test]
    fn duplicates_and_non_objects() {
        let old = vec![Value::Null, sts(1), sts(1)];
        let new = vec![sts(1)];
        let r = diff_sets(&old, &new);
        assert_eq!(r.summary(), "0 changed, 0 added, 1 removed");
        assert_eq!(r.unchanged, 1);
    }

    proptest::proptest! {
        /// Counts add up, a set equals itself, and no Secret value reaches any output.
        #[test]
        fn counts_and_masking(
            a in proptest::collection::btree_map("[a-e]", (0u8..3, "[a-z]{8}"), 0..6),
            b in proptest::collection::btree_map("[a-e]", (0u8..3, "[a-z]{8}"), 0..6),
        ) {
            let objs = |m: &std::collections::BTreeMap<String, (u8, String)>| -> Vec<Value> {
                m.iter()
                    .map(|(name, (kind, val))| {
                        let kind = ["ConfigMap", "Secret", "Service"][*kind as usize];
                        json!({"apiVersion": "v1", "kind": kind,
                               "metadata": {"name": name, "namespace": "ns"},
                               "data": {"k": format!("SECRET{val}")}})
                    })
                    .collect()
            };
            let (old, new) = (objs(&a), objs(&b));
            proptest::prop_assert!(diff_sets(&old, &old).is_empty());
            let r = diff_sets(&old, &new);
            let (c, ad, rm) = (
                r.count(Status::Changed),
                r.count(Status::Added),
                r.count(Status::Removed),
            );
            proptest::prop_assert_eq!(c + rm + r.unchanged, old.len());
            proptest::prop_assert_eq!(c + ad + r.unchanged, new.len());
            let sections = vec![format::Section {
                label: "x".into(),
                notes: vec![],
                report: r,
                text_differs: false,
                ignored: Default::default(),
            }];
            let opts = format::Options { color: false, context: 3 };
            for f in [format::Format::Text, format::Format::Paths,
                      format::Format::Markdown, format::Format::Json] {
                let out = format::render(&sections, f, &opts);
                for (name, (kind, val)) in a.iter().chain(b.iter()) {
                    if *kind == 1 {
                        proptest::prop_assert!(
                            !out.contains(val.as_str()), "{:?} leaks {}'s value", f, name
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn unified_diff_shows_hunks_only() {
        let old = vec![sts(1)];
        let new = vec![sts(5)];
        let r = diff_sets(&old, &new);
        let u = r.entries[0].unified(3);
        assert!(u.starts_with("@@ "), "{u}");
        let mut a = String::new();
        crate::yaml::emit_document(&sts(1), &mut a);
        assert!(
            u.contains(&format!("-{a}")) || u.contains("-  replicas: 1"),
            "{u}"
        );
    }
}
