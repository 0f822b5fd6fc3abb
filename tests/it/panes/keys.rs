//! Pure tests of update(): keys, filter, selection, watch events. No
//! cluster, no terminal.

use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use jhub_cockpit::app::scoped_events::EventScope;
use jhub_cockpit::app::{
    self, Command, Connection, Kind, Msg, Object, Overlay, Pane, State, Target, WatchMsg, lists,
};
use support::cockpit::StateBuilder;
use support::objects::*;

fn state() -> State {
    StateBuilder::new(Target {
        context: "rig".into(),
        namespace: "jhub".into(),
        ..Default::default()
    })
    .sized(80, 24)
    .build()
}

fn press(state: &mut State, code: KeyCode) -> Vec<Command> {
    app::update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn pods(state: &mut State, names: &[&str]) {
    let objects = names
        .iter()
        .map(|n| running_pod(n, "singleuser-server", "rig-node-1", "2026-12-01T11:00:00Z"))
        .collect();
    app::update(state, Msg::Watch(WatchMsg::Relisted(Kind::Pod, objects)));
}

fn pod_names(state: &State) -> Vec<String> {
    lists::pods(state).map(|e| e.row.name.to_string()).collect()
}

#[test]
fn hub_and_proxy_come_first_then_other_components_then_users() {
    let mut s = state();
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Pod,
            vec![
                running_pod(
                    "jupyter-a",
                    "singleuser-server",
                    "n",
                    "2026-12-01T11:00:00Z",
                ),
                running_pod(
                    "user-scheduler-1",
                    "user-scheduler",
                    "n",
                    "2026-12-01T11:00:00Z",
                ),
                running_pod("proxy-1", "proxy", "n", "2026-12-01T11:00:00Z"),
                running_pod("hub-1", "hub", "n", "2026-12-01T11:00:00Z"),
            ],
        )),
    );
    assert_eq!(
        pod_names(&s),
        ["hub-1", "proxy-1", "user-scheduler-1", "jupyter-a"]
    );
}

#[test]
fn tab_and_digits_switch_panes() {
    let mut s = state();
    assert_eq!(s.focus, Pane::Pods);
    press(&mut s, KeyCode::Tab);
    assert_eq!(s.focus, Pane::Services);
    press(&mut s, KeyCode::Tab);
    assert_eq!(s.focus, Pane::Cluster);
    press(&mut s, KeyCode::BackTab);
    assert_eq!(s.focus, Pane::Services);
    press(&mut s, KeyCode::Char('2'));
    assert_eq!(s.focus, Pane::Release);
}

#[test]
fn selection_moves_clamps_and_follows_its_pod() {
    let mut s = state();
    pods(&mut s, &["jupyter-b", "jupyter-c", "jupyter-d"]);
    press(&mut s, KeyCode::Char('j'));
    assert_eq!(
        lists::selected_name(&s, Pane::Pods).as_deref(),
        Some("jupyter-c")
    );
    press(&mut s, KeyCode::Char('G'));
    press(&mut s, KeyCode::Char('j'));
    assert_eq!(
        lists::selected_name(&s, Pane::Pods).as_deref(),
        Some("jupyter-d")
    );
    press(&mut s, KeyCode::Char('g'));
    press(&mut s, KeyCode::Down);
    // A pod sorting before the selection appears: the selection stays on c.
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(running_pod(
            "jupyter-a",
            "singleuser-server",
            "n",
            "2026-12-01T11:00:00Z",
        ))),
    );
    assert_eq!(
        lists::selected_name(&s, Pane::Pods).as_deref(),
        Some("jupyter-c")
    );
}

#[test]
fn page_keys_move_by_the_visible_rows() {
    let mut s = state();
    let names: Vec<String> = (0..50).map(|i| format!("jupyter-{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    pods(&mut s, &refs);
    let page = s.page_rows;
    assert!(page >= 3, "80x24 shows a few pod rows, got {page}");
    press(&mut s, KeyCode::PageDown);
    assert_eq!(
        lists::selected_name(&s, Pane::Pods),
        Some(names[page].clone())
    );
    assert!(s.selection(Pane::Pods).offset > 0, "the window scrolled");
    press(&mut s, KeyCode::PageUp);
    assert_eq!(lists::selected_name(&s, Pane::Pods), Some(names[0].clone()));
}

#[test]
fn filter_narrows_by_substring_and_esc_clears() {
    let mut s = state();
    pods(&mut s, &["jupyter-alice", "jupyter-bob", "jupyter-alina"]);
    press(&mut s, KeyCode::Char('/'));
    for c in "ali".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    assert_eq!(pod_names(&s), ["jupyter-alice", "jupyter-alina"]);
    // While typing, q is text, not quit.
    let commands = press(&mut s, KeyCode::Char('q'));
    assert!(commands.is_empty() && !s.quit);
    press(&mut s, KeyCode::Backspace);
    press(&mut s, KeyCode::Enter);
    assert!(!s.filter.editing);
    assert_eq!(pod_names(&s).len(), 2);
    press(&mut s, KeyCode::Esc);
    assert_eq!(pod_names(&s).len(), 3);
}

#[test]
fn filter_is_fuzzy_and_smart_case_on_name_and_status() {
    let mut s = state();
    pods(
        &mut s,
        &["jupyter-alice", "jupyter-bob", "jupyter-alina", "hub-7c9d"],
    );
    let filtered = |s: &mut State, text: &str| {
        press(s, KeyCode::Esc);
        press(s, KeyCode::Char('/'));
        for c in text.chars() {
            press(s, KeyCode::Char(c));
        }
        pod_names(s)
    };
    // Letters in order, anywhere in the name.
    assert_eq!(filtered(&mut s, "alna"), ["jupyter-alina"]);
    assert_eq!(filtered(&mut s, "h7"), ["hub-7c9d"]);
    // Lowercase ignores case; an uppercase letter respects it.
    assert_eq!(filtered(&mut s, "HUB"), Vec::<String>::new());
    // The status matches too (these pods are Running).
    assert_eq!(filtered(&mut s, "bob runn").len(), 1);
    assert_eq!(filtered(&mut s, "bob pend"), Vec::<String>::new());
}

#[test]
fn enter_opens_details_and_esc_goes_back() {
    let mut s = state();
    pods(&mut s, &["jupyter-alice"]);
    press(&mut s, KeyCode::Enter);
    assert_eq!(
        s.top_overlay(),
        Some(&Overlay::PodDetails {
            pod: "jupyter-alice".into(),
            scroll: 0
        })
    );
    press(&mut s, KeyCode::Esc);
    assert!(s.overlays.is_empty());
}

#[test]
fn a_healthy_pod_is_kept_as_a_row_and_read_whole_when_its_details_open() {
    let mut s = state();
    pods(&mut s, &["jupyter-alice"]);
    assert!(s.resources.pods.get("jupyter-alice").unwrap().pod.is_none());
    let commands = press(&mut s, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![
            Command::FetchPod {
                name: "jupyter-alice".into()
            },
            // And all of its events, routine ones too, while it is open.
            Command::WatchEvents {
                stream: 1,
                scope: Some(EventScope::Pod("jupyter-alice".into())),
            },
        ]
    );
    assert!(app::pod_details::pod(&s, "jupyter-alice").is_none());
    let Object::Pod(whole) = running_pod(
        "jupyter-alice",
        "singleuser-server",
        "rig-node-1",
        "2026-12-01T11:00:00Z",
    ) else {
        unreachable!()
    };
    app::update(
        &mut s,
        Msg::PodFetched {
            name: "jupyter-alice".into(),
            result: Ok(whole.clone()),
        },
    );
    assert!(app::pod_details::pod(&s, "jupyter-alice").is_some());
    // A change while the details are open is read again.
    let commands = app::update(&mut s, Msg::Watch(WatchMsg::Applied(Object::Pod(whole))));
    assert_eq!(
        commands,
        vec![Command::FetchPod {
            name: "jupyter-alice".into()
        }]
    );
    // Another pod's change is not.
    let commands = app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(running_pod(
            "jupyter-bob",
            "singleuser-server",
            "rig-node-1",
            "2026-12-01T11:00:00Z",
        ))),
    );
    assert!(commands.is_empty());
}

#[test]
fn an_unhealthy_pod_is_kept_whole_and_its_details_need_no_read() {
    let mut s = state();
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Pod,
            vec![unschedulable_pod("jupyter-big")],
        )),
    );
    assert!(s.resources.pods.get("jupyter-big").unwrap().pod.is_some());
    // No read: only its events' watch.
    assert!(matches!(
        &press(&mut s, KeyCode::Enter)[..],
        [Command::WatchEvents { scope: Some(EventScope::Pod(pod)), .. }] if pod == "jupyter-big"
    ));
    assert!(app::pod_details::pod(&s, "jupyter-big").is_some());
}

/// What the watcher hands on for a pod (`Object::pod`): the whole pod
/// turned into its row when healthy, kept whole when not.
fn as_watched(object: Object) -> Object {
    match object {
        Object::Pod(pod) => Object::pod((*pod).clone()),
        other => other,
    }
}

#[test]
fn a_pod_handed_on_as_its_row_shows_and_counts_as_the_whole_pod() {
    let objects = || {
        vec![
            running_pod("hub-1", "hub", "rig-node-1", "2026-12-01T10:00:00Z"),
            running_pod(
                "jupyter-a",
                "singleuser-server",
                "rig-node-1",
                "2026-12-01T11:00:00Z",
            ),
            unschedulable_pod("jupyter-big"),
        ]
    };
    let watched: Vec<Object> = objects().into_iter().map(as_watched).collect();
    assert!(matches!(watched[0], Object::HealthyPod(_)));
    assert!(
        matches!(watched[2], Object::Pod(_)),
        "an unhealthy pod stays whole"
    );

    let mut whole = state();
    let mut rows = state();
    app::update(
        &mut whole,
        Msg::Watch(WatchMsg::Relisted(Kind::Pod, objects())),
    );
    app::update(
        &mut rows,
        Msg::Watch(WatchMsg::Relisted(Kind::Pod, watched)),
    );
    let shown = |s: &State| -> Vec<String> {
        s.resources
            .pods
            .iter()
            .map(|e| format!("{:?} {}", e.row, e.pod.is_some()))
            .collect()
    };
    assert_eq!(shown(&rows), shown(&whole));
    assert_eq!(
        rows.resources.node_usage["rig-node-1"].pods,
        whole.resources.node_usage["rig-node-1"].pods
    );
    assert!(
        rows.resources
            .pods
            .get("jupyter-big")
            .unwrap()
            .diagnosis
            .is_some()
    );

    // Deleted as a row, it is gone and no longer counted.
    let gone = as_watched(running_pod(
        "jupyter-a",
        "singleuser-server",
        "rig-node-1",
        "2026-12-01T11:00:00Z",
    ));
    app::update(&mut rows, Msg::Watch(WatchMsg::Deleted(gone)));
    assert!(rows.resources.pods.get("jupyter-a").is_none());
    assert_eq!(rows.resources.node_usage["rig-node-1"].pods, 1);
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut s = state();
    assert_eq!(press(&mut s, KeyCode::Char('q')), vec![Command::Quit]);
    let mut s = state();
    press(&mut s, KeyCode::Char('?'));
    let commands = app::update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(commands, vec![Command::Quit]);
}

#[test]
fn install_key_checks_the_values_before_anything_runs() {
    let mut s = state();
    let commands = press(&mut s, KeyCode::Char('i'));
    assert_eq!(commands, vec![Command::PrepareDeploy { deployed: None }]);
    // Upgrade needs a release to compare with.
    assert!(press(&mut s, KeyCode::Char('u')).is_empty());
    let (text, _) = s.footer.message.clone().unwrap();
    assert!(text.contains("press i to install"), "{text}");
}

#[test]
fn a_failed_watch_marks_stale_and_a_relist_recovers() {
    let mut s = state();
    pods(&mut s, &["jupyter-a", "jupyter-b"]);
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Failed(Kind::Pod, "connection refused".into())),
    );
    assert!(matches!(s.connection, Connection::Reconnecting { .. }));
    assert!(s.stale.contains(&Kind::Pod));
    assert_eq!(pod_names(&s).len(), 2, "the last state is kept");
    // The relist after recovery has only b: a was deleted while we were away.
    pods(&mut s, &["jupyter-b"]);
    assert_eq!(s.connection, Connection::Live);
    assert!(s.stale.is_empty());
    assert_eq!(pod_names(&s), ["jupyter-b"]);
}

#[test]
fn node_usage_follows_pod_moves_and_deletes() {
    let mut s = state();
    let pod = running_pod(
        "jupyter-a",
        "singleuser-server",
        "rig-node-1",
        "2026-12-01T11:00:00Z",
    );
    app::update(&mut s, Msg::Watch(WatchMsg::Applied(pod.clone())));
    let usage = s.resources.node_usage["rig-node-1"];
    assert_eq!(
        (usage.cpu_millis, usage.memory_bytes, usage.pods),
        (200, 512 * 1024 * 1024, 1)
    );
    // The same pod applied again does not count twice.
    app::update(&mut s, Msg::Watch(WatchMsg::Applied(pod.clone())));
    assert_eq!(s.resources.node_usage["rig-node-1"].pods, 1);
    app::update(&mut s, Msg::Watch(WatchMsg::Deleted(pod)));
    assert_eq!(s.resources.node_usage["rig-node-1"].pods, 0);
    assert_eq!(s.resources.node_usage["rig-node-1"].cpu_millis, 0);
}

#[test]
fn a_scheduling_event_diagnoses_its_pod() {
    let mut s = state();
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(unschedulable_pod("jupyter-big"))),
    );
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(warning_event(
            "jupyter-big",
            "FailedScheduling",
            "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            "2026-12-01T11:59:30Z",
        ))),
    );
    let entry = s.resources.pods.get("jupyter-big").unwrap();
    let diagnosis = entry.diagnosis.as_ref().expect("a diagnosis");
    assert!(
        diagnosis.line.contains("Insufficient memory"),
        "{}",
        diagnosis.line
    );
    assert!(diagnosis.line.contains("0/3"), "{}", diagnosis.line);
}

#[test]
fn releases_follow_the_jupyterhub_release_and_its_latest_revision() {
    let mut s = state();
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Release,
            vec![
                release_secret("jhub", 1, "superseded", "4.3.0", "2026-12-01T11:00:00Z"),
                release_secret("jhub", 2, "deployed", "4.4.0", "2026-12-01T11:30:00Z"),
            ],
        )),
    );
    let releases = &s.resources.releases;
    assert_eq!(releases.chosen(None), Some("jhub"));
    assert_eq!(releases.current("jhub").unwrap().revision, 2);
    assert_eq!(
        lists::revisions(&s)
            .iter()
            .map(|r| r.revision)
            .collect::<Vec<_>>(),
        [2, 1]
    );
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Deleted(release_secret(
            "jhub",
            2,
            "deployed",
            "4.4.0",
            "2026-12-01T11:30:00Z",
        ))),
    );
    assert_eq!(s.resources.releases.current("jhub").unwrap().revision, 1);
}

#[test]
fn history_shows_a_revisions_values_and_diffs_two_revisions() {
    let mut s = state();
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Release,
            vec![
                release_secret("jhub", 1, "superseded", "4.3.0", "2026-12-01T11:00:00Z"),
                release_secret("jhub", 2, "deployed", "4.4.0", "2026-12-01T11:30:00Z"),
            ],
        )),
    );
    press(&mut s, KeyCode::Char('2'));
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Enter);
    match s.top_overlay() {
        Some(Overlay::Text { title, lines, .. }) => {
            assert_eq!(title, "values of revision 2 (user-supplied)");
            assert!(
                lines.iter().any(|l| l.text.trim() == "tag: 4.4.0"),
                "{lines:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    press(&mut s, KeyCode::Esc);
    // d with no mark: the selected revision against the one before it.
    press(&mut s, KeyCode::Char('d'));
    match s.top_overlay() {
        Some(Overlay::Text { title, lines, .. }) => {
            assert_eq!(title, "values: revision 1 → 2");
            assert_eq!(lines[0].text, "the values are the same");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn revealing_secrets_is_asked_for_and_dropped_on_close() {
    let mut s = state();
    assert_eq!(
        press(&mut s, KeyCode::Char('V')),
        vec![Command::RevealSecrets]
    );
    app::update(
        &mut s,
        Msg::ShowText(Ok((
            "secrets.yaml".into(),
            vec!["hub:".into(), "  cookieSecret: \"ab\"".into()],
        ))),
    );
    assert!(matches!(s.top_overlay(), Some(Overlay::Text { .. })));
    press(&mut s, KeyCode::Esc);
    assert!(
        s.overlays.is_empty(),
        "closing drops the values from the state"
    );
}

fn workload_names(state: &State) -> Vec<String> {
    app::workloads::of_release(state)
        .iter()
        .map(|w| w.name.clone())
        .collect()
}

fn with_workloads() -> State {
    let mut s = state();
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Release,
            vec![release_secret(
                "jhub",
                1,
                "pending-install",
                "4.4.0",
                "2026-12-01T11:59:00Z",
            )],
        )),
    );
    for (kind, objects) in installing_workloads() {
        app::update(&mut s, Msg::Watch(WatchMsg::Relisted(kind, objects)));
    }
    s
}

#[test]
fn workloads_list_hooks_first_then_by_kind_and_name() {
    let mut s = with_workloads();
    // Another release's workload in the namespace is not this release's.
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(deployment("other-app", "other", 1, 1))),
    );
    assert_eq!(
        workload_names(&s),
        [
            "hook-image-awaiter",
            "hook-image-puller",
            "hub",
            "proxy",
            "user-scheduler",
            "user-placeholder",
            "continuous-image-puller",
        ]
    );
    assert_eq!(app::workloads::done_count(&s), (4, 7));
}

#[test]
fn a_workload_changes_and_goes_and_a_relist_replaces_only_its_kind() {
    let mut s = with_workloads();
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(deployment("hub", "jhub", 1, 1))),
    );
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Deleted(job(
            "hook-image-awaiter",
            "jhub",
            Some(10),
            "2026-12-01T11:59:20Z",
            true,
        ))),
    );
    assert_eq!(app::workloads::done_count(&s), (5, 6));
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Relisted(Kind::DaemonSet, vec![])),
    );
    assert_eq!(
        workload_names(&s),
        ["hub", "proxy", "user-scheduler", "user-placeholder"]
    );
    assert!(s.listed.contains(&Kind::DaemonSet));
}

#[test]
fn a_replicasets_failed_create_shows_on_its_deployment_while_it_is_not_ready() {
    let mut s = with_workloads();
    let quota = r#"pods "hub-7d9c6b5f8-abcde" is forbidden: exceeded quota: tiny, requested: pods=1, used: pods=2, limited: pods=2"#;
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(warning_event_about(
            "ReplicaSet",
            "hub-7d9c6b5f8",
            "FailedCreate",
            &format!("Error creating: {quota}"),
            "2026-12-01T11:59:00Z",
        ))),
    );
    let hub = app::workloads::of_release(&s)
        .into_iter()
        .find(|w| w.name == "hub")
        .unwrap()
        .clone();
    let problem = app::workloads::problem(&s, &hub, s.now).unwrap();
    // The controller's "Error creating: " preamble is left out.
    assert_eq!(problem, format!("FailedCreate 60s ago: {quota}"));
    // A StatefulSet's is about the StatefulSet itself.
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(stateful_set(
            "user-placeholder",
            "jhub",
            1,
            0,
        ))),
    );
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(warning_event_about(
            "StatefulSet",
            "user-placeholder",
            "FailedCreate",
            r#"create Pod user-placeholder-0 in StatefulSet user-placeholder failed error: pods "user-placeholder-0" is forbidden: exceeded quota: tiny"#,
            "2026-12-01T11:59:30Z",
        ))),
    );
    let placeholder = app::workloads::of_release(&s)
        .into_iter()
        .find(|w| w.name == "user-placeholder")
        .unwrap()
        .clone();
    let problem = app::workloads::problem(&s, &placeholder, s.now).unwrap();
    assert!(problem.contains("exceeded quota: tiny"), "{problem}");
    // Once the hub is ready the old warning is no longer its problem.
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(deployment("hub", "jhub", 1, 1))),
    );
    let hub = app::workloads::of_release(&s)
        .into_iter()
        .find(|w| w.name == "hub")
        .unwrap()
        .clone();
    assert_eq!(app::workloads::problem(&s, &hub, s.now), None);
    // An event relist without it forgets it.
    app::update(&mut s, Msg::Watch(WatchMsg::Relisted(Kind::Event, vec![])));
    assert_eq!(app::workloads::problem(&s, &placeholder, s.now), None);
}

#[test]
fn while_helm_runs_the_waiting_line_names_the_hook_job_first() {
    let s = with_workloads();
    let lines = app::workloads::waiting_lines(&s);
    assert_eq!(
        lines,
        [
            "waiting for hook-image-awaiter (hook Job, running 40s) · hook-image-puller 2/3 nodes · hub 0/1 rolling out"
        ]
    );
}

#[test]
fn w_opens_the_workloads_view_and_esc_closes_it() {
    let mut s = with_workloads();
    press(&mut s, KeyCode::Char('w'));
    assert_eq!(s.top_overlay(), Some(&Overlay::Workloads { scroll: 0 }));
    press(&mut s, KeyCode::Char('j'));
    assert_eq!(s.top_overlay(), Some(&Overlay::Workloads { scroll: 1 }));
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.top_overlay(), None);
}

fn short_of(s: &State, pod: &str) -> Option<String> {
    s.resources
        .pods
        .get(pod)
        .and_then(|e| e.diagnosis.as_ref())
        .map(|d| d.short.clone())
}

fn apply(s: &mut State, object: Object) {
    app::update(s, Msg::Watch(WatchMsg::Applied(object)));
}

#[test]
fn a_pod_waiting_for_the_user_scheduler_follows_the_schedulers_pods() {
    let mut s = state();
    apply(&mut s, waiting_pod("jupyter-bob"));
    assert_eq!(
        short_of(&s, "jupyter-bob").as_deref(),
        Some("No scheduler pods")
    );

    let scheduler = running_pod(
        "user-scheduler-5c8d-1",
        "user-scheduler",
        "rig-node-1",
        "2026-12-01T11:00:00Z",
    );
    apply(&mut s, scheduler.clone());
    assert_eq!(
        short_of(&s, "jupyter-bob").as_deref(),
        Some("Scheduler hasn't bound")
    );
    // The same scheduler pod, now crash-looping.
    apply(
        &mut s,
        crash_looping_scheduler_pod("user-scheduler-5c8d-1", "rig-node-1"),
    );
    assert_eq!(
        short_of(&s, "jupyter-bob").as_deref(),
        Some("Scheduler crash-looping")
    );
    app::update(&mut s, Msg::Watch(WatchMsg::Deleted(scheduler)));
    assert_eq!(
        short_of(&s, "jupyter-bob").as_deref(),
        Some("No scheduler pods")
    );

    // A relist that brings the scheduler after its waiting pod says the same
    // as one that brings it before.
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Pod,
            vec![
                waiting_pod("jupyter-bob"),
                running_pod(
                    "user-scheduler-5c8d-2",
                    "user-scheduler",
                    "rig-node-1",
                    "2026-12-01T11:00:00Z",
                ),
            ],
        )),
    );
    assert_eq!(
        short_of(&s, "jupyter-bob").as_deref(),
        Some("Scheduler hasn't bound")
    );
    let d = s.resources.pods.get("jupyter-bob").unwrap();
    let line = d.diagnosis.as_ref().unwrap().line_at(d.row.created, s.now);
    assert!(
        line.starts_with("Waiting 12m for scheduler \"jhub-user-scheduler\""),
        "{line}"
    );
}

#[test]
fn nodes_name_the_taint_a_pending_pod_does_not_tolerate() {
    let mut s = state();
    apply(&mut s, node("rig-node-1", true));
    apply(
        &mut s,
        pending_pod(
            "jupyter-big",
            "0/2 nodes are available: 2 node(s) had untolerated taint(s). preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
        ),
    );
    let diagnosis = |s: &State| {
        let d = s
            .resources
            .pods
            .get("jupyter-big")
            .unwrap()
            .diagnosis
            .clone();
        d.unwrap()
    };
    assert_eq!(diagnosis(&s).short, "Taint mismatch");
    // A node with a taint comes: the pod's diagnosis names it at once.
    let tainted = tainted_node(
        "rig-node-9",
        "example.com/diag-test",
        "yes",
        "NoSchedule",
        110,
    );
    apply(&mut s, tainted.clone());
    assert_eq!(diagnosis(&s).short, "Taint diag-test=yes");
    assert!(
        diagnosis(&s)
            .line
            .ends_with("; example.com/diag-test=yes:NoSchedule on rig-node-9 not tolerated"),
        "{}",
        diagnosis(&s).line
    );
    // A heartbeat of an untainted node changes nothing; the node's removal does.
    apply(&mut s, node("rig-node-1", true));
    app::update(&mut s, Msg::Watch(WatchMsg::Deleted(tainted)));
    assert_eq!(diagnosis(&s).short, "Taint mismatch");
}

#[test]
fn a_pending_placeholder_is_not_a_warning() {
    let mut s = state();
    apply(&mut s, placeholder_pod("user-placeholder-0"));
    let d = s
        .resources
        .pods
        .get("user-placeholder-0")
        .unwrap()
        .diagnosis
        .clone()
        .unwrap();
    assert_eq!(d.short, "Placeholder, by design");
    assert!(!d.kind.is_warning());
}

/// The keys a help label names: `j k / ↓ ↑` is j, k, Down and Up; `y /
/// name Enter` is y and Enter (a typed name is text, not a key).
fn keys_of_label(label: &str) -> Vec<KeyEvent> {
    let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
    if label == "/" {
        return vec![plain(KeyCode::Char('/'))];
    }
    label
        .split_whitespace()
        .filter(|t| *t != "/" && *t != "name")
        .map(|t| match t {
            "Tab" => plain(KeyCode::Tab),
            "S-Tab" => KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
            "↓" => plain(KeyCode::Down),
            "↑" => plain(KeyCode::Up),
            "Home" => plain(KeyCode::Home),
            "End" => plain(KeyCode::End),
            "PgDn" => plain(KeyCode::PageDown),
            "PgUp" => plain(KeyCode::PageUp),
            "Enter" => plain(KeyCode::Enter),
            "Esc" => plain(KeyCode::Esc),
            t if t.starts_with("Ctrl-") => KeyEvent::new(
                KeyCode::Char(
                    t["Ctrl-".len()..]
                        .to_ascii_lowercase()
                        .chars()
                        .next()
                        .unwrap(),
                ),
                KeyModifiers::CONTROL,
            ),
            t if t.chars().count() == 1 => plain(KeyCode::Char(t.chars().next().unwrap())),
            other => panic!("the help names a key the test cannot read: {other:?} in {label:?}"),
        })
        .collect()
}

/// What a key can change that an operator sees.
fn visible(s: &State) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        s.focus,
        s.overlays,
        s.filter,
        s.selections,
        s.events_view,
        s.logs.as_ref().map(|l| (l.wrap, l.scroll_back)),
        s.footer,
        s.confirm.is_some(),
        s.history_mark,
        s.quit
    )
}

/// Every key that does something in the main view or in a view over it is
/// in the help (the help is drawn from app::keys::HELP). Text entry (the
/// filter, typed names, the cluster form) and dialogs (any key answers
/// them) are left out: there every key is input.
#[test]
fn every_key_the_cockpit_handles_is_in_the_help() {
    let listed: Vec<KeyEvent> = app::keys::HELP
        .iter()
        .flat_map(|(_, keys)| keys.iter())
        .flat_map(|k| keys_of_label(k.keys))
        .collect();
    let mut candidates: Vec<KeyEvent> = (0x21u8..0x7f)
        .map(|c| KeyEvent::new(KeyCode::Char(c as char), KeyModifiers::NONE))
        .collect();
    for code in [
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::Backspace,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Delete,
    ] {
        candidates.push(KeyEvent::new(code, KeyModifiers::NONE));
    }
    candidates.push(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    for c in 'a'..='z' {
        candidates.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    // A cockpit with something in every pane and view.
    let mut base = with_workloads();
    app::update(
        &mut base,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Release,
            vec![
                release_secret("jhub", 1, "superseded", "4.3.0", "2026-12-01T11:00:00Z"),
                release_secret("jhub", 2, "deployed", "4.4.0", "2026-12-01T11:30:00Z"),
            ],
        )),
    );
    pods(&mut base, &["jupyter-a", "jupyter-b", "jupyter-c"]);
    // Two events, so that the events view has rows to move between.
    app::update(
        &mut base,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Event,
            vec![
                warning_event("jupyter-a", "BackOff", "Back-off", "2026-12-01T11:59:00Z"),
                warning_event("jupyter-b", "BackOff", "Back-off", "2026-12-01T11:58:00Z"),
            ],
        )),
    );
    app::update(
        &mut base,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Node,
            vec![node("rig-node-1", true), node("rig-node-2", true)],
        )),
    );
    let mut contexts: Vec<(String, State)> = Vec::new();
    for (i, pane) in ["cluster", "release", "pods", "services"]
        .iter()
        .enumerate()
    {
        let mut s = base.clone();
        press(&mut s, KeyCode::Char(char::from(b'1' + i as u8)));
        contexts.push((format!("the {pane} pane"), s));
    }
    let opened = |keys: &[KeyCode]| {
        let mut s = base.clone();
        for k in keys {
            press(&mut s, *k);
        }
        s
    };
    contexts.push((
        "pod details".into(),
        opened(&[KeyCode::Char('3'), KeyCode::Enter]),
    ));
    contexts.push((
        "logs".into(),
        opened(&[KeyCode::Char('3'), KeyCode::Char('l')]),
    ));
    contexts.push((
        "history".into(),
        opened(&[KeyCode::Char('2'), KeyCode::Enter]),
    ));
    contexts.push((
        "revision values".into(),
        opened(&[KeyCode::Char('2'), KeyCode::Enter, KeyCode::Enter]),
    ));
    contexts.push(("NOTES".into(), opened(&[KeyCode::Char('n')])));
    contexts.push(("workloads".into(), opened(&[KeyCode::Char('w')])));
    contexts.push(("events".into(), opened(&[KeyCode::Char('E')])));
    contexts.push(("help".into(), opened(&[KeyCode::Char('?')])));
    contexts.push((
        "node details".into(),
        opened(&[KeyCode::Char('1'), KeyCode::Enter]),
    ));

    let mut unlisted = Vec::new();
    for (context, s) in &contexts {
        for key in &candidates {
            let mut after = s.clone();
            let commands = app::update(&mut after, Msg::Key(*key));
            let handled = !commands.is_empty() || visible(&after) != visible(s);
            if handled && !listed.contains(key) {
                unlisted.push(format!("{:?} {:?} in {context}", key.modifiers, key.code));
            }
        }
    }
    assert_eq!(
        unlisted,
        Vec::<String>::new(),
        "handled but not in the help"
    );
}

/// The pane reads the pods' phase counts and its window from the table
/// without walking it (issue 19): both must agree with a walk, with and
/// without a filter, as pods come, change phase and go.
#[test]
fn shown_pods_agree_with_a_walk_of_the_list() {
    fn check(s: &State) {
        let walked: Vec<String> = pod_names(s);
        let shown = lists::shown_pods(s);
        assert_eq!(shown.len(), walked.len());
        let window: Vec<String> = shown
            .window(1, 3)
            .iter()
            .map(|e| e.row.name.to_string())
            .collect();
        assert_eq!(
            window,
            walked.iter().skip(1).take(3).cloned().collect::<Vec<_>>()
        );
        for (i, name) in walked.iter().enumerate() {
            assert_eq!(shown.position(name), Some(i), "{name}");
        }
        assert_eq!(shown.position("no-such-pod"), None);
        let mut counted: Vec<(String, usize)> = Vec::new();
        for e in lists::pods(s) {
            match counted.iter_mut().find(|(p, _)| *p == e.row.phase) {
                Some((_, n)) => *n += 1,
                None => counted.push((e.row.phase.to_string(), 1)),
            }
        }
        counted.sort();
        let kept: Vec<(String, usize)> = shown
            .phase_counts()
            .into_iter()
            .map(|(p, n)| (p.to_owned(), n))
            .collect();
        assert_eq!(kept, counted);
    }
    let mut s = state();
    pods(
        &mut s,
        &["jupyter-c", "jupyter-a", "hub-1", "jupyter-b", "proxy-1"],
    );
    check(&s);
    // One goes Pending (an update of the same pod), one is deleted, one
    // arrives: the kept counts follow.
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(pending_pod("jupyter-b", "waiting"))),
    );
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Deleted(running_pod(
            "jupyter-c",
            "singleuser-server",
            "rig-node-1",
            "2026-12-01T11:00:00Z",
        ))),
    );
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(unschedulable_pod("jupyter-d"))),
    );
    check(&s);
    assert!(
        lists::shown_pods(&s)
            .phase_counts()
            .contains(&("Pending", 2)),
        "{:?}",
        lists::shown_pods(&s).phase_counts()
    );
    // With a filter the matches are what is counted and windowed.
    press(&mut s, KeyCode::Char('/'));
    for c in "jup".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    check(&s);
    assert_eq!(lists::shown_pods(&s).len(), 3);
    // A relist replaces the counts.
    press(&mut s, KeyCode::Esc);
    pods(&mut s, &["jupyter-z"]);
    check(&s);
    assert_eq!(lists::shown_pods(&s).phase_counts(), vec![("Running", 1)]);
}

/// A node's heartbeat that leaves its row as it was changes nothing a view
/// reads: the update says so (`State::quiet`), and the loop draws no frame
/// for it (at 182 nodes, 9 heartbeats a second woke the idle cockpit).
#[test]
fn a_heartbeat_that_changes_no_row_is_quiet() {
    let mut s = state();
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Relisted(
            Kind::Node,
            vec![node("rig-node-1", true)],
        )),
    );
    app::update(&mut s, Msg::Watch(WatchMsg::Relisted(Kind::Pod, vec![])));
    app::update(
        &mut s,
        Msg::Connected {
            server_version: "v1.36.3".into(),
        },
    );
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(node("rig-node-1", true))),
    );
    assert!(s.quiet, "the same node row again is quiet");
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(node("rig-node-1", false))),
    );
    assert!(!s.quiet, "a node going NotReady is not");
    assert!(!s.resources.nodes["rig-node-1"].ready);
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(node("rig-node-2", true))),
    );
    assert!(!s.quiet, "a new node is not");
    // Any other message clears it.
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(node("rig-node-2", true))),
    );
    assert!(s.quiet);
    press(&mut s, KeyCode::Down);
    assert!(!s.quiet);
    // While the nodes' watch is stale, even an unchanged row is news: it
    // says the watch is back.
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Failed(Kind::Node, "gone".into())),
    );
    app::update(
        &mut s,
        Msg::Watch(WatchMsg::Applied(node("rig-node-2", true))),
    );
    assert!(!s.quiet);
    assert_eq!(s.connection, Connection::Live);
}
