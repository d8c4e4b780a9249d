//! Field paths as users write them: `spec.replicas`,
//! `spec.template.spec.containers[name=kagent].resources.limits.cpu`, `args[0]`,
//! `metadata.labels["app.kubernetes.io/name"]`.

use serde_json::{Map, Value};

use crate::check::lines::Step as Seg;

/// One step of a user's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
    /// The list item whose field `.0` is `.1` (`[name=kagent]`).
    Match(String, String),
}

/// Parses a dotted path; an error says what is wrong.
pub fn parse(path: &str) -> Result<Vec<Part>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !cur.is_empty() {
                    out.push(Part::Key(std::mem::take(&mut cur)));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    out.push(Part::Key(std::mem::take(&mut cur)));
                }
                let mut inner = String::new();
                let quoted = chars.peek() == Some(&'"');
                if quoted {
                    chars.next();
                    loop {
                        match chars.next() {
                            Some('\\') => inner.extend(chars.next()),
                            Some('"') => break,
                            Some(c) => inner.push(c),
                            None => return Err(format!("unclosed quote in path {path:?}")),
                        }
                    }
                    if chars.next() != Some(']') {
                        return Err(format!("expected ] after a quoted key in path {path:?}"));
                    }
                    out.push(Part::Key(inner));
                    continue;
                }
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some(c) => inner.push(c),
                        None => return Err(format!("unclosed [ in path {path:?}")),
                    }
                }
                if let Ok(i) = inner.trim().parse::<usize>() {
                    out.push(Part::Index(i));
                } else if let Some((k, v)) = inner.split_once('=') {
                    let v = v.trim().trim_matches('"').trim_matches('\'');
                    out.push(Part::Match(k.trim().to_string(), v.to_string()));
                } else if inner.is_empty() {
                    return Err(format!("empty [] in path {path:?}"));
                } else {
                    out.push(Part::Key(inner));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(Part::Key(cur));
    }
    if out.is_empty() {
        return Err("the path is empty: give a field such as spec.replicas".into());
    }
    Ok(out)
}

/// Resolves a parsed path against an object: the concrete steps (list items by index), or
/// an error naming the first step that does not exist.
pub fn resolve(obj: &Map<String, Value>, parts: &[Part]) -> Result<Vec<Seg>, String> {
    let mut out = Vec::new();
    let mut cur: Option<&Value> = None;
    for (n, p) in parts.iter().enumerate() {
        let here = || show(&parts[..n]);
        let next = match (p, cur) {
            (Part::Key(k), None) => obj.get(k).map(|v| (Seg::Key(k.clone()), v)),
            (Part::Key(k), Some(Value::Object(m))) => m.get(k).map(|v| (Seg::Key(k.clone()), v)),
            (Part::Index(i), Some(Value::Array(a))) => a.get(*i).map(|v| (Seg::Index(*i), v)),
            (Part::Match(k, want), Some(Value::Array(a))) => a
                .iter()
                .position(|item| {
                    item.get(k.as_str()).is_some_and(|v| match v {
                        Value::String(s) => s == want,
                        Value::Null => want == "null",
                        Value::Bool(b) => *want == *if *b { "true" } else { "false" },
                        Value::Number(n) => want.parse::<f64>().ok() == n.as_f64(),
                        _ => false,
                    })
                })
                .map(|i| (Seg::Index(i), &a[i])),
            (Part::Index(_) | Part::Match(..), _) => {
                return Err(format!("{} is not a list", or_root(&here())))
            }
            (Part::Key(_), Some(_)) => return Err(format!("{} is not a map", or_root(&here()))),
        };
        match next {
            Some((seg, v)) => {
                out.push(seg);
                cur = Some(v);
            }
            None => {
                return Err(format!(
                    "{} has no {}",
                    or_root(&here()),
                    show(std::slice::from_ref(p))
                ))
            }
        }
    }
    Ok(out)
}

fn or_root(s: &str) -> String {
    if s.is_empty() {
        "the object".into()
    } else {
        s.to_string()
    }
}

/// Writes a path back in the dotted form (quoting keys with dots).
pub fn show(parts: &[Part]) -> String {
    let mut s = String::new();
    for p in parts {
        match p {
            Part::Key(k) if k.contains(['.', '[', ']', '"']) => s.push_str(&format!("[{k:?}]")),
            Part::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Part::Index(i) => s.push_str(&format!("[{i}]")),
            Part::Match(k, v) => s.push_str(&format!("[{k}={v}]")),
        }
    }
    s
}

/// A concrete path in the dotted form, list items by their merge key where they have one
/// (`containers[name=kagent]`), else by index.
pub fn show_steps(obj: &Map<String, Value>, steps: &[Seg]) -> String {
    let mut parts = Vec::new();
    let mut cur: Option<&Value> = None;
    for s in steps {
        let (part, next) = match (s, cur) {
            (Seg::Key(k), None) => (Part::Key(k.clone()), obj.get(k)),
            (Seg::Key(k), Some(v)) => (Part::Key(k.clone()), v.get(k.as_str())),
            (Seg::Index(i), v) => {
                let item = v.and_then(|v| v.get(*i));
                let by_name = item
                    .and_then(|it| it.get("name"))
                    .and_then(Value::as_str)
                    .map(|n| Part::Match("name".into(), n.into()));
                (by_name.unwrap_or(Part::Index(*i)), item)
            }
        };
        parts.push(part);
        cur = next;
    }
    show(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_form() {
        assert_eq!(
            parse("spec.template.spec.containers[name=kagent].resources.limits.cpu").unwrap(),
            vec![
                Part::Key("spec".into()),
                Part::Key("template".into()),
                Part::Key("spec".into()),
                Part::Key("containers".into()),
                Part::Match("name".into(), "kagent".into()),
                Part::Key("resources".into()),
                Part::Key("limits".into()),
                Part::Key("cpu".into()),
            ]
        );
        assert_eq!(
            parse("metadata.labels[\"app.kubernetes.io/name\"]").unwrap(),
            vec![
                Part::Key("metadata".into()),
                Part::Key("labels".into()),
                Part::Key("app.kubernetes.io/name".into()),
            ]
        );
        assert_eq!(
            parse("args[2]").unwrap(),
            vec![Part::Key("args".into()), Part::Index(2)]
        );
        assert!(parse("").is_err());
        assert!(parse("a[").is_err());
        assert!(parse("a[\"b").is_err());
        assert!(parse("a[]").is_err());
    }

    #[test]
    fn resolves_merge_keys_and_reports_missing_steps() {
        let Value::Object(obj) =
            json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "image": "x"}]}})
        else {
            unreachable!()
        };
        let p = parse("spec.containers[name=b].image").unwrap();
        assert_eq!(
            resolve(&obj, &p).unwrap(),
            vec![
                Seg::Key("spec".into()),
                Seg::Key("containers".into()),
                Seg::Index(1),
                Seg::Key("image".into())
            ]
        );
        let e = resolve(&obj, &parse("spec.containers[name=c]").unwrap()).unwrap_err();
        assert_eq!(e, "spec.containers has no [name=c]");
        let e = resolve(&obj, &parse("spec.containers.x").unwrap()).unwrap_err();
        assert_eq!(e, "spec.containers is not a map");
        let steps = resolve(&obj, &p).unwrap();
        assert_eq!(show_steps(&obj, &steps), "spec.containers[name=b].image");
    }
}
