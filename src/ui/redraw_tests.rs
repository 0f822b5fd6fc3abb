//! Ticks and frames: a draw notes when its time texts next read
//! differently (`time_text::next_change_within`), and the event loop draws
//! a tick only from then on. These tests draw real frames and ask whether
//! a tick from `before` to `after` would be drawn: ages of an hour or more
//! change once a minute or less, young ages, a running operation and a
//! reconnect count every second, and a pod scrolled out of sight counts not
//! at all.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use k8s_openapi::api::core::v1::Pod;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::app::actions::{Action, Operation, Outcome};
use crate::app::{Connection, Object, Pane, State, Target};
use crate::time_text::next_change_within;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap() + Duration::seconds(secs)
}

/// Whether a tick that moves the clock from `before` to `after` is drawn:
/// the frame drawn at `before` says a text of it reads differently by then.
fn moves_screen(state: &State, before: DateTime<Utc>, after: DateTime<Utc>) -> bool {
    let mut state = state.clone();
    state.now = before;
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (_, next) = next_change_within(|| terminal.draw(|f| render(f, &state)).map(|_| ()));
    next.is_some_and(|after_by| before + after_by <= after)
}

fn pod(name: &str, created: DateTime<Utc>) -> Object {
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": name,
                     "creationTimestamp": created.to_rfc3339(),
                     "labels": {"component": "singleuser-server"}},
        "spec": {"containers": [{"name": "notebook"}], "nodeName": "n1"},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "notebook", "ready": true, "restartCount": 0, "image": "i", "imageID": ""}]}
    }))
    .unwrap();
    Object::Pod(Arc::new(pod))
}

fn state_with(pods: Vec<Object>, now: DateTime<Utc>) -> State {
    let mut state = State::new(Target::default(), now);
    state.page_rows = 10;
    state.resources.replace(crate::app::Kind::Pod, pods);
    state
}

#[test]
fn a_young_visible_pod_moves_the_screen_every_second() {
    let state = state_with(vec![pod("jupyter-a", at(0))], at(300));
    assert!(moves_screen(&state, at(300), at(301)));
}

#[test]
fn old_pods_move_the_screen_only_when_their_minute_turns() {
    // 2h: "120m" until the next minute.
    let state = state_with(vec![pod("jupyter-a", at(-7200))], at(10));
    assert!(!moves_screen(&state, at(10), at(11)));
    assert!(!moves_screen(&state, at(58), at(59)));
    assert!(moves_screen(&state, at(59), at(60)));
}

#[test]
fn old_pods_made_at_different_seconds_move_the_screen_together() {
    // Both read "119m" at 12:00:01 and turn to "120m" at 12:00:07 and
    // 12:00:41; the screen moves once, at 12:01:00, showing both turned.
    let pods = vec![
        pod("jupyter-a", at(-7200 + 7)),
        pod("jupyter-b", at(-7200 + 41)),
    ];
    let state = state_with(pods, at(1));
    assert!(!moves_screen(&state, at(1), at(8)));
    assert!(!moves_screen(&state, at(1), at(59)));
    assert!(moves_screen(&state, at(1), at(60)));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut state = state;
    state.now = at(60);
    terminal.draw(|f| render(f, &state)).unwrap();
    let screen = format!("{:?}", terminal.backend().buffer());
    assert_eq!(screen.matches("120m").count(), 2, "{screen}");
    assert!(!screen.contains("119m"), "{screen}");
    state.now = at(61);
    assert!(!moves_screen(&state, at(61), at(119)));
}

#[test]
fn a_young_pod_far_below_the_window_does_not_count() {
    let mut pods: Vec<Object> = (0..100)
        .map(|i| pod(&format!("jupyter-{i:03}"), at(-7200)))
        .collect();
    pods.push(pod("jupyter-zzz-new", at(0)));
    let state = state_with(pods, at(30));
    assert!(!moves_screen(&state, at(30), at(31)));
}

#[test]
fn scrolled_to_a_young_pod_it_counts() {
    let mut pods: Vec<Object> = (0..100)
        .map(|i| pod(&format!("jupyter-{i:03}"), at(-7200)))
        .collect();
    pods.push(pod("jupyter-zzz-new", at(0)));
    let mut state = state_with(pods, at(30));
    let selection = state.selection_mut(Pane::Pods);
    selection.name = Some("jupyter-zzz-new".into());
    selection.index = 100;
    assert!(moves_screen(&state, at(30), at(31)));
}

#[test]
fn a_running_operation_ticks_its_spinner_every_second() {
    let mut state = state_with(vec![pod("jupyter-a", at(-7200))], at(10));
    state.operation = Some(Operation::new(Action::Deploy, at(0)));
    assert!(moves_screen(&state, at(10), at(11)));
    let op = state.operation.as_mut().unwrap();
    op.outcome = Some(Outcome::Failed {
        error: "x".into(),
        hint: None,
    });
    op.finished = Some(at(11));
    assert!(!moves_screen(&state, at(11), at(12)));
}

#[test]
fn reconnecting_counts_its_seconds() {
    let mut state = state_with(vec![pod("jupyter-a", at(-7200))], at(10));
    state.connection = Connection::Reconnecting {
        since: at(5),
        error: "gone".into(),
    };
    assert!(moves_screen(&state, at(10), at(11)));
}
