//! The followed release's workloads, in the order the view lists them, and
//! what a running helm is waiting for. Read by the workloads view, the
//! Release pane, the progress panel and `status`.

use chrono::{DateTime, Utc};

use super::state::State;
use crate::kube::workload_row::{WorkloadKind, WorkloadRow};
use crate::time_text::format_age;

/// The workloads of the followed release (all of them when no release is
/// followed): hooks first, Jobs before the other hooks, by weight; then
/// by kind and name.
pub fn of_release(state: &State) -> Vec<&WorkloadRow> {
    let releases = &state.resources.releases;
    let chosen = releases.chosen(state.target.release.as_deref());
    let mut rows: Vec<&WorkloadRow> = state
        .resources
        .workloads
        .values()
        .filter(|w| chosen.is_none() || w.release.as_deref() == chosen)
        .collect();
    rows.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    rows
}

/// Why a workload that is not done cannot get its pods, in one line:
/// the newest `FailedCreate` warning about it (a Deployment's from its
/// ReplicaSet), else what its conditions say. None when it is done.
pub fn problem(state: &State, row: &WorkloadRow, now: DateTime<Utc>) -> Option<String> {
    if row.state.is_done() {
        return None;
    }
    let event = state
        .resources
        .events
        .create_failure(row.kind.as_str(), &row.name);
    match event {
        Some(e) => {
            let ago = e
                .last_seen
                .map(|t| format!(" {} ago", format_age(Some(t), now)))
                .unwrap_or_default();
            Some(format!(
                "FailedCreate{ago}: {}",
                short_message(e.message.as_deref().unwrap_or(""))
            ))
        }
        None => row.problem.clone(),
    }
}

/// A FailedCreate message without the controller's preamble, so that the
/// reason fits one line: a ReplicaSet's, DaemonSet's or Job's `Error
/// creating: pods "x" is forbidden: ...`, a StatefulSet's `create Pod x in
/// StatefulSet y failed error: pods "x" is forbidden: ...`.
fn short_message(message: &str) -> &str {
    let m = message.trim();
    if let Some(i) = m.find(" failed error: ") {
        return &m[i + " failed error: ".len()..];
    }
    m.strip_prefix("Error creating: ").unwrap_or(m)
}

/// How many of the release's workloads are done, of how many.
pub fn done_count(state: &State) -> (usize, usize) {
    let rows = of_release(state);
    (
        rows.iter().filter(|r| r.state.is_done()).count(),
        rows.len(),
    )
}

/// What a running helm waits for, from the watches: the first workload
/// of the release that is not done (hook Jobs first: helm waits for
/// them), then the others not done, e.g. `waiting for hook-image-awaiter
/// (Job, running 40s) · hook-image-puller 2/3 nodes`; and, on a line of
/// its own, why the first cannot create its pods when a warning says so.
pub fn waiting_lines(state: &State) -> Vec<String> {
    let now = state.now;
    let rows = of_release(state);
    let mut waiting = rows.iter().filter(|r| !r.state.is_done());
    let Some(first) = waiting.next() else {
        return Vec::new();
    };
    let what = match first.kind {
        WorkloadKind::Job => first.state_text(now),
        _ => first.summary(now),
    };
    let mut line = format!(
        "waiting for {} ({}{}, {what})",
        first.name,
        if first.is_hook() { "hook " } else { "" },
        first.kind.as_str()
    );
    for other in waiting {
        line.push_str(&format!(" · {} {}", other.name, other.summary(now)));
    }
    let mut lines = vec![line];
    if let Some(p) = problem(state, first, now) {
        lines.push(format!("{}: {p}", first.name));
    }
    lines
}
