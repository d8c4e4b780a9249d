//! The name kagentctl goes by in help, errors and the commands its messages suggest:
//! `kagentctl`, or `kubectl kagent` when kubectl runs it as a plugin.

use std::path::Path;

/// The executable name under which kubectl finds kagentctl as its `kagent` plugin.
pub const KUBECTL_PLUGIN_EXE: &str = "kubectl-kagent";

/// The name kagentctl calls itself in help and errors: `kubectl kagent` when it runs as
/// kubectl's plugin (executable named [`KUBECTL_PLUGIN_EXE`]), else `kagentctl`.
pub fn program_name() -> &'static str {
    static NAME: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    NAME.get_or_init(|| program_name_for(std::env::args_os().next().as_deref()))
}

/// [`program_name`] for a given `argv[0]` (kubectl passes the plugin's full path).
pub fn program_name_for(argv0: Option<&std::ffi::OsStr>) -> &'static str {
    let stem = argv0.map(Path::new).and_then(Path::file_stem);
    if stem.is_some_and(|s| s == KUBECTL_PLUGIN_EXE) {
        "kubectl kagent"
    } else {
        "kagentctl"
    }
}
