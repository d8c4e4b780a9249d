//! Generators (placeholder).
