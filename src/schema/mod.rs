//! Compiled-in tables: field specs, name references, kind order.
