//! The rows each pane lists, after the filter, in display order. Keys and
//! the renderer both go through these so that they agree on what row N is.

use super::resources::PodEntry;
use super::state::{Pane, State};
use crate::helm::release::ReleaseRecord;
use crate::kube::node_row::NodeRow;
use crate::kube::service_row::ServiceRow;

pub fn pods(state: &State) -> impl Iterator<Item = &PodEntry> {
    state
        .resources
        .pods
        .iter()
        .filter(|e| state.filter.matches(&[&e.row.name, &e.row.status]))
}

pub fn services(state: &State) -> impl Iterator<Item = &ServiceRow> {
    state
        .resources
        .services
        .values()
        .filter(|s| state.filter.matches(&[&s.name, &s.type_]))
}

pub fn nodes(state: &State) -> impl Iterator<Item = &NodeRow> {
    state
        .resources
        .nodes
        .values()
        .filter(|n| state.filter.matches(&[&n.name, readiness(n)]))
}

/// A node's readiness as the filter matches it.
pub fn readiness(node: &NodeRow) -> &'static str {
    if node.ready { "Ready" } else { "NotReady" }
}

/// The followed release's revisions, newest first (as the history shows).
pub fn revisions(state: &State) -> Vec<&ReleaseRecord> {
    let releases = &state.resources.releases;
    let Some(name) = releases.chosen(state.target.release.as_deref()) else {
        return Vec::new();
    };
    let mut history = releases.history(name);
    history.reverse();
    history
}

/// The followed release's current revision (what is deployed).
pub fn current_record(state: &State) -> Option<&ReleaseRecord> {
    let releases = &state.resources.releases;
    releases
        .chosen(state.target.release.as_deref())
        .and_then(|n| releases.current(n))
}

/// The revision a rollback should go to when the current one is pending
/// (an interrupted helm run): the newest earlier one that was deployed.
pub fn rollback_target(state: &State) -> Option<u32> {
    let revisions = revisions(state);
    let current = revisions.first()?;
    revisions
        .iter()
        .skip(1)
        .find(|r| {
            matches!(
                r.status,
                crate::helm::release::ReleaseStatus::Deployed
                    | crate::helm::release::ReleaseStatus::Superseded
            )
        })
        .filter(|_| current.status.is_pending())
        .map(|r| r.revision)
}

/// The names listed in a pane, in order.
pub fn names(state: &State, pane: Pane) -> Vec<&str> {
    match pane {
        Pane::Cluster => nodes(state).map(|n| n.name.as_str()).collect(),
        Pane::Release => Vec::new(),
        Pane::Pods => pods(state).map(|e| e.row.name.as_str()).collect(),
        Pane::Services => services(state).map(|s| s.name.as_str()).collect(),
    }
}

/// The selected row's index in the pane's list: the row with the selected
/// name if it is still listed, else the remembered index, clamped.
pub fn selected_index(state: &State, pane: Pane, names: &[&str]) -> Option<usize> {
    if names.is_empty() {
        return None;
    }
    let sel = state.selection(pane);
    sel.name
        .as_deref()
        .and_then(|n| names.iter().position(|x| *x == n))
        .or(Some(sel.index.min(names.len() - 1)))
}

pub fn selected_name(state: &State, pane: Pane) -> Option<String> {
    let names = names(state, pane);
    selected_index(state, pane, &names).map(|i| names[i].to_owned())
}
