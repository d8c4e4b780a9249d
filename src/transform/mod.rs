//! Transformers, one module each, applied in Kustomize's order.

pub mod smp;
