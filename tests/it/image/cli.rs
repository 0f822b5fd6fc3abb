//! `image init` and `image set` from the real binary, no registry and no
//! cluster: the Dockerfile never written over a file, the config edit byte
//! for byte, bad input refused with config.yaml unchanged.

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
        .env_remove("JHUB_COCKPIT_SKIP_IMAGE_CHECK")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn image_init_writes_the_dockerfile_once_and_never_over_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["image", "init", "course"]);
    assert!(out.status.success(), "{}", text(&out));
    let dockerfile = std::fs::read_to_string(dir.path().join("course/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("FROM quay.io/jupyter/scipy-notebook:20"),
        "a pinned dated tag: {dockerfile}"
    );
    assert!(
        dockerfile.contains("COPY --chown=${NB_UID}"),
        "{dockerfile}"
    );
    // The hub starts the server: no CMD or ENTRYPOINT instruction.
    assert!(
        !dockerfile
            .lines()
            .any(|l| l.starts_with("CMD") || l.starts_with("ENTRYPOINT")),
        "{dockerfile}"
    );
    assert!(dir.path().join("course/material").is_dir());

    // Again, with the operator's own Dockerfile there: refused, untouched,
    // and nothing else written either.
    std::fs::write(dir.path().join("course/Dockerfile"), "FROM mine\n").unwrap();
    std::fs::remove_file(dir.path().join("course/README.md")).unwrap();
    let out = run(dir.path(), &["image", "init", "course"]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("course/Dockerfile already exists"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("course/Dockerfile")).unwrap(),
        "FROM mine\n"
    );
    assert!(!dir.path().join("course/README.md").exists());
}

const CONFIG: &str = "\
# The course hub: config.yaml of the z2jh guide.
singleuser:
  image:
    # the course image, rebuilt every week
    name: 127.0.0.1:9/course/notebook
    tag: \"w1\"   # pinned
  memory:
    limit: 2G
";

#[test]
fn image_set_changes_only_the_tag_bytes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), CONFIG).unwrap();
    let out = run(
        dir.path(),
        &[
            "--skip-image-check",
            "image",
            "set",
            "127.0.0.1:9/course/notebook:w2",
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("-    tag: w1"), "the diff: {stdout}");
    assert!(stdout.contains("+    tag: w2"), "the diff: {stdout}");
    assert!(stdout.contains("next: jhub-cockpit deploy"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.yaml")).unwrap(),
        CONFIG.replace("\"w1\"", "\"w2\"")
    );
}

#[test]
fn image_set_refuses_bad_input_and_keeps_config_yaml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), CONFIG).unwrap();
    for (image, says) in [
        ("127.0.0.1:9/course/notebook", "has no tag"),
        ("127.0.0.1:9/course/notebook:-w2", "is not a tag"),
        ("127.0.0.1:9/Course:w2", "is not an image name"),
        ("127.0.0.1:9/course/notebook:w1", "nothing to change"),
        ("127.0.0.1:9/course/notebook@sha256:ab12", "pin by tag"),
    ] {
        let out = run(
            dir.path(),
            &["--skip-image-check", "image", "set", image, "--yes"],
        );
        assert!(!out.status.success(), "{image}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{image}: {}",
            text(&out)
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("config.yaml")).unwrap(),
            CONFIG,
            "{image}"
        );
    }
}

#[test]
fn without_a_terminal_image_set_asks_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), CONFIG).unwrap();
    // run() gives no stdin (Command::output's null): the question has no
    // one to answer it.
    let out = run(
        dir.path(),
        &[
            "--skip-image-check",
            "image",
            "set",
            "127.0.0.1:9/course/notebook:w2",
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing without --yes"),
        "says how to confirm without a terminal: {}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.yaml")).unwrap(),
        CONFIG
    );
}

#[test]
fn read_only_mode_refuses_image_set() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), CONFIG).unwrap();
    let out = run(
        dir.path(),
        &[
            "--readonly",
            "image",
            "set",
            "127.0.0.1:9/course/notebook:w2",
            "--yes",
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only mode"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.yaml")).unwrap(),
        CONFIG
    );
}
