//! The events' watches on the rig's API server, through the executor as
//! the TUI runs it: the always-on watch gets no routine event (the API
//! server filters on the reason), the events view lists the namespace's
//! routine events while it is open, and a pod's details list all of that
//! pod's. The API server's count of open watches, that each such watch
//! closes with its view, is in `retarget_on_rig`.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, PostParams};

use crate::support::observed::{Observed, deploy_config, is_live};
use crate::support::{TestNamespace, client, kubeconfig};
use jhub_cockpit::app::scoped_events::{self, EventScope};
use jhub_cockpit::app::{Kind, Overlay, State};
use jhub_cockpit::kube::watch::ROUTINE_EVENT_REASONS;

const POD: &str = "jupyter-ada";

/// The reasons of the events about `pod` the API server holds now.
async fn reasons_on_server(client: &kube::Client, ns: &str, pod: &str) -> Vec<String> {
    let list = Api::<Event>::namespaced(client.clone(), ns)
        .list(&ListParams::default().fields(&format!("involvedObject.name={pod}")))
        .await
        .expect("events");
    list.items.into_iter().filter_map(|e| e.reason).collect()
}

/// The reasons of events a view would show about `pod` now.
fn reasons_shown(state: &State, pod: &str) -> Vec<String> {
    scoped_events::about(state, "Pod", pod)
        .iter()
        .filter_map(|e| e.reason.as_deref().map(str::to_owned))
        .collect()
}

fn has_all(reasons: &[String], wanted: &[&str]) -> bool {
    wanted.iter().all(|w| reasons.iter().any(|r| r == w))
}

/// Whether the open view's own watch has listed its scope.
fn scope_listed(state: &State, scope: &EventScope) -> bool {
    state
        .scoped_events
        .as_ref()
        .is_some_and(|s| s.listed && s.scope == *scope)
}

/// Esc closes the view on top, and its events' watch with it.
async fn closes(cockpit: &Observed) {
    cockpit.key(KeyCode::Esc);
    let deadline = Instant::now() + Duration::from_secs(30);
    assert!(
        cockpit
            .until(deadline, |s| s.scoped_events.is_none())
            .await
            .is_some(),
        "the view's events' watch stayed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routine_events_are_left_out_until_a_view_that_shows_them_opens() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "scoped-events").await;
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": POD},
        "spec": {"automountServiceAccountToken": false,
            "containers": [{"name": "notebook", "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"}]}
    }))
    .unwrap();
    let pods = Api::<Pod>::namespaced(client.clone(), &ns.name);
    let deadline = Instant::now() + Duration::from_secs(30);
    // The namespace's default ServiceAccount comes a moment after it.
    while let Err(e) = pods.create(&PostParams::default(), &pod).await {
        assert!(Instant::now() < deadline, "pod {POD}: {e}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The scheduler's Scheduled and KWOK's Started, on the server.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reasons = reasons_on_server(&client, &ns.name, POD).await;
        if has_all(&reasons, &["Scheduled", "Started"]) {
            break;
        }
        assert!(Instant::now() < deadline, "the rig's events: {reasons:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And one that is not routine, as a kubelet reports a probe failing.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let unhealthy: Event = serde_json::from_value(serde_json::json!({
        "metadata": {"name": format!("{POD}.probe")},
        "involvedObject": {"kind": "Pod", "name": POD, "namespace": ns.name},
        "reason": "Unhealthy", "type": "Warning",
        "message": "Readiness probe failed: connection refused",
        "source": {"component": "kubelet"},
        "firstTimestamp": now, "lastTimestamp": now, "count": 1
    }))
    .unwrap();
    Api::<Event>::namespaced(client.clone(), &ns.name)
        .create(&PostParams::default(), &unhealthy)
        .await
        .expect("the probe's event");

    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = kubeconfig();
    let cockpit = Observed::start(
        kubeconfig.clone(),
        &ns.name,
        deploy_config(&kubeconfig, &ns.name, dir.path()),
    );
    let soon = || Instant::now() + Duration::from_secs(30);
    assert!(
        cockpit
            .until(soon(), |s| is_live(s)
                && s.listed.contains(&Kind::Event)
                && s.resources.pods.get(POD).is_some()
                && has_all(&reasons_shown(s, POD), &["Unhealthy"]))
            .await
            .is_some(),
        "the probe's event never listed:\n{}",
        cockpit.screen()
    );
    {
        let s = cockpit.state();
        let always_on: Vec<&str> = s
            .resources
            .events
            .iter()
            .filter_map(|e| e.reason.as_deref())
            .collect();
        assert!(
            !always_on.iter().any(|r| ROUTINE_EVENT_REASONS.contains(r)),
            "the always-on watch got routine events: {always_on:?}"
        );
        assert!(s.scoped_events.is_none(), "no view asked for more");
    }

    // E: the namespace's events, routine ones too, while it is open.
    cockpit.key(KeyCode::Char('E'));
    assert!(
        cockpit
            .until(soon(), |s| scope_listed(s, &EventScope::Namespace)
                && has_all(
                    &reasons_shown(s, POD),
                    &["Scheduled", "Started", "Unhealthy"]
                ))
            .await
            .is_some(),
        "the events view never listed the routine events:\n{}",
        cockpit.screen()
    );
    let screen = cockpit.screen();
    assert!(
        screen.contains("Scheduled") && !screen.contains("listing all"),
        "{screen}"
    );
    closes(&cockpit).await;

    // Enter on the pod: its details list every event about it.
    cockpit.key(KeyCode::Enter);
    let scope = EventScope::Pod(POD.into());
    assert!(
        cockpit
            .until(soon(), |s| scope_listed(s, &scope)
                // A healthy pod is read whole when its details open; they
                // are drawn once it is.
                && jhub_cockpit::app::pod_details::pod(s, POD).is_some()
                && has_all(
                    &reasons_shown(s, POD),
                    &["Scheduled", "Started", "Unhealthy"]
                ))
            .await
            .is_some(),
        "the pod's details never listed its events:\n{}",
        cockpit.screen()
    );
    assert!(matches!(
        cockpit.state().top_overlay(),
        Some(Overlay::PodDetails { pod, .. }) if pod == POD
    ));
    let screen = cockpit.screen();
    assert!(screen.contains("Started"), "{screen}");
    closes(&cockpit).await;
}
