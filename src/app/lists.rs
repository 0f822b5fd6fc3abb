//! The rows each pane lists, after the filter, in display order. Keys and
//! the renderer both go through these so that they agree on what row N is.

use super::resources::{PodEntry, PodTable};
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

/// The pods the pane lists, as a frame reads them: every pod, read from
/// the table in place, or the filter's matches. Without a filter a frame
/// reads its window and the table's kept counts, not every pod: at 20,000
/// pods the walk was most of what a frame cost.
pub enum ShownPods<'a> {
    All(&'a PodTable),
    Matching(Vec<&'a PodEntry>),
}

pub fn shown_pods(state: &State) -> ShownPods<'_> {
    if state.filter.text.trim().is_empty() {
        ShownPods::All(&state.resources.pods)
    } else {
        ShownPods::Matching(pods(state).collect())
    }
}

impl<'a> ShownPods<'a> {
    pub fn len(&self) -> usize {
        match self {
            ShownPods::All(table) => table.len(),
            ShownPods::Matching(pods) => pods.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where the pod called `name` stands among the shown rows.
    pub fn position(&self, name: &str) -> Option<usize> {
        match self {
            ShownPods::All(table) => table.position(name),
            ShownPods::Matching(pods) => pods.iter().position(|e| e.row.name == name),
        }
    }

    /// Up to `len` rows from row `start` on.
    pub fn window(&self, start: usize, len: usize) -> Vec<&'a PodEntry> {
        match self {
            ShownPods::All(table) => table.iter().skip(start).take(len).collect(),
            ShownPods::Matching(pods) => pods.iter().skip(start).take(len).copied().collect(),
        }
    }

    /// How many shown pods are in each phase, by phase.
    pub fn phase_counts(&self) -> Vec<(&'a str, usize)> {
        match self {
            ShownPods::All(table) => table.phase_counts().collect(),
            ShownPods::Matching(pods) => {
                // A handful of distinct phases: a short list, then sorted,
                // beats a map lookup per pod.
                let mut phases: Vec<(&str, usize)> = Vec::new();
                for entry in pods {
                    let phase = entry.row.phase.as_str();
                    match phases.iter_mut().find(|(p, _)| *p == phase) {
                        Some((_, count)) => *count += 1,
                        None => phases.push((phase, 1)),
                    }
                }
                phases.sort_unstable_by(|a, b| a.0.cmp(b.0));
                phases
            }
        }
    }
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
