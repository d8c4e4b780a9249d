//! Rule levels: each rule's default severity, and the per-environment overrides of
//! `policy.yaml` (`rules: {network-policy: error, env-secret-literal: off}`).
//!
//! Rules emit findings at their default severity; [`apply`] then drops the findings of
//! rules that are off in the environment and re-grades the others. A rule whose default is
//! `off` (e.g. `network-policy`) only reports where an environment turns it on.

use super::{EnvPolicy, Finding};

pub use super::Level;

/// The default level of `rule`: the linter rules declare theirs; every other rule reports at
/// the severity it was emitted with (`None`).
pub fn default_level(rule: &str) -> Option<Level> {
    super::lint::RULES
        .iter()
        .find(|r| r.id == rule)
        .map(|r| r.default)
}

/// The level of `rule` in an environment: the policy's override, else the default.
pub fn level(rule: &str, policy: Option<&EnvPolicy>) -> Option<Level> {
    policy
        .and_then(|p| p.rules.get(rule).copied())
        .or_else(|| default_level(rule))
}

/// Drops the findings of rules that are off and sets the severity of re-graded ones.
pub fn apply(findings: &mut Vec<Finding>, policy: Option<&EnvPolicy>) {
    findings.retain_mut(|f| match level(f.rule, policy) {
        None => true,
        Some(l) => match l.severity() {
            None => false,
            Some(s) => {
                f.severity = s;
                true
            }
        },
    });
}

/// Checks that every rule named in `policy`'s `rules:` exists; returns the unknown ones.
pub fn unknown_rules(policy: &EnvPolicy) -> Vec<String> {
    policy
        .rules
        .keys()
        .filter(|r| !super::all_rules().any(|(id, _)| id == r.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Severity;

    #[test]
    fn overrides_and_defaults() {
        let mut p = EnvPolicy::default();
        assert_eq!(level("network-policy", None), Some(Level::Off));
        assert_eq!(level("replicas-minimum", None), None);
        p.rules.insert("network-policy".into(), Level::Error);
        p.rules.insert("replicas-minimum".into(), Level::Off);
        assert_eq!(level("network-policy", Some(&p)), Some(Level::Error));
        let r = super::super::ResourceRef::default();
        let mut fs = vec![
            Finding::new("replicas-minimum", Severity::Error, &r, "", "m", "f"),
            Finding::new("network-policy", Severity::Warning, &r, "", "m", "f"),
            Finding::new("schema-type", Severity::Error, &r, "", "m", "f"),
        ];
        apply(&mut fs, Some(&p));
        let got: Vec<_> = fs.iter().map(|f| (f.rule, f.severity)).collect();
        assert_eq!(
            got,
            vec![
                ("network-policy", Severity::Error),
                ("schema-type", Severity::Error)
            ]
        );
    }
}
