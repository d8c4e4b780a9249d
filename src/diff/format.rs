//! Printing diff reports: `text` (summary, per-resource headers and unified diffs),
//! `paths` (one line per changed field), `markdown` (a pull-request comment) and `json`.
//! Everything printed comes from masked objects or masked key lists, so no format can show
//! a Secret value.

use std::fmt::Write;

use serde_json::{json, Map, Value};

use super::immutable::immutable_changes;
use super::paths::{key_path, Change};
use super::{Entry, Report, Status};

/// Output format of `kagentctl diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Summary, then per resource a header and a unified diff of its YAML.
    #[default]
    Text,
    /// Summary, then per resource a header and one line per changed field path.
    Paths,
    /// A pull-request comment: a collapsible section with a diff block per resource.
    Markdown,
    /// Machine-readable JSON.
    Json,
}

/// One compared pair (an environment, or two files) and its report.
#[derive(Debug, Clone)]
pub struct Section<'a> {
    /// `prod`, `prod -> dev`, `old.yaml -> new.yaml`.
    pub label: String,
    /// Remarks printed under the summary (an environment missing on one side, ...).
    pub notes: Vec<String>,
    /// The difference.
    pub report: Report<'a>,
    /// Set when the objects are equal but the text is not (a stale snapshot whose
    /// formatting or order differs from what `render` writes).
    pub text_differs: bool,
    /// What ignore rules left out (counted in the summary).
    pub ignored: super::ignore::Ignored,
}

impl Section<'_> {
    /// Whether this section counts as a difference for the exit code.
    pub fn is_different(&self) -> bool {
        !self.report.is_empty() || self.text_differs
    }

    /// `prod: 1 changed, 1 added, 0 removed`, and what ignore rules left out
    /// (`; ignored: 2 field changes`).
    pub fn summary_line(&self) -> String {
        let ignored = if self.ignored.is_empty() {
            String::new()
        } else {
            format!("; ignored: {}", self.ignored.describe())
        };
        format!("{}: {}{ignored}", self.label, self.report.summary())
    }
}

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// ANSI colours (text and paths formats only).
    pub color: bool,
    /// Lines of context around each change in unified diffs.
    pub context: usize,
}

/// GitHub rejects comments above 65 536 characters: the default `--max-bytes` of the
/// markdown format, with room left for a header the posting step may add.
pub const MARKDOWN_BUDGET: usize = 60_000;

/// The smallest `--max-bytes` accepted (the summary table needs some room).
pub const MARKDOWN_MIN_BYTES: usize = 1_024;

/// Prints `sections` in `format`.
pub fn render(sections: &[Section], format: Format, opts: &Options) -> String {
    match format {
        Format::Text | Format::Paths => text(sections, format == Format::Paths, opts),
        Format::Markdown => markdown(sections, opts, &Limits::default()),
        Format::Json => json_report(sections, opts),
    }
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";

/// Appends `line` and a newline, wrapped in `style` when colouring.
fn push_line(out: &mut String, line: &str, style: Option<&str>) {
    match style {
        Some(s) => {
            out.push_str(s);
            out.push_str(line);
            out.push_str(RESET);
        }
        None => out.push_str(line),
    }
    out.push('\n');
}

fn header_style(status: Status) -> &'static str {
    match status {
        Status::Changed => "\x1b[1;33m",
        Status::Added => "\x1b[1;32m",
        Status::Removed => "\x1b[1;31m",
    }
}

/// The `paths` lines of one entry: field changes and Secret keys (masked, with their
/// status), ordered by top-level field.
pub fn path_lines(e: &Entry) -> Vec<String> {
    let mut lines: Vec<(String, String)> = e
        .fields
        .iter()
        .map(|f| (top_level(&f.path).to_string(), f.line()))
        .collect();
    for k in &e.secret_keys {
        let path = key_path(k.field, k.key);
        let line = format!("{path}: *** ({})", k.status.as_str());
        lines.push((top_level(&path).to_string(), line));
    }
    // Both runs are already in top-level field order: a stable sort merges them.
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines.into_iter().map(|(_, line)| line).collect()
}

/// The first segment of a field path (`spec` of `spec.replicas`).
fn top_level(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or(path)
}

fn text(sections: &[Section], paths: bool, opts: &Options) -> String {
    let color = |s: &'static str| opts.color.then_some(s);
    let mut out = String::new();
    for (i, sec) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        push_line(&mut out, &sec.summary_line(), color(BOLD));
        for note in &sec.notes {
            push_line(&mut out, &format!("note: {note}"), color(CYAN));
        }
        for e in &sec.report.entries {
            push_line(&mut out, &e.header(), color(header_style(e.status)));
            for c in immutable_changes(e) {
                push_line(
                    &mut out,
                    &format!("  ! {}: {}", c.path, c.reason),
                    color(RED),
                );
            }
            if paths {
                for line in path_lines(e) {
                    out.push_str("  ");
                    push_line(&mut out, &line, None);
                }
                continue;
            }
            for line in e.unified(opts.context).lines() {
                let style = match line.as_bytes().first() {
                    Some(b'+') => color(GREEN),
                    Some(b'-') => color(RED),
                    Some(b'@') => color(CYAN),
                    _ => None,
                };
                push_line(&mut out, line, style);
            }
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A backtick fence longer than any backtick run in `body`.
fn fence_for(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}

/// The size limit of a markdown comment, and how to see what it leaves out.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The comment's maximum size in bytes (bytes bound characters from above).
    pub max_bytes: usize,
    /// The command that shows everything (printed where resources are left out).
    pub rerun: String,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: MARKDOWN_BUDGET,
            rerun: "kagentctl diff".into(),
        }
    }
}

/// The order resources are shown in a size-limited comment: workloads, Services and
/// networking, RBAC, configuration, then everything else.
pub fn priority(kind: &str) -> u8 {
    match kind {
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "CronJob"
        | "Pod"
        | "ReplicationController"
        | "HorizontalPodAutoscaler"
        | "PodDisruptionBudget" => 0,
        "Service" | "Ingress" | "IngressClass" | "NetworkPolicy" | "Endpoints"
        | "EndpointSlice" => 1,
        "ServiceAccount" | "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => 2,
        "ConfigMap" | "Secret" => 3,
        _ => 4,
    }
}

fn table_cell(s: &str) -> String {
    html_escape(s).replace('|', "\\|")
}

/// The summary table: one row per compared pair, with counts and the kinds touched.
fn summary_table(sections: &[Section]) -> String {
    let mut out = String::from(
        "| environment | changed | added | removed | ignored | kinds touched |\n\
         |---|---:|---:|---:|---:|---|\n",
    );
    for sec in sections {
        let r = &sec.report;
        let mut kinds: Vec<&str> = r.entries.iter().map(|e| e.key.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let ignored = sec.ignored.fields + sec.ignored.by_kind;
        let kinds = if kinds.is_empty() {
            "—".to_string()
        } else {
            table_cell(&kinds.join(", "))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {ignored} | {kinds} |",
            table_cell(&sec.label),
            r.count(Status::Changed),
            r.count(Status::Added),
            r.count(Status::Removed),
        );
    }
    out
}

/// The collapsible block of one resource: its header and its diff in a fenced block.
fn details(e: &Entry, opts: &Options) -> String {
    let body = e.unified(opts.context);
    let fence = fence_for(&body);
    let mut warnings = String::new();
    for c in immutable_changes(e) {
        let _ = writeln!(
            warnings,
            "> :warning: <code>{}</code>: {}\n",
            html_escape(&c.path),
            html_escape(&c.reason)
        );
    }
    format!(
        "\n<details>\n<summary><code>{}</code></summary>\n\n{warnings}{fence}diff\n{body}{fence}\n\n</details>\n",
        html_escape(&e.header())
    )
}

fn left_out_line(n: usize, total: usize, limits: &Limits) -> String {
    format!(
        "\n_{n} of {total} resource{} left out to keep this comment under {} bytes; \
         run `{}` to see them._\n",
        if total == 1 { "" } else { "s" },
        limits.max_bytes,
        html_escape(&limits.rerun)
    )
}

/// A pull-request comment that fits in `limits.max_bytes`: the summary table first and
/// complete, then per section its summary and notes, then its resources in priority
/// order ([`priority`]) while they fit; a line says how many were left out. Resources
/// are added whole, so no code block is ever cut.
pub fn markdown(sections: &[Section], opts: &Options, limits: &Limits) -> String {
    let table = summary_table(sections);
    let heads: Vec<String> = sections
        .iter()
        .map(|sec| {
            let mut h = format!("\n### {}\n", html_escape(&sec.summary_line()));
            for note in &sec.notes {
                let _ = writeln!(h, "\n> {}", html_escape(note));
            }
            h
        })
        .collect();
    let reserve: usize = sections
        .iter()
        .map(|sec| {
            let n = sec.report.entries.len();
            if n == 0 {
                0
            } else {
                left_out_line(n, n, limits).len()
            }
        })
        .sum();
    let fixed = table.len() + heads.iter().map(String::len).sum::<usize>() + reserve;
    let mut room = limits.max_bytes.saturating_sub(fixed);
    let mut out = table;
    for (sec, head) in sections.iter().zip(heads) {
        out.push_str(&head);
        let mut order: Vec<&Entry> = sec.report.entries.iter().collect();
        order.sort_by_key(|e| priority(e.key.kind));
        let mut left_out = 0;
        for e in order {
            let block = details(e, opts);
            if block.len() <= room {
                room -= block.len();
                out.push_str(&block);
            } else {
                left_out += 1;
            }
        }
        if left_out > 0 {
            out.push_str(&left_out_line(left_out, sec.report.entries.len(), limits));
        }
    }
    out
}

fn change_json(c: &Change, obj: &mut Map<String, Value>) {
    let (op, old, new) = match c {
        Change::Changed(a, b) => ("changed", Some(*a), Some(*b)),
        Change::Added(b) => ("added", None, Some(*b)),
        Change::Removed(a) => ("removed", Some(*a), None),
        Change::Reordered => ("reordered", None, None),
    };
    obj.insert("op".into(), op.into());
    if let Some(a) = old {
        obj.insert("old".into(), a.clone());
    }
    if let Some(b) = new {
        obj.insert("new".into(), b.clone());
    }
}

fn entry_json(e: &Entry, opts: &Options) -> Value {
    let mut obj = Map::new();
    obj.insert("status".into(), e.status.as_str().into());
    obj.insert("apiVersion".into(), e.key.api_version.into());
    obj.insert("kind".into(), e.key.kind.into());
    if !e.key.namespace.is_empty() {
        obj.insert("namespace".into(), e.key.namespace.into());
    }
    obj.insert("name".into(), e.key.name.into());
    if let Some(old) = e.old_name {
        obj.insert("oldName".into(), old.into());
    }
    if let Some(ns) = e.old_namespace {
        obj.insert("oldNamespace".into(), ns.into());
    }
    if let Some(p) = e.similarity {
        obj.insert("similarity".into(), p.into());
    }
    if e.status == Status::Changed {
        let fields: Vec<Value> = e
            .fields
            .iter()
            .map(|f| {
                let mut o = Map::new();
                o.insert("path".into(), f.path.clone().into());
                change_json(&f.change, &mut o);
                Value::Object(o)
            })
            .collect();
        obj.insert("fields".into(), fields.into());
    }
    let fixed = immutable_changes(e);
    if !fixed.is_empty() {
        let fixed: Vec<Value> = fixed
            .into_iter()
            .map(|c| json!({"path": c.path, "reason": c.reason}))
            .collect();
        obj.insert("immutable".into(), fixed.into());
    }
    if !e.secret_keys.is_empty() {
        let keys: Vec<Value> = e
            .secret_keys
            .iter()
            .map(|k| json!({"field": k.field, "key": k.key, "status": k.status.as_str()}))
            .collect();
        obj.insert("secretKeys".into(), keys.into());
    }
    obj.insert("diff".into(), e.unified(opts.context).into());
    Value::Object(obj)
}

fn json_report(sections: &[Section], opts: &Options) -> String {
    let diffs: Vec<Value> = sections
        .iter()
        .map(|s| {
            let r = &s.report;
            json!({
                "label": s.label,
                "different": s.is_different(),
                "summary": {
                    "changed": r.count(Status::Changed),
                    "added": r.count(Status::Added),
                    "removed": r.count(Status::Removed),
                    "unchanged": r.unchanged,
                    "ignored": {
                        "fields": s.ignored.fields,
                        "resources": s.ignored.resources,
                        "byKind": s.ignored.by_kind,
                    },
                },
                "notes": s.notes,
                "resources": r.entries.iter().map(|e| entry_json(e, opts)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "different": sections.iter().any(Section::is_different),
        "diffs": diffs,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff_sets;
    use serde_json::json;

    fn objs() -> (Vec<Value>, Vec<Value>) {
        let sts = |r: u64, cpu: &str| {
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
                   "metadata": {"name": "kagent", "namespace": "kagent"},
                   "spec": {"replicas": r, "template": {"spec": {"containers": [
                       {"name": "kagent", "resources": {"limits": {"cpu": cpu}}}]}}}})
        };
        let secret = |name: &str, tok: &str| {
            json!({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": name, "namespace": "kagent"},
                   "data": {"A2A_TOKEN": tok, "OTHER": "b3RoZXI="}, "type": "Opaque"})
        };
        let pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                         "metadata": {"name": "kagent", "namespace": "kagent"},
                         "spec": {"maxUnavailable": 1}});
        (
            vec![
                secret("cred-742d79c4gt", "c2VjcmV0LW9uZQ=="),
                sts(5, "500m"),
            ],
            vec![
                secret("cred-6kfk4bttkb", "c2VjcmV0LXR3bw=="),
                sts(7, "2"),
                pdb,
            ],
        )
    }

    fn sections<'a>(old: &'a [Value], new: &'a [Value]) -> Vec<Section<'a>> {
        vec![Section {
            label: "prod".into(),
            notes: vec!["a note".into()],
            report: diff_sets(old, new),
            text_differs: false,
            ignored: Default::default(),
        }]
    }

    const NO_COLOR: Options = Options {
        color: false,
        context: 3,
    };

    #[test]
    fn paths_format() {
        let (old, new) = objs();
        let out = render(&sections(&old, &new), Format::Paths, &NO_COLOR);
        assert_eq!(
            out,
            "prod: 2 changed, 1 added, 0 removed\n\
             note: a note\n\
             ~ Secret kagent/cred-742d79c4gt -> cred-6kfk4bttkb\n\
             \x20 data.A2A_TOKEN: *** (changed)\n\
             \x20 data.OTHER: *** (unchanged)\n\
             \x20 metadata.name: cred-742d79c4gt -> cred-6kfk4bttkb\n\
             ~ StatefulSet kagent/kagent\n\
             \x20 spec.replicas: 5 -> 7\n\
             \x20 spec.template.spec.containers[name=kagent].resources.limits.cpu: 500m -> \"2\"\n\
             + PodDisruptionBudget kagent/kagent\n"
        );
    }

    #[test]
    fn no_format_prints_a_secret() {
        let (old, new) = objs();
        for f in [Format::Text, Format::Paths, Format::Markdown, Format::Json] {
            let out = render(&sections(&old, &new), f, &NO_COLOR);
            for leak in [
                "c2VjcmV0LW9uZQ==",
                "c2VjcmV0LXR3bw==",
                "b3RoZXI=",
                "secret-one",
            ] {
                assert!(!out.contains(leak), "{f:?} leaks {leak}:\n{out}");
            }
        }
    }

    #[test]
    fn text_format_structure() {
        let (old, new) = objs();
        let opts = Options {
            color: false,
            context: 1,
        };
        let out = render(&sections(&old, &new), Format::Text, &opts);
        let secs = sections(&old, &new);
        let mut expected = String::from("prod: 2 changed, 1 added, 0 removed\nnote: a note\n");
        for e in &secs[0].report.entries {
            expected.push_str(&e.header());
            expected.push('\n');
            expected.push_str(&e.unified(1));
        }
        assert_eq!(out, expected);
        assert!(
            out.contains("*** (before)") && out.contains("*** (after)"),
            "{out}"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let (old, new) = objs();
        let plain = render(&sections(&old, &new), Format::Text, &NO_COLOR);
        assert!(!plain.contains('\x1b'));
        let opts = Options {
            color: true,
            context: 3,
        };
        let coloured = render(&sections(&old, &new), Format::Text, &opts);
        assert!(coloured.starts_with("\x1b[1mprod: 2 changed"), "{coloured}");
        assert!(coloured.contains("\x1b[1;32m+ PodDisruptionBudget kagent/kagent\x1b[0m"));
    }

    #[test]
    fn markdown_sections_and_fences() {
        let (old, new) = objs();
        let out = render(&sections(&old, &new), Format::Markdown, &NO_COLOR);
        assert!(
            out.starts_with(
                "| environment | changed | added | removed | ignored | kinds touched |\n\
             |---|---:|---:|---:|---:|---|\n\
             | prod | 2 | 1 | 0 | 0 | PodDisruptionBudget, Secret, StatefulSet |\n\
             \n### prod: 2 changed, 1 added, 0 removed\n\n> a note\n"
            ),
            "{out}"
        );
        assert!(out.contains(
            "\n<details>\n<summary><code>~ StatefulSet kagent/kagent</code></summary>\n\n```diff\n@@ "
        ));
        assert_eq!(out.matches("<details>").count(), 3);
        assert_eq!(out.matches("</details>").count(), 3);
        assert_eq!(fence_for("a ``` b"), "````");
    }

    #[test]
    fn json_format() {
        let (old, new) = objs();
        let out = render(&sections(&old, &new), Format::Json, &NO_COLOR);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["different"], json!(true));
        let d = &v["diffs"][0];
        assert_eq!(
            d["summary"],
            json!({"changed": 2, "added": 1, "removed": 0, "unchanged": 0,
                   "ignored": {"fields": 0, "resources": 0, "byKind": 0}})
        );
        assert_eq!(d["resources"][0]["oldName"], json!("cred-742d79c4gt"));
        assert_eq!(
            d["resources"][0]["secretKeys"],
            json!([{"field": "data", "key": "A2A_TOKEN", "status": "changed"},
                   {"field": "data", "key": "OTHER", "status": "unchanged"}])
        );
        assert_eq!(
            d["resources"][1]["fields"][0],
            json!({"path": "spec.replicas", "op": "changed", "old": 5, "new": 7})
        );
        assert_eq!(d["resources"][2]["status"], json!("added"));
    }
}
