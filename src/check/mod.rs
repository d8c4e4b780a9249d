//! Schema validation and policy checks of rendered manifests (being written).

pub mod cli;
