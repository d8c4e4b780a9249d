//! Helpers shared by the integration tests: where the repository and the kagent tree are,
//! the binary under test, golden renders, throw-away files.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped kagent tree (`kubernetes/kagent`).
pub fn tree() -> PathBuf {
    repo().join("kubernetes/kagent")
}

/// `kagentctl`, with the environment variables that change its behaviour removed.
pub fn kagentctl() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kagentctl"));
    c.env_remove("KAGENTCTL_ROOT").env_remove("NO_COLOR");
    c
}

/// The golden render of an environment (`tests/golden/<env>.yaml`, kubectl's output).
pub fn golden(env: &str) -> String {
    std::fs::read_to_string(repo().join(format!("tests/golden/{env}.yaml"))).expect("golden file")
}

/// Writes `text` to `dir/rel`, creating directories.
pub fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// A copy of the shipped kagent tree in a temporary directory, to mutate.
pub fn copy_tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tmp");
    for e in walkdir::WalkDir::new(tree()) {
        let e = e.expect("walk");
        let to = tmp
            .path()
            .join(e.path().strip_prefix(tree()).expect("prefix"));
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
    tmp
}
