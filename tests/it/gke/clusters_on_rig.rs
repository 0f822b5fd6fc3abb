//! The clusters view against the GKE emulator (its clusters are the rig),
//! with the cockpit as the TUI runs it (the real executor, keys in):
//!
//! - two clusters made outside the cockpit in two locations are listed;
//!   connecting to one writes its context beside the kubeconfig's own
//!   entries and comments, and the panes go live on it; the context list
//!   moves them back and forth;
//! - the z2jh user pool is added, rescaled and deleted through the
//!   confirmations, and config.yaml is offered its `matchNodePurpose`;
//! - a delete names the LoadBalancers and claims of two namespaces that
//!   would outlive the cluster.

use crate::support;

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Service};
use kube::api::{Api, PostParams};
use serde_json::json;

use jhub_cockpit::app::actions::{Action, Outcome};
use jhub_cockpit::app::{Connection, Msg, Overlay, State};
use jhub_cockpit::gke::{ClusterSpec, ClusterStatus, GkeConfig};
use support::gke::{Emulator, PROJECT};
use support::gke_rig::emulator_on_rig;
use support::observed::{self, Observed, Seen};
use support::{TestNamespace, client, kubeconfig};

const COURSE: (&str, &str) = ("course-hub", "europe-west1");
const TEST: (&str, &str) = ("notebook-test", "us-central1-b");

/// Makes the clusters through the API (not the cockpit) and waits until
/// they run.
async fn clusters_made_elsewhere(emulator: &Emulator, wanted: &[(&str, &str)]) {
    let gke = emulator.client().await;
    for (name, location) in wanted {
        let spec = ClusterSpec {
            name: (*name).into(),
            location: (*location).into(),
            node_count: 2,
            ..Default::default()
        };
        gke.create_cluster(PROJECT, &spec).await.expect("create");
    }
    let running = support::eventually(Duration::from_secs(30), || async {
        let listed = gke.list_clusters(PROJECT, "-").await.ok()?;
        (listed.len() == wanted.len() && listed.iter().all(|c| c.status == ClusterStatus::Running))
            .then_some(())
    })
    .await;
    assert!(running.is_some(), "the emulator's clusters never ran");
}

/// The operator's kubeconfig: the rig's context, an unrelated one, and
/// comments, as the operator wrote them.
fn operators_kubeconfig(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let rig = std::fs::read_to_string(kubeconfig()).expect("rig kubeconfig");
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&rig).unwrap();
    let contexts = doc["contexts"].as_sequence_mut().expect("contexts");
    let mut staging = contexts[0].clone();
    staging["name"] = "staging".into();
    staging["context"]["namespace"] = "staging".into();
    contexts.push(staging);
    let body = serde_yaml::to_string(&doc).unwrap();
    let text = format!(
        "# the course team's kubeconfig: do not share\n{}# staging is the spare hub\n",
        body.replace("contexts:\n", "# contexts, newest last\ncontexts:\n")
    );
    let path = dir.join("config");
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

fn start(
    path: &std::path::Path,
    namespace: &str,
    work: &std::path::Path,
    emulator: &Emulator,
) -> Observed {
    let mut deploy = observed::deploy_config(path, namespace, work);
    let gke = GkeConfig {
        project: PROJECT.into(),
        location: TEST.1.into(),
        endpoint: Some(emulator.url.clone()),
        kubeconfig: path.to_path_buf(),
    };
    deploy.gke = Some(gke.clone());
    let cockpit = Observed::start(path.to_path_buf(), namespace, deploy);
    cockpit.send(Msg::GkeResolved {
        gke: Some(gke),
        preferred: None,
    });
    cockpit
}

fn connections(cockpit: &Observed) -> usize {
    cockpit
        .seen()
        .iter()
        .filter(|(_, s)| matches!(s, Seen::Connected))
        .count()
}

fn live_on(state: &State, context: &str) -> bool {
    state.target.context == context
        && state.connection == Connection::Live
        && !state.resources.nodes.is_empty()
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(30)
}

#[tokio::test]
async fn two_locations_listed_one_connected_and_contexts_switched_back_and_forth() {
    let admin = client().await;
    let ns = TestNamespace::new(&admin, "gke-clusters").await;
    let emulator = emulator_on_rig(1.0).await;
    clusters_made_elsewhere(&emulator, &[COURSE, TEST]).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, original) = operators_kubeconfig(dir.path());
    let cockpit = start(&path, &ns.name, dir.path(), &emulator);
    assert!(
        cockpit
            .until(soon(), |s| s.connection == Connection::Live)
            .await
            .is_some(),
        "the panes never went live on the rig"
    );

    // K: both clusters, both locations.
    cockpit.key(KeyCode::Char('K'));
    let listed = cockpit
        .until(soon(), |s| {
            s.gke.as_ref().is_some_and(|g| g.clusters.len() == 2)
        })
        .await;
    assert!(listed.is_some(), "{}", cockpit.screen());
    assert!(
        cockpit
            .until(soon(), |s| matches!(
                s.top_overlay(),
                Some(Overlay::Clusters { .. })
            ))
            .await
            .is_some(),
        "{:?} {:?}",
        cockpit.state().overlays,
        cockpit.state().footer.message
    );
    let screen = cockpit.screen();
    for wanted in [
        "course-hub",
        "europe-west1",
        "notebook-test",
        "us-central1-b",
        "RUNNING",
    ] {
        assert!(screen.contains(wanted), "{wanted}:\n{screen}");
    }

    // C on the first (course-hub, sorted by location): its context is
    // written, the panes go live on it with the rig's nodes.
    let course = format!("gke_{PROJECT}_{}_{}", COURSE.1, COURSE.0);
    let before = connections(&cockpit);
    cockpit.key(KeyCode::Char('C'));
    assert!(
        cockpit
            .until(soon(), |s| live_on(s, &course))
            .await
            .is_some(),
        "never live on {course}:\n{}",
        cockpit.screen()
    );
    assert!(connections(&cockpit) > before, "the panes reconnected");
    assert!(cockpit.header().contains(&course), "{}", cockpit.header());
    let written = std::fs::read_to_string(&path).unwrap();
    let config = kube::config::Kubeconfig::from_yaml(&written).unwrap();
    assert_eq!(config.current_context.as_deref(), Some(course.as_str()));
    assert_eq!(config.contexts.len(), 3, "rig, staging and the new one");
    // Byte for byte: of the operator's lines (comments and line ends
    // included) only the current context's is taken out, and what was
    // added is the new entries: without them the documents are the same.
    let diff = similar::TextDiff::from_lines(&original, &written);
    let removed: Vec<&str> = diff
        .iter_all_changes()
        .filter(|c| c.tag() == similar::ChangeTag::Delete)
        .map(|c| c.value())
        .collect();
    assert!(
        removed.len() == 1 && removed[0].starts_with("current-context: "),
        "lines lost or changed {removed:?}:\n{written}"
    );
    let before: serde_yaml::Value = serde_yaml::from_str(&original).unwrap();
    let mut after: serde_yaml::Value = serde_yaml::from_str(&written).unwrap();
    for list in ["clusters", "contexts", "users"] {
        after[list]
            .as_sequence_mut()
            .unwrap()
            .retain(|entry| entry["name"].as_str() != Some(course.as_str()));
    }
    after["current-context"] = before["current-context"].clone();
    assert_eq!(after, before, "more than the new entries added:\n{written}");
    // The rows are read again on the new context, not kept.
    cockpit.key(KeyCode::Esc);

    // C on the main screen: the context list; back to the rig's.
    cockpit.key(KeyCode::Char('C'));
    assert!(
        cockpit
            .until(soon(), |s| matches!(
                s.top_overlay(),
                Some(Overlay::Contexts { .. })
            ) && s.contexts.len() == 3)
            .await
            .is_some()
    );
    let rig = cockpit.state().contexts[0].name.clone();
    cockpit.key(KeyCode::Char('g'));
    let before = connections(&cockpit);
    cockpit.key(KeyCode::Enter);
    assert!(
        cockpit.until(soon(), |s| live_on(s, &rig)).await.is_some(),
        "never back on {rig}:\n{}",
        cockpit.screen()
    );
    assert!(connections(&cockpit) > before);
    // And to the GKE cluster again.
    cockpit.key(KeyCode::Char('C'));
    cockpit.key(KeyCode::Char('G'));
    cockpit.key(KeyCode::Enter);
    assert!(
        cockpit
            .until(soon(), |s| live_on(s, &course))
            .await
            .is_some(),
        "never on {course} again:\n{}",
        cockpit.screen()
    );
}

#[tokio::test]
async fn a_delete_names_the_load_balancers_and_claims_of_every_namespace() {
    let admin = client().await;
    let first = TestNamespace::new(&admin, "gke-leftover-a").await;
    let second = TestNamespace::new(&admin, "gke-leftover-b").await;
    for ns in [&first.name, &second.name] {
        let services: Api<Service> = Api::namespaced(admin.clone(), ns);
        let lb: Service = serde_json::from_value(json!({
            "metadata": {"name": "proxy-public"},
            "spec": {"type": "LoadBalancer", "selector": {"app": "x"},
                     "ports": [{"port": 80, "targetPort": 8000}]}
        }))
        .unwrap();
        services.create(&PostParams::default(), &lb).await.unwrap();
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(admin.clone(), ns);
        let claim: PersistentVolumeClaim = serde_json::from_value(json!({
            "metadata": {"name": "claim-ada"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard-rwo",
                     "resources": {"requests": {"storage": "10Gi"}}}
        }))
        .unwrap();
        claims.create(&PostParams::default(), &claim).await.unwrap();
    }
    let emulator = emulator_on_rig(1.0).await;
    clusters_made_elsewhere(&emulator, &[TEST]).await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = operators_kubeconfig(dir.path());
    let cockpit = start(&path, &first.name, dir.path(), &emulator);
    // Connected to the cluster, so that its context exists to look in.
    cockpit.key(KeyCode::Char('K'));
    assert!(
        cockpit
            .until(soon(), |s| s
                .gke
                .as_ref()
                .is_some_and(|g| g.clusters.len() == 1))
            .await
            .is_some()
    );
    cockpit.key(KeyCode::Char('C'));
    let context = format!("gke_{PROJECT}_{}_{}", TEST.1, TEST.0);
    assert!(
        cockpit
            .until(soon(), |s| live_on(s, &context))
            .await
            .is_some()
    );
    cockpit.key(KeyCode::Char('D'));
    let dialog = cockpit
        .until(soon(), |s| s.top_overlay() == Some(&Overlay::Confirm))
        .await;
    assert!(dialog.is_some(), "no dialog:\n{}", cockpit.screen());
    let explain = cockpit.state().confirm.as_ref().unwrap().explain.join("\n");
    for ns in [&first.name, &second.name] {
        assert!(
            explain.contains(&format!("  LoadBalancer {ns}/proxy-public (")),
            "{ns}'s LoadBalancer:\n{explain}"
        );
        assert!(
            explain.contains(&format!(
                "  disk of claim {ns}/claim-ada (10Gi, standard-rwo)"
            )),
            "{ns}'s claim:\n{explain}"
        );
    }
    assert!(explain.contains("No JupyterHub release"), "{explain}");
    // Esc: nothing is deleted.
    cockpit.key(KeyCode::Esc);
    let gke = emulator.client().await;
    assert_eq!(gke.list_clusters(PROJECT, "-").await.unwrap().len(), 1);
}

/// Waits for the operation of the action `which` picks to end; its lines,
/// or why it failed.
async fn operation_ends(cockpit: &Observed, which: impl Fn(&Action) -> bool) -> Vec<String> {
    let done = cockpit
        .until(Instant::now() + Duration::from_secs(60), |s| {
            s.operation
                .as_ref()
                .is_some_and(|o| which(&o.action) && o.outcome.is_some())
        })
        .await;
    assert!(
        done.is_some(),
        "the operation never ended:\n{}",
        cockpit.screen()
    );
    let state = cockpit.state();
    let op = state.operation.as_ref().unwrap();
    assert!(
        matches!(op.outcome, Some(Outcome::Succeeded { .. })),
        "{:?}\n{:?}",
        op.outcome,
        op.lines
    );
    op.lines.iter().cloned().collect()
}

#[tokio::test]
async fn the_user_pool_is_added_rescaled_and_deleted_and_config_yaml_requires_it() {
    let admin = client().await;
    let ns = TestNamespace::new(&admin, "gke-pools").await;
    let emulator = emulator_on_rig(1.0).await;
    clusters_made_elsewhere(&emulator, &[TEST]).await;
    let gke = emulator.client().await;
    let pools = || async {
        gke.get_cluster(PROJECT, TEST.1, TEST.0)
            .await
            .expect("the cluster")
            .node_pools
    };
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = operators_kubeconfig(dir.path());
    let values = "# the course's values\nsingleuser:\n  image:\n    tag: \"2026-12-01\" # pinned\n";
    std::fs::write(dir.path().join("config.yaml"), values).unwrap();
    let cockpit = start(&path, &ns.name, dir.path(), &emulator);
    cockpit.key(KeyCode::Char('K'));
    assert!(
        cockpit
            .until(soon(), |s| s
                .gke
                .as_ref()
                .is_some_and(|g| g.clusters.len() == 1)
                && matches!(s.top_overlay(), Some(Overlay::Clusters { .. })))
            .await
            .is_some()
    );
    // The panes on the cluster first: config.yaml deploys there, so its
    // change is offered after the pool.
    cockpit.key(KeyCode::Char('C'));
    let context = format!("gke_{PROJECT}_{}_{}", TEST.1, TEST.0);
    assert!(
        cockpit
            .until(soon(), |s| live_on(s, &context))
            .await
            .is_some()
    );
    cockpit.key(KeyCode::Char('K'));
    cockpit.key(KeyCode::Enter);

    // A: the form with the z2jh pool's defaults, Enter, then y.
    cockpit.key(KeyCode::Char('A'));
    cockpit.key(KeyCode::Enter);
    assert!(
        cockpit
            .until(soon(), |s| s.top_overlay() == Some(&Overlay::Confirm))
            .await
            .is_some(),
        "{}",
        cockpit.screen()
    );
    cockpit.key(KeyCode::Char('y'));
    let lines = operation_ends(&cockpit, |a| matches!(a, Action::AddUserPool { .. }))
        .await
        .join("\n");
    assert!(lines.contains("CREATE_NODE_POOL"), "{lines}");
    // GKE's own words on the way, as gcloud prints them.
    assert!(lines.contains("Creating node pool user-pool"), "{lines}");
    let added = pools().await;
    let user = added
        .iter()
        .find(|p| p.name == "user-pool")
        .expect("user-pool made");
    assert!(user.is_user_pool(), "{user:?}");
    assert_eq!(
        user.taints,
        vec!["hub.jupyter.org_dedicated=user:NoSchedule"]
    );
    assert_eq!(user.autoscaling, Some((0, 3)));

    // Then config.yaml's change, as a diff; y writes it, comments kept.
    let offered = cockpit
        .until(soon(), |s| {
            matches!(
                s.confirm.as_ref().map(|c| &c.action),
                Some(Action::RequireUserNodes { .. })
            )
        })
        .await;
    assert!(offered.is_some(), "{}", cockpit.screen());
    cockpit.key(KeyCode::Char('y'));
    operation_ends(&cockpit, |a| matches!(a, Action::RequireUserNodes { .. })).await;
    let written = std::fs::read_to_string(dir.path().join("config.yaml")).unwrap();
    assert!(written.starts_with(values), "{written}");
    assert!(written.contains("matchNodePurpose: require"), "{written}");

    // The write closed the views, so that its progress showed. a on the
    // user pool (listed once the next refresh has it): 0..4.
    assert!(
        cockpit
            .until(Instant::now() + Duration::from_secs(30), |s| {
                s.gke
                    .as_ref()
                    .is_some_and(|g| g.clusters[0].node_pools.len() == 2)
            })
            .await
            .is_some()
    );
    cockpit.key(KeyCode::Char('K'));
    cockpit.key(KeyCode::Enter);
    cockpit.key(KeyCode::Char('j'));
    cockpit.key(KeyCode::Char('a'));
    cockpit.key(KeyCode::Tab);
    cockpit.key(KeyCode::Backspace);
    cockpit.key(KeyCode::Char('4'));
    cockpit.key(KeyCode::Enter);
    assert!(
        cockpit
            .until(soon(), |s| matches!(
                s.confirm.as_ref().map(|c| &c.action),
                Some(Action::SetPoolAutoscaling { max: 4, .. })
            ))
            .await
            .is_some(),
        "{}",
        cockpit.screen()
    );
    cockpit.key(KeyCode::Char('y'));
    operation_ends(&cockpit, |a| matches!(a, Action::SetPoolAutoscaling { .. })).await;
    let rescaled = pools().await;
    assert_eq!(
        rescaled
            .iter()
            .find(|p| p.name == "user-pool")
            .unwrap()
            .autoscaling,
        Some((0, 4))
    );

    // d, the pool's name typed: gone.
    cockpit.key(KeyCode::Char('K'));
    cockpit.key(KeyCode::Enter);
    cockpit.key(KeyCode::Char('j'));
    cockpit.key(KeyCode::Char('d'));
    for c in "user-pool".chars() {
        cockpit.key(KeyCode::Char(c));
    }
    cockpit.key(KeyCode::Enter);
    let lines = operation_ends(&cockpit, |a| matches!(a, Action::DeleteNodePool { .. }))
        .await
        .join("\n");
    assert!(lines.contains("DELETE_NODE_POOL"), "{lines}");
    let left: Vec<String> = pools().await.into_iter().map(|p| p.name).collect();
    assert_eq!(left, vec!["default-pool"]);
}
