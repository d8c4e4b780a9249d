//! The input is a `kustomization.yaml` next to a few fixed resource, patch and env
//! files; the whole build runs and its output is formatted.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kagentctl::build::{build_with_warnings, BuildOptions};
use kagentctl::cli::{format_output, Format};
use libfuzzer_sys::fuzz_target;

const FILES: &[(&str, &str)] = &[
    (
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    app: a\ndata:\n  k: v\n",
    ),
    (
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: nginx:1\n        envFrom:\n        - configMapRef:\n            name: cm\n        volumeMounts:\n        - name: v\n          mountPath: /v\n      volumes:\n      - name: v\n        secret:\n          secretName: s\n",
    ),
    (
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n",
    ),
    (
        "patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx:2\n",
    ),
    (
        "json.yaml",
        "- op: add\n  path: /metadata/labels/x\n  value: y\n",
    ),
    ("a.env", "A=1\n# c\nB=two\n"),
    ("data.txt", "hello\n"),
];

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = tempfile::Builder::new()
            .prefix("kagentctl-fuzz-")
            .tempdir()
            .expect("tempdir");
        let dir = tmp.keep();
        for (name, text) in FILES {
            std::fs::write(dir.join(name), text).expect("write fixture");
        }
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    if std::fs::write(dir.join("kustomization.yaml"), data).is_err() {
        return;
    }
    if let Ok(out) = build_with_warnings(dir, &BuildOptions::default()) {
        let _ = format_output(&out.resources, Format::Yaml);
    }
});
