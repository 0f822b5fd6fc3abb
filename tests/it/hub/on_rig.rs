//! The cockpit against a real JupyterHub: the real chart on the rig with
//! its own hub config run by `dev/cluster hub up` (support::real_hub).
//! The cockpit's service and role are exactly what `A` writes into
//! config.yaml; a second service (`rig-test`) is the test's own, to make
//! users and start their servers as they would by logging in.

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;
use serde_json::Value;

use crate::support::headless::{Workdir, status};
use crate::support::observed::{Observed, deploy_config};
use crate::support::real_hub::{RealHub, must, pod_goes};
use crate::support::{client, eventually, kubeconfig};
use jhub_cockpit::app::Overlay;
use jhub_cockpit::hub::ServerState;

/// The cockpit's access (what `A` adds), the test's own service, and
/// `extra` (scheduling), as one values file.
fn values_file(extra: &str) -> String {
    let mut merged: Value =
        serde_yaml::from_str(&jhub_cockpit::hub::access_config::snippet()).unwrap();
    let test: Value = serde_yaml::from_str(
        "hub:\n  services:\n    rig-test: {}\n  loadRoles:\n    rig-test:\n      scopes: [admin:users, admin:servers]\n      services: [rig-test]\n",
    )
    .unwrap();
    jhub_cockpit::values::merge(&mut merged, test);
    if !extra.is_empty() {
        jhub_cockpit::values::merge(&mut merged, serde_yaml::from_str(extra).unwrap());
    }
    jhub_cockpit::values::to_yaml(&merged)
}

/// A service's token from the release's Secret `hub`.
async fn token(client: &kube::Client, namespace: &str, service: &str) -> String {
    let secret = Api::<Secret>::namespaced(client.clone(), namespace)
        .get("hub")
        .await
        .unwrap();
    let key = format!("hub.services.{service}.apiToken");
    String::from_utf8(secret.data.unwrap()[&key].0.clone()).unwrap()
}

/// Makes `user` and starts their server, as logging in would.
async fn start_server(hub: &RealHub, test_token: &str, user: &str) {
    let made = must(
        "POST",
        hub.ip,
        &format!("/hub/api/users/{user}"),
        Some(test_token),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let spawn = must(
        "POST",
        hub.ip,
        &format!("/hub/api/users/{user}/server"),
        Some(test_token),
    )
    .await;
    assert!(
        spawn.status == 201 || spawn.status == 202,
        "{} {}",
        spawn.status,
        spawn.body
    );
}

fn observe(hub: &RealHub, work: &Workdir) -> Observed {
    let mut deploy = deploy_config(&kubeconfig(), &hub.namespace, &work.path(""));
    deploy.release = hub.release.clone();
    Observed::start(kubeconfig(), &hub.namespace, deploy)
}

/// Waits until the users view's list has `user` in `server` state.
async fn until_user(observed: &Observed, deadline: Instant, user: &str, server: ServerState) {
    observed
        .until(deadline, |s| {
            s.hub
                .users
                .iter()
                .flatten()
                .any(|u| u.name == user && u.server == server)
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "{user} {} in the users view:\n{}",
                server.label(),
                observed.screen()
            )
        });
}

#[tokio::test]
async fn health_users_and_a_stop_through_the_view_on_a_real_hub() {
    let t0 = Instant::now();
    let client = client().await;
    // The default scheduler places user pods, and the rig's stand-in
    // answers for their servers: a spawn gets to ready.
    let hub = RealHub::start(
        &client,
        "hubck",
        &values_file("scheduling:\n  userScheduler:\n    enabled: false\n"),
    )
    .await;
    let ns = hub.namespace.clone();
    let test_token = token(&client, &ns, "rig-test").await;
    let cockpit_token = token(&client, &ns, "jhub-cockpit").await;
    start_server(&hub, &test_token, "alice").await;
    let work = Workdir::new(&kubeconfig(), None);
    let args = ["-n", ns.as_str(), "--release", hub.release.as_str()];

    // status --json: the hub answers at the public URL.
    let report = status(&work, &args);
    assert_eq!(report["hub"]["health"], "ok", "{report:#}");
    assert_eq!(report["hub"]["route"], "public");
    assert_eq!(report["hub"]["url"], hub.url.trim_end_matches('/'));
    assert!(report["hub"]["latency_ms"].is_u64(), "{report:#}");

    // users --json: alice ready, joined with her pod and claim.
    let alice = eventually(Duration::from_secs(60), || async {
        let mut all = args.to_vec();
        all.extend(["users", "--json"]);
        let run = work.run(&all);
        assert!(run.ok(), "{run}");
        let rows: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
        rows.into_iter()
            .find(|r| r["name"] == "alice" && r["server"] == "ready" && r["phase"] == "Running")
    })
    .await
    .expect("alice's server ready and her pod Running in users --json");
    assert_eq!(alice["pod"], "jupyter-alice", "{alice:#}");
    assert!(
        alice["pvc"].as_str().unwrap().starts_with("claim-alice "),
        "{alice:#}"
    );
    assert_eq!(alice["admin"], false);

    // Without a public address the cockpit goes through the API server to
    // the hub pod's 8081: the same hub answers there.
    let hub_pod = Api::<k8s_openapi::api::core::v1::Pod>::namespaced(client.clone(), &ns)
        .list(&kube::api::ListParams::default().labels("component=hub"))
        .await
        .unwrap()
        .items
        .into_iter()
        .find_map(|p| p.metadata.name)
        .expect("the hub pod");
    let forward = jhub_cockpit::kube::port_forward::forward(client.clone(), &ns, &hub_pod, 8081)
        .await
        .unwrap();
    let via_pod = jhub_cockpit::hub::HubClient::new(&forward.url, "/").unwrap();
    via_pod
        .health()
        .await
        .expect("health through the port-forward");
    let listed = via_pod
        .users(&jhub_cockpit::hub::HubToken::new(cockpit_token.clone()))
        .await
        .expect("users through the port-forward");
    assert!(listed.iter().any(|u| u.name == "alice"), "{listed:?}");
    drop(forward);

    // Read-only mode refuses the stop, and nothing changes.
    let refused = work.run(
        &[
            &args[..],
            &["--readonly", "users", "stop", "alice", "--yes"],
        ]
        .concat(),
    );
    assert!(!refused.ok(), "{refused}");
    assert!(refused.stderr.contains("read-only mode"), "{refused}");

    // The view, as the TUI runs it: U, s, y stops alice's server.
    let observed = observe(&hub, &work);
    let deadline = Instant::now() + Duration::from_secs(60);
    observed
        .until(deadline, |s| s.hub.health.as_ref().is_some_and(|h| h.ok()))
        .await
        .unwrap_or_else(|| panic!("the hub's health in the panes:\n{}", observed.screen()));
    assert!(
        observed.screen().contains(" hub ✓ "),
        "{}",
        observed.screen()
    );
    observed.key(KeyCode::Char('U'));
    until_user(&observed, deadline, "alice", ServerState::Ready).await;
    let mut screens = vec![observed.screen()];
    assert!(screens[0].contains("jupyter-alice"), "{}", screens[0]);
    observed.key(KeyCode::Char('s'));
    observed
        .until(deadline, |s| s.top_overlay() == Some(&Overlay::Confirm))
        .await
        .expect("the stop's dialog");
    screens.push(observed.screen());
    observed.key(KeyCode::Char('y'));
    assert!(
        pod_goes(&client, &ns, "jupyter-alice", Duration::from_secs(60)).await,
        "jupyter-alice still there:\n{}",
        observed.screen()
    );
    until_user(&observed, deadline, "alice", ServerState::Stopped).await;
    screens.push(observed.screen());

    // The token is in no frame, no output, no log line and no file.
    let runs = [
        work.run(&[&args[..], &["status", "--json"]].concat()),
        work.run(&[&args[..], &["users"]].concat()),
    ];
    for run in &runs {
        assert!(!run.stdout.contains(&cockpit_token) && !run.stderr.contains(&cockpit_token));
    }
    for screen in &screens {
        assert!(!screen.contains(&cockpit_token), "a frame shows the token");
    }
    let log = std::fs::read_to_string(work.log_file()).unwrap_or_default();
    assert!(!log.is_empty(), "the cockpit logs at debug level here");
    assert!(!log.contains(&cockpit_token), "the log holds the token");
    for entry in walk(work.tmp.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&cockpit_token),
            "{} holds the token",
            entry.display()
        );
    }

    // hub down: the health fails, in plain words.
    hub.stop();
    let report = status(&work, &args);
    assert_eq!(report["hub"]["health"], "failing", "{report:#}");
    assert!(
        report["hub"]["error"]
            .as_str()
            .unwrap()
            .starts_with("connection refused at http://127.0.1."),
        "{report:#}"
    );
    eprintln!("whole test {:?}", t0.elapsed());
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[tokio::test]
async fn a_pending_spawn_shows_the_hubs_progress_beside_the_pods_diagnosis() {
    let client = client().await;
    // The chart's default: user pods wait for its user-scheduler, which on
    // the rig never runs, so the spawn stays pending.
    let hub = RealHub::start(&client, "hubspawn", &values_file("")).await;
    let ns = hub.namespace.clone();
    let test_token = token(&client, &ns, "rig-test").await;
    start_server(&hub, &test_token, "bob").await;
    let work = Workdir::new(&kubeconfig(), None);
    let observed = observe(&hub, &work);
    let deadline = Instant::now() + Duration::from_secs(60);
    observed
        .until(deadline, |s| {
            jhub_cockpit::app::hub_view::address(s).is_some()
        })
        .await
        .expect("the hub's address");
    observed.key(KeyCode::Char('U'));
    until_user(&observed, deadline, "bob", ServerState::PendingSpawn).await;
    observed.key(KeyCode::Enter);
    observed
        .until(deadline, |s| {
            s.hub
                .progress
                .get("bob")
                .is_some_and(|events| !events.is_empty())
                && jhub_cockpit::app::hub_state::user_rows(
                    s,
                    jhub_cockpit::app::hub_state::UserSort::State,
                )
                .iter()
                .any(|r| r.name == "bob" && r.diagnosis.is_some())
        })
        .await
        .unwrap_or_else(|| panic!("bob's progress and diagnosis:\n{}", observed.screen()));
    let screen = observed.screen();
    assert!(screen.contains("spawn progress (from the hub)"), "{screen}");
    assert!(screen.contains("Server requested"), "{screen}");
    assert!(screen.contains("jupyter-bob Pending"), "{screen}");
    assert!(
        screen.contains("scheduler"),
        "the diagnosis names the scheduler:\n{screen}"
    );
}

#[tokio::test]
async fn a_role_without_a_scope_the_view_needs_is_named() {
    let client = client().await;
    // The cockpit's role without list:users.
    let mut access: Value =
        serde_yaml::from_str(&jhub_cockpit::hub::access_config::snippet()).unwrap();
    let scopes = access["hub"]["loadRoles"]["jhub-cockpit"]["scopes"]
        .as_array_mut()
        .unwrap();
    let before = scopes.len();
    scopes.retain(|s| s != "list:users");
    assert_eq!(scopes.len(), before - 1);
    let narrow = jhub_cockpit::values::to_yaml(&access);
    let hub = RealHub::start(&client, "hubscope", &narrow).await;
    let work = Workdir::new(&kubeconfig(), None);
    let run = work.run(&["-n", &hub.namespace, "--release", &hub.release, "users"]);
    assert!(!run.ok(), "{run}");
    assert!(
        run.stderr.contains("list:users")
            && run
                .stderr
                .contains("add the scope to hub.loadRoles.jhub-cockpit.scopes"),
        "{run}"
    );
}
