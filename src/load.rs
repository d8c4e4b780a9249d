//! Loading (placeholder).
