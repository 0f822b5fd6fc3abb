//! Which of the screen's texts move with the clock, so that a tick that
//! moves none of them is not drawn. Idle, a tick is the only message; at
//! classroom scale drawing one means walking thousands of pods to find that
//! nothing visible changed. Ages of an hour or more change once a minute or
//! less; ages under 10 minutes ("5m30s"), elapsed times and the spinner of
//! a running operation change every second, and those ticks are drawn.
//!
//! This lists what the renderers show with `state.now`; a text added there
//! belongs here too (the tests below check the ones that exist).

use chrono::{DateTime, Utc};

use super::widgets::pane_window;
use crate::app::resources::event_time;
use crate::app::{Connection, Overlay, Pane, State, lists};
use crate::time_text::elapsed;
use crate::time_text::format_age;

/// A text on screen computed from the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeText {
    /// `format_age`: a pod's AGE, an event's or a revision's age.
    Age(Option<DateTime<Utc>>),
    /// `elapsed` since then: reconnecting, a LoadBalancer's wait.
    Elapsed(DateTime<Utc>),
    /// A running operation: its spinner and its elapsed time.
    Running(DateTime<Utc>),
}

impl TimeText {
    fn text(self, now: DateTime<Utc>) -> String {
        let seconds = |since: DateTime<Utc>| (now - since).num_seconds().max(0);
        match self {
            TimeText::Age(t) => format_age(t, now),
            TimeText::Elapsed(since) => elapsed(seconds(since)),
            TimeText::Running(started) => {
                let s = seconds(started);
                format!(
                    "{} {}",
                    s % super::progress::SPINNER.len() as i64,
                    elapsed(s)
                )
            }
        }
    }
}

/// Whether moving the clock from `before` to `after` changes a time text
/// the screen may show (`state` as it is otherwise).
pub fn moves_screen(state: &State, before: DateTime<Utc>, after: DateTime<Utc>) -> bool {
    time_texts(state)
        .into_iter()
        .any(|t| t.text(before) != t.text(after))
}

/// Every time text that may be on screen: of the pods, only those in (or
/// near) the visible window; of the rest, all (there are few).
fn time_texts(state: &State) -> Vec<TimeText> {
    let mut texts = Vec::new();
    if let Connection::Reconnecting { since, .. } = &state.connection {
        texts.push(TimeText::Elapsed(*since));
    }
    if let Some(op) = state.operation.as_ref().filter(|o| o.running()) {
        texts.push(TimeText::Running(op.started));
    }
    texts.extend(visible_pods(state).map(TimeText::Age));
    for svc in state.resources.services.values() {
        if super::services_pane::external(svc, state).starts_with("<pending>") {
            texts.extend(svc.created.map(TimeText::Elapsed));
        }
    }
    texts.extend(
        lists::revisions(state)
            .into_iter()
            .map(|r| TimeText::Age(r.last_deployed)),
    );
    for overlay in &state.overlays {
        match overlay {
            Overlay::PodDetails { pod, .. } => {
                if let Some(entry) = state.resources.pods.get(pod) {
                    texts.push(TimeText::Age(entry.row.created));
                }
                let events = state.resources.events.about("Pod", pod);
                texts.extend(events.into_iter().map(|e| TimeText::Age(event_time(e))));
            }
            Overlay::ServiceDetails { service } => {
                let events = state.resources.events.about("Service", service);
                texts.extend(events.into_iter().map(|e| TimeText::Age(event_time(e))));
            }
            _ => {}
        }
    }
    texts
}

/// The creation times of the pods the pods pane shows: its window as the
/// renderer works it out, and a pane's height either side of it, so that
/// a window placed a little differently is still covered.
fn visible_pods(state: &State) -> impl Iterator<Item = Option<DateTime<Utc>>> + '_ {
    let names = lists::names(state, Pane::Pods);
    let height = state.page_rows.max(1);
    let (_, start) = pane_window(state, Pane::Pods, &names, height);
    let from = start.saturating_sub(height);
    lists::pods(state)
        .skip(from)
        .take(3 * height)
        .map(|e| e.row.created)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{Duration, TimeZone};
    use k8s_openapi::api::core::v1::Pod;

    use super::*;
    use crate::app::actions::{Action, Operation};
    use crate::app::{Object, Target};

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap() + Duration::seconds(secs)
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
        state.operation.as_mut().unwrap().outcome = Some(crate::app::actions::Outcome::Failed {
            error: "x".into(),
            hint: None,
        });
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
}
