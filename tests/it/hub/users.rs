//! The health schedule, the users view's rows (the hub's users joined with
//! their pods and claims), its keys, and the stop through the confirm
//! path, refused in read-only mode. No cluster, no hub: the hub's answers
//! are messages.

use std::sync::Arc;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

use crate::support;
use jhub_cockpit::actions::Action;
use jhub_cockpit::app::hub_state::{UserSort, user_rows};
use jhub_cockpit::app::{self, Command, Kind, Msg, Object, Overlay, State, WatchMsg};
use jhub_cockpit::hub::{HubUser, ProgressEvent, ServerState};
use support::cockpit::{char_key, deployed, draw, footer, key, type_text};
use support::objects::now;
use support::sizes;

fn at(minutes_ago: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    Some(now() - chrono::Duration::minutes(minutes_ago))
}

fn user(name: &str, server: ServerState, idle_minutes: Option<i64>) -> HubUser {
    HubUser {
        name: name.into(),
        admin: name == "teacher",
        server,
        started: (server != ServerState::Stopped).then(|| at(90).unwrap()),
        last_activity: idle_minutes.and_then(at),
    }
}

fn users() -> Vec<HubUser> {
    vec![
        user("alice", ServerState::Ready, Some(3)),
        user("bob", ServerState::PendingSpawn, Some(1)),
        user("carol.smith@uni.edu", ServerState::Ready, Some(55)),
        user("dan", ServerState::Stopped, Some(300)),
        user("teacher", ServerState::Ready, Some(0)),
    ]
}

/// A KubeSpawner user pod: escaped name, the user in the annotation.
fn user_pod(pod: &str, user: &str, pending: bool) -> Object {
    let status = if pending {
        serde_json::json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable",
            "message": "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."}]})
    } else {
        serde_json::json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "notebook", "ready": true, "restartCount": 0, "image": "x", "imageID": "",
                "state": {"running": {}}}]})
    };
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": pod, "namespace": "jhub", "uid": format!("uid-{pod}"), "resourceVersion": "3",
            "creationTimestamp": "2026-12-01T11:58:00Z",
            "labels": {"app": "jupyterhub", "component": "singleuser-server",
                "hub.jupyter.org/username": user.replace(['.', '@'], "-")},
            "annotations": {"hub.jupyter.org/username": user}},
        "spec": {"nodeName": if pending { serde_json::Value::Null } else { "rig-node-2".into() },
            "containers": [{"name": "notebook", "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"}]},
        "status": status
    }))
    .unwrap();
    Object::Pod(Arc::new(pod))
}

fn claim(name: &str, user: &str, phase: &str) -> Object {
    let claim: PersistentVolumeClaim = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"),
            "annotations": {"hub.jupyter.org/username": user}},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
        "status": {"phase": phase}
    }))
    .unwrap();
    Object::Claim(Arc::new(claim))
}

/// The deployed hub with the users' pods and claims, its health checked
/// and its users read.
fn with_users(readonly: bool) -> State {
    let mut s = deployed(readonly);
    for object in [
        user_pod("jupyter-alice", "alice", false),
        user_pod("jupyter-bob", "bob", true),
        user_pod(
            "jupyter-carol-2esmith-40uni-2eedu",
            "carol.smith@uni.edu",
            false,
        ),
        user_pod("jupyter-teacher", "teacher", false),
        claim("claim-alice", "alice", "Bound"),
        claim("claim-bob", "bob", "Pending"),
    ] {
        app::update(&mut s, Msg::Watch(WatchMsg::Applied(object)));
    }
    app::update(
        &mut s,
        Msg::HubHealth {
            url: "http://127.0.1.1".into(),
            result: Ok(12),
        },
    );
    app::update(&mut s, Msg::HubUsers(Ok(users())));
    s
}

#[test]
fn health_is_checked_at_once_then_every_30_s_and_after_an_upgrade() {
    let mut s = deployed(false);
    // proxy-public has its address: the first message checks it.
    let commands = app::update(&mut s, Msg::Tick(now()));
    let checks: Vec<&Command> = commands
        .iter()
        .filter(|c| matches!(c, Command::CheckHub(_)))
        .collect();
    assert_eq!(checks.len(), 0, "already asked while the state was built");
    assert!(s.hub.checking);
    app::update(
        &mut s,
        Msg::HubHealth {
            url: "http://127.0.1.1".into(),
            result: Ok(12),
        },
    );
    let tick = |s: &mut State, seconds: i64| {
        app::update(s, Msg::Tick(now() + chrono::Duration::seconds(seconds)))
    };
    assert!(
        !tick(&mut s, 29)
            .iter()
            .any(|c| matches!(c, Command::CheckHub(_)))
    );
    let due = tick(&mut s, 30);
    match due.as_slice() {
        [Command::CheckHub(address)] => {
            assert_eq!(address.url, "http://127.0.1.1");
            assert_eq!(address.base_url, "/");
        }
        other => panic!("{other:?}"),
    }
    app::update(
        &mut s,
        Msg::HubHealth {
            url: "http://127.0.1.1".into(),
            result: Err("connection refused at http://127.0.1.1".into()),
        },
    );
    let screen = draw(&s, 80, 24);
    assert!(
        screen.contains("URL http://127.0.1.1 hub ✗ refused"),
        "{screen}"
    );
    assert_eq!(footer(&s), "hub: connection refused at http://127.0.1.1");
    // After a successful upgrade the hub is checked at once.
    app::update(
        &mut s,
        Msg::HubHealth {
            url: "http://127.0.1.1".into(),
            result: Ok(9),
        },
    );
    assert_eq!(footer(&s), "hub answers again (9 ms)");
    assert!(draw(&s, 80, 24).contains("URL http://127.0.1.1 hub ✓ 9 ms"));
    s.operation = Some(jhub_cockpit::actions::Operation::new(Action::Deploy, now()));
    let commands = app::update(&mut s, Msg::OperationDone(Ok("upgraded".into())));
    assert!(
        commands.iter().any(|c| matches!(c, Command::CheckHub(_))),
        "{commands:?}"
    );
}

#[test]
fn rows_join_each_user_with_their_pod_claim_and_diagnosis() {
    let s = with_users(false);
    let rows = user_rows(&s, UserSort::State);
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    // Pending spawns first, then ready, then stopped.
    assert_eq!(
        names,
        ["bob", "alice", "carol.smith@uni.edu", "teacher", "dan"]
    );
    let bob = &rows[0];
    assert_eq!(bob.pod.as_deref(), Some("jupyter-bob"));
    assert_eq!(bob.phase.as_deref(), Some("Pending"));
    assert!(
        bob.diagnosis
            .as_deref()
            .unwrap()
            .contains("Insufficient memory"),
        "{bob:?}"
    );
    assert_eq!(bob.pvc.as_deref(), Some("claim-bob Pending"));
    // The escaped pod name is found by the annotation, not by guessing.
    assert_eq!(
        rows[2].pod.as_deref(),
        Some("jupyter-carol-2esmith-40uni-2eedu")
    );
    assert_eq!(rows[4].pod, None);
    // By idle time: never active or longest idle first.
    let idle: Vec<String> = user_rows(&s, UserSort::Idle)
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(
        idle,
        ["dan", "carol.smith@uni.edu", "alice", "bob", "teacher"]
    );
}

#[test]
fn users_view_and_details_with_a_spawns_progress() {
    let mut s = with_users(false);
    char_key(&mut s, 'U');
    assert_snapshot!("users_view", draw(&s, 80, 24));
    sizes::draws_at_every_size(&s);
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::UserDetails {
            user: "bob".into(),
            scroll: 0
        })
    );
    for (p, m) in [
        (0, "Server requested"),
        (
            50,
            "2026-12-01T11:58:01Z [Warning] 0/3 nodes are available: 3 Insufficient memory.",
        ),
    ] {
        app::update(
            &mut s,
            Msg::HubProgress {
                user: "bob".into(),
                event: ProgressEvent {
                    progress: Some(p),
                    message: Some(m.into()),
                    ready: false,
                    failed: false,
                },
            },
        );
    }
    assert_snapshot!("user_details_pending_spawn", draw(&s, 80, 24));
    sizes::draws_at_every_size(&s);
}

#[test]
fn a_pending_spawns_details_follow_its_progress_once() {
    let mut s = with_users(false);
    char_key(&mut s, 'U');
    let commands = key(&mut s, KeyCode::Enter);
    let follows: Vec<&Command> = commands
        .iter()
        .filter(|c| matches!(c, Command::FollowSpawn { .. }))
        .collect();
    assert!(
        matches!(follows.as_slice(), [Command::FollowSpawn { user, .. }] if user == "bob"),
        "{commands:?}"
    );
    assert!(
        !char_key(&mut s, 'j')
            .iter()
            .any(|c| matches!(c, Command::FollowSpawn { .. }))
    );
    // Ready now: the next read drops the progress.
    let mut ready = users();
    ready[1].server = ServerState::Ready;
    app::update(&mut s, Msg::HubUsers(Ok(ready)));
    assert!(s.hub.progress.is_empty());
}

#[test]
fn sort_and_filter_keys() {
    let mut s = with_users(false);
    char_key(&mut s, 'U');
    char_key(&mut s, 'o');
    char_key(&mut s, '/');
    type_text(&mut s, "car");
    assert_eq!(footer(&s), "");
    key(&mut s, KeyCode::Enter);
    let rows = jhub_cockpit::app::hub_view::visible_rows(&s);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "carol.smith@uni.edu");
    // The letters matched are lit, as in the panes.
    let lit = support::cockpit::underlined(&s, 80, 24);
    assert!(
        lit.iter()
            .any(|(row, lit)| row.contains("carol.smith") && lit == "car"),
        "{lit:?}"
    );
    // Esc clears the filter first, then closes the view.
    key(&mut s, KeyCode::Esc);
    assert_eq!(jhub_cockpit::app::hub_view::visible_rows(&s).len(), 5);
    key(&mut s, KeyCode::Esc);
    assert!(s.overlays.is_empty());
}

#[test]
fn s_stops_the_selected_users_server_through_the_dialog() {
    let mut s = with_users(false);
    char_key(&mut s, 'U');
    char_key(&mut s, 'j'); // alice
    char_key(&mut s, 's');
    assert_eq!(s.top_overlay(), Some(&Overlay::Confirm));
    assert_eq!(
        s.confirm.as_ref().unwrap().action,
        Action::StopServer {
            user: "alice".into(),
            hub_url: "http://127.0.1.1".into(),
            base_url: "/".into()
        }
    );
    let commands = char_key(&mut s, 'y');
    assert!(
        matches!(commands.as_slice(), [Command::Run(Action::StopServer { user, .. })] if user == "alice"),
        "{commands:?}"
    );
    // A stopped server has nothing to stop.
    let mut s = with_users(false);
    char_key(&mut s, 'U');
    char_key(&mut s, 'G'); // dan
    char_key(&mut s, 's');
    assert!(s.confirm.is_none());
    assert_eq!(footer(&s), "dan's server is not running");
}

#[test]
fn read_only_refuses_the_stop() {
    let mut s = with_users(true);
    char_key(&mut s, 'U');
    let commands = char_key(&mut s, 's');
    assert!(commands.is_empty());
    assert!(s.confirm.is_none());
    assert_eq!(
        footer(&s),
        "read-only mode: stop bob's server refused (started with --readonly)"
    );
}

#[test]
fn without_an_address_u_says_why() {
    let mut s = support::cockpit::empty(false);
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Relisted(Kind::Service, Vec::new())),
    );
    assert!(char_key(&mut s, 'U').is_empty());
    assert!(s.overlays.is_empty());
    assert_eq!(
        footer(&s),
        "the hub has no address yet: proxy-public has no external IP and no hub pod is ready to port-forward to"
    );
}

#[test]
fn a_users_read_failure_is_said_and_the_list_kept() {
    let mut s = with_users(false);
    char_key(&mut s, 'U');
    app::update(
        &mut s,
        Msg::HubUsers(Err("HTTP 403: Action is not authorized with current scopes; requires any of [list:users]: add the scope to hub.loadRoles.jhub-cockpit.scopes in config.yaml and upgrade".into())),
    );
    assert_eq!(user_rows(&s, UserSort::State).len(), 5);
    let screen = draw(&s, 120, 30);
    assert!(screen.contains("requires any of [list:users]"), "{screen}");
}

#[test]
fn a_offers_the_hub_service_as_a_config_change_and_read_only_refuses_it() {
    let mut s = with_users(false);
    char_key(&mut s, 'U');
    assert_eq!(char_key(&mut s, 'A'), vec![Command::PrepareHubAccess]);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        "# mine\nsingleuser:\n  image:\n    tag: \"4.4.0\"\n",
    )
    .unwrap();
    let deploy = jhub_cockpit::deploy::DeployConfig {
        values: vec![config.clone()],
        ..support::observed::deploy_config(std::path::Path::new("/nonexistent"), "jhub", dir.path())
    };
    app::update(
        &mut s,
        Msg::HubAccessPrepared(jhub_cockpit::deploy::prepare_hub_access(&deploy)),
    );
    let dialog = s.confirm.clone().expect("the dialog");
    assert_eq!(
        dialog.action,
        Action::AddHubAccess {
            path: config.clone()
        }
    );
    let added: Vec<&str> = dialog
        .diff
        .iter()
        .filter(|d| d.tag == jhub_cockpit::values::DiffTag::Added)
        .map(|d| d.text.trim())
        .collect();
    assert!(added.contains(&"jhub-cockpit: {}"), "{added:?}");
    assert!(added.contains(&"- servers"), "{added:?}");
    // Confirmed, the action writes config.yaml with its comment kept.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let done = rt
        .block_on(jhub_cockpit::deploy::run(
            &dialog.action,
            &deploy,
            0,
            |_| {},
        ))
        .unwrap();
    assert!(done.contains("u upgrades"), "{done}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.starts_with("# mine\n"), "{text}");
    assert!(text.contains("loadRoles"), "{text}");

    let mut s = with_users(true);
    char_key(&mut s, 'U');
    assert!(char_key(&mut s, 'A').is_empty());
    assert!(footer(&s).starts_with("read-only mode: adding the hub service"));
}

/// proxy-public loses its external IP (or never had one).
fn without_public_ip(s: &mut State) -> Vec<Command> {
    app::update(
        s,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Service,
            vec![support::objects::service(
                "proxy-public",
                "LoadBalancer",
                "10.96.0.12",
                80,
                None,
            )],
        )),
    )
}

#[test]
fn without_a_public_address_the_hub_is_reached_through_a_port_forward() {
    use jhub_cockpit::app::hub_state::HubRoute;
    let mut s = deployed(false);
    // The builder lists the pods before the services, so it already asked
    // for a forward (and dropped the command): start from no hub state.
    s.hub = Default::default();
    let commands = without_public_ip(&mut s);
    assert_eq!(
        commands,
        vec![Command::ForwardHub {
            pod: "hub-7d9f8c6b5-abcde".into()
        }]
    );
    // Asked once until it answers.
    assert!(app::update(&mut s, Msg::Tick(now())).is_empty());
    let commands = app::update(
        &mut s,
        Msg::HubForwarded {
            pod: "hub-7d9f8c6b5-abcde".into(),
            result: Ok("http://127.0.0.1:41234".into()),
        },
    );
    match commands.as_slice() {
        [Command::CheckHub(address)] => {
            assert_eq!(address.url, "http://127.0.0.1:41234");
            assert_eq!(
                address.route,
                HubRoute::PortForward {
                    pod: "hub-7d9f8c6b5-abcde".into()
                }
            );
        }
        other => panic!("{other:?}"),
    }
    app::update(
        &mut s,
        Msg::HubHealth {
            url: "http://127.0.0.1:41234".into(),
            result: Ok(4),
        },
    );
    let screen = draw(&s, 80, 24);
    assert!(
        screen.contains("no URL · hub ✓ 4 ms (port-forward)"),
        "{screen}"
    );
    // A failed forward is said, and tried again a health period later.
    let mut s = deployed(false);
    s.hub = Default::default();
    without_public_ip(&mut s);
    let commands = app::update(
        &mut s,
        Msg::HubForwarded {
            pod: "hub-7d9f8c6b5-abcde".into(),
            result: Err("pods \"hub-7d9f8c6b5-abcde\" is forbidden".into()),
        },
    );
    assert!(commands.is_empty(), "{commands:?}");
    assert!(footer(&s).starts_with("hub: cannot port-forward to hub-7d9f8c6b5-abcde:8081"));
    let later = app::update(&mut s, Msg::Tick(now() + chrono::Duration::seconds(31)));
    assert!(
        matches!(later.as_slice(), [Command::ForwardHub { .. }]),
        "{later:?}"
    );
}

#[test]
fn before_the_first_list_the_view_says_why_in_full_and_an_empty_hub_says_so() {
    let mut s = deployed(false);
    char_key(&mut s, 'U');
    app::update(
        &mut s,
        Msg::HubUsers(Err(jhub_cockpit::hub::TokenError::NoService.to_string())),
    );
    let screen = draw(&s, 80, 24);
    // Wrapped over lines at 80 columns, none of it cut.
    for part in [
        "cannot read the hub's users: the hub has no jhub-cockpit",
        "then u upgrades",
    ] {
        assert!(screen.contains(part), "{part}:\n{screen}");
    }
    app::update(&mut s, Msg::HubUsers(Ok(Vec::new())));
    let screen = draw(&s, 80, 24);
    assert!(
        screen.contains("no users yet: they appear once they log in at http://127.0.1.1"),
        "{screen}"
    );
}
