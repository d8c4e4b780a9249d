//! Output ordering (placeholder).
