//! Resource-aware diff of rendered manifests (being written).

pub mod cli;
