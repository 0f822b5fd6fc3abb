//! The registry check against the CNCF distribution registry on loopback
//! (support::registry starts one per test, built by `dev/build registry`),
//! without auth and behind its token flow, through the real binary: the
//! headless `image check`, `image set` and `deploy` run the same code as
//! the keys. Helm is a recorder here: on a refusal it must not have run.

use std::process::Output;

use crate::support::fixture_chart;
use crate::support::headless::{Run, Workdir};
use crate::support::kubeconfig;
use crate::support::registry::{Auth, TestRegistry};

const REPO: &str = "course/notebook";

fn config_with(image: &str, tag: &str) -> String {
    format!(
        "# the course hub\nsingleuser:\n  image:\n    name: {image}  # our registry\n    tag: \"{tag}\"\n"
    )
}

/// The real binary with the registry check on (the support module turns
/// it off for every other test) and the fixture chart.
fn run(work: &Workdir, args: &[&str]) -> Run {
    let chart = fixture_chart();
    let mut all = vec!["--chart", chart.to_str().unwrap(), "-n", "image-check"];
    all.extend_from_slice(args);
    let out: Output = work
        .command(&all)
        .env_remove("JHUB_COCKPIT_SKIP_IMAGE_CHECK")
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn registry_with_weeks(auth: Auth) -> TestRegistry {
    let registry = TestRegistry::start(auth);
    for tag in ["2026-11-23", "2026-11-30", "latest"] {
        registry.push_image(REPO, tag, "linux/amd64");
    }
    registry
}

#[test]
fn an_existing_tag_passes_with_its_platforms() {
    let registry = registry_with_weeks(Auth::None);
    registry.push_index(REPO, "multi", &["linux/amd64", "linux/arm64"]);
    let work = Workdir::new(&kubeconfig(), None);
    let image = format!("{}/{REPO}", registry.addr());
    let out = run(&work, &["image", "check", &format!("{image}:2026-11-30")]);
    assert!(out.ok(), "{out}");
    assert!(
        out.stdout.contains(&format!(
            "✓ singleuser.image {image}:2026-11-30 is in its registry (linux/amd64)"
        )),
        "{out}"
    );
    let out = run(&work, &["image", "check", &format!("{image}:multi")]);
    assert!(out.ok(), "{out}");
    assert!(
        out.stdout.contains("(linux/amd64, linux/arm64)"),
        "an index lists its platforms: {out}"
    );
    assert!(!out.stdout.contains('⚠'), "{out}");
}

#[test]
fn a_missing_tag_refuses_the_deploy_before_helm_runs_and_names_the_nearest_tags() {
    let registry = registry_with_weeks(Auth::None);
    let work = Workdir::new(&kubeconfig(), None);
    let image = format!("{}/{REPO}", registry.addr());
    // The classic typo: 03 for 30.
    std::fs::write(work.config(), config_with(&image, "2026-11-03")).unwrap();
    let out = run(&work, &["deploy", "--yes"]);
    assert!(!out.ok(), "{out}");
    assert!(out.stderr.contains("not deployed"), "{out}");
    assert!(
        out.stderr.contains(&format!(
            "singleuser.image {image}:2026-11-03: the registry says MANIFEST_UNKNOWN"
        )),
        "the registry's own words: {out}"
    );
    assert!(
        out.stderr
            .contains("tags there nearest to 2026-11-03: 2026-11-30, 2026-11-23"),
        "{out}"
    );
    assert!(out.stderr.contains("--skip-image-check"), "{out}");
    assert_eq!(work.helm_calls(), Vec::<String>::new(), "helm must not run");

    // A repository that does not exist at all says so too.
    std::fs::write(
        work.config(),
        config_with(&format!("{}/no/such", registry.addr()), "w1"),
    )
    .unwrap();
    let out = run(&work, &["deploy", "--yes"]);
    assert!(!out.ok(), "{out}");
    assert!(
        out.stderr
            .contains("the repository no/such does not exist there"),
        "{out}"
    );
    assert_eq!(work.helm_calls(), Vec::<String>::new(), "helm must not run");

    // --skip-image-check: helm is asked (the recorder then fails it).
    let out = run(&work, &["--skip-image-check", "deploy", "--yes"]);
    assert!(!out.ok(), "{out}");
    assert_eq!(work.helm_calls().len(), 1, "{out}");
}

#[test]
fn a_registry_that_is_down_is_a_warning_and_helm_runs() {
    let registry = registry_with_weeks(Auth::None);
    let addr = registry.addr();
    drop(registry);
    let work = Workdir::new(&kubeconfig(), None);
    std::fs::write(
        work.config(),
        config_with(&format!("{addr}/{REPO}"), "2026-11-30"),
    )
    .unwrap();
    let out = run(&work, &["deploy", "--yes"]);
    assert!(
        out.stdout.contains("not checked in its registry")
            || out.stderr.contains("not checked in its registry"),
        "{out}"
    );
    assert!(out.to_string().contains("cannot be reached"), "{out}");
    // Not refused: helm was asked to deploy (the recorder fails it).
    assert_eq!(work.helm_calls().len(), 1, "{out}");
}

#[test]
fn an_arm64_only_image_warns_that_gke_cannot_run_it() {
    let registry = TestRegistry::start(Auth::None);
    registry.push_index(REPO, "mac-build", &["linux/arm64"]);
    let work = Workdir::new(&kubeconfig(), None);
    let image = format!("{}/{REPO}:mac-build", registry.addr());
    let out = run(&work, &["image", "check", &image]);
    assert!(out.ok(), "a warning, not a refusal: {out}");
    assert!(
        out.stdout.contains(&format!(
            "⚠ {image} has no linux/amd64 image, only linux/arm64"
        )),
        "{out}"
    );
}

#[test]
fn behind_token_auth_the_challenge_is_followed_to_an_anonymous_token() {
    let registry = registry_with_weeks(Auth::Token);
    let work = Workdir::new(&kubeconfig(), None);
    let image = format!("{}/{REPO}", registry.addr());
    let out = run(&work, &["image", "check", &format!("{image}:2026-11-30")]);
    assert!(out.ok(), "{out}");
    assert!(
        out.stdout.contains("is in its registry (linux/amd64)"),
        "{out}"
    );
    // A miss lists the nearest tags, which needs the token too.
    let out = run(&work, &["image", "check", &format!("{image}:2026-11-31")]);
    assert!(!out.ok(), "{out}");
    assert!(out.stderr.contains("MANIFEST_UNKNOWN"), "{out}");
    assert!(
        out.stderr.contains("nearest to 2026-11-31: 2026-11-30"),
        "{out}"
    );
}

#[test]
fn image_set_asks_the_registry_and_keeps_config_yaml_byte_for_byte() {
    let registry = registry_with_weeks(Auth::None);
    let work = Workdir::new(&kubeconfig(), None);
    let image = format!("{}/{REPO}", registry.addr());
    let before = config_with(&image, "2026-11-23");
    std::fs::write(work.config(), &before).unwrap();
    let out = run(
        &work,
        &["image", "set", &format!("{image}:2026-11-30"), "--yes"],
    );
    assert!(out.ok(), "{out}");
    // The plan (asked on stderr) carries the registry's answer.
    assert!(
        out.to_string().contains(&format!(
            "✓ singleuser.image {image}:2026-11-30 is in its registry (linux/amd64)"
        )),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(work.config()).unwrap(),
        before.replace("2026-11-23", "2026-11-30")
    );
    // A tag not pushed yet is written with a warning (the upgrade refuses
    // it until it is pushed).
    let out = run(
        &work,
        &["image", "set", &format!("{image}:2026-12-07"), "--yes"],
    );
    assert!(out.ok(), "{out}");
    assert!(
        out.to_string()
            .contains("The upgrade refuses it until the image is pushed"),
        "{out}"
    );
    assert_eq!(work.helm_calls(), Vec::<String>::new());
}
