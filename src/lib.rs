//! kagentctl: render Kubernetes manifests exactly as `kustomize build` does, diff rendered
//! manifests for CI, and check them against schema and production policy.
//!
//! Data flows one way: [`load`] reads kustomizations, resources and generator inputs into a
//! [`resource::ResMap`]; [`transform`] applies Kustomize's transformers in Kustomize's order;
//! [`order`] sorts; [`yaml::emit`] prints. [`diff`] and [`check`] consume rendered output.

#![warn(missing_docs)]

pub mod build;
pub mod check;
pub mod cli;
pub mod components;
pub mod diff;
pub mod error;
pub mod generate;
pub(crate) mod gojson;
pub mod integrate;
pub mod kustomization;
pub mod load;
pub mod memory;
pub mod new_env;
pub mod order;
pub mod plugins;
pub mod provenance;
pub mod resource;
pub mod schema;
pub mod transform;
pub mod tree;
pub mod version;
pub mod yaml;

pub use build::{build, BuildOptions};
pub use error::{Error, Result};
pub use load::LoadRestrictor;
