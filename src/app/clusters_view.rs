//! The clusters view (`K`): every cluster of the project in every location,
//! one inspected with its node pools (Enter), connecting the panes to one
//! (`C`), the z2jh user pool added (`A`), a pool rescaled (`a`) or deleted
//! (`d`), a cluster deleted (`D`); and the kubeconfig's contexts (`C` on
//! the main screen), one of which the panes switch to with Enter. Every
//! write goes through the confirm-then-run path of `write_flow`.
//!
//! Both lists filter as the panes do (`/`, fuzzy and smart-case, live):
//! the clusters on name, location and status, the contexts on name and
//! cluster. A list's selection is an index into the rows its filter
//! passes, so every key acts on the row highlighted; while the filter
//! changes, the selection stays on its row if that still passes, else it
//! goes to the first. Esc clears a filter, then closes the list.

use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::gke_state::{KubeContext, PoolForm, context_fields};
use super::scroll::ScrollMove;
use super::state::{Filter, Overlay, State};
use super::write_flow::open_confirm;
use crate::gke::GkeCluster;
use crate::plan;

/// `K`: the clusters view; the kubeconfig is read again for its
/// "context" column.
pub fn open(state: &mut State) -> Vec<Command> {
    if state.gke.is_none() {
        state.warn(
            "GKE is not configured: pass --project and --location, or set gcp.project and gcp.location in the settings",
        );
        return Vec::new();
    }
    let context = state.target.context.clone();
    let selected = state
        .gke
        .as_mut()
        .and_then(|g| {
            g.filter = Filter::default();
            let chosen = g.chosen(&context)?;
            g.clusters.iter().position(|c| c == chosen)
        })
        .unwrap_or(0);
    state.overlays.push(Overlay::Clusters { selected });
    vec![Command::ReadContexts]
}

/// `C` on the main screen: the kubeconfig's contexts, the panes' marked.
pub fn open_contexts(state: &mut State) -> Vec<Command> {
    let current = state.target.context.clone();
    state.contexts_filter = Filter::default();
    let selected = state
        .contexts
        .iter()
        .position(|c| c.name == current)
        .unwrap_or(0);
    state.overlays.push(Overlay::Contexts { selected });
    vec![Command::ReadContexts]
}

/// The clusters the view lists (its filter's), in order.
pub fn visible_clusters(state: &State) -> Vec<&GkeCluster> {
    state.gke.as_ref().map_or_else(Vec::new, |g| g.visible())
}

/// The contexts the context list shows (its filter's), in order.
pub fn visible_contexts(state: &State) -> Vec<&KubeContext> {
    state
        .contexts
        .iter()
        .filter(|c| state.contexts_filter.matches(&context_fields(c)))
        .collect()
}

/// The row a list's selection stands on: kept on a row that is shown when
/// the list got shorter under it (a filter, a refresh).
pub fn on_a_row(selected: usize, len: usize) -> usize {
    selected.min(len.saturating_sub(1))
}

/// The selection after a key: the scroll keys every list shares.
fn moved(state: &State, selected: usize, len: usize, code: KeyCode) -> usize {
    ScrollMove::from_key(code, state.page_rows)
        .map_or(selected, |movement| movement.in_list(selected, len))
}

/// A key typed into a list's filter: a character, Backspace, Enter (keep
/// it, the keys act on the list again) or Esc (clear it).
fn type_filter(filter: &mut Filter, code: KeyCode) {
    match code {
        KeyCode::Char(c) => filter.text.push(c),
        KeyCode::Backspace => {
            filter.text.pop();
        }
        KeyCode::Enter => filter.editing = false,
        KeyCode::Esc => *filter = Filter::default(),
        _ => {}
    }
}

fn cluster_filter(state: &mut State) -> Option<&mut Filter> {
    state.gke.as_mut().map(|g| &mut g.filter)
}

/// The clusters list's filter changed (`change`): the selection stays on
/// its cluster if that still passes, else it goes to the first row.
fn refilter_clusters(state: &mut State, selected: usize, change: impl FnOnce(&mut Filter)) {
    let was = {
        let visible = visible_clusters(state);
        visible
            .get(on_a_row(selected, visible.len()))
            .map(|c| (c.name.clone(), c.location.clone()))
    };
    if let Some(filter) = cluster_filter(state) {
        change(filter);
    }
    let selected = was
        .and_then(|(name, location)| {
            visible_clusters(state)
                .iter()
                .position(|c| c.name == name && c.location == location)
        })
        .unwrap_or(0);
    if let Some(top) = state.overlays.last_mut() {
        *top = Overlay::Clusters { selected };
    }
}

/// Keys of the clusters list.
pub fn list_key(state: &mut State, selected: usize, key: KeyEvent) -> Vec<Command> {
    let filter = state
        .gke
        .as_ref()
        .map(|g| g.filter.clone())
        .unwrap_or_default();
    if filter.editing {
        refilter_clusters(state, selected, |f| type_filter(f, key.code));
        return Vec::new();
    }
    let (chosen, len) = {
        let visible = visible_clusters(state);
        let len = visible.len();
        (
            visible.get(on_a_row(selected, len)).map(|c| (*c).clone()),
            len,
        )
    };
    match (key.code, chosen) {
        (KeyCode::Esc, _) if !filter.text.is_empty() => {
            refilter_clusters(state, selected, |f| *f = Filter::default());
        }
        (KeyCode::Esc | KeyCode::Char('q'), _) => {
            state.overlays.pop();
        }
        (KeyCode::Char('/'), _) => {
            if let Some(filter) = cluster_filter(state) {
                filter.editing = true;
            }
        }
        (KeyCode::Enter, Some(c)) => state.overlays.push(Overlay::ClusterDetails {
            name: c.name,
            location: c.location,
            pool: 0,
        }),
        (KeyCode::Char('C'), Some(c)) => return connect(state, &c),
        (KeyCode::Char('c'), _) => return super::gke_view::open_create(state),
        (KeyCode::Char('A'), Some(c)) => return open_add_pool(state, &c),
        (KeyCode::Char('D'), Some(c)) => {
            return super::gke_view::request_delete_of(state, &c.name, &c.location);
        }
        (code, _) => {
            let selected = moved(state, on_a_row(selected, len), len, code);
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::Clusters { selected };
            }
        }
    }
    Vec::new()
}

/// Keys of one cluster's details: its pools are the list.
pub fn details_key(
    state: &mut State,
    (name, location, pool): (String, String, usize),
    key: KeyEvent,
) -> Vec<Command> {
    let Some(cluster) = state
        .gke
        .as_ref()
        .and_then(|g| g.find(&name, &location))
        .cloned()
    else {
        // Gone from the list (deleted): back to it.
        state.overlays.pop();
        return Vec::new();
    };
    let chosen = cluster.node_pools.get(pool).cloned();
    match (key.code, chosen) {
        (KeyCode::Esc | KeyCode::Char('q'), _) => {
            state.overlays.pop();
        }
        (KeyCode::Enter | KeyCode::Char('C'), _) => return connect(state, &cluster),
        (KeyCode::Char('A'), _) => return open_add_pool(state, &cluster),
        (KeyCode::Char('D'), _) => {
            return super::gke_view::request_delete_of(state, &name, &location);
        }
        (KeyCode::Char('a'), Some(p)) => {
            if !refused(state, "changing a node pool") {
                state.pool_form = Some(PoolForm::autoscaling(
                    &name,
                    &location,
                    &p.name,
                    p.autoscaling,
                ));
                state.overlays.push(Overlay::PoolForm);
            }
        }
        (KeyCode::Char('d'), Some(p)) => {
            if !refused(state, "deleting a node pool") {
                let others: Vec<_> = cluster
                    .node_pools
                    .iter()
                    .filter(|o| o.name != p.name)
                    .collect();
                if others.is_empty() {
                    state.warn(format!(
                        "{} is the only node pool of {name}: a cluster needs one (delete the cluster with D instead)",
                        p.name
                    ));
                } else if others.iter().all(|o| !o.taints.is_empty()) {
                    state.warn(format!(
                        "deleting {} would leave only tainted pools: the hub, the proxy and kube-system's pods would have nowhere to run",
                        p.name
                    ));
                } else {
                    let plan = plan::delete_node_pool(&name, &location, &p.name, p.is_user_pool());
                    open_confirm(state, plan);
                }
            }
        }
        (code, _) => {
            let pool = moved(state, pool, cluster.node_pools.len(), code);
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::ClusterDetails {
                    name,
                    location,
                    pool,
                };
            }
        }
    }
    Vec::new()
}

/// The context list's filter changed: as [`refilter_clusters`].
fn refilter_contexts(state: &mut State, selected: usize, change: impl FnOnce(&mut Filter)) {
    let was = {
        let visible = visible_contexts(state);
        visible
            .get(on_a_row(selected, visible.len()))
            .map(|c| c.name.clone())
    };
    change(&mut state.contexts_filter);
    let selected = was
        .and_then(|name| visible_contexts(state).iter().position(|c| c.name == name))
        .unwrap_or(0);
    if let Some(top) = state.overlays.last_mut() {
        *top = Overlay::Contexts { selected };
    }
}

/// Keys of the context list.
pub fn contexts_key(state: &mut State, selected: usize, key: KeyEvent) -> Vec<Command> {
    if state.contexts_filter.editing {
        refilter_contexts(state, selected, |f| type_filter(f, key.code));
        return Vec::new();
    }
    let len = visible_contexts(state).len();
    let selected = on_a_row(selected, len);
    match key.code {
        KeyCode::Esc if !state.contexts_filter.text.is_empty() => {
            refilter_contexts(state, selected, |f| *f = Filter::default());
        }
        KeyCode::Esc | KeyCode::Char('q') => {
            state.overlays.pop();
        }
        KeyCode::Char('/') => state.contexts_filter.editing = true,
        KeyCode::Enter => {
            let Some(chosen) = visible_contexts(state)
                .get(selected)
                .map(|c| c.name.clone())
            else {
                return Vec::new();
            };
            state.overlays.pop();
            if chosen == state.target.context {
                state.info(format!("the panes are on {chosen} already"));
                return Vec::new();
            }
            if super::target_switch::refused_while_busy(state, "switching contexts") {
                return Vec::new();
            }
            return super::gke_view::switch_context(state, chosen);
        }
        code => {
            let selected = moved(state, selected, len, code);
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::Contexts { selected };
            }
        }
    }
    Vec::new()
}

/// Read-only mode and a running operation refuse the pool writes.
fn refused(state: &mut State, what: &str) -> bool {
    super::gke_view::refuse(state, what)
        || super::write_flow::refuse_if_busy_or_readonly(state, what)
}

fn open_add_pool(state: &mut State, cluster: &GkeCluster) -> Vec<Command> {
    if refused(state, "adding a node pool") {
        return Vec::new();
    }
    if let Some(p) = cluster.node_pools.iter().find(|p| p.is_user_pool()) {
        state.warn(format!(
            "{} has a user pool already ({}): a to change its autoscaling",
            cluster.name, p.name
        ));
        return Vec::new();
    }
    state.pool_form = Some(PoolForm::add(&cluster.name, &cluster.location));
    state.overlays.push(Overlay::PoolForm);
    Vec::new()
}

/// `C`: connect the panes to a RUNNING cluster. Writing its context needs
/// the API's answer (endpoint and CA), so it is a command; the panes move
/// when it is written ([`connected`]). Not refused in read-only mode: it
/// writes the operator's kubeconfig, not the cluster.
fn connect(state: &mut State, cluster: &GkeCluster) -> Vec<Command> {
    if super::target_switch::refused_while_busy(state, "connecting") {
        return Vec::new();
    }
    if !cluster.is_connectable() {
        state.warn(format!(
            "{} is {}: only a RUNNING cluster can be connected to (wait, the list refreshes)",
            cluster.name, cluster.status
        ));
        return Vec::new();
    }
    state.info(format!(
        "writing the context of {} ({}) as gcloud get-credentials does…",
        cluster.name, cluster.location
    ));
    if let Some(g) = state.gke.as_mut() {
        g.connecting = Some((cluster.name.clone(), cluster.location.clone()));
    }
    vec![Command::ConnectCluster {
        name: cluster.name.clone(),
        location: cluster.location.clone(),
    }]
}

/// The context is written: the panes move to it, and the views close;
/// unless the operator has moved on since (another connect, a context
/// switch), when it only says so.
pub fn connected(
    state: &mut State,
    (name, location): (String, String),
    result: Result<String, crate::actions::Failure>,
) -> Vec<Command> {
    let asked = state.gke.as_mut().and_then(|g| g.connecting.take());
    if asked.as_ref() != Some(&(name.clone(), location.clone())) {
        if let Some(g) = state.gke.as_mut() {
            g.connecting = asked;
        }
        if result.is_ok() {
            state.info(format!(
                "{name}'s context was written, but the panes stay where you moved them since"
            ));
        }
        return Vec::new();
    }
    match result {
        Ok(context) => {
            let mut commands = super::gke_view::switch_context(state, context.clone());
            state.info(format!(
                "connected to {name}: context {context} written and current"
            ));
            commands.push(Command::ReadContexts);
            commands
        }
        Err(f) => {
            state.error(match f.hint {
                Some(hint) => format!("cannot connect to {name}: {}; {hint}", f.error),
                None => format!("cannot connect to {name}: {}", f.error),
            });
            Vec::new()
        }
    }
}

pub fn contexts_read(state: &mut State, result: Result<Vec<KubeContext>, String>) {
    match result {
        Ok(contexts) => state.contexts = contexts,
        Err(e) => state.warn(format!("cannot read the kubeconfig's contexts: {e}")),
    }
}

/// After a user pool is added: offer config.yaml's change, or say why not.
pub fn user_nodes_prepared(
    state: &mut State,
    prepared: Result<crate::actions::PreparedAccess, crate::actions::Failure>,
) {
    match prepared {
        Ok(p) => open_confirm(state, plan::require_user_nodes(p)),
        Err(f) => state.info(match f.hint {
            Some(hint) => format!("{}; {hint}", f.error),
            None => f.error,
        }),
    }
}
