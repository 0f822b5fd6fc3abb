//! The real JupyterHub chart (4.4.0, what the z2jh guide installs) is the
//! reference. The values check must agree with helm's own on it: the
//! guide's configs pass, and values helm refuses are refused before helm
//! runs, naming the key as helm does and the line that set it. Then the
//! guide's workflow on the rig with that chart: install, change the image,
//! upgrade, roll back, uninstall, through the real binary and the real helm.
//!
//! The chart is found by `support::z2jh_chart()` (JHUB_Z2JH_CHART, then
//! `../shared/charts/`, then a `helm pull`).

use crate::support;
use crate::support::headless;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use headless::{Run, Workdir, changed_lines, component_running, printed_diff, set_tag, status};
use jhub_cockpit::deploy::{self, DeployConfig};
use jhub_cockpit::helm::cli::{ChartSource, KubeTarget};
use serde_json::Value;
use support::{
    TestNamespace, UninstallOnDrop, client, eventually, helm, kubeconfig, records, release_secrets,
    z2jh_chart,
};

/// The guide's configs, each a set of values files (name, text) in helm's
/// order.
fn guide_configs() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "minimal: a pinned notebook image tag",
            vec![("config.yaml", "singleuser:\n  image:\n    tag: \"4.4.0\"\n")],
        ),
        (
            "a custom notebook image",
            vec![(
                "config.yaml",
                "singleuser:\n  image:\n    name: quay.io/jupyter/datascience-notebook\n    tag: \"2026-11-30\"\n",
            )],
        ),
        (
            "user pods on a user node pool",
            vec![(
                "config.yaml",
                "singleuser:\n  nodeSelector:\n    hub.jupyter.org/node-purpose: user\n  extraTolerations:\n    - key: hub.jupyter.org_dedicated\n      operator: Equal\n      value: user\n      effect: NoSchedule\n",
            )],
        ),
        (
            "an authenticator in hub.config, its secret in secrets.yaml",
            vec![
                (
                    "config.yaml",
                    "hub:\n  config:\n    GitHubOAuthenticator:\n      client_id: my-client-id\n      oauth_callback_url: http://127.0.0.1/hub/oauth_callback\n      allowed_organizations:\n        - my-org\n      scope:\n        - read:org\n    JupyterHub:\n      authenticator_class: github\n",
                ),
                (
                    "secrets.yaml",
                    "hub:\n  cookieSecret: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n  config:\n    GitHubOAuthenticator:\n      client_secret: my-client-secret\nproxy:\n  secretToken: fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n",
                ),
            ],
        ),
    ]
}

/// Values helm refuses for the real chart: (what, config.yaml, the line the
/// check must print).
fn refused_configs() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "an unknown key under hub",
            "# mine\nhub:\n  foo: 1\n",
            "hub.foo: additional property not allowed (set at {config}:3)",
        ),
        (
            "a wrong type",
            "singleuser:\n  memory:\n    limit: []\n",
            "singleuser.memory.limit: got array, want null or number or string (set at {config}:3)",
        ),
        (
            "a null that removes a required default",
            "hub:\n  baseUrl: null\n",
            "hub.baseUrl: missing property, the chart requires it (set at {config}:2)",
        ),
    ]
}

fn write_files(dir: &Path, files: &[(&str, &str)]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

fn check_config(chart: ChartSource, values: Vec<PathBuf>, dir: &Path) -> DeployConfig {
    DeployConfig {
        helm: Some(helm()),
        kube: KubeTarget {
            kubeconfig: None,
            context: None,
        },
        namespace: "jhub".into(),
        release: "jhub".into(),
        chart,
        chart_version: None,
        values,
        secrets_file: dir.join("secrets.yaml"),
        timeout: "5m".into(),
        gke: None,
        // Only the schema is checked here; the registry check talks to no
        // registry off this machine (tests/it/image/ has its own).
        image_check: false,
    }
}

/// The real helm's verdict: `helm template` renders without a cluster and
/// validates the coalesced values against the chart's schema first.
fn helm_template(chart: &Path, values: &[PathBuf]) -> (bool, String) {
    let mut cmd = Command::new(helm());
    cmd.args(["template", "jhub"]).arg(chart);
    for v in values {
        cmd.arg("--values").arg(v);
    }
    let out = cmd.output().expect("cannot run helm");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The real chart as it comes (.tgz) and unpacked (a directory), since both
/// are read in place.
fn chart_forms(scratch: &Path) -> Vec<PathBuf> {
    let tgz = z2jh_chart();
    if tgz.is_dir() {
        return vec![tgz];
    }
    let file = std::fs::File::open(&tgz).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(scratch)
        .unwrap();
    vec![tgz, scratch.join("jupyterhub")]
}

#[test]
fn the_guides_configs_pass_the_check_as_they_pass_helm() {
    let scratch = tempfile::tempdir().unwrap();
    for chart in chart_forms(scratch.path()) {
        for (what, files) in guide_configs() {
            let dir = tempfile::tempdir().unwrap();
            let values = write_files(dir.path(), &files);
            let (helm_ok, helm_said) = helm_template(&chart, &values);
            assert!(helm_ok, "{what}: helm template refused it: {helm_said}");
            let config = check_config(ChartSource::Local(chart.clone()), values, dir.path());
            let prepared = deploy::prepare_deploy(&config, None)
                .unwrap_or_else(|f| panic!("{what} with {}: {f}", chart.display()));
            assert!(
                !prepared.warnings.iter().any(|w| w.contains("schema")),
                "{what}: the schema was not checked: {:?}",
                prepared.warnings
            );
        }
    }
}

#[test]
fn values_helm_refuses_are_refused_with_helms_key_and_the_line() {
    let scratch = tempfile::tempdir().unwrap();
    for chart in chart_forms(scratch.path()) {
        for (what, text, expected) in refused_configs() {
            let dir = tempfile::tempdir().unwrap();
            let values = write_files(dir.path(), &[("config.yaml", text)]);
            let (helm_ok, helm_said) = helm_template(&chart, &values);
            assert!(!helm_ok, "{what}: helm template accepted it");
            assert!(
                helm_said.contains("values don't meet the specifications of the schema"),
                "{what}: helm refused it for another reason: {helm_said}"
            );
            let config = check_config(ChartSource::Local(chart.clone()), values, dir.path());
            let failure = deploy::prepare_deploy(&config, None)
                .expect_err(what)
                .to_string();
            let expected = expected.replace(
                "{config}",
                &dir.path().join("config.yaml").display().to_string(),
            );
            let lines: Vec<&str> = failure.lines().collect();
            assert_eq!(
                lines.len(),
                3,
                "{what}: one violation, the heading and the hint:\n{failure}\nhelm said:\n{helm_said}"
            );
            assert!(
                lines[1].trim().starts_with(&expected),
                "{what}: {:?} does not start with {expected:?}\nhelm said:\n{helm_said}",
                lines[1]
            );
        }
    }
}

// ---------------------------------------------------------------------------
// On the rig

/// The guide's minimal config.yaml.
const MINIMAL: &str = "singleuser:\n  image:\n    tag: \"4.4.0\"\n";

/// The chart's cluster-wide objects are named after the release
/// (`<release>-user-scheduler`), so each test's release has a name of its
/// own: two releases of one name in two namespaces would clash.
fn release_for(ns: &str) -> String {
    format!("jh{}", ns.rsplit('-').next().unwrap_or(ns))
}

/// Runs a subcommand with `-n NS --release R` and the real chart.
fn cockpit(work: &Workdir, ns: &str, args: &[&str]) -> Run {
    let chart = z2jh_chart();
    let release = release_for(ns);
    let mut all = vec![
        "-n",
        ns,
        "--release",
        &release,
        "--chart",
        chart.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    work.run(&all)
}

/// What the guide waits for after an install: hub, proxy, user-scheduler
/// and continuous-image-puller pods Running, and proxy-public's URL.
async fn wait_until_up(work: &Workdir, ns: &str) -> Value {
    let mut last = Value::Null;
    let up = eventually(Duration::from_secs(60), || {
        let s = status(work, &["-n", ns, "--release", &release_for(ns)]);
        let done = ["hub", "proxy", "user-scheduler", "continuous-image-puller"]
            .iter()
            .all(|c| component_running(&s, c))
            && s["public_url"].is_string();
        last = s.clone();
        async move { done.then_some(s) }
    })
    .await;
    up.unwrap_or_else(|| panic!("the real chart's pods and URL not up in 60 s: {last:#}"))
}

#[tokio::test]
async fn the_guides_workflow_with_the_real_chart() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "z2jh").await;
    let ns = ns.name.clone();
    let release = release_for(&ns);
    let _uninstall = UninstallOnDrop::new(&release, &ns);
    let work = Workdir::new(&kubeconfig(), Some(&helm()));
    std::fs::write(work.config(), MINIMAL).unwrap();

    // Install: revision 1, the chart's workloads Running, the URL.
    let run = cockpit(&work, &ns, &["deploy", "--yes"]);
    assert!(run.ok(), "install: {run}");
    assert!(!run.stderr.contains("schema not checked"), "{run}");
    assert_eq!(
        run.stdout.lines().last(),
        Some(format!("helm upgrade --install {release} done").as_str()),
        "{run}"
    );
    let up = wait_until_up(&work, &ns).await;
    assert_eq!(up["release"]["revision"], 1);
    assert_eq!(up["release"]["status"], "deployed");
    assert_eq!(up["release"]["chart_version"], "4.4.0");
    let url = up["public_url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.1."), "{url}");

    // A new image tag: revision 2, and the diff is exactly that line.
    set_tag(&work, "4.4.0", "4.5.0");
    let run = cockpit(&work, &ns, &["deploy", "--yes"]);
    assert!(run.ok(), "upgrade: {run}");
    assert_eq!(
        changed_lines(&printed_diff(&run.stdout)),
        ["-    tag: 4.4.0", "+    tag: 4.5.0"],
        "{run}"
    );
    let revs = records(&client, &ns).await;
    assert_eq!(revs.iter().map(|r| r.revision).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(revs[1].config["singleuser"]["image"]["tag"], "4.5.0");
    assert_eq!(revs[1].status.as_str(), "deployed");

    // Roll back to 1: revision 3 with revision 1's values.
    let run = cockpit(&work, &ns, &["rollback", "1", "--yes"]);
    assert!(run.ok(), "rollback: {run}");
    let revs = records(&client, &ns).await;
    assert_eq!(revs.len(), 3);
    assert_eq!(revs[2].config, revs[0].config);
    assert_eq!(revs[2].status.as_str(), "deployed");

    // Uninstall: no release Secrets left.
    let run = cockpit(&work, &ns, &["uninstall", "--yes"]);
    assert!(run.ok(), "uninstall: {run}");
    assert_eq!(
        run.stdout.lines().last(),
        Some(format!("uninstalled {release}").as_str())
    );
    assert!(release_secrets(&client, &ns).await.is_empty());
}

#[tokio::test]
async fn refused_values_never_reach_helm() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "z2jhbad").await;
    for (what, text, expected) in refused_configs() {
        // A helm that fails if it is run at all.
        let work = Workdir::new(&kubeconfig(), None);
        std::fs::write(work.config(), text).unwrap();
        let run = cockpit(&work, &ns.name, &["deploy", "--yes"]);
        assert_eq!(run.code, Some(1), "{what}: {run}");
        let expected = expected.replace("{config}", &work.config().display().to_string());
        assert!(
            run.stderr.contains(&expected),
            "{what}: {expected:?} not in {run}"
        );
        assert!(run.stderr.contains("nothing was applied"), "{what}: {run}");
        assert_eq!(
            work.helm_calls(),
            Vec::<String>::new(),
            "{what}: helm was run"
        );
    }
    assert!(records(&client, &ns.name).await.is_empty());
}

/// The coalescing without shared/: the fixture chart's schema requires
/// top-level keys (and hub.baseUrl) that only its own values.yaml
/// provides, as the real chart's does. A config that sets none of them
/// passes; one whose null removes a required default is refused, with the
/// key and the line, the way the real chart's is.
#[test]
fn the_fixture_charts_defaults_fill_what_its_schema_requires() {
    let chart = support::fixture_chart();
    let dir = tempfile::tempdir().unwrap();
    let values = write_files(
        dir.path(),
        &[("config.yaml", "singleuser:\n  image:\n    tag: \"2\"\n")],
    );
    let config = check_config(ChartSource::Local(chart.clone()), values, dir.path());
    let prepared = deploy::prepare_deploy(&config, None)
        .unwrap_or_else(|f| panic!("the chart's defaults did not fill its required keys: {f}"));
    assert!(
        !prepared.warnings.iter().any(|w| w.contains("schema")),
        "{:?}",
        prepared.warnings
    );

    let values = write_files(dir.path(), &[("config.yaml", "hub:\n  baseUrl: null\n")]);
    let config = check_config(ChartSource::Local(chart), values, dir.path());
    let failure = deploy::prepare_deploy(&config, None)
        .expect_err("a null removing hub.baseUrl")
        .to_string();
    let expected = format!(
        "hub.baseUrl: missing property, the chart requires it (set at {}:2)",
        dir.path().join("config.yaml").display()
    );
    assert!(failure.contains(&expected), "{failure}");
}
