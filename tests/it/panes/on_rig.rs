//! The cockpit's data layer against the real rig: the watchers feed
//! update() as in the TUI, and the state must show what the cluster holds.

use crate::support;

use std::time::Duration;

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::{Api, PostParams};
use tokio::sync::mpsc::UnboundedReceiver;

use jhub_cockpit::app::{self, Msg, State, Target};
use jhub_cockpit::kube::diagnosis::DiagnosisKind;
use support::{TestNamespace, client, fixture_chart, install_release};

fn new_state(namespace: &str) -> State {
    State::new(
        Target {
            context: "rig".into(),
            namespace: namespace.into(),
            ..Default::default()
        },
        chrono::Utc::now(),
    )
}

/// Feeds watch messages into the state until `done` holds, or fails the
/// test with what the state showed last.
async fn until(
    state: &mut State,
    rx: &mut UnboundedReceiver<Msg>,
    timeout: Duration,
    what: &str,
    done: impl Fn(&State) -> bool,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !done(state) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(msg)) => {
                app::update(state, msg);
            }
            _ => {
                let pods: Vec<String> = state
                    .resources
                    .pods
                    .iter()
                    .map(|e| format!("{} {} {:?}", e.row.name, e.row.status, e.diagnosis))
                    .collect();
                panic!("timed out waiting for {what}; pods: {pods:#?}");
            }
        }
    }
}

fn running(state: &State, component: &str) -> bool {
    state
        .resources
        .pods
        .iter()
        .any(|e| e.row.component.as_deref() == Some(component) && e.row.is_healthy())
}

#[tokio::test]
async fn sees_the_installed_chart_running_with_its_public_ip() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "cockpit").await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _watchers = crate::support::watchers(&client, &ns.name, tx).await;
    let mut state = new_state(&ns.name);

    let chart = fixture_chart();
    install_release(&chart, &ns.name);

    until(
        &mut state,
        &mut rx,
        Duration::from_secs(60),
        "hub, proxy Running and a public URL",
        |s| running(s, "hub") && running(s, "proxy") && s.resources.public_url().is_some(),
    )
    .await;
    let url = state.resources.public_url().unwrap();
    assert!(url.starts_with("http://127.0.1."), "loopback only: {url}");
    until(
        &mut state,
        &mut rx,
        Duration::from_secs(20),
        "the release revision 1",
        |s| {
            s.resources
                .releases
                .current("jhub")
                .is_some_and(|r| r.revision == 1)
        },
    )
    .await;
    let record = state.resources.releases.current("jhub").unwrap();
    assert_eq!(record.status.to_string(), "deployed");
    assert_eq!(record.chart_name, "jupyterhub-lite");
}

#[tokio::test]
async fn an_image_pull_failure_is_diagnosed() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "imgpull").await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _watchers = crate::support::watchers(&client, &ns.name, tx).await;
    let mut state = new_state(&ns.name);
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "jupyter-broken", "labels": {
            "component": "singleuser-server", "rig.jhub-cockpit/fail": "image-pull"}},
        "spec": {"containers": [{"name": "notebook", "image": "example.invalid/notebook:missing"}]}
    }))
    .unwrap();
    Api::<Pod>::namespaced(client.clone(), &ns.name)
        .create(&PostParams::default(), &pod)
        .await
        .unwrap();
    until(
        &mut state,
        &mut rx,
        Duration::from_secs(30),
        "an image-pull diagnosis",
        |s| {
            s.resources
                .pods
                .get("jupyter-broken")
                .and_then(|e| e.diagnosis.as_ref())
                .is_some_and(|d| {
                    d.kind == DiagnosisKind::ImagePull && d.line.contains("example.invalid")
                })
        },
    )
    .await;
    let d = state
        .resources
        .pods
        .get("jupyter-broken")
        .unwrap()
        .diagnosis
        .clone()
        .unwrap();
    assert!(
        d.line.contains("example.invalid/notebook:missing"),
        "names the image: {}",
        d.line
    );
}

#[tokio::test]
async fn a_claim_with_a_missing_storage_class_is_diagnosed() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "pvc").await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _watchers = crate::support::watchers(&client, &ns.name, tx).await;
    let mut state = new_state(&ns.name);
    let claim: PersistentVolumeClaim = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "claim-alice"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "no-such-class",
                 "resources": {"requests": {"storage": "10Gi"}}}
    }))
    .unwrap();
    Api::<PersistentVolumeClaim>::namespaced(client.clone(), &ns.name)
        .create(&PostParams::default(), &claim)
        .await
        .unwrap();
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "jupyter-alice", "labels": {"component": "singleuser-server"}},
        "spec": {"containers": [{"name": "notebook", "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"}],
                 "volumes": [{"name": "home", "persistentVolumeClaim": {"claimName": "claim-alice"}}]}
    }))
    .unwrap();
    Api::<Pod>::namespaced(client.clone(), &ns.name)
        .create(&PostParams::default(), &pod)
        .await
        .unwrap();
    until(
        &mut state,
        &mut rx,
        Duration::from_secs(30),
        "an unbound-claim diagnosis",
        |s| {
            s.resources
                .pods
                .get("jupyter-alice")
                .and_then(|e| e.diagnosis.as_ref())
                // The claim's own watch event may come after the pod's: wait
                // for the diagnosis that knows the claim.
                .is_some_and(|d| {
                    d.kind == DiagnosisKind::UnboundClaim && d.line.contains("no-such-class")
                })
        },
    )
    .await;
    let d = state
        .resources
        .pods
        .get("jupyter-alice")
        .unwrap()
        .diagnosis
        .clone()
        .unwrap();
    assert!(
        d.line.contains("claim-alice"),
        "names the claim: {}",
        d.line
    );
    assert!(
        d.line.contains("no-such-class"),
        "names the class: {}",
        d.line
    );
}
