//! Bad input from the operator's files gives one message that names the
//! file, the place in it and what to do, and changes nothing. The real
//! binary, no cluster: each case fails before anything is contacted.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jhub-cockpit"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("PATH", "/usr/bin:/bin")
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

fn failure(out: &Output) -> String {
    assert!(!out.status.success(), "it should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A kubeconfig that points only at a closed loopback port.
const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\ncurrent-context: rig\n\
clusters:\n- name: rig\n  cluster:\n    server: https://127.0.0.1:9\n\
contexts:\n- name: rig\n  context:\n    cluster: rig\n    user: u\n\
users:\n- name: u\n  user:\n    token: t\n";

#[test]
fn a_settings_file_with_a_wrong_type_names_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let settings = "# my settings\nkube:\n  namespace: [jhub\n";
    std::fs::write(dir.path().join("jhub-cockpit.yaml"), settings).unwrap();
    let err = failure(&run(dir.path(), &["status"]));
    let file = dir.path().join("jhub-cockpit.yaml");
    assert!(err.contains(&format!("{}:3:", file.display())), "{err}");
    assert!(err.contains("kube.namespace"), "{err}");
    assert!(err.contains("fix the file"), "{err}");
    // Nothing was rewritten.
    assert_eq!(std::fs::read_to_string(file).unwrap(), settings);
}

#[test]
fn a_broken_kubeconfig_names_the_file_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kc"), "apiVersion: v1\nclusters: [\n").unwrap();
    let err = failure(&run(dir.path(), &["--kubeconfig", "kc", "status"]));
    assert!(err.contains("cannot read the kubeconfig kc"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("--kubeconfig"), "{err}");
}

#[test]
fn a_missing_kubeconfig_says_which_path_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let err = failure(&run(
        dir.path(),
        &["--kubeconfig", "/nonexistent/kc", "status"],
    ));
    assert!(err.contains("/nonexistent/kc"), "{err}");
    assert!(
        err.contains("check the path given to --kubeconfig"),
        "{err}"
    );
}

#[test]
fn invalid_values_yaml_is_refused_with_line_and_column_before_helm_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kc"), KUBECONFIG).unwrap();
    let values = "hub:\n  config: {a: 1\n";
    std::fs::write(dir.path().join("config.yaml"), values).unwrap();
    let err = failure(&run(dir.path(), &["--kubeconfig", "kc", "deploy", "--yes"]));
    let file = dir.path().join("config.yaml");
    assert!(
        err.contains(&format!("{}:3:1: invalid YAML", file.display())),
        "{err}"
    );
    assert!(err.contains("nothing was applied"), "{err}");
    assert_eq!(std::fs::read_to_string(file).unwrap(), values);
}

#[test]
fn a_missing_values_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kc"), KUBECONFIG).unwrap();
    let err = failure(&run(
        dir.path(),
        &[
            "--kubeconfig",
            "kc",
            "deploy",
            "--yes",
            "-f",
            "missing.yaml",
        ],
    ));
    assert!(err.contains("missing.yaml"), "{err}");
}
