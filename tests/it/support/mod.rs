//! The one support module of the integration tests. This file holds what
//! the rig tests share: it finds the rig's kubeconfig and helm, gives each
//! test its own namespace and removes it after, and fails loudly (never
//! skips) when the rig is not up. Its children hold the rest:
//!
//! - `objects`: constructed API objects in the shapes the API server returns;
//! - `cockpit`: the one state builder (an empty cockpit, a deployed hub),
//!   key presses and drawing, for pure tests of update() and the views;
//! - `sizes`: draws a state at every terminal size;
//! - `headless`: runs the real binary's subcommands from a scratch directory;
//! - `observed`: the cockpit as the TUI runs it (executor, watchers, clock),
//!   minus the terminal;
//! - `private_rig`: a rig of a test's own, for tests that stop components;
//! - `gke`: the GKE emulator in-process;
//! - `gcloud`: Google's gcloud run against that emulator, kept off the
//!   network (shared with the emulator's own tests, as `gke` is);
//! - `registry`: a container registry of a test's own (distribution, with
//!   or without Bearer token auth), and images pushed to it.

#![allow(dead_code)]

pub mod cockpit;
pub mod gcloud;
pub mod gke;
pub mod gke_rig;
pub mod headless;
pub mod objects;
pub mod observed;
pub mod private_rig;
pub mod real_hub;
pub mod registry;
pub mod sizes;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use jhub_cockpit::helm::release::{self, ReleaseRecord};
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, ListParams, PostParams};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rig's kubeconfig: JHUB_RIG_KUBECONFIG, else what `dev/cluster
/// kubeconfig` prints. Panics with the way to start the rig when absent.
pub fn kubeconfig() -> PathBuf {
    if let Some(p) = std::env::var_os("JHUB_RIG_KUBECONFIG") {
        return PathBuf::from(p);
    }
    let out = Command::new(repo_root().join("dev/cluster"))
        .arg("kubeconfig")
        .output()
        .expect("cannot run dev/cluster");
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !out.status.success() || !path.is_file() {
        panic!(
            "the test rig is not running (dev/cluster kubeconfig: {}).\n\
             Start it with `dev/cluster up`, or run every test with `dev/test`.",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    path
}

/// The rig's helm binary (first on the PATH that `dev/cluster env` gives).
pub fn helm() -> PathBuf {
    let out = Command::new("bash")
        .arg("-c")
        .arg(". dev/lib/common.sh && echo \"$(helm_bin_dir)/helm\"")
        .current_dir(repo_root())
        .output()
        .expect("cannot run bash");
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        out.status.success() && path.is_file(),
        "the rig's helm is missing: run `dev/build helm` ({})",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    path
}

/// The rig's client configuration, as the cockpit reads it.
pub async fn config() -> kube::Config {
    config_of(&kubeconfig()).await
}

/// The client configuration of the kubeconfig at `path` (its current
/// context).
pub async fn config_of(path: &std::path::Path) -> kube::Config {
    let config = kube::config::Kubeconfig::read_from(path)
        .unwrap_or_else(|e| panic!("cannot read the kubeconfig {}: {e}", path.display()));
    kube::Config::from_custom_kubeconfig(config, &Default::default())
        .await
        .unwrap_or_else(|e| panic!("the kubeconfig {} is not usable: {e}", path.display()))
}

/// The panes' watchers on the rig, as the cockpit starts them: the pods'
/// and events' on the lists' thread with a client made there.
pub async fn watchers(
    client: &kube::Client,
    namespace: &str,
    tx: impl jhub_cockpit::kube::watch::WatchSink,
) -> jhub_cockpit::kube::watch::Watchers {
    let lists = jhub_cockpit::kube::lists_thread::client(config().await).expect("lists' client");
    jhub_cockpit::kube::watch::start_with(client, &lists, namespace, tx, Default::default())
}

pub async fn client() -> kube::Client {
    let client = jhub_cockpit::kube::client::build(config().await).expect("client");
    client.apiserver_version().await.unwrap_or_else(|e| {
        panic!("the rig's API server does not answer ({e}); run `dev/cluster up`")
    });
    client
}

/// A namespace of one test's own, deleted when dropped.
pub struct TestNamespace {
    pub name: String,
}

impl TestNamespace {
    pub async fn new(client: &kube::Client, prefix: &str) -> Self {
        let suffix: u32 = rand::random::<u32>() % 100_000;
        let name = format!("{prefix}-{suffix:05}");
        let api: Api<Namespace> = Api::all(client.clone());
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "metadata": { "name": name, "labels": { "jhub-cockpit.test": "true" } }
        }))
        .unwrap();
        api.create(&PostParams::default(), &ns)
            .await
            .unwrap_or_else(|e| panic!("cannot create namespace {name}: {e}"));
        TestNamespace { name }
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime is blocked here, so the
        // client's connections cannot be driven: kubectl does the deleting.
        let _ = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig())
            .args([
                "delete",
                "namespace",
                &self.name,
                "--wait=false",
                "--ignore-not-found",
            ])
            .output();
    }
}

/// A node of the test's own (KWOK runs it), deleted when dropped: other
/// tests share the rig's nodes, so only this one is tainted, filled, or
/// starts with no images. Its taint `taint.0=taint.1:NoSchedule` keeps
/// other tests' pods off it.
pub struct TestNode {
    pub name: String,
}

impl TestNode {
    pub async fn create(client: &kube::Client, name: &str, taint: (&str, &str), pods: u32) -> Self {
        let node: k8s_openapi::api::core::v1::Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name,
                "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
                "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                    "type": "test-node"}},
            "spec": {"taints": [{"key": taint.0, "value": taint.1, "effect": "NoSchedule"}]},
            "status": {
                "capacity": {"cpu": "2", "memory": "13Gi", "pods": pods.to_string()},
                "allocatable": {"cpu": "2", "memory": "13Gi", "pods": pods.to_string()}
            }
        }))
        .expect("a valid node");
        Api::<k8s_openapi::api::core::v1::Node>::all(client.clone())
            .create(&PostParams::default(), &node)
            .await
            .unwrap_or_else(|e| panic!("cannot create node {name}: {e}"));
        TestNode {
            name: name.to_owned(),
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        // As for TestNamespace: kubectl, since Drop cannot drive the client.
        let _ = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig())
            .args([
                "delete",
                "node",
                &self.name,
                "--wait=false",
                "--ignore-not-found",
            ])
            .output();
    }
}

/// Runs helm with the rig's kubeconfig; returns (success, combined output).
pub fn run_helm(args: &[&str]) -> (bool, String) {
    let out = Command::new(helm())
        .args(args)
        .env("KUBECONFIG", kubeconfig())
        .output()
        .expect("cannot run helm");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Installs `chart` as release `jhub` in `namespace` and waits for it, as
/// the z2jh guide's `helm upgrade --install ... --wait` would.
pub fn install_release(chart: &Path, namespace: &str) {
    let (ok, out) = run_helm(&[
        "install",
        "jhub",
        chart.to_str().unwrap(),
        "-n",
        namespace,
        "--wait",
        "--timeout",
        "2m",
    ]);
    assert!(ok, "helm install of {} failed: {out}", chart.display());
}

pub fn fixture_chart() -> PathBuf {
    repo_root().join("tests/fixtures/charts/jupyterhub-lite")
}

/// Polls `check` until it returns Some or the time is up. Only for waiting
/// on the cluster in tests; the cockpit itself never polls.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_jhub-cockpit"))
}

/// The real JupyterHub chart the z2jh guide installs, as a packaged `.tgz`.
pub const Z2JH_CHART_VERSION: &str = "4.4.0";

/// Finds the real chart: `JHUB_Z2JH_CHART`, else `../shared/charts/` beside
/// the project, else a copy pulled once with `helm pull` (where a network
/// reaches hub.jupyter.org) into the cache. Panics naming all three places
/// when none has it.
pub fn z2jh_chart() -> PathBuf {
    let file = format!("jupyterhub-{Z2JH_CHART_VERSION}.tgz");
    let from_env = std::env::var_os("JHUB_Z2JH_CHART").map(PathBuf::from);
    let shared = repo_root().join("../shared/charts").join(&file);
    if let Some(p) = &from_env {
        // Set but wrong is a mistake to show, not to step over: the other
        // two places are named as what unsetting it would use.
        assert!(
            p.exists(),
            "JHUB_Z2JH_CHART points at {}, which does not exist: point it at the \
             chart's .tgz or directory, or unset it to use {} or a \
             `helm pull jupyterhub --repo https://hub.jupyter.org/helm-chart/ --version {Z2JH_CHART_VERSION}` \
             into the cache",
            p.display(),
            shared.display(),
        );
        return p.clone();
    }
    if shared.is_file() {
        return shared;
    }
    let cache = dirs::cache_dir()
        .expect("a cache directory")
        .join("jhub-cockpit/z2jh");
    let pulled = cache.join(&file);
    if pulled.is_file() {
        return pulled;
    }
    std::fs::create_dir_all(&cache).unwrap();
    let out = Command::new(helm())
        .args([
            "pull",
            "jupyterhub",
            "--repo",
            "https://hub.jupyter.org/helm-chart/",
        ])
        .args(["--version", Z2JH_CHART_VERSION, "--destination"])
        .arg(&cache)
        .output()
        .expect("cannot run helm");
    if out.status.success() && pulled.is_file() {
        return pulled;
    }
    panic!(
        "the real JupyterHub chart {Z2JH_CHART_VERSION} was found nowhere:\n\
         - JHUB_Z2JH_CHART is not set (set it to the chart's .tgz or directory)\n\
         - {} does not exist\n\
         - `helm pull jupyterhub --repo https://hub.jupyter.org/helm-chart/ --version {Z2JH_CHART_VERSION}` \
         into {} failed: {}",
        shared.display(),
        cache.display(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

/// The release Secrets helm keeps in the namespace.
pub async fn release_secrets(client: &kube::Client, ns: &str) -> Vec<Secret> {
    Api::<Secret>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels("owner=helm"))
        .await
        .unwrap()
        .items
}

/// The release's revisions, decoded from its Secrets, oldest first.
pub async fn records(client: &kube::Client, ns: &str) -> Vec<ReleaseRecord> {
    let mut records: Vec<ReleaseRecord> = release_secrets(client, ns)
        .await
        .iter()
        .map(|s| release::from_secret(s).expect("a helm release Secret"))
        .collect();
    records.sort_by_key(|r| r.revision);
    records
}

/// Uninstalls a release when dropped, whether the test passed or failed:
/// the real chart's ClusterRole, ClusterRoleBinding and PriorityClasses are
/// cluster-wide and named after the release, so they would outlive the
/// test's namespace and clash with a later release of that name.
pub struct UninstallOnDrop {
    pub release: String,
    pub namespace: String,
}

impl UninstallOnDrop {
    pub fn new(release: &str, namespace: &str) -> Self {
        UninstallOnDrop {
            release: release.to_owned(),
            namespace: namespace.to_owned(),
        }
    }
}

impl Drop for UninstallOnDrop {
    fn drop(&mut self) {
        let _ = run_helm(&[
            "uninstall",
            &self.release,
            "-n",
            &self.namespace,
            "--wait=false",
            "--ignore-not-found",
        ]);
    }
}
