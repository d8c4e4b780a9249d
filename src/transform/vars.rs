//! Kustomize's legacy `vars:` (deprecated in favour of `replacements:`).
//!
//! Each kustomization's vars are bound, after its transformers ran, to the one
//! accumulated object their `objref` names (by current or any earlier name); a var
//! name may be declared only once in the whole build. Once names are final (hash
//! suffixes and name references done) the top level reads every var's `fieldref` from
//! its object and substitutes `$(NAME)` in the fields that the `varReference` field specs
//! list, with Kubernetes' expansion rules: `$$` is a literal `$`, unknown names and
//! unterminated references are left as they are, and a field that is exactly one
//! `$(NAME)` takes the type of the value (a port stays a number).

use std::collections::BTreeSet;

use serde_json::{Number, Value};

use super::fieldpath::{
    lookup, node_at_mut, split_smart, visit_spec, CreateKind, DEFAULT_FIELD_PATH,
};
use super::metadata::stringify_annotations;
use super::selector::effective_namespace;
use super::selector::plain_namespace;
use super::TransformResult;
use crate::gojson::Fields;
use crate::resource::{or_placeholder, Gvk, ResId, ResMap, Resource, Spelling};
use crate::schema::FieldSpec;

/// One declared var.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// The name used as `$(NAME)`.
    pub name: String,
    /// Group/version/kind of the object holding the value.
    pub gvk: Gvk,
    /// Name of that object (as written, or any later name it had when the var was bound).
    pub obj_name: String,
    /// Namespace of that object (empty: any namespace).
    pub obj_namespace: String,
    /// Dotted path of the field to read (`metadata.name` by default).
    pub field_path: String,
    /// The ids the bound object had, oldest first, when the var was declared; `None`
    /// when no object matched.
    binding: Option<Vec<ResId>>,
}

/// Every var of a build, each name once.
#[derive(Debug, Clone, Default)]
pub struct VarSet {
    vars: Vec<Var>,
}

/// The ids an object has had, oldest first, ending with its current one.
fn history(r: &Resource) -> Vec<ResId> {
    let mut h = r.prev_ids.clone();
    let cur = r.id();
    if h.last() != Some(&cur) {
        h.push(cur);
    }
    h
}

fn decode_var(v: &Value, i: usize) -> Result<Var, String> {
    let what = format!("vars[{i}]");
    let Some(f) = Fields::new(v, &["name", "objref", "fieldref"], true, &what)? else {
        return Err(format!("{what}: a var needs a name and an objref"));
    };
    let name = f.string("name", &what)?;
    let ow = format!("{what}.objref");
    let objref = f.get("objref").unwrap_or(&Value::Null);
    let names = [
        "apiVersion",
        "group",
        "version",
        "kind",
        "name",
        "namespace",
    ];
    let (gvk, obj_name, obj_namespace) = match Fields::new(objref, &names, true, &ow)? {
        None => (Gvk::default(), String::new(), String::new()),
        Some(o) => {
            let gvk = Gvk {
                group: o.string("group", &ow)?,
                version: o.string("version", &ow)?,
                kind: o.string("kind", &ow)?,
            };
            let api = o.string("apiVersion", &ow)?;
            let mut gvk = gvk;
            if !api.is_empty() {
                let parts: Vec<&str> = api.split('/').collect();
                match parts.as_slice() {
                    [g, v] => {
                        gvk.group = g.to_string();
                        gvk.version = v.to_string();
                    }
                    [v] => gvk.version = v.to_string(),
                    _ => {}
                }
            }
            (gvk, o.string("name", &ow)?, o.string("namespace", &ow)?)
        }
    };
    let fw = format!("{what}.fieldref");
    let field_path = match Fields::new(
        f.get("fieldref").unwrap_or(&Value::Null),
        &["fieldPath"],
        true,
        &fw,
    )? {
        None => String::new(),
        Some(fr) => fr.string("fieldPath", &fw)?,
    };
    Ok(Var {
        name,
        gvk,
        obj_name,
        obj_namespace,
        field_path: if field_path.is_empty() {
            DEFAULT_FIELD_PATH.to_string()
        } else {
            field_path
        },
        binding: None,
    })
}

impl Var {
    /// Whether `id` is the object this var names: group, version, kind and name equal,
    /// and the effective namespace too when the var gives one (the var's own namespace
    /// is never treated as cluster-scoped, so a cluster-scoped object only matches a var
    /// without a namespace).
    fn names(&self, id: &ResId) -> bool {
        if id.name != self.obj_name || id.gvk != self.gvk {
            return false;
        }
        self.obj_namespace.is_empty()
            || plain_namespace(&self.obj_namespace) == effective_namespace(id)
    }

    fn describe(&self) -> String {
        format!(
            "{} ({}.{}.{} {}, fieldref {})",
            self.name,
            self.gvk.kind,
            or_placeholder(&self.gvk.version, "[noVer]"),
            or_placeholder(&self.gvk.group, "[noGrp]"),
            self.obj_name,
            self.field_path
        )
    }
}

impl VarSet {
    /// No vars at all.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// The vars, sorted by name.
    pub fn vars(&self) -> impl Iterator<Item = &Var> {
        self.vars.iter()
    }

    fn add(&mut self, v: Var) -> Result<(), String> {
        match self.vars.binary_search_by(|x| x.name.cmp(&v.name)) {
            Ok(_) => Err(format!("var '{}' already encountered", v.name)),
            Err(pos) => {
                self.vars.insert(pos, v);
                Ok(())
            }
        }
    }

    /// Declares a kustomization's `vars:` entries (Kustomize's `MergeVars`): binds each
    /// to the accumulated object it names, failing when several match or a name is
    /// already declared.
    pub fn declare(&mut self, entries: &[Value], m: &ResMap) -> Result<(), String> {
        let mut incoming = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let mut v = decode_var(e, i)?;
            let matched: Vec<&Resource> = m.iter().filter(|r| r.any_id(|id| v.names(id))).collect();
            match matched.as_slice() {
                [] => {}
                [r] => v.binding = Some(history(r)),
                many => {
                    return Err(format!(
                        "found {} resId matches for var {} (unable to disambiguate); give the objref a namespace",
                        many.len(),
                        v.describe()
                    ))
                }
            }
            incoming.push(v);
        }
        for v in incoming {
            self.add(v)?;
        }
        Ok(())
    }

    /// Takes in the vars of a child kustomization; a name declared twice is an error.
    pub fn absorb(&mut self, other: VarSet) -> Result<(), String> {
        for v in other.vars {
            self.add(v)?;
        }
        Ok(())
    }
}

/// A var's value, typed as Kustomize reads it from the object.
#[derive(Debug, Clone, PartialEq)]
enum VarValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A mapping or list: never substituted.
    Complex,
}

impl VarValue {
    fn text(&self) -> String {
        match self {
            VarValue::Str(s) => s.clone(),
            VarValue::Int(i) => i.to_string(),
            VarValue::Float(f) => crate::yaml::go_float_text(*f),
            VarValue::Bool(b) => b.to_string(),
            VarValue::Complex => String::new(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            VarValue::Str(s) => Value::String(s.clone()),
            VarValue::Int(i) => Value::Number((*i).into()),
            VarValue::Float(f) => Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(crate::yaml::go_float_text(*f))),
            VarValue::Bool(b) => Value::Bool(*b),
            VarValue::Complex => Value::Null,
        }
    }
}

fn read_value(r: &Resource, v: &Var) -> Result<VarValue, String> {
    let not_found = || {
        format!(
            "field specified in var '{}' not found in corresponding resource",
            v.describe()
        )
    };
    let mut parts = Vec::new();
    for p in split_smart(&v.field_path, ".") {
        // `ports[0]` means `ports.0`.
        match p.strip_suffix(']').and_then(|s| s.rsplit_once('[')) {
            Some((head, idx)) if !idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit()) => {
                if !head.is_empty() {
                    parts.push(head.to_string());
                }
                parts.push(idx.to_string());
            }
            _ => parts.push(p),
        }
    }
    let obj = Value::Object(r.obj.clone());
    let found = lookup(&obj, &parts).map_err(|_| not_found())?;
    Ok(match found.ok_or_else(not_found)? {
        Value::String(s) => VarValue::Str(s.clone()),
        Value::Number(n) => match (n.as_i64(), n.is_u64(), n.as_f64()) {
            (Some(i), _, _) => VarValue::Int(i),
            (None, true, _) => return Err(not_found()),
            (None, false, Some(f)) => VarValue::Float(f),
            _ => return Err(not_found()),
        },
        Value::Bool(b) => VarValue::Bool(*b),
        Value::Null => VarValue::Str(String::new()),
        Value::Array(_) | Value::Object(_) => VarValue::Complex,
    })
}

/// The result of expanding one string.
enum Expanded {
    /// The string was exactly one known reference: the value, with its type.
    Whole(Value),
    /// Anything else: the expanded text.
    Text(String),
}

/// Expands `$(NAME)` references in `input` (Kustomize's `DoReplacements`); `lookup`
/// gives a known var's value, and `used` collects the names it substituted.
fn expand(input: &str, values: &[(String, VarValue)], used: &mut BTreeSet<String>) -> Expanded {
    let mut map = |key: &str| -> Option<&VarValue> {
        let i = values.binary_search_by(|(n, _)| n.as_str().cmp(key)).ok()?;
        let (name, v) = &values[i];
        if *v == VarValue::Complex {
            return None;
        }
        used.insert(name.clone());
        Some(v)
    };
    let b = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < b.len() {
        if b[cursor] == b'$' && cursor + 1 < b.len() {
            out.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let advance = match rest.as_bytes()[0] {
                b'$' => {
                    out.push('$');
                    1
                }
                b'(' => match rest.find(')') {
                    Some(close) => {
                        let name = &rest[1..close];
                        let mapped = map(name);
                        if input.len() == name.len() + 3 && cursor == 0 {
                            return match mapped {
                                Some(v) => Expanded::Whole(v.to_json()),
                                None => Expanded::Text(input.to_string()),
                            };
                        }
                        match mapped {
                            Some(v) => out.push_str(&v.text()),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        close + 1
                    }
                    None => {
                        out.push_str("$(");
                        1
                    }
                },
                _ => {
                    // `$` then any other character: both kept. (Kustomize mangles a
                    // multi-byte character here; this keeps it intact.)
                    let ch = rest.chars().next().map_or(1, char::len_utf8);
                    out.push('$');
                    out.push_str(&rest[..ch]);
                    ch
                }
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.push_str(&input[checkpoint.min(input.len())..]);
    Expanded::Text(out)
}

fn substitute_str(
    s: &str,
    values: &[(String, VarValue)],
    used: &mut BTreeSet<String>,
) -> TransformResult<Value> {
    if let Some(i) = s.strip_prefix(UNTYPED) {
        return Ok(Value::String(format!("{REACHED}{i}")));
    }
    match expand(s, values, used) {
        Expanded::Whole(v) => {
            check_whole_float(&v)?;
            Ok(v)
        }
        Expanded::Text(t) => Ok(Value::String(t)),
    }
}

/// Kustomize writes a float var into a field as `!!float` with `%f` text; go-yaml then
/// refuses the text when it reads as an integer only `uint64` holds (an integral value
/// from 2^63 to 2^64, such as a huge integer rounded by a JSON 6902 patch).
fn check_whole_float(v: &Value) -> TransformResult {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    match v.as_number() {
        Some(n) if !n.is_i64() && !n.is_u64() => {
            let f = n.as_f64().unwrap_or(0.0);
            if f.fract() == 0.0 && (TWO_63..2.0 * TWO_63).contains(&f) {
                return Err(format!(
                    "cannot decode !!int `{f}` as a !!float: a var's float value, written as an integer only uint64 holds"
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Substitutes in the node a var-reference field spec reached.
fn substitute_node(
    node: &mut Value,
    values: &[(String, VarValue)],
    used: &mut BTreeSet<String>,
) -> TransformResult {
    match node {
        Value::String(s) => {
            let v = substitute_str(s, values, used)?;
            *node = v;
        }
        Value::Object(m) => {
            for v in m.values_mut() {
                if let Value::String(s) = v {
                    let nv = substitute_str(s, values, used)?;
                    *v = nv;
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let Value::String(s) = item else {
                    return Err("invalid value type expect a string".into());
                };
                let nv = substitute_str(s, values, used)?;
                *item = nv;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Marks an untyped scalar while the var references are substituted (followed by its
/// index); a var-reference field spec that reaches it turns the mark into [`REACHED`].
const UNTYPED: &str = "\u{FDD0}kagentctl-untyped:";
const REACHED: &str = "\u{FDD1}kagentctl-untyped:";

/// Kustomize's var filter treats a scalar without a tag (one a replacement created) as a
/// string: it writes the node's text back as a string, whatever the text reads as (`80`
/// becomes `"80"`). Marks the untyped scalars of `obj` so the substitution can see them;
/// returns, per mark, where it is, the value it replaced and the node's text.
fn mark_untyped(obj: &mut Value, spellings: &[Spelling]) -> Vec<(usize, Value, String)> {
    let mut marked = Vec::new();
    for (i, s) in spellings.iter().enumerate().filter(|(_, s)| s.untyped) {
        if let Some(node) = node_at_mut(obj, &s.at) {
            if *node == s.value {
                let old = std::mem::replace(node, Value::String(format!("{UNTYPED}{i}")));
                marked.push((i, old, s.text.clone()));
            }
        }
    }
    marked
}

/// Undoes [`mark_untyped`]: a reached scalar becomes its text as a string, the others
/// get their value back.
fn unmark_untyped(obj: &mut Value, spellings: &[Spelling], marked: Vec<(usize, Value, String)>) {
    for (i, old, text) in marked {
        let Some(node) = spellings.get(i).and_then(|s| node_at_mut(obj, &s.at)) else {
            continue;
        };
        if *node == Value::String(format!("{REACHED}{i}")) {
            *node = Value::String(text);
        } else if *node == Value::String(format!("{UNTYPED}{i}")) {
            *node = old;
        }
    }
}

/// Resolves every var and substitutes `$(NAME)` in the fields `specs` name, in every
/// object (Kustomize's `ResolveVars`). Returns the names of vars never used, sorted.
pub fn resolve(m: &mut ResMap, vars: &VarSet, specs: &[FieldSpec]) -> TransformResult<Vec<String>> {
    if vars.is_empty() {
        return Ok(Vec::new());
    }
    let mut values: Vec<(String, VarValue)> = Vec::with_capacity(vars.vars.len());
    for v in vars.vars() {
        let by_history = v.binding.as_ref().and_then(|h| {
            m.iter().find(|r| {
                let rh = history(r);
                rh.len() >= h.len() && rh[..h.len()] == h[..]
            })
        });
        let bound = by_history.or_else(|| {
            let last = v.binding.as_ref()?.last()?;
            m.iter().find(|r| r.any_id(|id| id == last))
        });
        let Some(r) = bound else {
            return Err(format!(
                "var '{}' cannot be mapped to a field in the set of known resources",
                v.describe()
            ));
        };
        values.push((v.name.clone(), read_value(r, v)?));
    }
    let mut used = BTreeSet::new();
    for r in m.iter_mut() {
        let gvk = r.gvk();
        let id = r.id();
        let mut obj = Value::Object(std::mem::take(&mut r.obj));
        let marked = mark_untyped(&mut obj, &r.spellings);
        let mut result = Ok(());
        for fs in specs.iter().filter(|fs| fs.selects(&gvk)) {
            let mut set = |n: &mut Value| substitute_node(n, &values, &mut used);
            if let Err(e) = visit_spec(&mut obj, &fs.path, CreateKind::None, &mut set) {
                result = Err(format!(
                    "considering field '{}' of object {id}: {e}",
                    fs.path
                ));
                break;
            }
        }
        unmark_untyped(&mut obj, &r.spellings, marked);
        if let Value::Object(o) = obj {
            r.obj = o;
        }
        result?;
        r.sync_shared();
    }
    stringify_annotations(m);
    Ok(values
        .iter()
        .filter(|(n, _)| !used.contains(n))
        .map(|(n, _)| n.clone())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::resmap;
    use crate::schema::default_config;
    use serde_json::json;

    fn vals(pairs: &[(&str, VarValue)]) -> Vec<(String, VarValue)> {
        let mut v: Vec<(String, VarValue)> = pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    fn text(s: &str, values: &[(String, VarValue)]) -> Value {
        substitute_str(s, values, &mut BTreeSet::new()).unwrap()
    }

    #[test]
    fn whole_float_only_uint64_holds_fails() {
        let v = vals(&[
            ("A", VarValue::Float(1.2345678901234567e19)),
            ("B", VarValue::Float(1e6)),
            ("C", VarValue::Float(1e20)),
        ]);
        assert!(substitute_str("$(A)", &v, &mut BTreeSet::new()).is_err());
        assert_eq!(text("--a=$(A)", &v), json!("--a=1.2345678901234567e+19"));
        assert_eq!(text("$(B)", &v), json!(1e6));
        assert_eq!(text("--b=$(B)", &v), json!("--b=1e+06"));
        assert_eq!(text("$(C)", &v), json!(1e20));
    }

    #[test]
    fn expansion_follows_kubernetes_rules() {
        let v = vals(&[("A", VarValue::Str("x".into())), ("P", VarValue::Int(80))]);
        assert_eq!(text("$(A)-$(A)", &v), json!("x-x"));
        assert_eq!(text("$$(A)", &v), json!("$(A)"));
        assert_eq!(text("$(B) $(A)", &v), json!("$(B) x"));
        assert_eq!(text("a $(A", &v), json!("a $(A"));
        assert_eq!(text("cost $5 $", &v), json!("cost $5 $"));
        assert_eq!(text("$(P)", &v), json!(80));
        assert_eq!(text("port $(P)", &v), json!("port 80"));
        assert_eq!(text("$(B)", &v), json!("$(B)"));
        assert_eq!(text("é$(A)ü", &v), json!("éxü"));
    }

    #[test]
    fn expansion_edge_cases() {
        let v = vals(&[
            ("VAR_A", VarValue::Str("A".into())),
            ("VAR_B", VarValue::Str("B".into())),
            ("VAR_C", VarValue::Str("C".into())),
            ("VAR_REF", VarValue::Str("$(VAR_A)".into())),
            ("VAR_EMPTY", VarValue::Str(String::new())),
        ]);
        for (input, want) in [
            ("$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"),
            ("$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"),
            ("f000-$$VAR_A", "f000-$VAR_A"),
            ("foo\\$(VAR_C)bar", "foo\\Cbar"),
            ("$(VAR_A$(VAR_B))", "$(VAR_A$(VAR_B))"),
            ("$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)"),
            ("%%$(VAR_REF)--$(VAR_REF)%%", "%%$(VAR_A)--$(VAR_A)%%"),
            ("foo$(VAR_EMPTY)bar", "foobar"),
            ("foo$(VAR_Awhoops!", "foo$(VAR_Awhoops!"),
            ("$?_boo_$!", "$?_boo_$!"),
            ("$$$$$$(BIG_MONEY)", "$$$(BIG_MONEY)"),
            ("$$$$$$$(VAR_A)", "$$$A"),
            ("${VAR_A}", "${VAR_A}"),
            ("$(VAR_B)_______$(A", "B_______$(A"),
            ("$(VAR_C)_______$(", "C_______$("),
            ("$(VAR_A)foobarzab$", "Afoobarzab$"),
            ("--$($($($($--", "--$($($($($--"),
            ("$(foo$$var)", "$(foo$$var)"),
            ("\n", "\n"),
        ] {
            assert_eq!(text(input, &v), json!(want), "{input:?}");
        }
    }

    #[test]
    fn go_float_formatting() {
        assert_eq!(crate::yaml::go_float_text(1.5), "1.5");
        assert_eq!(crate::yaml::go_float_text(1e21), "1e+21");
        assert_eq!(crate::yaml::go_float_text(0.00001), "1e-05");
        assert_eq!(crate::yaml::go_float_text(12345678.0), "1.2345678e+07");
        assert_eq!(crate::yaml::go_float_text(123456.0), "123456");
    }

    fn pod(name: &str, args: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
               "spec": {"containers": [{"name": "c", "image": "i", "args": args,
                                         "command": ["run", "$(SVC)"],
                                         "env": [{"name": "E", "value": "$(PORT)"},
                                                 {"name": "F", "valueFrom": {}}]}]}})
    }

    fn svc() -> Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
               "spec": {"ports": [{"port": 8080}]}})
    }

    fn declare(m: &ResMap, entries: Value) -> Result<VarSet, String> {
        let Value::Array(e) = entries else { panic!() };
        let mut vs = VarSet::default();
        vs.declare(&e, m)?;
        Ok(vs)
    }

    fn standard_vars() -> Value {
        json!([
            {"name": "SVC", "objref": {"apiVersion": "v1", "kind": "Service", "name": "svc"}},
            {"name": "PORT", "objref": {"apiVersion": "v1", "kind": "Service", "name": "svc"},
             "fieldref": {"fieldpath": "spec.ports[0].port"}}
        ])
    }

    #[test]
    fn substitutes_in_command_args_and_env() {
        let mut m = resmap(vec![pod("p", json!(["--svc=$(SVC)", "$$(SVC)"])), svc()]);
        let vs = declare(&m, standard_vars()).unwrap();
        // Renames after declaration are followed.
        if let Some(r) = m.get_mut(1) {
            r.set_name("pre-svc");
        }
        m.reindex();
        let unused = resolve(&mut m, &vs, &default_config().var_reference).unwrap();
        assert!(unused.is_empty());
        let c = &m.to_values()[0]["spec"]["containers"][0];
        assert_eq!(c["args"], json!(["--svc=pre-svc", "$(SVC)"]));
        assert_eq!(c["command"], json!(["run", "pre-svc"]));
        assert_eq!(c["env"][0]["value"], json!(8080));
    }

    #[test]
    fn non_string_list_items_are_an_error() {
        let mut m = resmap(vec![pod("p", json!(["a", 3])), svc()]);
        let vs = declare(&m, standard_vars()).unwrap();
        let err = resolve(&mut m, &vs, &default_config().var_reference).unwrap_err();
        assert!(err.contains("expect a string"), "{err}");
    }

    #[test]
    fn unused_vars_are_reported() {
        let mut m = resmap(vec![svc()]);
        let vs = declare(&m, standard_vars()).unwrap();
        let unused = resolve(&mut m, &vs, &default_config().var_reference).unwrap();
        assert_eq!(unused, ["PORT", "SVC"]);
    }

    #[test]
    fn declaration_errors() {
        let m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "a"}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "b"}}),
        ]);
        let err = declare(
            &m,
            json!([{"name": "X", "objref": {"apiVersion": "v1", "kind": "Service", "name": "s"}}]),
        )
        .unwrap_err();
        assert!(err.starts_with("found 2 resId matches"), "{err}");
        let vs = declare(
            &m,
            json!([{"name": "X", "objref": {"apiVersion": "v1", "kind": "Service", "name": "s", "namespace": "b"}}]),
        )
        .unwrap();
        let mut dup = declare(&m, json!([{"name": "X", "objref": {"apiVersion": "v1", "kind": "Service", "name": "s", "namespace": "a"}}]))
            .unwrap();
        assert!(dup.absorb(vs).unwrap_err().contains("already encountered"));
        assert!(declare(&m, json!([{"name": "X", "objref": {}, "bogus": 1}])).is_err());
    }

    #[test]
    fn cluster_scoped_objects_bind_only_without_a_namespace() {
        let m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}}),
        ]);
        let objref = |ns: Option<&str>| {
            let mut o = json!({"apiVersion": "v1", "kind": "Namespace", "name": "ns"});
            if let Some(ns) = ns {
                o["namespace"] = json!(ns);
            }
            json!([{"name": "X", "objref": o}])
        };
        let bound = |vs: VarSet| vs.vars().all(|v| v.binding.is_some());
        assert!(bound(declare(&m, objref(None)).unwrap()));
        assert!(!bound(declare(&m, objref(Some("default"))).unwrap()));
    }

    #[test]
    fn unbound_var_and_missing_field_are_errors() {
        let mut m = resmap(vec![svc()]);
        // No apiVersion: the version must match exactly, so nothing is bound.
        let vs = declare(
            &m,
            json!([{"name": "X", "objref": {"kind": "Service", "name": "svc"}}]),
        )
        .unwrap();
        let err = resolve(&mut m, &vs, &[]).unwrap_err();
        assert!(err.contains("cannot be mapped"), "{err}");
        let vs = declare(
            &m,
            json!([{"name": "X", "objref": {"apiVersion": "v1", "kind": "Service", "name": "svc"},
                     "fieldref": {"fieldPath": "spec.nothing"}}]),
        )
        .unwrap();
        let err = resolve(&mut m, &vs, &[]).unwrap_err();
        assert!(err.contains("not found in corresponding resource"), "{err}");
    }

    #[test]
    fn maps_get_their_string_values_substituted() {
        let mut m = resmap(vec![
            svc(),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "c", "annotations": {"a": "$(SVC).local", "n": "$(PORT)"}}}),
        ]);
        let vs = declare(&m, standard_vars()).unwrap();
        resolve(&mut m, &vs, &default_config().var_reference).unwrap();
        let a = &m.to_values()[1]["metadata"]["annotations"];
        assert_eq!(a["a"], "svc.local");
        assert_eq!(a["n"], json!("8080"));
    }
}
