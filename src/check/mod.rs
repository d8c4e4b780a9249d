//! Schema validation and policy checks of rendered manifests (placeholder).
