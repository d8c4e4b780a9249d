//! The input is three lines: a new environment's name, the environment it starts from, and
//! a `--with` list. `render --with` parses the list, `new-env` creates the overlay (then it
//! is removed again); whatever is created must be a direct child of `overlays/`.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kagentctl::tree::KagentTree;
use libfuzzer_sys::fuzz_target;

fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("kagentctl-fuzz-names-")
            .tempdir()
            .expect("tempdir")
            .keep();
        let root = dir.join("kagent");
        let files = [
            ("base/kustomization.yaml", "resources: [cm.yaml]\n"),
            ("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"),
            ("overlays/dev/kustomization.yaml", "resources: [../../base]\n"),
            ("overlays/prod/kustomization.yaml", "resources: [../../base]\n"),
            (
                "components/monitoring/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
            ),
            (
                "components/mesh/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
            ),
        ];
        for (rel, text) in files {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        root
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let name = lines.next().unwrap_or("");
    let from = lines.next().unwrap_or("");
    let with: Vec<String> = lines.next().map(str::to_string).into_iter().collect();
    let root = root();
    let tree = KagentTree::at(root.clone());
    let _ = tree.overlay(name);
    let Ok(comps) = kagentctl::components::parse_with(&tree, &with) else {
        return;
    };
    for c in &comps {
        assert!(root.join("components").join(c).is_dir(), "{c:?}");
    }
    if let Ok(made) = kagentctl::new_env::create(&tree, name, from, &comps) {
        assert_eq!(made.dir.parent(), Some(root.join("overlays").as_path()));
        assert!(made.dir.join("kustomization.yaml").is_file());
        std::fs::remove_dir_all(&made.dir).expect("remove the new overlay");
    }
    // Nothing else may be left in overlays/ (no half-written staging directory).
    let left = std::fs::read_dir(root.join("overlays")).expect("overlays").count();
    assert_eq!(left, 2);
});
