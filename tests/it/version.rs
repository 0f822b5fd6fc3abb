//! What the binary says of itself.

/// `--version` names the commit the binary was built from, so a report
/// says exactly which code ran.
#[test]
fn the_version_names_the_commit() {
    let out = std::process::Command::new(crate::support::binary())
        .arg("--version")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(crate::support::repo_root())
        .output()
        .expect("git");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_owned();
    assert_eq!(
        text.trim(),
        format!("jhub-cockpit {} (commit {head})", env!("CARGO_PKG_VERSION"))
    );
}
