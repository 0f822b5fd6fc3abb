//! The last lines a crash-looping container wrote before it died, for the
//! pod's one-line diagnosis ("...; last log: ...").
//!
//! They cost a log request each, so they are read only for the pod the
//! operator looks at (selected in the Pods pane, or open in details or
//! logs), once per crash: a new restart is a new run to read. At classroom
//! scale a namespace can hold hundreds of crash-looping pods; it never
//! means hundreds of requests.

use k8s_openapi::api::core::v1::Pod;

use super::command::Command;
use super::state::{Overlay, Pane, State};
use crate::kube::diagnosis::{LOG_LINES, crashed_container};

/// One crashed run of one container: what is read, and what a reading
/// answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CrashedRun {
    pub pod: String,
    /// A pod of the same name made again (a user's next server) is another.
    pub uid: String,
    pub container: String,
    pub restarts: u32,
    /// Read the previous run (the container is waiting to restart), not the
    /// current one (it has just exited).
    pub previous: bool,
}

impl CrashedRun {
    /// The run the pod's diagnosis reports as crashed, if any.
    pub fn of(pod: &Pod) -> Option<CrashedRun> {
        let crashed = crashed_container(pod)?;
        Some(CrashedRun {
            pod: pod.metadata.name.clone().unwrap_or_default(),
            uid: pod.metadata.uid.clone().unwrap_or_default(),
            container: crashed.name,
            restarts: crashed.restarts,
            previous: crashed.previous,
        })
    }
}

/// How many lines to ask for: blank lines at the end are common, and the
/// diagnosis quotes the last [`LOG_LINES`] with text.
pub const LINES_READ: i64 = 3 * LOG_LINES as i64;

/// A run asked about, with its lines once they came (empty when they could
/// not be read: the diagnosis goes without, and the run is not asked again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashLog {
    pub run: CrashedRun,
    pub lines: Option<Vec<String>>,
}

/// The reads the looked-at pods need now: none when their runs are known
/// or asked about. Called after every update, so it must stay a few
/// lookups: no walk of the pod list.
pub fn wanted(state: &mut State) -> Vec<Command> {
    let mut looked_at: Vec<String> = Vec::with_capacity(2);
    if state.focus == Pane::Pods {
        let selection = state.selection(Pane::Pods);
        // Until the operator moves, the selection is an index (the top row,
        // usually): then the list is walked that far only.
        let name = selection.name.clone().or_else(|| {
            super::lists::pods(state)
                .nth(selection.index)
                .map(|e| e.row.name.to_string())
        });
        looked_at.extend(name);
    }
    for overlay in &state.overlays {
        if let Overlay::PodDetails { pod, .. } = overlay {
            looked_at.push(pod.clone());
        }
    }
    if let Some(view) = &state.logs {
        looked_at.push(view.pod.clone());
    }
    let mut commands = Vec::new();
    for name in looked_at {
        let Some(pod) = state.resources.pods.get(&name).and_then(|e| e.pod.clone()) else {
            continue;
        };
        let Some(run) = CrashedRun::of(&pod) else {
            continue;
        };
        if state.resources.crash_log_asked(&run) {
            continue;
        }
        state.resources.crash_log_asking(run.clone());
        commands.push(Command::FetchCrashLog(run));
    }
    commands
}

/// The answer to [`Command::FetchCrashLog`]: the diagnosis quotes it.
pub fn fetched(state: &mut State, run: CrashedRun, lines: Result<Vec<String>, String>) {
    // A run that cannot be read (its log rotated away, the node gone) is not
    // asked again; the diagnosis says what the status says.
    state
        .resources
        .crash_log_read(run, lines.unwrap_or_default());
}
