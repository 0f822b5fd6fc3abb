//! Snapshot tests of every view, drawn from constructed state on ratatui's
//! TestBackend. A changed view shows up as a snapshot diff to review.

use crate::support;
use crate::support::sizes;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use jhub_cockpit::app::{self, Connection, Kind, Msg, Object, State, Target, WatchMsg};
use support::cockpit::StateBuilder;
use support::objects::*;

fn target() -> Target {
    Target {
        context: "rig".into(),
        namespace: "jhub".into(),
        release: None,
        readonly: false,
        insecure: false,
    }
}

fn relist(state: &mut State, kind: Kind, objects: Vec<Object>) {
    app::update(state, Msg::Watch(WatchMsg::Relisted(kind, objects)));
}

/// A hub that is up: three nodes, the chart's pods, one user Running, one
/// user that does not fit, one with a bad image; proxy-public has its IP.
fn deployed() -> State {
    StateBuilder::new(target())
        .monochrome()
        .connected()
        .listed(
        Kind::Node,
        vec![
            node("rig-node-1", true),
            node("rig-node-2", true),
            node("rig-node-3", true),
        ],
    )
        .listed_empty(&[Kind::StorageClass, Kind::Claim])
        .listed(
        Kind::Event,
        vec![warning_event(
            "jupyter-big",
            "FailedScheduling",
            "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            "2026-12-01T11:59:30Z",
        )],
    )
        .listed(
        Kind::Pod,
        vec![
            running_pod(
                "jupyter-alice",
                "singleuser-server",
                "rig-node-2",
                "2026-12-01T11:30:00Z",
            ),
            running_pod(
                "proxy-6f9c7d8b5-x2x4q",
                "proxy",
                "rig-node-1",
                "2026-12-01T11:00:00Z",
            ),
            running_pod(
                "hub-7d9f8c6b5-abcde",
                "hub",
                "rig-node-1",
                "2026-12-01T11:00:00Z",
            ),
            running_pod(
                "user-scheduler-5c8d-1",
                "user-scheduler",
                "rig-node-3",
                "2026-12-01T11:00:00Z",
            ),
            unschedulable_pod("jupyter-big"),
            image_pull_pod("jupyter-bad-image", "rig-node-2"),
        ],
    )
        .listed(
        Kind::Service,
        vec![
            service("hub", "ClusterIP", "10.96.0.10", 8081, None),
            service("proxy-api", "ClusterIP", "10.96.0.11", 8001, None),
            service(
                "proxy-public",
                "LoadBalancer",
                "10.96.0.12",
                80,
                Some("127.0.1.1"),
            ),
        ],
    )
        .listed(
        Kind::Release,
        vec![
            release_secret("jhub", 1, "superseded", "4.3.0", "2026-12-01T11:00:00Z"),
            release_secret("jhub", 2, "deployed", "4.4.0", "2026-12-01T11:30:00Z"),
        ],
    )
        .build()
}

fn draw(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| jhub_cockpit::ui::render(f, state))
        .unwrap();
    format!("{}", terminal.backend())
}

fn press(state: &mut State, code: KeyCode) {
    app::update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn main_view_at_80x24() {
    assert_snapshot!(draw(&deployed(), 80, 24));
    sizes::draws_at_every_size(&deployed());
}

#[test]
fn main_view_at_120x40() {
    assert_snapshot!(draw(&deployed(), 120, 40));
    sizes::draws_at_every_size(&deployed());
}

#[test]
fn help_overlay() {
    let mut state = deployed();
    press(&mut state, KeyCode::Char('?'));
    assert_snapshot!(draw(&state, 80, 24));
    sizes::draws_at_every_size(&state);
}

#[test]
fn pod_details_of_an_unschedulable_pod() {
    let mut state = deployed();
    // Pods: hub, proxy, user-scheduler, then users by name: alice,
    // bad-image, big.
    for _ in 0..5 {
        press(&mut state, KeyCode::Char('j'));
    }
    press(&mut state, KeyCode::Enter);
    assert_snapshot!(draw(&state, 80, 24));
    sizes::draws_at_every_size(&state);
}

#[test]
fn logs_view() {
    let mut state = deployed();
    press(&mut state, KeyCode::Char('l'));
    let stream = state.logs.as_ref().unwrap().stream;
    app::update(
        &mut state,
        Msg::Log(jhub_cockpit::kube::logs::LogEvent::Lines {
            stream,
            lines: (1..=30)
                .map(|i| format!("[I 2026-12-01 11:{i:02}:00 JupyterHub app:1] line {i}"))
                .collect(),
        }),
    );
    assert_snapshot!(draw(&state, 80, 24));
    sizes::draws_at_every_size(&state);
}

#[test]
fn history_overlay() {
    let mut state = deployed();
    press(&mut state, KeyCode::Char('2'));
    press(&mut state, KeyCode::Enter);
    assert_snapshot!(draw(&state, 80, 24));
    sizes::draws_at_every_size(&state);
}

#[test]
fn notes_overlay() {
    let mut state = deployed();
    press(&mut state, KeyCode::Char('n'));
    assert_snapshot!(draw(&state, 80, 24));
    sizes::draws_at_every_size(&state);
}

#[test]
fn node_and_service_details() {
    let mut state = deployed();
    press(&mut state, KeyCode::Char('1'));
    press(&mut state, KeyCode::Enter);
    let node = draw(&state, 80, 24);
    sizes::draws_at_every_size(&state);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('4'));
    press(&mut state, KeyCode::Char('G'));
    press(&mut state, KeyCode::Enter);
    let service = draw(&state, 80, 24);
    assert_snapshot!(format!("{node}\n{service}"));
    sizes::draws_at_every_size(&state);
}

#[test]
fn filter_while_typing() {
    let mut state = deployed();
    press(&mut state, KeyCode::Char('/'));
    for c in "jupyter".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    assert_snapshot!(draw(&state, 80, 24));
    sizes::draws_at_every_size(&state);
}

/// The characters the fuzzy filter matched are drawn in the highlight
/// style (the snapshot holds the text; the styles are checked here).
#[test]
fn a_filtered_list_highlights_its_matches() {
    let mut state = deployed();
    press(&mut state, KeyCode::Char('/'));
    for c in "jupbad".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    for (w, h) in [(80, 24), (120, 40)] {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| jhub_cockpit::ui::render(f, &state))
            .unwrap();
        let buffer = terminal.backend().buffer().clone();
        assert_snapshot!(
            format!("filter_highlights_{w}x{h}"),
            format!("{}", terminal.backend())
        );
        // The listed pod's name: "jup" and "bad" highlighted, the rest not.
        let rows: Vec<u16> = (0..h)
            .filter(|&y| {
                let line: String = (0..w).map(|x| buffer[(x, y)].symbol().to_owned()).collect();
                line.contains("jupyter-")
            })
            .collect();
        assert!(!rows.is_empty(), "no pod row drawn");
        for y in rows {
            let line: String = (0..w).map(|x| buffer[(x, y)].symbol().to_owned()).collect();
            let start = line.find("jupyter-").unwrap();
            let start = line[..start].chars().count() as u16;
            let bold = |x: u16| {
                buffer[(x, y)]
                    .modifier
                    .contains(ratatui::style::Modifier::UNDERLINED)
            };
            let lit: Vec<u16> = (0..17).filter(|&i| bold(start + i)).collect();
            assert_eq!(lit, [0, 1, 2, 8, 9, 10], "{line}");
        }
    }
}

#[test]
fn empty_while_connecting() {
    let state = State::new(target(), now());
    assert_snapshot!(draw(&state, 80, 24));
    sizes::draws_at_every_size(&state);
}

#[test]
fn unreachable_at_start() {
    let mut state = State::new(target(), now());
    app::update(
        &mut state,
        Msg::ConnectFailed(
            "the API server of context 'rig' does not answer: connection refused".into(),
        ),
    );
    assert!(matches!(state.connection, Connection::Unavailable { .. }));
    assert_snapshot!(draw(&state, 80, 24));
    sizes::draws_at_every_size(&state);
}

#[test]
fn reconnecting_keeps_the_last_state_marked_stale() {
    let mut state = deployed();
    app::update(
        &mut state,
        Msg::Watch(WatchMsg::Failed(Kind::Pod, "connection refused".into())),
    );
    app::update(
        &mut state,
        Msg::Tick("2026-12-01T12:00:07Z".parse().unwrap()),
    );
    let text = draw(&state, 80, 24);
    assert!(text.contains("reconnecting 7s"), "{text}");
    assert!(text.contains("stale"), "{text}");
    assert_snapshot!(text);
    sizes::draws_at_every_size(&state);
}

#[test]
fn proxy_public_pending_counts_the_wait() {
    let mut state = deployed();
    relist(
        &mut state,
        Kind::Service,
        vec![service(
            "proxy-public",
            "LoadBalancer",
            "10.96.0.12",
            80,
            None,
        )],
    );
    let text = draw(&state, 80, 24);
    // Created 11:58:40, now 12:00:00.
    assert!(text.contains("<pending> 1m20s"), "{text}");
}

/// The warnings are what must survive a narrow terminal: with a long GKE
/// context at 80 columns the header still says READ-ONLY, TLS NOT VERIFIED
/// and live.
#[test]
fn the_header_keeps_its_warnings_with_a_long_context() {
    let mut state = deployed();
    state.target.readonly = true;
    state.target.insecure = true;
    state.target.context = "gke_a-long-project-name-123456_us-central1-b_notebook-test".into();
    let header = draw(&state, 80, 24).lines().next().unwrap().to_string();
    for shown in ["READ-ONLY", "TLS NOT VERIFIED", "● live", "notebook-test"] {
        assert!(header.contains(shown), "{shown} is missing: {header}");
    }
    sizes::draws_at_every_size(&state);
}

/// The release's workloads during an upgrade: the hooks at work, the hub
/// rolling out, the placeholders refused by a quota.
fn with_workloads() -> State {
    let mut state = deployed();
    for (kind, objects) in installing_workloads() {
        relist(&mut state, kind, objects);
    }
    app::update(
        &mut state,
        Msg::Watch(WatchMsg::Applied(stateful_set(
            "user-placeholder",
            "jhub",
            2,
            0,
        ))),
    );
    app::update(
        &mut state,
        Msg::Watch(WatchMsg::Applied(warning_event_about(
            "StatefulSet",
            "user-placeholder",
            "FailedCreate",
            r#"create Pod user-placeholder-0 in StatefulSet user-placeholder failed error: pods "user-placeholder-0" is forbidden: exceeded quota: tiny, requested: pods=1, used: pods=8, limited: pods=8"#,
            "2026-12-01T11:59:10Z",
        ))),
    );
    state
}

#[test]
fn workloads_view_at_80x24() {
    let mut state = with_workloads();
    let main = draw(&state, 80, 24);
    assert!(main.contains("workloads 3/7 ready"), "{main}");
    press(&mut state, KeyCode::Char('w'));
    let text = draw(&state, 80, 24);
    for shown in [
        "hook-image-awaiter",
        "running 40s",
        "2/3 nodes",
        "rolling out",
        "exceeded quota",
        "3/7 ready",
    ] {
        assert!(text.contains(shown), "{shown} is missing:\n{text}");
    }
    assert_snapshot!(text);
    sizes::draws_at_every_size(&state);
}

#[test]
fn workloads_view_at_120x40() {
    let mut state = with_workloads();
    press(&mut state, KeyCode::Char('w'));
    assert_snapshot!(draw(&state, 120, 40));
}

#[test]
fn workloads_view_before_the_lists_and_without_any() {
    let mut state = deployed();
    press(&mut state, KeyCode::Char('w'));
    assert!(draw(&state, 80, 24).contains("reading Deployments"));
    for kind in [
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::Job,
    ] {
        relist(&mut state, kind, vec![]);
    }
    assert!(draw(&state, 80, 24).contains("no workloads of release jhub in jhub"));
    sizes::draws_at_every_size(&state);
}

#[test]
fn pods_waiting_for_the_user_scheduler_and_a_placeholder() {
    let mut state = deployed();
    app::update(
        &mut state,
        Msg::Watch(WatchMsg::Applied(placeholder_pod("user-placeholder-0"))),
    );
    app::update(
        &mut state,
        Msg::Watch(WatchMsg::Applied(waiting_pod("jupyter-bob"))),
    );
    // The placeholder is Pending by design: no ⚠. The waiting pod is.
    let screen = draw(&state, 100, 30);
    assert_snapshot!(screen);
    let placeholder = screen
        .lines()
        .find(|l| l.contains("user-placeholder-0"))
        .unwrap();
    assert!(
        placeholder.contains("Placeholder, by design"),
        "{placeholder}"
    );
    assert!(!placeholder.contains('⚠'), "{placeholder}");
    let waiting = screen.lines().find(|l| l.contains("jupyter-bob")).unwrap();
    assert!(waiting.contains("⚠ Scheduler hasn't bound"), "{waiting}");
    // Seconds old, it is only Pending: a running scheduler binds that fast.
    let mut fresh = state.clone();
    fresh.now = "2026-12-01T11:48:05Z".parse().unwrap();
    let screen = draw(&fresh, 100, 30);
    let waiting = screen.lines().find(|l| l.contains("jupyter-bob")).unwrap();
    assert!(waiting.contains(" Pending "), "{waiting}");
    assert!(!waiting.contains('⚠'), "{waiting}");

    // Pods: hub, proxy, user-placeholder, user-scheduler, then users:
    // alice, bad-image, big, bob.
    for _ in 0..7 {
        press(&mut state, KeyCode::Char('j'));
    }
    press(&mut state, KeyCode::Enter);
    let details = draw(&state, 100, 30);
    assert_snapshot!("pod_details_of_a_pod_waiting_for_its_scheduler", details);
    assert!(
        details.contains("⚠ Waiting 12m for scheduler \"jhub-user-scheduler\""),
        "{details}"
    );
}

#[test]
fn a_restart_count_past_999_is_shown_whole() {
    // The bench's churn found it: 1,300 restarts read "130" in a column
    // three wide. The column widens to the window's largest count.
    let mut state = deployed();
    let Object::Pod(pod) = running_pod(
        "jupyter-crashy",
        "singleuser-server",
        "rig-node-2",
        "2026-12-01T11:30:00Z",
    ) else {
        unreachable!()
    };
    let mut pod = (*pod).clone();
    pod.status
        .as_mut()
        .unwrap()
        .container_statuses
        .as_mut()
        .unwrap()[0]
        .restart_count = 1300;
    app::update(
        &mut state,
        Msg::Watch(WatchMsg::Applied(Object::Pod(std::sync::Arc::new(pod)))),
    );
    for (width, height) in [(80, 24), (120, 40)] {
        let screen = draw(&state, width, height);
        let row = screen
            .lines()
            .find(|l| l.contains("jupyter-crashy"))
            .unwrap();
        assert!(row.contains(" 1300 "), "{row}");
        // The other rows keep their counts under the same header.
        let header = screen.lines().find(|l| l.contains("RST")).unwrap();
        let alice = screen
            .lines()
            .find(|l| l.contains("jupyter-alice"))
            .unwrap();
        let column = header[..header.find("RST").unwrap()].chars().count();
        assert_eq!(alice.chars().nth(column), Some('0'), "{header}\n{alice}");
    }
    sizes::draws_at_every_size(&state);
}
