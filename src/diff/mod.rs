//! Resource-aware diff of rendered manifests (placeholder).
