//! The tutorial's first and last steps end to end, through the real
//! `jhub-cockpit` binary against the GKE emulator (in-process; its clusters
//! are the rig): headless `jhub-cockpit cluster create` → RUNNING → the kubeconfig
//! context written → `deploy` of the fixture chart → hub and proxy Running,
//! proxy-public with an IP → `cluster delete`, which uninstalls the
//! release and deletes its namespace first → release, namespace and
//! cluster gone.

use crate::support;
use crate::support::headless;

use std::time::Duration;

use gke_emulator::EmulatorConfig;
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret, Service};
use kube::api::{Api, ListParams};
use serde_json::Value;

use headless::{Run, Workdir};
use support::gke_rig::rig_credentials;
use support::{TestNamespace, client, eventually, fixture_chart, helm};

const PROJECT: &str = "demo";
const ZONE: &str = "us-central1-b";

/// The emulator, served in-process on a thread of its own and stopped when
/// dropped. The `gke-emulator` binary belongs to its own package, whose
/// tests run it (crates/gke-emulator/tests/binary.rs); this one runs the
/// same server the binary does.
struct EmulatorProcess {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the GKE emulator on a free loopback port, its clusters reporting
/// the rig's endpoint, CA and admin certificate, as dev/demo does.
fn start_emulator() -> EmulatorProcess {
    let (server, ca, cert, key) = rig_credentials();
    let pem = |bytes: Vec<u8>| String::from_utf8(bytes).expect("PEM in the rig kubeconfig");
    let config = EmulatorConfig {
        port: 0,
        op_duration: Duration::from_secs(3),
        kube_endpoint: server,
        kube_ca_pem: Some(pem(ca)),
        kube_client_cert: Some((pem(cert), pem(key))),
        ..EmulatorConfig::default()
    };
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the emulator");
        runtime.block_on(async move {
            let (addr, task) = gke_emulator::serve(config)
                .await
                .expect("gke-emulator starts");
            let _ = ready_tx.send(format!("http://{addr}"));
            tokio::select! {
                _ = task => {}
                _ = stopped => {}
            }
        });
    });
    let url = ready_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("no readiness from gke-emulator");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    EmulatorProcess {
        url,
        stop: Some(stop),
    }
}

fn cockpit(work: &Workdir, emulator: &EmulatorProcess, args: &[&str]) -> Run {
    let chart = fixture_chart().to_str().unwrap().to_owned();
    let mut all = vec![
        "--gke-endpoint",
        emulator.url.as_str(),
        "--project",
        PROJECT,
        "--location",
        ZONE,
        "--chart",
        chart.as_str(),
    ];
    all.extend_from_slice(args);
    let mut cmd = work.command(&all);
    // The emulator's traffic must stay on loopback whatever proxy is set.
    cmd.env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    let out = cmd.output().expect("cannot run jhub-cockpit");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn listed(work: &Workdir, emulator: &EmulatorProcess) -> Vec<Value> {
    let run = cockpit(work, emulator, &["cluster", "list", "--json"]);
    assert!(run.ok(), "cluster list --json: {run}");
    serde_json::from_str::<Value>(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {run}"))
        .as_array()
        .cloned()
        .expect("a JSON array")
}

fn running_ready(pods: &[Pod], component: &str) -> bool {
    pods.iter().any(|p| {
        p.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("component"))
            .map(String::as_str)
            == Some(component)
            && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
            && p.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
    })
}

#[tokio::test]
async fn create_connect_deploy_and_delete_through_the_emulator() {
    let admin = client().await;
    let ns = TestNamespace::new(&admin, "gke-e2e").await;
    let ns = ns.name.clone();
    let name = format!("e2e-{}", ns.rsplit('-').next().unwrap());
    let emulator = start_emulator();

    // A kubeconfig with no cluster in it: `cluster create` writes one.
    let scratch = tempfile::tempdir().unwrap();
    let kubeconfig_path = scratch.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig_path,
        "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n",
    )
    .unwrap();
    let work = Workdir::new(&kubeconfig_path, Some(&helm()));

    // Create: the operation's progress, then RUNNING and the context.
    let run = cockpit(
        &work,
        &emulator,
        &["cluster", "create", "--yes", "--name", &name],
    );
    assert!(run.ok(), "cluster create: {run}");
    let context = format!("gke_{PROJECT}_{ZONE}_{name}");
    assert_eq!(
        run.stdout.lines().last(),
        Some(
            format!(
                "cluster {name} is RUNNING; context {context} written to {} and made current",
                kubeconfig_path.display()
            )
            .as_str()
        ),
        "{run}"
    );
    assert!(run.stdout.contains("nodes 3/3"), "progress shown: {run}");
    let written = kube::config::Kubeconfig::read_from(&kubeconfig_path).unwrap();
    assert_eq!(written.current_context.as_deref(), Some(context.as_str()));
    let (server, ..) = rig_credentials();
    assert_eq!(
        written.clusters[0]
            .cluster
            .as_ref()
            .and_then(|c| c.server.as_deref()),
        Some(server.trim_end_matches('/'))
    );

    let clusters = listed(&work, &emulator);
    let row = clusters
        .iter()
        .find(|c| c["name"] == name.as_str())
        .unwrap_or_else(|| panic!("{name} not listed: {clusters:?}"));
    assert_eq!(row["status"], "RUNNING");
    assert_eq!(row["location"], ZONE);
    assert_eq!(row["node_pools"][0]["machine_type"], "n1-highmem-2");
    assert_eq!(row["node_pools"][0]["node_count"], 3);

    // Deploy through the written context (the current one).
    let run = cockpit(&work, &emulator, &["-n", &ns, "deploy", "--yes"]);
    assert!(run.ok(), "deploy: {run}");
    let pods: Api<Pod> = Api::namespaced(admin.clone(), &ns);
    let services: Api<Service> = Api::namespaced(admin.clone(), &ns);
    let up = eventually(Duration::from_secs(60), || {
        let (pods, services) = (pods.clone(), services.clone());
        async move {
            let list = pods.list(&ListParams::default()).await.ok()?.items;
            let ip = services
                .get("proxy-public")
                .await
                .ok()?
                .status?
                .load_balancer?
                .ingress?
                .first()?
                .ip
                .clone()?;
            (running_ready(&list, "hub") && running_ready(&list, "proxy")).then_some(ip)
        }
    })
    .await
    .expect("hub and proxy Running and Ready, proxy-public with an IP, within 60 s");
    assert!(
        up.starts_with("127.0.1."),
        "a loopback LoadBalancer IP: {up}"
    );

    // Delete: the release and its namespace go first, then the cluster.
    let run = cockpit(
        &work,
        &emulator,
        &["-n", &ns, "cluster", "delete", "--yes", "--name", &name],
    );
    assert!(run.ok(), "cluster delete: {run}");
    assert!(
        run.stderr.contains(&format!(
            "release jhub is installed in namespace {ns} of {name}"
        )) && run.stderr.contains("NOT deleted with the cluster"),
        "{run}"
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = |text: &str| {
        lines
            .iter()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("no line with {text:?}: {run}"))
    };
    let uninstalled = at("uninstalling jhub first");
    let namespace_gone = at(&format!("namespace {ns} is gone"));
    let deleting = at("DELETE_CLUSTER");
    assert!(
        uninstalled < namespace_gone && namespace_gone < deleting,
        "{run}"
    );
    assert!(
        lines.contains(&format!("cluster {name} deleted").as_str()),
        "{run}"
    );
    // Its context went too (--yes takes the offer), and nothing else.
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with(&format!("removed context {context}"))),
        "{run}"
    );
    let left = kube::config::Kubeconfig::read_from(&kubeconfig_path).unwrap();
    assert!(left.contexts.iter().all(|c| c.name != context), "{left:?}");
    let last_helm = work.helm_calls().last().cloned().unwrap_or_default();
    assert!(
        last_helm.starts_with(&format!("uninstall jhub --namespace {ns}"))
            && last_helm.contains(&format!("--kube-context {context}")),
        "helm uninstall ran on the cluster's context: {last_helm}"
    );

    let secrets = Api::<Secret>::namespaced(admin.clone(), &ns)
        .list(&ListParams::default().labels("owner=helm"))
        .await
        .unwrap();
    assert!(secrets.items.is_empty(), "release Secrets remain");
    assert!(
        Api::<Namespace>::all(admin.clone())
            .get_opt(&ns)
            .await
            .unwrap()
            .is_none(),
        "namespace {ns} remains"
    );
    let clusters = listed(&work, &emulator);
    assert!(
        clusters.iter().all(|c| c["name"] != name.as_str()),
        "{name} still listed: {clusters:?}"
    );
}
