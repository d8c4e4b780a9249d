//! kagentctl as kubectl's `kagent` plugin: the `kubectl-kagent` launcher, a link named
//! `kubectl-kagent`, kubectl's own plugin lookup (where kubectl is installed) and the krew
//! manifest in deploy/krew/.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{repo, tree};

fn kagentctl_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kagentctl"))
}

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.env_remove("KAGENTCTL_ROOT")
        .output()
        .expect("the command starts")
}

fn render_prod(bin: &Path) -> std::process::Output {
    run(Command::new(bin)
        .args(["render", "--env", "prod", "--root"])
        .arg(tree()))
}

#[test]
fn the_launcher_renders_like_kagentctl_and_calls_itself_kubectl_kagent() {
    let launcher = PathBuf::from(env!("CARGO_BIN_EXE_kubectl-kagent"));
    let ours = render_prod(&kagentctl_bin());
    let plugin = render_prod(&launcher);
    assert!(plugin.status.success(), "{plugin:?}");
    assert_eq!(plugin.stdout, ours.stdout);

    let help = run(Command::new(&launcher).arg("--help"));
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Usage: kubectl kagent <COMMAND>"), "{help}");

    let bad = run(Command::new(&launcher).args(["render", "--no-such-flag"]));
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("Usage: kubectl kagent render"), "{err}");

    let unknown = run(Command::new(&launcher)
        .args(["render", "--env", "qa", "--root"])
        .arg(tree()));
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.starts_with("kubectl kagent: error: unknown environment"),
        "{err}"
    );
}

#[test]
fn kagentctl_under_its_own_name_still_says_kagentctl() {
    let out = run(Command::new(kagentctl_bin())
        .args(["render", "--env", "qa", "--root"])
        .arg(tree()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("kagentctl: error: unknown environment"),
        "{err}"
    );
    let help = run(Command::new(kagentctl_bin()).arg("--help"));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: kagentctl <COMMAND>"));
}

/// A directory holding only a link `kubectl-kagent` -> the kagentctl binary (as krew
/// installs it).
#[cfg(unix)]
fn plugin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::os::unix::fs::symlink(kagentctl_bin(), dir.path().join("kubectl-kagent")).expect("link");
    dir
}

#[cfg(unix)]
#[test]
fn a_link_named_kubectl_kagent_calls_itself_kubectl_kagent() {
    let dir = plugin_dir();
    let link = dir.path().join("kubectl-kagent");
    let out = run(Command::new(&link).args(["envs", "--root"]).arg(tree()));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "dev\nprod\nstaging\tautoscaling,monitoring,mesh\n"
    );
    let bad = run(Command::new(&link).args(["diff", "--bogus"]));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Usage: kubectl kagent diff"));
}

/// `kubectl kagent render --env prod` through kubectl's plugin lookup, with a temporary
/// PATH holding the link; skipped (with a notice) where kubectl is not installed.
#[cfg(unix)]
#[test]
fn kubectl_finds_the_plugin_on_path() {
    let Ok(v) = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
    else {
        eprintln!("notice: kubectl not found; skipping the kubectl plugin lookup test");
        return;
    };
    if !v.status.success() {
        eprintln!("notice: kubectl not usable; skipping the kubectl plugin lookup test");
        return;
    }
    let dir = plugin_dir();
    let path = std::env::join_paths(std::iter::once(dir.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");

    let list = run(Command::new("kubectl")
        .args(["plugin", "list"])
        .env("PATH", &path));
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("kubectl-kagent"),
        "kubectl plugin list: {listed}"
    );

    let ours = render_prod(&kagentctl_bin());
    let via = run(Command::new("kubectl")
        .args(["kagent", "render", "--env", "prod", "--root"])
        .arg(tree())
        .env("PATH", &path));
    assert!(via.status.success(), "{via:?}");
    assert_eq!(via.stdout, ours.stdout, "kubectl kagent render differs");

    let bad = run(Command::new("kubectl")
        .args(["kagent", "render", "--env", "qa", "--root"])
        .arg(tree())
        .env("PATH", &path));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("kubectl kagent: error:"));
}

fn krew_manifest(text: &str) -> serde_json::Value {
    let docs = kagentctl::yaml::parse_documents(text, kagentctl::yaml::Limits::default())
        .expect("the krew manifest is valid YAML");
    assert_eq!(docs.len(), 1);
    docs.into_iter().next().expect("one document").value
}

/// Checks a krew manifest's shape; `filled` also checks checksums and URLs.
fn check_krew(m: &serde_json::Value, filled: bool) {
    assert_eq!(
        m["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(m["kind"], "Plugin");
    // krew links `kubectl-<name>` to the binary: the name kubectl looks the plugin up by.
    let name = m["metadata"]["name"].as_str().expect("name");
    assert_eq!(
        format!("kubectl-{name}"),
        kagentctl::cli::KUBECTL_PLUGIN_EXE
    );
    let spec = &m["spec"];
    assert!(spec["shortDescription"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    assert!(spec["description"].as_str().is_some_and(|s| !s.is_empty()));
    let version = spec["version"].as_str().expect("version");
    assert!(version.starts_with('v'), "{version}");
    let bin = Path::new(env!("CARGO_BIN_EXE_kagentctl"))
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("bin name")
        .to_string();
    let platforms = spec["platforms"].as_array().expect("platforms");
    let mut seen = Vec::new();
    for p in platforms {
        let labels = &p["selector"]["matchLabels"];
        let os = labels["os"].as_str().expect("os");
        let arch = labels["arch"].as_str().expect("arch");
        seen.push(format!("{os}/{arch}"));
        let exe = if os == "windows" {
            format!("{bin}.exe")
        } else {
            bin.clone()
        };
        assert_eq!(p["bin"], exe.as_str(), "{os}/{arch} names the wrong binary");
        let files = p["files"].as_array().expect("files");
        assert!(
            files.iter().any(|f| f["from"] == exe.as_str()),
            "{os}/{arch}: the archive's {exe} is not installed"
        );
        let uri = p["uri"].as_str().expect("uri");
        let sha = p["sha256"].as_str().expect("sha256");
        assert!(uri.ends_with(".tar.gz") || uri.ends_with(".zip"), "{uri}");
        if filled {
            assert!(uri.starts_with("https://"), "{uri}");
            assert!(!uri.contains("{{"), "{uri}");
            assert!(
                sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{sha}"
            );
        } else {
            assert!(uri.starts_with("{{RELEASE_URL}}/"), "{uri}");
            assert!(sha.starts_with("{{SHA256_") && sha.ends_with("}}"), "{sha}");
        }
    }
    for want in [
        "linux/amd64",
        "linux/arm64",
        "darwin/amd64",
        "darwin/arm64",
        "windows/amd64",
    ] {
        assert!(seen.iter().any(|s| s == want), "no {want} platform");
    }
}

#[test]
fn the_krew_manifest_installs_kagentctl_as_kubectl_kagent() {
    let path = repo().join("deploy/krew/kagent.yaml");
    let text = std::fs::read_to_string(&path).expect("deploy/krew/kagent.yaml");
    let m = krew_manifest(&text);
    // krew requires the file to be named after the plugin.
    assert_eq!(
        path.file_stem().and_then(|s| s.to_str()),
        m["metadata"]["name"].as_str()
    );
    check_krew(&m, false);
}

/// scripts/fill-krew-manifest.sh fills every placeholder from a directory of archives.
#[cfg(unix)]
#[test]
fn the_fill_script_produces_a_complete_manifest() {
    if Command::new("sha256sum").arg("--version").output().is_err() {
        eprintln!("notice: sha256sum not found; skipping the krew fill-script test");
        return;
    }
    let text = std::fs::read_to_string(repo().join("deploy/krew/kagent.yaml")).expect("manifest");
    let dir = tempfile::tempdir().expect("tmp");
    for uri in krew_manifest(&text)["spec"]["platforms"]
        .as_array()
        .expect("platforms")
        .iter()
        .filter_map(|p| p["uri"].as_str())
    {
        let file = uri
            .rsplit('/')
            .next()
            .expect("file name")
            .replace("{{VERSION}}", "1.2.3");
        std::fs::write(dir.path().join(file), uri).expect("archive");
    }
    let script = repo().join("scripts/fill-krew-manifest.sh");
    let out = run(Command::new("bash")
        .arg(&script)
        .args([
            "1.2.3",
            "https://example.com/kagentctl",
            "https://example.com/dl/v1.2.3",
        ])
        .arg(dir.path()));
    assert!(out.status.success(), "{out:?}");
    let filled = krew_manifest(&String::from_utf8(out.stdout).expect("utf-8"));
    check_krew(&filled, true);
    assert_eq!(filled["spec"]["version"], "v1.2.3");

    // A missing archive is named, and nothing is printed.
    let first = std::fs::read_dir(dir.path())
        .expect("dir")
        .next()
        .expect("an archive")
        .expect("entry")
        .path();
    std::fs::remove_file(&first).expect("rm");
    let out = run(Command::new("bash")
        .arg(&script)
        .args(["1.2.3", "h", "https://example.com/dl"])
        .arg(dir.path()));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no archive for"));
}

/// The commands kagentctl's messages suggest name it as the user called it.
#[cfg(unix)]
#[test]
fn messages_suggest_commands_under_the_plugin_name() {
    let dir = plugin_dir();
    let link = dir.path().join("kubectl-kagent");
    let empty = tempfile::tempdir().expect("tmp");

    let check = run(Command::new(&link)
        .args(["check", "--env", "dev"])
        .current_dir(empty.path())
        .env_remove("KAGENTCTL_ROOT"));
    let err = String::from_utf8_lossy(&check.stderr);
    assert!(
        err.starts_with("kubectl kagent: no kubernetes/kagent found here or above"),
        "{err}"
    );

    let missing = empty.path().join("snapshots");
    let diff = run(Command::new(&link)
        .args(["diff", "--root"])
        .arg(tree())
        .arg("--check")
        .arg(&missing));
    assert_eq!(diff.status.code(), Some(2), "{diff:?}");
    let err = String::from_utf8_lossy(&diff.stderr);
    assert!(
        err.contains("create it with `kubectl kagent render --all-envs --out-dir"),
        "{err}"
    );

    let plain = run(Command::new(kagentctl_bin())
        .args(["diff", "--root"])
        .arg(tree())
        .arg("--check")
        .arg(&missing));
    let err = String::from_utf8_lossy(&plain.stderr);
    assert!(
        err.contains("create it with `kagentctl render --all-envs --out-dir"),
        "{err}"
    );
}
