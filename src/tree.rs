//! The kagent tree built into the binary (placeholder).
