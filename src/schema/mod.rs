//! Compiled-in tables: field specs, name references, kind order.

pub mod merge_keys;
