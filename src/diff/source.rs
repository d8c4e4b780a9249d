//! The two sides of a diff: rendered YAML files and directories, the kagent tree on disk,
//! and the kagent tree as it was at a git ref (read with `git ls-tree` and
//! `git cat-file --batch` into a temporary directory; the user's work tree and index are
//! never touched).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::yaml::{parse_documents, Limits};

/// Parses rendered YAML text (`what` names it in errors); empty documents are dropped and
/// `kind: List` documents (`v1` `List`, `SecretList`, ...) are replaced by their items, so
/// every object is matched, and every Secret masked, on its own.
pub fn parse_rendered(src: &str, what: &Path) -> Result<Vec<Value>> {
    let docs = parse_documents(src, Limits::default()).map_err(|e| Error::yaml(what, e))?;
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        flatten_into(d.value, &mut out);
    }
    Ok(out)
}

fn flatten_into(v: Value, out: &mut Vec<Value>) {
    let is_list = v
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && v.get("items").is_some_and(Value::is_array);
    match v {
        Value::Null => {}
        Value::Object(mut m) if is_list => {
            if let Some(Value::Array(items)) = m.remove("items") {
                for item in items {
                    flatten_into(item, out);
                }
            }
        }
        v => out.push(v),
    }
}

/// Reads and parses one rendered YAML file; `-` is standard input.
pub fn read_rendered(path: &Path) -> Result<Vec<Value>> {
    let text = read_text(path)?;
    parse_rendered(&text, path)
}

/// Reads a file (or standard input for `-`) as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::io("<stdin>", e))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// The `.yaml`/`.yml` files under `dir`, keyed by their path relative to `dir` without
/// the extension (`prod`, `apps/web`), sorted.
pub fn yaml_files(dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::io(path, e.into())
        })?;
        let p = entry.path();
        let ext = p.extension().and_then(|e| e.to_str());
        if !entry.file_type().is_file() || !matches!(ext, Some("yaml" | "yml")) {
            continue;
        }
        let rel = p.strip_prefix(dir).unwrap_or(p).with_extension("");
        out.insert(rel.to_string_lossy().replace('\\', "/"), p.to_path_buf());
    }
    Ok(out)
}

/// A kagent tree extracted from a git commit into a temporary directory.
#[derive(Debug)]
pub struct GitTree {
    /// The tree's root in the temporary directory (it may not exist: the tree was absent
    /// at that commit).
    pub root: PathBuf,
    /// The commit the ref resolved to.
    pub commit: String,
    /// The tree's path in the repository (`kubernetes/kagent`).
    pub prefix: String,
    _dir: tempfile::TempDir,
}

/// Runs git with `args` in `dir`; stdout on success, a [`Error::Usage`] naming `what`
/// with git's message otherwise.
fn git(dir: &Path, args: &[&str], what: &str) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Usage(format!("cannot run git ({e}); --base needs git on PATH")))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        return Err(Error::Usage(format!("{what}: {}", msg.trim())));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| Error::Usage(format!("{what}: git printed non-UTF-8")))
}

/// Extracts the kagent tree at `tree_root` (a directory in a git work tree) as it was at
/// `git_ref`. A ref that names no commit is an error; a tree absent at that commit gives
/// a [`GitTree`] whose `root` does not exist.
pub fn tree_at_ref(tree_root: &Path, git_ref: &str) -> Result<GitTree> {
    if git_ref.is_empty() || git_ref.starts_with('-') {
        return Err(Error::Usage(format!("invalid git ref {git_ref:?}")));
    }
    let top = git(
        tree_root,
        &["rev-parse", "--show-toplevel"],
        &format!(
            "{}: not in a git repository (needed for --base)",
            tree_root.display()
        ),
    )?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let prefix = git(tree_root, &["rev-parse", "--show-prefix"], "git rev-parse")?;
    let prefix = prefix.trim_end_matches(['\n', '\r']).trim_end_matches('/');
    let commit = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{git_ref}^{{commit}}"),
        ],
        &format!("git ref {git_ref:?} does not name a commit"),
    )
    .map_err(|_| {
        Error::Usage(format!(
            "unknown git ref {git_ref:?}: no such branch, tag or commit in {}",
            top.display()
        ))
    })?;
    let commit = commit.trim().to_string();

    let dir = tempfile::Builder::new()
        .prefix("kagentctl-base-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let root = dir.path().join(prefix);
    let pathspec = if prefix.is_empty() { "." } else { prefix };
    let listing = git(
        &top,
        &[
            "ls-tree",
            "-r",
            "-z",
            "--full-tree",
            &commit,
            "--",
            pathspec,
        ],
        &format!("git ls-tree {git_ref}"),
    )?;
    // Entries: "<mode> <type> <sha>\t<path>\0".
    let mut blobs: Vec<(&str, &str, &str)> = Vec::new();
    for rec in listing.split('\0').filter(|r| !r.is_empty()) {
        let Some((meta, path)) = rec.split_once('\t') else {
            continue;
        };
        let mut parts = meta.split(' ');
        let (Some(mode), Some("blob"), Some(sha)) = (parts.next(), parts.next(), parts.next())
        else {
            continue; // submodules (commit entries) are skipped
        };
        blobs.push((mode, sha, path));
    }
    if !blobs.is_empty() {
        let contents = cat_blobs(&top, blobs.iter().map(|b| b.1))?;
        for ((mode, _, path), data) in blobs.iter().zip(contents) {
            let dest = dir.path().join(path);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            write_entry(&dest, mode, &data)?;
        }
    }
    Ok(GitTree {
        root,
        commit,
        prefix: prefix.to_string(),
        _dir: dir,
    })
}

#[cfg(unix)]
fn write_entry(dest: &Path, mode: &str, data: &[u8]) -> Result<()> {
    if mode == "120000" {
        let target = PathBuf::from(String::from_utf8_lossy(data).into_owned());
        return std::os::unix::fs::symlink(target, dest).map_err(|e| Error::io(dest, e));
    }
    std::fs::write(dest, data).map_err(|e| Error::io(dest, e))
}

#[cfg(not(unix))]
fn write_entry(dest: &Path, _mode: &str, data: &[u8]) -> Result<()> {
    std::fs::write(dest, data).map_err(|e| Error::io(dest, e))
}

/// Reads blobs with one `git cat-file --batch` process, in the order given.
fn cat_blobs<'s>(top: &Path, shas: impl Iterator<Item = &'s str>) -> Result<Vec<Vec<u8>>> {
    let input: String = shas.map(|s| format!("{s}\n")).collect();
    let count = input.lines().count();
    let err = |e: std::io::Error| Error::Usage(format!("git cat-file: {e}"));
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(err)?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| Error::Usage("git cat-file: no stdin".into()))?;
    // Write from a thread: git answers while we are still asking.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::Usage("git cat-file: no stdout".into()))?;
    let mut reader = BufReader::new(stdout);
    let mut out = Vec::with_capacity(count);
    let mut line = String::new();
    for _ in 0..count {
        line.clear();
        reader.read_line(&mut line).map_err(err)?;
        // "<sha> blob <size>\n<content>\n"
        let size: usize = line
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::Usage(format!("git cat-file: unexpected answer {line:?}")))?;
        let mut data = vec![0; size + 1];
        reader.read_exact(&mut data).map_err(err)?;
        data.truncate(size);
        out.push(data);
    }
    writer
        .join()
        .map_err(|_| Error::Usage("git cat-file: writer panicked".into()))?
        .map_err(err)?;
    let status = child.wait().map_err(err)?;
    if !status.success() {
        return Err(Error::Usage(format!("git cat-file failed ({status})")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git_ok(dir: &Path, args: &[&str]) {
        let st = Command::new("git")
            .current_dir(dir)
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .status()
            .unwrap();
        assert!(st.success(), "git {args:?}");
    }

    #[test]
    fn tree_at_ref_reads_the_commit_not_the_work_tree() {
        let repo = tempfile::tempdir().unwrap();
        let tree = repo.path().join("k/t");
        std::fs::create_dir_all(tree.join("overlays/prod")).unwrap();
        std::fs::write(tree.join("overlays/prod/a.yaml"), "a: 1\n").unwrap();
        std::fs::write(tree.join("empty"), "").unwrap();
        std::fs::write(tree.join("no-newline"), "x").unwrap();
        std::fs::write(repo.path().join("outside.yaml"), "o: 1\n").unwrap();
        git_ok(repo.path(), &["init", "-q"]);
        git_ok(repo.path(), &["add", "."]);
        git_ok(repo.path(), &["commit", "-q", "-m", "one"]);
        // Later changes: staged, unstaged and untracked; none may show at HEAD.
        std::fs::write(tree.join("overlays/prod/a.yaml"), "a: 2\n").unwrap();
        std::fs::write(tree.join("staged"), "s").unwrap();
        git_ok(repo.path(), &["add", "k/t/staged"]);
        std::fs::write(tree.join("untracked"), "u").unwrap();

        let got = tree_at_ref(&tree, "HEAD").unwrap();
        assert_eq!(got.prefix, "k/t");
        assert_eq!(got.commit.len(), 40);
        let read = |rel: &str| std::fs::read_to_string(got.root.join(rel)).ok();
        assert_eq!(read("overlays/prod/a.yaml").as_deref(), Some("a: 1\n"));
        assert_eq!(read("empty").as_deref(), Some(""));
        assert_eq!(read("no-newline").as_deref(), Some("x"));
        assert_eq!(read("staged"), None);
        assert_eq!(read("untracked"), None);
        assert!(!got.root.join("../../outside.yaml").exists());
        // The work tree is as it was.
        assert_eq!(
            std::fs::read_to_string(tree.join("overlays/prod/a.yaml")).unwrap(),
            "a: 2\n"
        );

        let err = tree_at_ref(&tree, "nope").unwrap_err().to_string();
        assert!(err.contains("unknown git ref \"nope\""), "{err}");
        // A path that did not exist at the commit: an empty tree.
        std::fs::create_dir_all(repo.path().join("new")).unwrap();
        let none = tree_at_ref(&repo.path().join("new"), "HEAD").unwrap();
        assert!(!none.root.exists());
    }

    #[test]
    fn yaml_files_are_keyed_by_relative_stem() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        for f in ["prod.yaml", "dev.yml", "sub/x.yaml", "notes.txt"] {
            std::fs::write(d.path().join(f), "a: 1\n").unwrap();
        }
        let got: Vec<String> = yaml_files(d.path()).unwrap().into_keys().collect();
        assert_eq!(got, vec!["dev", "prod", "sub/x"]);
    }

    #[test]
    fn lists_are_flattened() {
        let src = "kind: List\nitems:\n- kind: Secret\n  data: {a: YQ==}\n- kind: ConfigMap\n";
        let v = parse_rendered(src, Path::new("x")).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0]["kind"], "Secret");
    }

    #[test]
    fn parse_rendered_drops_empty_documents() {
        let v = parse_rendered("---\na: 1\n---\n---\nb: 2\n", Path::new("x")).unwrap();
        assert_eq!(v.len(), 2);
    }
}
