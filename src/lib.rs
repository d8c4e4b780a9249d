//! kagentctl: render Kubernetes manifests exactly as `kustomize build` does, diff rendered
//! manifests for CI, and check them against schema and production policy.
//!
//! Data flows one way: [`load`] reads kustomizations, resources and generator inputs into a
//! [`resource::ResMap`]; [`transform`] applies Kustomize's transformers in Kustomize's order;
//! [`order`] sorts; [`yaml::emit`] prints. [`diff`] and [`check`] consume rendered output.
//!
//! # Embedding kagentctl
//!
//! An operator or CI tool written in Rust can call kagentctl without a subprocess. The four
//! entry points: [`build()`] (any kustomization), [`tree::KagentTree::render`] (one
//! environment of the kagent tree), [`diff::diff_sets`] and [`check::check_objects`]. Errors
//! are [`Error`]s that name the file and say what to do.
//!
//! ## Build a kustomization
//!
//! ```
//! use kagentctl::{build, BuildOptions};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join("kustomization.yaml"),
//!     "namePrefix: dev-\nresources: [app.yaml]\n",
//! )?;
//! std::fs::write(
//!     dir.path().join("app.yaml"),
//!     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  level: debug\n",
//! )?;
//! let resources = build(dir.path(), &BuildOptions::default())?;
//! // The bytes `kubectl kustomize` prints.
//! let yaml = kagentctl::yaml::emit_documents(&resources.to_values());
//! assert_eq!(
//!     yaml,
//!     "apiVersion: v1\ndata:\n  level: debug\nkind: ConfigMap\nmetadata:\n  name: dev-app\n"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Render an environment of the kagent tree
//!
//! [`tree::KagentTree::at`] opens a tree on disk; [`tree::embedded`] the copy built into
//! the crate.
//!
//! ```
//! use kagentctl::BuildOptions;
//!
//! let tree = kagentctl::tree::embedded()?;
//! assert!(tree.envs()?.iter().any(|e| e == "prod"));
//! let prod = tree.render("prod", &BuildOptions::default())?;
//! let sts = prod.iter().find(|r| r.kind() == "StatefulSet").expect("a StatefulSet");
//! assert_eq!(sts.obj["spec"]["replicas"], 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Diff two renders
//!
//! ```
//! use kagentctl::{diff::{diff_sets, Status}, BuildOptions};
//!
//! let tree = kagentctl::tree::embedded()?;
//! let dev = tree.render("dev", &BuildOptions::default())?.to_values();
//! let prod = tree.render("prod", &BuildOptions::default())?.to_values();
//! let report = diff_sets(&dev, &prod);
//! assert!(report.count(Status::Changed) > 0);
//! for entry in &report.entries {
//!     println!("{}", entry.header()); // e.g. `~ StatefulSet kagent/kagent`
//! }
//! println!("{}", report.summary()); // e.g. `4 changed, 1 added, 0 removed`
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Check against the Kubernetes schema (and a policy)
//!
//! ```
//! use kagentctl::check::{check_objects, objects_from_yaml, CheckOptions};
//!
//! let objects = objects_from_yaml(
//!     "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  prots: []\n",
//!     None,
//! )?;
//! let findings = check_objects(&objects, None, None, &CheckOptions::default())?;
//! assert_eq!(findings[0].rule, "schema-unknown-field");
//! assert_eq!(findings[0].path, "spec.prots");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The second argument of [`check::check_objects`] takes one environment's policy (see
//! `docs/check.md`); `kagentctl check` reads it from the tree's `policy.yaml`.

#![warn(missing_docs)]

pub mod build;
pub mod check;
pub mod cli;
pub mod components;
pub mod diff;
pub mod error;
pub mod fs;
pub mod generate;
pub(crate) mod gojson;
pub mod integrate;
pub mod kustomization;
pub mod load;
pub mod memory;
pub mod new_env;
pub mod order;
pub mod plugins;
pub mod program;
pub mod provenance;
pub mod resource;
pub mod schema;
pub mod settings;
pub mod transform;
pub mod tree;
pub mod version;
pub mod yaml;

pub use build::{build, BuildOptions};
pub use error::{Error, Result};
pub use load::LoadRestrictor;
