//! `kagentctl check` arguments and entry point (placeholder).

/// Arguments of `kagentctl check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Rendered files to check.
    pub paths: Vec<std::path::PathBuf>,
}

/// Runs `kagentctl check`; returns the exit code (0 clean, 1 findings, 2 error).
pub fn run(args: &CheckArgs) -> crate::Result<i32> {
    let _ = args;
    Err(crate::Error::Usage("check is not implemented yet".into()))
}
