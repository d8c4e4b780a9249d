//! The integration tests, in one binary (one link, one process start-up): each module
//! covers one command or concern; `common` holds the helpers they share.
//! The data-driven fixture tests are in `tests/fixtures.rs`; `tests/check_lazy.rs` stays
//! alone because it watches process-wide state.

mod common;

mod architecture;
mod argocd;
mod check;
mod check_cli;
mod check_fixtures;
mod check_lint;
mod cli;
mod components;
mod diff;
mod diff_bench;
mod diff_immutable;
mod diff_review;
mod emit;
mod github_action;
mod golden;
mod hostile;
mod hostile_random;
mod hostile_surfaces;
mod kubectl_plugin;
mod phase_rules;
mod pre_commit;
mod profiles;
mod properties;
mod provenance;
mod provenance_blame;
mod shell_integration;
mod shell_words;
