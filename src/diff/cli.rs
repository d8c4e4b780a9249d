//! `kagentctl diff` arguments and entry point (placeholder).

/// Arguments of `kagentctl diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// Old and new rendered files or directories.
    pub paths: Vec<std::path::PathBuf>,
}

/// Runs `kagentctl diff`; returns the exit code (0 same, 1 differences, 2 error).
pub fn run(args: &DiffArgs) -> crate::Result<i32> {
    let _ = args;
    Err(crate::Error::Usage("diff is not implemented yet".into()))
}
