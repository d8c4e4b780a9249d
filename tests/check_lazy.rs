//! The schema tables are parsed only when `check` runs: building a kustomization does not
//! touch them.

use std::path::PathBuf;

use kagentctl::check::schema::Schema;

#[test]
fn render_does_not_load_the_schema() {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kubernetes/kagent/base");
    // Whatever the build engine's state, building must not parse the schema tables.
    let _ = kagentctl::build(&base, &kagentctl::BuildOptions::default());
    assert!(!Schema::is_loaded());
    let objects = kagentctl::check::objects_from_yaml(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
        None,
    )
    .expect("parse");
    let findings =
        kagentctl::check::check_objects(&objects, None, None, &Default::default()).expect("check");
    assert!(findings.is_empty());
    assert!(Schema::is_loaded());
}
