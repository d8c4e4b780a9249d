//! What this build of kagentctl is and what it matches: its own version, the Kustomize
//! version whose output it reproduces, the Kubernetes version of its schema tables and the
//! git commit it was built from (`kagentctl version`).

use serde::Serialize;

/// The Kustomize release whose `kustomize build` output kagentctl reproduces byte for byte
/// (as vendored in kubectl v1.32).
pub const KUSTOMIZE_VERSION: &str = "v5.5.0";

/// The git commit the binary was built from (set by `build.rs`: `$KAGENTCTL_GIT_COMMIT`,
/// else `git rev-parse HEAD`, else `unknown`, e.g. when built from a source archive).
pub const GIT_COMMIT: &str = env!("KAGENTCTL_GIT_COMMIT");

/// Versions of this build, as `kagentctl version` prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    /// kagentctl's own version (the crate version).
    pub kagentctl: &'static str,
    /// The Kustomize version whose output kagentctl reproduces.
    pub kustomize: &'static str,
    /// The Kubernetes version of the API schema `check` validates against (e.g. `1.32.0`).
    pub kubernetes_schema: String,
    /// The git commit the binary was built from, or `unknown`.
    pub git_commit: &'static str,
}

impl VersionInfo {
    /// The versions of this build (parses the embedded schema tables for their version).
    pub fn current() -> crate::Result<VersionInfo> {
        Ok(VersionInfo {
            kagentctl: env!("CARGO_PKG_VERSION"),
            kustomize: KUSTOMIZE_VERSION,
            kubernetes_schema: crate::check::schema::Schema::get()?.version().to_string(),
            git_commit: GIT_COMMIT,
        })
    }

    /// The human-readable form: one `name value` line each.
    pub fn to_text(&self) -> String {
        format!(
            "kagentctl {}\nkustomize {}\nkubernetes schema {}\ngit commit {}\n",
            self.kagentctl, self.kustomize, self.kubernetes_schema, self.git_commit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_name_the_crate_kustomize_and_the_schema_tables() {
        let v = VersionInfo::current().unwrap();
        assert_eq!(v.kagentctl, env!("CARGO_PKG_VERSION"));
        assert_eq!(v.kustomize, "v5.5.0");
        assert!(v.kubernetes_schema.starts_with("1.32."), "{v:?}");
        assert!(!v.git_commit.is_empty());
        let text = v.to_text();
        assert!(
            text.starts_with(&format!("kagentctl {}\n", v.kagentctl)),
            "{text}"
        );
        assert!(text.contains("\nkubernetes schema 1.32."), "{text}");
    }
}
