//! The `kagentctl` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use kagentctl::cli::{program_name, run, Cli};
use kagentctl::Error;

// A faster allocator: builds allocate many small strings and maps (about a quarter of
// the instructions of a large build were malloc/free with the system allocator).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Huge pages only pay on large inputs (see `kagentctl::memory`). This has to happen before
/// the Rust runtime's first allocation, which already faults in the allocator's first
/// (huge) page, so it runs as an ELF constructor, ahead of `main`.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static DEFER_HUGE_PAGES: extern "C" fn() = {
    extern "C" fn defer() {
        kagentctl::memory::defer_huge_pages();
    }
    defer
};

fn main() -> ExitCode {
    let cli = Cli::parse_as(program_name());
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(Error::Io { cause, .. }) if cause.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = cli.error_exit_code(&e);
            // The message already holds the whole story (file, line, cause): `Error`
            // keeps no separate source chain to print.
            eprintln!("{}: error: {e}", program_name());
            ExitCode::from(code)
        }
    }
}
