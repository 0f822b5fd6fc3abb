//! The events view (`E`): the namespace's events, what `kubectl get events
//! --sort-by=.lastTimestamp` lists in step three of every z2jh debugging
//! guide, but newest first, folded and linked. Events that say the same
//! thing about the same object (a user's pod made again under its old
//! name, a reporter that restarted) are one row with their counts summed
//! and the latest time, so a class of 300 spawning at once reads as a
//! screen, not a scroll. `W` puts the Warnings first, `/` filters (fuzzy,
//! on object, reason and message), and Enter opens what a row is about:
//! the pod's, service's or node's details, or the workloads view.
//!
//! The view keeps no rows of its own: they are folded from the watched
//! `EventIndex` whenever keys or the renderer ask (only while the view is
//! open), so they are live as events arrive. While it is open the whole
//! namespace's events are watched (`scoped_events`); until they are
//! listed it folds the always-on watch's, which leaves out the routine
//! reasons. What the view keeps is the selected row's identity, so the
//! selection stays on its row while new events push it down the list.

use crate::kube::event_record::{EventRecord, Uid};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::msg::Kind;
use super::scroll::ScrollMove;
use super::state::{Filter, Overlay, State};
use crate::kube::workload_row::WorkloadKind;

/// The view's own state: its order, its filter and what is selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventsView {
    /// `W`: Warnings before Normal events, each newest first. Kept when
    /// the view closes: it is how this operator reads events.
    pub warnings_first: bool,
    pub filter: Filter,
    /// The selected row, by what makes it a row; the overlay's index is
    /// the fallback when that row is gone (its events expired). None until
    /// the operator moves: the top row is selected, whichever is newest.
    pub selected: Option<EventRowKey>,
}

/// What events fold by: the same object, type, reason and message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventRowKey {
    pub kind: String,
    pub name: String,
    pub type_: String,
    pub reason: String,
    pub message: String,
}

/// One row of the view: the events that say one thing about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub type_: &'a str,
    pub reason: &'a str,
    pub message: &'a str,
    /// How often it happened: the folded events' counts summed.
    pub count: u32,
    /// How many events were folded into the row.
    pub events: usize,
    /// The latest time any of them was seen.
    pub last: Option<DateTime<Utc>>,
    /// The earliest time any of them was first seen.
    pub first: Option<DateTime<Utc>>,
    /// The uid of the object the newest of them is about: a user's pod
    /// keeps its name from one spawn to the next.
    pub object_uid: Option<&'a Uid>,
}

impl EventRow<'_> {
    pub fn is_warning(&self) -> bool {
        self.type_ == "Warning"
    }

    /// `pod/jupyter-bob`, as kubectl names objects.
    pub fn object(&self) -> String {
        object_text(self.kind, self.name)
    }

    pub fn key(&self) -> EventRowKey {
        EventRowKey {
            kind: self.kind.to_owned(),
            name: self.name.to_owned(),
            type_: self.type_.to_owned(),
            reason: self.reason.to_owned(),
            message: self.message.to_owned(),
        }
    }

    /// Whether this is the row `key` names, without allocating.
    pub fn is(&self, key: &EventRowKey) -> bool {
        self.kind == key.kind
            && self.name == key.name
            && self.type_ == key.type_
            && self.reason == key.reason
            && self.message == key.message
    }
}

impl<'a> EventRow<'a> {
    /// What the row folds by, borrowed from the events.
    fn identity(&self) -> (&'a str, &'a str, &'a str, &'a str, &'a str) {
        (self.kind, self.name, self.type_, self.reason, self.message)
    }
}

/// kubectl's short name of a kind (`svc`, `deploy`, `sts`), else the
/// kind in lowercase as kubectl writes it.
pub fn short_kind(kind: &str) -> String {
    let short = match kind {
        "Pod" => "pod",
        "Service" => "svc",
        "Deployment" => "deploy",
        "StatefulSet" => "sts",
        "DaemonSet" => "ds",
        "ReplicaSet" => "rs",
        "Job" => "job",
        "CronJob" => "cj",
        "Node" => "node",
        "PersistentVolumeClaim" => "pvc",
        "PersistentVolume" => "pv",
        "ConfigMap" => "cm",
        "Endpoints" => "ep",
        "Ingress" => "ing",
        "HorizontalPodAutoscaler" => "hpa",
        "PodDisruptionBudget" => "pdb",
        "ServiceAccount" => "sa",
        "Namespace" => "ns",
        other => return other.to_lowercase(),
    };
    short.to_owned()
}

pub fn object_text(kind: &str, name: &str) -> String {
    format!("{}/{name}", short_kind(kind))
}

/// The events folded into rows: one per object, type, reason and message,
/// in no order.
pub fn fold<'a>(events: impl Iterator<Item = &'a EventRecord>) -> Vec<EventRow<'a>> {
    let mut rows: Vec<EventRow<'a>> = Vec::new();
    let mut at: std::collections::HashMap<(&str, &str, &str, &str, &str), usize> =
        std::collections::HashMap::new();
    for e in events {
        let o = &e.involved_object;
        let row = EventRow {
            kind: o.kind.as_deref().unwrap_or_default(),
            name: o.name.as_deref().unwrap_or_default(),
            type_: e.type_.as_deref().unwrap_or_default(),
            reason: e.reason.as_deref().unwrap_or_default(),
            message: e.message.as_deref().unwrap_or_default().trim(),
            count: e.count,
            events: 1,
            last: e.last_seen,
            first: e.first_seen,
            object_uid: o.uid.as_ref(),
        };
        match at.get(&row.identity()) {
            Some(&i) => {
                let folded = &mut rows[i];
                folded.count = folded.count.saturating_add(row.count);
                folded.events += 1;
                if row.last > folded.last {
                    folded.last = row.last;
                    folded.object_uid = row.object_uid;
                }
                folded.first = match (folded.first, row.first) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => {
                at.insert(row.identity(), rows.len());
                rows.push(row);
            }
        }
    }
    rows
}

/// Newest first (Warnings before the rest when asked); rows seen at the
/// same time keep one order from frame to frame.
pub fn sort(rows: &mut [EventRow], warnings_first: bool) {
    rows.sort_by(|a, b| {
        let warnings = if warnings_first {
            b.is_warning().cmp(&a.is_warning())
        } else {
            std::cmp::Ordering::Equal
        };
        warnings
            .then(b.last.cmp(&a.last))
            .then_with(|| a.identity().cmp(&b.identity()))
    });
}

/// Whether a row passes the view's filter: fuzzy, on its object, reason
/// and message as one line (`bob failed` finds a failure of bob's pod).
pub fn passes(filter: &Filter, row: &EventRow) -> bool {
    // Without a filter, no row's object text is made just to pass it.
    filter.text.trim().is_empty() || filter.matches(&[&row.object(), row.reason, row.message])
}

/// The rows the view lists, in its order: what keys and the renderer
/// agree row N is.
pub fn rows(state: &State) -> Vec<EventRow<'_>> {
    rows_of_all(state).0
}

/// [`rows`], and how many rows there are before the filter (the title's
/// `n/m`), from one fold.
pub fn rows_of_all(state: &State) -> (Vec<EventRow<'_>>, usize) {
    let view = &state.events_view;
    let mut rows = fold(super::scoped_events::namespace_events(state).0.iter());
    let all = rows.len();
    rows.retain(|r| passes(&view.filter, r));
    sort(&mut rows, view.warnings_first);
    (rows, all)
}

/// The selected row: the one with the selected identity while it is
/// listed, else the overlay's index, clamped. None when nothing is listed.
pub fn selected_index(state: &State, rows: &[EventRow], fallback: usize) -> Option<usize> {
    if rows.is_empty() {
        return None;
    }
    state
        .events_view
        .selected
        .as_ref()
        .and_then(|key| rows.iter().position(|r| r.is(key)))
        .or(Some(fallback.min(rows.len() - 1)))
}

/// `E`: the view, from its newest row, its filter empty.
pub fn open(state: &mut State) -> Vec<Command> {
    let view = &mut state.events_view;
    view.filter = Filter::default();
    view.selected = None;
    state.overlays.push(Overlay::Events { selected: 0 });
    Vec::new()
}

pub fn key(state: &mut State, selected: usize, key: KeyEvent) -> Vec<Command> {
    if state.events_view.filter.editing {
        let filter = &mut state.events_view.filter;
        match key.code {
            KeyCode::Char(c) => filter.text.push(c),
            KeyCode::Backspace => {
                filter.text.pop();
            }
            KeyCode::Enter => filter.editing = false,
            KeyCode::Esc => {
                filter.text.clear();
                filter.editing = false;
            }
            _ => {}
        }
        // The list changed under the selection: start from its top.
        select(state, 0, None);
        return Vec::new();
    }
    let rows = rows(state);
    let current = selected_index(state, &rows, selected);
    let page = state.page_rows.max(1);
    // What the keys below need of the list, owned: they change the state.
    let chosen = current.map(|i| {
        let r = &rows[i];
        let uid = r.object_uid.cloned();
        (r.kind.to_owned(), r.name.to_owned(), uid)
    });
    let moved = ScrollMove::from_key(key.code, page).and_then(|movement| {
        let index = movement.in_list(current.unwrap_or(0), rows.len());
        rows.get(index).map(|r| (index, r.key()))
    });
    drop(rows);
    match key.code {
        KeyCode::Esc if !state.events_view.filter.text.is_empty() => {
            state.events_view.filter.text.clear();
            select(state, 0, None);
        }
        KeyCode::Esc | KeyCode::Char('q') => {
            state.overlays.pop();
        }
        KeyCode::Char('/') => state.events_view.filter.editing = true,
        KeyCode::Char('W') => {
            let view = &mut state.events_view;
            view.warnings_first = !view.warnings_first;
            // The same row stays selected, wherever the new order puts it.
        }
        KeyCode::Enter => match chosen {
            Some((kind, name, uid)) => return open_object(state, &kind, &name, uid.as_ref()),
            None => state.info("no event selected"),
        },
        _ => {
            if let Some((index, key)) = moved {
                select(state, index, Some(key));
            }
        }
    }
    Vec::new()
}

fn select(state: &mut State, index: usize, key: Option<EventRowKey>) {
    state.events_view.selected = key;
    if let Some(Overlay::Events { selected }) = state.overlays.last_mut() {
        *selected = index;
    }
}

/// The watched kind whose view Enter opens for an event about `kind`
/// (a ReplicaSet's is its Deployment's); None when the cockpit has no
/// view of such objects.
pub fn viewed_as(kind: &str) -> Option<Kind> {
    Some(match kind {
        "Pod" => Kind::Pod,
        "Service" => Kind::Service,
        "Node" => Kind::Node,
        "Deployment" | "ReplicaSet" => Kind::Deployment,
        "StatefulSet" => Kind::StatefulSet,
        "DaemonSet" => Kind::DaemonSet,
        "Job" => Kind::Job,
        _ => return None,
    })
}

/// Enter on a row: the view of what it is about, over this one (Esc comes
/// back), or the footer says why there is none.
pub fn open_object(state: &mut State, kind: &str, name: &str, uid: Option<&Uid>) -> Vec<Command> {
    let object = object_text(kind, name);
    let Some(watched) = viewed_as(kind) else {
        state.info(format!(
            "{object} is a {kind}: the cockpit has no view for it"
        ));
        return Vec::new();
    };
    if !state.listed.contains(&watched) {
        state.info(format!(
            "{object}: the {} are not listed yet",
            watched.plural()
        ));
        return Vec::new();
    }
    let resources = &state.resources;
    match kind {
        "Pod" => {
            let Some(entry) = resources.pods.get(name) else {
                return gone(state, &object);
            };
            let earlier = uid.is_some_and(|u| entry.row.uid.as_ref().is_some_and(|own| own != u));
            let commands = super::pod_details::opened(state, name);
            state.overlays.push(Overlay::PodDetails {
                pod: name.to_owned(),
                scroll: 0,
            });
            if earlier {
                state.info(format!(
                    "{object}: these events are about an earlier pod of that name; this is the one there now"
                ));
            }
            commands
        }
        "Service" if resources.services.contains_key(name) => {
            state.overlays.push(Overlay::ServiceDetails {
                service: name.to_owned(),
            });
            Vec::new()
        }
        "Node" if resources.nodes.contains_key(name) => {
            state.overlays.push(Overlay::NodeDetails {
                node: name.to_owned(),
            });
            Vec::new()
        }
        "Service" | "Node" => gone(state, &object),
        _ => open_workload(state, kind, name, &object),
    }
}

/// A workload's events open the workloads view; a ReplicaSet's are its
/// Deployment's (`<deployment>-<pod-template-hash>`), which the view lists.
fn open_workload(state: &mut State, kind: &str, name: &str, object: &str) -> Vec<Command> {
    let (workload, workload_name) = match kind {
        "ReplicaSet" => match name.rsplit_once('-') {
            Some((deployment, _hash)) => (WorkloadKind::Deployment, deployment),
            None => (WorkloadKind::Deployment, name),
        },
        "StatefulSet" => (WorkloadKind::StatefulSet, name),
        "DaemonSet" => (WorkloadKind::DaemonSet, name),
        "Job" => (WorkloadKind::Job, name),
        _ => (WorkloadKind::Deployment, name),
    };
    let Some(row) = state
        .resources
        .workloads
        .get(&(workload, workload_name.to_owned()))
    else {
        return gone(state, object);
    };
    let listed = super::workloads::of_release(state)
        .iter()
        .any(|w| w.kind == row.kind && w.name == row.name);
    if !listed {
        let release = row.release.clone().unwrap_or_else(|| "no release".into());
        state.info(format!(
            "{object} belongs to {release}, not to the release the workloads view lists"
        ));
        return Vec::new();
    }
    state.overlays.push(Overlay::Workloads { scroll: 0 });
    Vec::new()
}

fn gone(state: &mut State, object: &str) -> Vec<Command> {
    state.info(format!(
        "{object} no longer exists (its events stay until they expire)"
    ));
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_written_as_kubectl_abbreviates_them() {
        assert_eq!(object_text("Service", "proxy-public"), "svc/proxy-public");
        assert_eq!(
            object_text("PersistentVolumeClaim", "claim-a"),
            "pvc/claim-a"
        );
        assert_eq!(object_text("Lease", "x"), "lease/x");
    }
}
