//! The pod the details overlay shows. A healthy pod is kept as its row
//! only (at classroom scale, whole pods were most of the cockpit's memory),
//! so its details are read from the API when the overlay opens, and again
//! when the watch says the pod changed while it is open. An unhealthy pod
//! is kept whole for its diagnosis, and that copy is shown.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;

use super::command::Command;
use super::state::{Overlay, State};

/// The details of `name` open: what to read, if anything.
pub fn opened(state: &mut State, name: &str) -> Vec<Command> {
    if state
        .pod_details
        .as_ref()
        .is_some_and(|p| p.metadata.name.as_deref() != Some(name))
    {
        state.pod_details = None;
    }
    fetch_unless_kept(state, name)
}

/// The watch changed (or relisted) pod `name`: an open details overlay of it
/// is read again, unless the pod is kept whole.
pub fn changed(state: &State, name: &str) -> Vec<Command> {
    if showing(state).is_some_and(|open| open == name) {
        fetch_unless_kept(state, name)
    } else {
        Vec::new()
    }
}

/// The answer to [`Command::FetchPod`].
pub fn fetched(state: &mut State, name: String, result: Result<Arc<Pod>, String>) {
    if !state
        .overlays
        .iter()
        .any(|o| matches!(o, Overlay::PodDetails { pod, .. } if *pod == name))
    {
        return;
    }
    match result {
        Ok(pod) => state.pod_details = Some(pod),
        Err(e) => state.warn(format!("cannot read pod {name}: {e}")),
    }
}

/// The pod to show for `name`: the kept copy, else the one read.
pub fn pod<'a>(state: &'a State, name: &str) -> Option<&'a Pod> {
    let entry = state.resources.pods.get(name)?;
    entry.pod.as_deref().or_else(|| {
        state
            .pod_details
            .as_deref()
            .filter(|p| p.metadata.name.as_deref() == Some(name))
    })
}

/// The pod whose details are open (the topmost such overlay).
fn showing(state: &State) -> Option<&str> {
    state.overlays.iter().rev().find_map(|o| match o {
        Overlay::PodDetails { pod, .. } => Some(pod.as_str()),
        _ => None,
    })
}

fn fetch_unless_kept(state: &State, name: &str) -> Vec<Command> {
    match state.resources.pods.get(name) {
        Some(entry) if entry.pod.is_none() => vec![Command::FetchPod {
            name: name.to_owned(),
        }],
        _ => Vec::new(),
    }
}
