//! The input is the Argo CD plugin's two parameters, one a line: `env` (PARAM_ENV or
//! ARGOCD_ENV_KAGENT_ENV) and `root` (PARAM_ROOT or ARGOCD_ENV_KAGENT_ROOT), resolved as
//! `kagentctl render --env ENV --root ROOT` resolves them, relative to the Application's
//! source directory. An environment found must be a directory directly under the tree's
//! `overlays/`.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kagentctl::cli::Cli;
use libfuzzer_sys::fuzz_target;

fn source() -> &'static PathBuf {
    static SRC: OnceLock<PathBuf> = OnceLock::new();
    SRC.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("kagentctl-fuzz-argocd-")
            .tempdir()
            .expect("tempdir")
            .keep();
        for env in ["dev", "prod"] {
            let p = dir.join("kubernetes/kagent/overlays").join(env);
            std::fs::create_dir_all(&p).expect("mkdir");
            std::fs::write(p.join("kustomization.yaml"), "resources: []\n").expect("write");
        }
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (env, root) = text.split_once('\n').unwrap_or((&text, "kubernetes/kagent"));
    let src = source();
    // The plugin passes `--env=VALUE --root=VALUE`: a value is never taken for a flag.
    let argv = [
        "kagentctl".to_string(),
        "render".to_string(),
        format!("--env={env}"),
        format!("--root={}", src.join(root).display()),
    ];
    let Ok(cli) = <Cli as clap::Parser>::try_parse_from(&argv) else {
        return;
    };
    let kagentctl::cli::Command::Render(a) = &cli.command else {
        panic!("not render: {argv:?}");
    };
    let Some(env) = a.env.as_deref() else {
        return;
    };
    let Ok((tree, _)) = kagentctl::tree::locate(a.tree.root.as_deref(), None, Path::new("/"))
    else {
        return;
    };
    if let Ok(dir) = tree.overlay(env) {
        assert_eq!(dir.parent(), Some(tree.root().join("overlays").as_path()));
        assert!(dir.is_dir(), "{dir:?}");
    }
});
