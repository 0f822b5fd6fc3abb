//! The events a view asks for while it is open. The always-on events'
//! watch leaves out the routine reasons (`Scheduled`, `Pulled`,
//! `Created`, `Started`, `Killing`: see `kube::watch`), which at classroom
//! scale are most of a namespace's events and which no diagnosis reads.
//! The views that show every event get them by a watch of their own
//! scope, started when they open and stopped when they close:
//! - the events view (`E`) and the image pulls (`P`): the whole namespace;
//! - a pod's details: that pod's events.
//!
//! Until the scoped watch has listed, those views show what the always-on
//! index has (every event that is not routine), so nothing waits on it.
//!
//! Like the crash logs, what is wanted is worked out after every update
//! from the overlays, so a view needs no open or close hook of its own.

use super::command::Command;
use super::msg::WatchMsg;
use super::resources::EventIndex;
use super::state::{Overlay, State};
use crate::kube::event_record::EventRecord;
pub use crate::kube::watched::EventScope;

/// The scoped watch asked for, and what it has said.
#[derive(Debug, Clone)]
pub struct ScopedEvents {
    pub scope: EventScope,
    /// Its id: messages of an older watch (a scope since left) are dropped.
    pub stream: u64,
    /// Its first list has come: `index` is the scope's whole set.
    pub listed: bool,
    pub index: EventIndex,
}

/// The scope the open overlays need: the namespace's when a view of every
/// event is open anywhere in the stack (it covers a pod's details opened
/// from it), else the topmost pod details'.
fn scope_wanted(state: &State) -> Option<EventScope> {
    let overlays = &state.overlays;
    if overlays
        .iter()
        .any(|o| matches!(o, Overlay::Events { .. } | Overlay::Pulls { .. }))
    {
        return Some(EventScope::Namespace);
    }
    overlays.iter().rev().find_map(|o| match o {
        Overlay::PodDetails { pod, .. } => Some(EventScope::Pod(pod.clone())),
        _ => None,
    })
}

/// Starts, replaces or stops the scoped watch when what the overlays need
/// changed. Called after every update: a few comparisons.
pub fn wanted(state: &mut State) -> Vec<Command> {
    let scope = scope_wanted(state);
    if state.scoped_events.as_ref().map(|s| &s.scope) == scope.as_ref() {
        return Vec::new();
    }
    state.scoped_events = scope.clone().map(|scope| {
        state.event_streams += 1;
        ScopedEvents {
            scope,
            stream: state.event_streams,
            listed: false,
            index: EventIndex::default(),
        }
    });
    vec![Command::WatchEvents {
        stream: state.event_streams,
        scope,
    }]
}

/// A message of scoped watch `stream`: applied while it is the current one.
/// A failure keeps what was listed (the watch relists by itself, and the
/// header says when the API server is away).
pub fn event(state: &mut State, stream: u64, watch: WatchMsg) {
    let Some(scoped) = state.scoped_events.as_mut().filter(|s| s.stream == stream) else {
        return;
    };
    match watch {
        WatchMsg::Applied(object) => scoped.index.apply_object(object),
        WatchMsg::Deleted(object) => scoped.index.delete_object(&object),
        WatchMsg::Relisted(_, objects) => {
            scoped.index = EventIndex::default();
            for object in objects {
                scoped.index.apply_object(object);
            }
            scoped.listed = true;
        }
        WatchMsg::Failed(..) => {}
    }
}

/// Every event of the namespace a view can show now: the namespace watch's
/// once listed, else the always-on index's; and whether that is all of
/// them (false while the namespace's are still being listed).
pub fn namespace_events(state: &State) -> (&EventIndex, bool) {
    match &state.scoped_events {
        Some(s) if s.scope == EventScope::Namespace && s.listed => (&s.index, true),
        _ => (&state.resources.events, false),
    }
}

/// The events about one object a view shows, newest first: the scoped
/// watch's when it covers the object and has listed, else the always-on
/// index's (everything but the routine reasons).
pub fn about<'a>(state: &'a State, kind: &str, name: &str) -> Vec<&'a EventRecord> {
    let covers = |s: &ScopedEvents| match &s.scope {
        EventScope::Namespace => true,
        EventScope::Pod(pod) => kind == "Pod" && pod == name,
    };
    match &state.scoped_events {
        Some(s) if s.listed && covers(s) => s.index.about(kind, name),
        _ => state.resources.events.about(kind, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::{Kind, Object};
    use crate::kube::event_record::EventRecord;
    use chrono::Utc;
    use std::sync::Arc;

    fn state() -> State {
        State::new(Default::default(), Utc::now())
    }

    fn event(uid: &str, pod: &str, reason: &str) -> Object {
        let json = serde_json::json!({
            "metadata": {"name": format!("{pod}.{uid}"), "namespace": "jhub", "uid": uid},
            "involvedObject": {"kind": "Pod", "name": pod, "namespace": "jhub"},
            "reason": reason,
            "message": format!("{reason} {pod}"),
            "type": "Normal",
            "lastTimestamp": "2026-12-07T10:00:00Z",
        });
        let e: k8s_openapi::api::core::v1::Event = serde_json::from_value(json).unwrap();
        Object::Event(Arc::new(EventRecord::from(e)))
    }

    /// The current scoped watch's list, as it answers.
    fn listed(s: &mut State, events: Vec<Object>) {
        let stream = s.scoped_events.as_ref().unwrap().stream;
        super::event(s, stream, WatchMsg::Relisted(Kind::Event, events));
    }

    fn reasons(events: Vec<&EventRecord>) -> Vec<String> {
        let mut r: Vec<String> = events
            .iter()
            .map(|e| e.reason.as_deref().unwrap_or_default().to_owned())
            .collect();
        r.sort();
        r
    }

    #[test]
    fn a_pods_details_watch_its_events_and_closing_stops_the_watch() {
        let mut s = state();
        assert!(wanted(&mut s).is_empty(), "nothing open, nothing asked");
        s.overlays.push(Overlay::PodDetails {
            pod: "jupyter-alice".into(),
            scroll: 0,
        });
        let asked = wanted(&mut s);
        assert_eq!(
            asked,
            [Command::WatchEvents {
                stream: 1,
                scope: Some(EventScope::Pod("jupyter-alice".into())),
            }]
        );
        assert!(wanted(&mut s).is_empty(), "asked once, not on every update");
        s.overlays.pop();
        assert_eq!(
            wanted(&mut s),
            [Command::WatchEvents {
                stream: 1,
                scope: None
            }]
        );
        assert!(s.scoped_events.is_none());
    }

    #[test]
    fn the_events_view_covers_a_pods_details_opened_over_it() {
        let mut s = state();
        s.overlays.push(Overlay::Events { selected: 0 });
        let asked = wanted(&mut s);
        assert!(matches!(
            &asked[..],
            [Command::WatchEvents {
                scope: Some(EventScope::Namespace),
                ..
            }]
        ));
        s.overlays.push(Overlay::PodDetails {
            pod: "jupyter-alice".into(),
            scroll: 0,
        });
        assert!(wanted(&mut s).is_empty(), "the namespace's watch stays");
        s.overlays.clear();
        s.overlays.push(Overlay::Pulls { scroll: 0 });
        assert!(wanted(&mut s).is_empty(), "the pulls read the same events");
    }

    #[test]
    fn views_show_the_always_on_events_until_the_scoped_list_and_then_all() {
        let mut s = state();
        // The always-on watch has what is not routine.
        s.resources.apply(event("u1", "jupyter-alice", "Pulling"));
        s.overlays.push(Overlay::PodDetails {
            pod: "jupyter-alice".into(),
            scroll: 0,
        });
        wanted(&mut s);
        assert_eq!(
            reasons(about(&s, "Pod", "jupyter-alice")),
            ["Pulling"],
            "before the pod's list, what the index has"
        );
        let stream = s.scoped_events.as_ref().unwrap().stream;
        listed(
            &mut s,
            vec![
                event("u0", "jupyter-alice", "Scheduled"),
                event("u1", "jupyter-alice", "Pulling"),
                event("u2", "jupyter-alice", "Started"),
            ],
        );
        assert_eq!(
            reasons(about(&s, "Pod", "jupyter-alice")),
            ["Pulling", "Scheduled", "Started"]
        );
        // Another pod is not covered by this pod's watch.
        s.resources.apply(event("u9", "jupyter-bob", "Failed"));
        assert_eq!(reasons(about(&s, "Pod", "jupyter-bob")), ["Failed"]);
        // A message of an older watch changes nothing.
        super::event(
            &mut s,
            stream - 1,
            WatchMsg::Applied(event("u3", "jupyter-alice", "Killing")),
        );
        assert_eq!(about(&s, "Pod", "jupyter-alice").len(), 3);
        super::event(
            &mut s,
            stream,
            WatchMsg::Applied(event("u3", "jupyter-alice", "Killing")),
        );
        super::event(
            &mut s,
            stream,
            WatchMsg::Deleted(event("u0", "jupyter-alice", "Scheduled")),
        );
        assert_eq!(
            reasons(about(&s, "Pod", "jupyter-alice")),
            ["Killing", "Pulling", "Started"]
        );
        // The diagnosis' index is untouched by the scoped watch.
        assert_eq!(s.resources.events.iter().count(), 2);
    }

    #[test]
    fn the_namespace_list_replaces_the_always_on_events_in_the_views_once_listed() {
        let mut s = state();
        s.resources.apply(event("u1", "jupyter-alice", "Pulling"));
        s.overlays.push(Overlay::Events { selected: 0 });
        wanted(&mut s);
        let (events, all) = namespace_events(&s);
        assert_eq!((events.iter().count(), all), (1, false));
        listed(
            &mut s,
            vec![
                event("u0", "jupyter-alice", "Scheduled"),
                event("u1", "jupyter-alice", "Pulling"),
                event("u5", "jupyter-bob", "Started"),
            ],
        );
        let (events, all) = namespace_events(&s);
        assert_eq!((events.iter().count(), all), (3, true));
        assert_eq!(reasons(about(&s, "Pod", "jupyter-bob")), ["Started"]);
    }
}
