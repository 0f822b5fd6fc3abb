//! Switching the panes' namespace and context at run time, on a rig of the
//! test's own (so that the API server's count of open watches is the
//! cockpit's alone): every pane moves to the new target, and the watches of
//! the old one are closed, not leaked. The count is the API server's own
//! gauge, `apiserver_longrunning_requests{verb="WATCH"}`: a watcher task
//! left running on the old namespace keeps its watch open there. The
//! events' watch a view opens is counted the same way.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, PostParams};

use crate::support::observed::{Observed, deploy_config, is_live};
use crate::support::private_rig::{PrivateRig, SERIAL};
use jhub_cockpit::app::State;
use jhub_cockpit::app::scoped_events::EventScope;

async fn namespace_with_a_pod_and_a_service(client: &kube::Client, ns: &str, prefix: &str) {
    let namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": ns}})).unwrap();
    Api::<k8s_openapi::api::core::v1::Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .unwrap_or_else(|e| panic!("namespace {ns}: {e}"));
    make_pod(client, ns, &format!("{prefix}-pod")).await;
    let service: Service = serde_json::from_value(serde_json::json!({
        "metadata": {"name": format!("{prefix}-svc")},
        "spec": {"ports": [{"port": 80}], "selector": {"app": prefix}}
    }))
    .unwrap();
    Api::<Service>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &service)
        .await
        .unwrap_or_else(|e| panic!("service in {ns}: {e}"));
}

async fn make_pod(client: &kube::Client, ns: &str, name: &str) {
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name},
        "spec": {"automountServiceAccountToken": false,
            "containers": [{"name": "c", "image": "quay.io/jupyterhub/k8s-network-tools:4.4.0"}]}
    }))
    .unwrap();
    // The namespace's default ServiceAccount comes a moment after it.
    let api = Api::<Pod>::namespaced(client.clone(), ns);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match api.create(&PostParams::default(), &pod).await {
            Ok(_) => return,
            Err(e) if Instant::now() < deadline => {
                tracing::debug!("pod {name} in {ns} not yet: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("pod {name} in {ns}: {e}"),
        }
    }
}

/// Every watch the API server holds open now, of every client.
async fn open_watches(rig: &PrivateRig) -> u64 {
    let out = tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&rig.kubeconfig)
        .args(["get", "--raw", "/metrics"])
        .output()
        .await
        .expect("kubectl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            l.starts_with("apiserver_longrunning_requests{") && l.contains("verb=\"WATCH\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// The count once it has held still for a second (a watcher between two
/// watches, or one just started, moves it for a moment).
async fn settled_watches(rig: &PrivateRig) -> u64 {
    let mut last = open_watches(rig).await;
    let mut still_since = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = open_watches(rig).await;
        if now != last {
            last = now;
            still_since = Instant::now();
        } else if still_since.elapsed() >= Duration::from_secs(1) {
            return now;
        }
    }
    last
}

/// Waits until the count is `expected` (a leak never gets there).
async fn watches_back_to(rig: &PrivateRig, expected: u64) -> Result<(), u64> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = open_watches(rig).await;
        if now == expected {
            // And stays there.
            tokio::time::sleep(Duration::from_secs(1)).await;
            let again = open_watches(rig).await;
            if again == expected {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err(now);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn shows(state: &State, pod: &str, service: &str) -> bool {
    state.resources.pods.get(pod).is_some() && state.resources.services.contains_key(service)
}

fn palette(cockpit: &Observed, line: &str) {
    cockpit.key(KeyCode::Char(':'));
    for c in line.chars() {
        cockpit.key(KeyCode::Char(c));
    }
    cockpit.key(KeyCode::Enter);
}

/// A copy of the rig's kubeconfig with a second context on the same
/// cluster, for a context switch.
fn with_second_context(rig: &PrivateRig, dir: &std::path::Path) -> std::path::PathBuf {
    let mut config = kube::config::Kubeconfig::read_from(&rig.kubeconfig).unwrap();
    let mut second = config.contexts[0].clone();
    second.name = "second".into();
    config.contexts.push(second);
    let path = dir.join("kubeconfig");
    std::fs::write(&path, serde_yaml::to_string(&config).unwrap()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_and_context_switches_move_every_pane_and_close_the_old_watches() {
    let _serial = SERIAL.lock().await;
    let rig = PrivateRig::up(1, "");
    let admin = rig.client().await;
    namespace_with_a_pod_and_a_service(&admin, "alpha", "a").await;
    namespace_with_a_pod_and_a_service(&admin, "beta", "b").await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = with_second_context(&rig, dir.path());
    let first_context = kube::config::Kubeconfig::read_from(&kubeconfig)
        .unwrap()
        .current_context
        .unwrap();
    let before_cockpit = settled_watches(&rig).await;

    let cockpit = Observed::start(
        kubeconfig.clone(),
        "alpha",
        deploy_config(&kubeconfig, "alpha", dir.path()),
    );
    let soon = || Instant::now() + Duration::from_secs(30);
    assert!(
        cockpit
            .until(soon(), |s| is_live(s) && shows(s, "a-pod", "a-svc"))
            .await
            .is_some(),
        "alpha never shown:\n{}",
        cockpit.screen()
    );
    let with_cockpit = settled_watches(&rig).await;
    let cockpits = with_cockpit - before_cockpit;
    assert!(cockpits >= 4, "the cockpit's watches: {cockpits}");
    eprintln!("watches: {before_cockpit} before the cockpit, {cockpits} of its own");

    // The events view and a pod's details each open one watch of their
    // events, and close it with them.
    for (open, scope) in [
        (KeyCode::Char('E'), EventScope::Namespace),
        (KeyCode::Enter, EventScope::Pod("a-pod".into())),
    ] {
        cockpit.key(open);
        assert!(
            cockpit
                .until(soon(), |s| s
                    .scoped_events
                    .as_ref()
                    .is_some_and(|w| w.listed && w.scope == scope))
                .await
                .is_some(),
            "{scope:?} never listed:\n{}",
            cockpit.screen()
        );
        watches_back_to(&rig, with_cockpit + 1)
            .await
            .unwrap_or_else(|now| {
                panic!("{now} watches open with {scope:?}'s, {with_cockpit} without")
            });
        cockpit.key(KeyCode::Esc);
        watches_back_to(&rig, with_cockpit)
            .await
            .unwrap_or_else(|now| {
                panic!("{now} watches open after {scope:?}'s closed, {with_cockpit} before")
            });
    }

    // :ns beta — every pane moves; alpha's watches close.
    palette(&cockpit, "ns beta");
    assert!(
        cockpit
            .until(soon(), |s| s.target.namespace == "beta"
                && is_live(s)
                && shows(s, "b-pod", "b-svc"))
            .await
            .is_some(),
        "beta never shown:\n{}",
        cockpit.screen()
    );
    {
        let s = cockpit.state();
        assert!(
            s.resources.pods.get("a-pod").is_none(),
            "alpha's pod stayed"
        );
        assert!(
            !s.resources.services.contains_key("a-svc"),
            "alpha's service stayed"
        );
    }
    assert!(cockpit.header().contains("ns beta"), "{}", cockpit.header());
    watches_back_to(&rig, with_cockpit)
        .await
        .unwrap_or_else(|now| {
            panic!(
                "{now} watches open after the switch, {with_cockpit} before: alpha's were left open"
            )
        });
    // A pod made in alpha now is not the panes' business.
    make_pod(&admin, "alpha", "a-late").await;
    make_pod(&admin, "beta", "b-late").await;
    assert!(
        cockpit
            .until(soon(), |s| s.resources.pods.get("b-late").is_some())
            .await
            .is_some(),
        "beta's new pod never shown"
    );
    assert!(cockpit.state().resources.pods.get("a-late").is_none());

    // :ctx second — the same cluster through another context: the panes
    // follow it, still on beta, and the first context's watches close.
    palette(&cockpit, "ctx second");
    assert!(
        cockpit
            .until(soon(), |s| s.target.context == "second"
                && is_live(s)
                && shows(s, "b-late", "b-svc"))
            .await
            .is_some(),
        "never live on the second context:\n{}",
        cockpit.screen()
    );
    assert!(cockpit.header().contains("second"), "{}", cockpit.header());
    watches_back_to(&rig, with_cockpit)
        .await
        .unwrap_or_else(|now| {
            panic!("{now} watches open after the context switch, {with_cockpit} before")
        });

    // And back to the first context and alpha.
    palette(&cockpit, &format!("ctx {first_context}"));
    palette(&cockpit, "ns alpha");
    assert!(
        cockpit
            .until(soon(), |s| s.target.namespace == "alpha"
                && s.target.context == first_context
                && is_live(s)
                && shows(s, "a-late", "a-svc"))
            .await
            .is_some(),
        "never back on alpha:\n{}",
        cockpit.screen()
    );
    assert!(cockpit.state().resources.pods.get("b-pod").is_none());
    watches_back_to(&rig, with_cockpit)
        .await
        .unwrap_or_else(|now| {
            panic!("{now} watches open after switching back, {with_cockpit} before")
        });

    // The cockpit gone, its watches are too.
    drop(cockpit);
    watches_back_to(&rig, before_cockpit)
        .await
        .unwrap_or_else(|now| {
            panic!("{now} watches open after the cockpit stopped, {before_cockpit} before it")
        });
}
