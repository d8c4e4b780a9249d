//! The one file-system interface a build reads through ([`FileSystem`]): the disk
//! ([`Disk`]) and a tree held in memory ([`Memory`], for tests and fuzzing). The loader
//! ([`crate::load::Loader`]) holds one; nothing else in a build touches files.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// What a build needs from a file system. Paths are as the build forms them (a
/// kustomization's directory joined with an entry); implementations resolve `.` and
/// `..` themselves.
pub trait FileSystem: Debug + Send + Sync {
    /// The bytes of a file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// Whether `path` is a file.
    fn is_file(&self, path: &Path) -> bool;
    /// The size of a file, `None` when `path` is not a file.
    fn file_len(&self, path: &Path) -> Option<u64>;
    /// `path` absolute, with symbolic links resolved; an error when it does not exist.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
    /// Whether `path` exists (file or directory).
    fn exists(&self, path: &Path) -> bool {
        self.is_file(path) || self.is_dir(path)
    }
}

/// The shared handle a loader holds.
pub type SharedFs = Arc<dyn FileSystem>;

/// The disk, through `std::fs`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl Disk {
    /// A shared handle to the disk.
    pub fn shared() -> SharedFs {
        Arc::new(Disk)
    }
}

impl FileSystem for Disk {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn file_len(&self, path: &Path) -> Option<u64> {
        std::fs::metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        path.canonicalize()
    }
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
}

/// A tree of files in memory, rooted at `/`: directories are the parents of the files
/// (an empty directory cannot exist), there are no symbolic links, and relative paths
/// are taken from `/`.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    files: BTreeMap<PathBuf, Vec<u8>>,
    dirs: BTreeSet<PathBuf>,
}

impl Memory {
    /// An empty tree (only `/`).
    pub fn new() -> Memory {
        let mut m = Memory::default();
        m.dirs.insert(PathBuf::from("/"));
        m
    }

    /// Adds (or replaces) the file at `path` with `bytes`, and its parent directories.
    pub fn insert(&mut self, path: impl AsRef<Path>, bytes: impl Into<Vec<u8>>) {
        let p = absolute(path.as_ref());
        let mut dir = p.parent();
        while let Some(d) = dir {
            self.dirs.insert(d.to_path_buf());
            dir = d.parent();
        }
        self.files.insert(p, bytes.into());
    }

    /// The tree with one more file (for building a tree in one expression).
    pub fn with(mut self, path: impl AsRef<Path>, text: &str) -> Memory {
        self.insert(path, text.as_bytes());
        self
    }
}

/// `p` from `/`, with `.` and `..` resolved lexically (`..` stops at `/`).
fn absolute(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

fn not_found(p: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file or directory", p.display()),
    )
}

impl FileSystem for Memory {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&absolute(path))
            .cloned()
            .ok_or_else(|| not_found(path))
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.dirs.contains(&absolute(path))
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&absolute(path))
    }
    fn file_len(&self, path: &Path) -> Option<u64> {
        self.files.get(&absolute(path)).map(|b| b.len() as u64)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        let p = absolute(path);
        if self.files.contains_key(&p) || self.dirs.contains(&p) {
            Ok(p)
        } else {
            Err(not_found(path))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_tree_has_directories_and_resolves_dots() {
        let m = Memory::new().with("/a/b/k.yaml", "x: 1\n");
        assert!(m.is_dir(Path::new("/a")) && m.is_dir(Path::new("a/b")));
        assert!(m.is_file(Path::new("/a/b/../b/./k.yaml")));
        assert!(!m.is_file(Path::new("/a/b")) && !m.exists(Path::new("/c")));
        assert_eq!(
            m.read(Path::new("a/b/k.yaml")).ok(),
            Some(b"x: 1\n".to_vec())
        );
        assert_eq!(m.file_len(Path::new("/a/b/k.yaml")), Some(5));
        assert_eq!(
            m.canonicalize(Path::new("/a/./b/..")).ok(),
            Some(PathBuf::from("/a"))
        );
        assert_eq!(
            m.canonicalize(Path::new("/a/missing"))
                .map_err(|e| e.kind())
                .err(),
            Some(io::ErrorKind::NotFound)
        );
    }
}
