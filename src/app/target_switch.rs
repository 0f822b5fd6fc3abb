//! Moving the panes to another context or namespace at run time, and the
//! namespace picker (N, `:ns`).
//!
//! A switch clears everything the panes showed of the old target (rows,
//! the hub's view, selections, the filter, open views) and asks the runtime
//! to restart the watchers on the new one. Each target gets a new
//! generation: what the old watchers had queued before they stopped is
//! tagged with the old one and dropped (`Msg::Targeted`), so no row of the
//! old namespace lands in the new panes.
//!
//! The picker lists the namespaces that hold a JupyterHub release first
//! (with the release, chart version and status), then the others by name.
//! The choice is written into the settings file only when asked (`s`).

use crossterm::event::{KeyCode, KeyEvent};

use super::command::{Command, Retarget};
use super::scroll::ScrollMove;
use super::state::{Connection, Overlay, State};
use crate::kube::namespaces::{NamespaceEntry, Namespaces};

/// The namespaces as last read, for the picker and the palette's `ns`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceList {
    /// None until the first answer.
    pub read: Option<Result<Namespaces, String>>,
}

impl NamespaceList {
    /// JupyterHub releases first, then other releases, then the rest; by
    /// name within each.
    pub fn ordered(&self) -> Vec<&NamespaceEntry> {
        let mut entries: Vec<&NamespaceEntry> = match &self.read {
            Some(Ok(n)) => n.entries.iter().collect(),
            _ => Vec::new(),
        };
        entries.sort_by_key(|e| {
            let rank = match &e.release {
                Some(r) if r.is_jupyterhub() => 0,
                Some(_) => 1,
                None => 2,
            };
            (rank, e.name.clone())
        });
        entries
    }

    fn find(&self, name: &str) -> Option<&NamespaceEntry> {
        match &self.read {
            Some(Ok(n)) => n.entries.iter().find(|e| e.name == name),
            _ => None,
        }
    }
}

/// A running operation refuses a switch: what follows it (the namespace
/// delete after an uninstall, the upgrade after an image change) must not
/// land on another target.
pub fn refused_while_busy(state: &mut State, what: &str) -> bool {
    if state
        .operation
        .as_ref()
        .is_some_and(crate::actions::Operation::running)
    {
        state.warn(format!(
            "{what} waits for the running operation (o shows it): it acts on {}/{}",
            state.target.context, state.target.namespace
        ));
        return true;
    }
    false
}

/// Points the panes at `context` (same namespace).
pub fn to_context(state: &mut State, context: String) -> Vec<Command> {
    let namespace = state.target.namespace.clone();
    state.info(format!("switching the panes to context {context}…"));
    retarget(state, Some(context), namespace, None)
}

/// Points the panes at `namespace` (same context). The write actions then
/// act on its JupyterHub release when the picker found one there.
pub fn to_namespace(state: &mut State, namespace: String) -> Vec<Command> {
    if namespace == state.target.namespace {
        state.info(format!("the panes are on namespace {namespace} already"));
        return Vec::new();
    }
    if refused_while_busy(state, "switching namespaces") {
        return Vec::new();
    }
    let release = state
        .namespaces
        .find(&namespace)
        .and_then(|e| e.release.as_ref())
        .filter(|r| r.is_jupyterhub())
        .map(|r| r.name.clone());
    let known = state.namespaces.find(&namespace).is_some();
    let listed = matches!(&state.namespaces.read, Some(Ok(_)));
    match &release {
        Some(r) => state.info(format!(
            "switching the panes to namespace {namespace} (release {r})…"
        )),
        None if listed && !known => state.info(format!(
            "namespace {namespace} does not exist yet: the panes wait for it (i installs there and makes it)"
        )),
        None => state.info(format!("switching the panes to namespace {namespace}…")),
    }
    retarget(state, None, namespace, release)
}

fn retarget(
    state: &mut State,
    context: Option<String>,
    namespace: String,
    release: Option<String>,
) -> Vec<Command> {
    state.target_generation += 1;
    if let Some(c) = &context {
        state.target.context = c.clone();
    }
    state.target.namespace = namespace.clone();
    if let Some(r) = &release {
        state.deploy.release = r.clone();
    }
    state.resources = Default::default();
    state.listed.clear();
    state.stale.clear();
    state.server_version = None;
    state.connection = Connection::Connecting;
    state.hub = Default::default();
    state.users_view = Default::default();
    state.logs = None;
    state.pod_details = None;
    state.history_mark = None;
    state.selections = Default::default();
    state.filter = Default::default();
    state.overlays.clear();
    // The executor drops the scoped events' watch with the old target's.
    state.scoped_events = None;
    if let Some(g) = state.gke.as_mut() {
        g.connecting = None;
    }
    vec![Command::Retarget(Retarget {
        context,
        namespace,
        release,
        generation: state.target_generation,
    })]
}

/// Opens the picker and asks for a fresh list.
pub fn open_picker(state: &mut State) -> Vec<Command> {
    let selected = state
        .namespaces
        .ordered()
        .iter()
        .position(|e| e.name == state.target.namespace)
        .unwrap_or(0);
    state.overlays.push(Overlay::Namespaces { selected });
    vec![Command::ReadNamespaces]
}

/// The runtime's answer to `Command::ReadNamespaces`. An open picker stays
/// on the namespace it had selected.
pub fn listed(state: &mut State, read: Result<Namespaces, String>) {
    let before = match state.top_overlay() {
        Some(Overlay::Namespaces { selected }) => state
            .namespaces
            .ordered()
            .get(*selected)
            .map(|e| e.name.clone())
            .or_else(|| Some(state.target.namespace.clone())),
        _ => None,
    };
    state.namespaces.read = Some(read);
    if let Some(name) = before {
        let selected = state
            .namespaces
            .ordered()
            .iter()
            .position(|e| e.name == name)
            .unwrap_or(0);
        if let Some(top) = state.overlays.last_mut() {
            *top = Overlay::Namespaces { selected };
        }
    }
}

/// Keys of the picker: Enter switches, s switches and saves the choice in
/// the settings file.
pub fn picker_key(state: &mut State, selected: usize, key: KeyEvent) -> Vec<Command> {
    let chosen = state
        .namespaces
        .ordered()
        .get(selected)
        .map(|e| e.name.clone());
    match (key.code, chosen) {
        (KeyCode::Esc | KeyCode::Char('q'), _) => {
            state.overlays.pop();
        }
        (KeyCode::Enter, Some(name)) => {
            state.overlays.pop();
            return to_namespace(state, name);
        }
        (KeyCode::Char('s'), Some(name)) => {
            state.overlays.pop();
            let mut commands = to_namespace(state, name.clone());
            if state.target.namespace == name {
                commands.push(save(state));
            }
            return commands;
        }
        (code, _) => {
            let len = state.namespaces.ordered().len();
            let selected = ScrollMove::from_key(code, state.page_rows)
                .map_or(selected, |m| m.in_list(selected, len));
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::Namespaces { selected };
            }
        }
    }
    Vec::new()
}

/// Writes the panes' context, namespace and release into the settings
/// file (the operator asked: `s` in the picker, `:save`).
pub fn save(state: &mut State) -> Command {
    state.info(format!(
        "saving context {} and namespace {} in the settings…",
        state.target.context, state.target.namespace
    ));
    Command::SaveTarget {
        context: state.target.context.clone(),
        namespace: state.target.namespace.clone(),
        release: state.deploy.release.clone(),
    }
}

/// The runtime's answer to `Command::SaveTarget`.
pub fn saved(state: &mut State, result: Result<String, String>) {
    match result {
        Ok(said) => state.info(said),
        Err(why) => state.error(why),
    }
}
