//! The GKE part of the cluster pane: the project's clusters (refreshed on a
//! timer, as the GKE API has no watch), the create form, the delete (which
//! looks inside the cluster first), and moving the panes to another
//! context.

use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::gke_state::cluster_fields;
use super::state::{Overlay, State};
use crate::gke::GkeCluster;
use crate::plan::{self, ReleaseOnCluster};

pub use super::gke_state::{CreateForm, FIELDS, GkeView, KubeContext};

/// The GKE project and location are known (or known to be unknown): the
/// pane shows the project's clusters, polled from now on. Connected panes
/// did not check cluster-admin without them: that happens now.
pub fn resolved(
    state: &mut State,
    gke: Option<crate::gke::GkeConfig>,
    preferred: Option<String>,
) -> Vec<Command> {
    let Some(gke) = gke else {
        return Vec::new();
    };
    state.gke = Some(GkeView {
        project: gke.project.clone(),
        location: gke.location.clone(),
        kubeconfig: gke.kubeconfig.clone(),
        preferred,
        ..Default::default()
    });
    let mut commands = vec![Command::PollGke(gke), Command::ReadContexts];
    if state.connection == super::state::Connection::Live {
        commands.extend(connected(state));
    }
    commands
}

/// The panes connected: on a GKE cluster's context (gcloud's
/// `gke_<project>_<location>_<name>`), check once whether the account has
/// cluster-admin, which the z2jh guide binds by hand after creating it.
pub fn connected(state: &mut State) -> Vec<Command> {
    let context = state.target.context.clone();
    let Some(view) = state.gke.as_mut() else {
        return Vec::new();
    };
    if !context.starts_with(&format!("gke_{}_", view.project))
        || view.admin_checked.as_deref() == Some(context.as_str())
    {
        return Vec::new();
    }
    view.admin_checked = Some(context.clone());
    vec![Command::CheckClusterAdmin { context }]
}

/// A refresh of the list. The clusters view's selection stays on the
/// cluster (and a cluster's on the pool) it was on, by name: the keys act
/// on what is highlighted, whatever was made or deleted meanwhile.
pub fn clusters_listed(state: &mut State, result: Result<Vec<GkeCluster>, String>) {
    let now = state.now;
    let Some(view) = state.gke.as_mut() else {
        return;
    };
    match result {
        Ok(clusters) => {
            let pools_before: Vec<Vec<String>> = state
                .overlays
                .iter()
                .map(|o| match o {
                    Overlay::ClusterDetails { name, location, .. } => view
                        .find(name, location)
                        .map(|c| c.node_pools.iter().map(|p| p.name.clone()).collect())
                        .unwrap_or_default(),
                    _ => Vec::new(),
                })
                .collect();
            let old = std::mem::replace(&mut view.clusters, clusters);
            view.error = None;
            for (overlay, pools) in state.overlays.iter_mut().zip(pools_before) {
                match overlay {
                    Overlay::Clusters { selected } => {
                        // The selection indexes the filtered rows, before
                        // and after.
                        let passes = |c: &&GkeCluster| view.filter.matches(&cluster_fields(c));
                        if let Some(was) = old.iter().filter(passes).nth(*selected) {
                            *selected = view
                                .visible()
                                .iter()
                                .position(|c| c.name == was.name && c.location == was.location)
                                .unwrap_or(0);
                        }
                    }
                    Overlay::ClusterDetails {
                        name,
                        location,
                        pool,
                    } => {
                        if let (Some(was), Some(c)) = (pools.get(*pool), view.find(name, location))
                        {
                            *pool = c
                                .node_pools
                                .iter()
                                .position(|p| &p.name == was)
                                .unwrap_or(0);
                        }
                    }
                    _ => {}
                }
            }
        }
        Err(e) => view.error = Some(e),
    }
    view.refreshed = Some(now);
}

pub(super) fn refuse(state: &mut State, what: &str) -> bool {
    if state.target.readonly {
        state.warn(format!(
            "read-only mode: {what} refused (started with --readonly)"
        ));
        return true;
    }
    if state.gke.is_none() {
        state.warn(
            "GKE is not configured: pass --project and --location (or set gcp.* in the settings)",
        );
        return true;
    }
    false
}

/// `c`: the create form.
pub fn open_create(state: &mut State) -> Vec<Command> {
    if refuse(state, "cluster create") {
        return Vec::new();
    }
    let location = state
        .gke
        .as_ref()
        .map(|g| g.location.clone())
        .unwrap_or_default();
    state.create_form = Some(CreateForm::new(&location));
    state.overlays.push(Overlay::CreateCluster);
    Vec::new()
}

pub fn form_key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    let Some(form) = state.create_form.as_mut() else {
        state.overlays.pop();
        return Vec::new();
    };
    if super::form_edit::edit(&mut form.values, &mut form.focused, key.code) {
        return Vec::new();
    }
    match key.code {
        KeyCode::Esc => {
            state.create_form = None;
            state.overlays.pop();
            state.info("cancelled; nothing was sent");
        }
        KeyCode::Enter => match form.spec() {
            Err(e) => form.error = Some(e),
            Ok(spec) => {
                let project = state
                    .gke
                    .as_ref()
                    .map(|g| g.project.clone())
                    .unwrap_or_default();
                state.create_form = None;
                state.overlays.pop();
                super::write_flow::open_confirm(state, plan::create_cluster(spec, &project));
            }
        },
        _ => {}
    }
    Vec::new()
}

/// `D`: delete the cluster the panes are on, else the settings' one (never
/// just the first of several); in the clusters view, the selected one.
pub fn request_delete(state: &mut State) -> Vec<Command> {
    let context = state.target.context.clone();
    let Some((name, location)) = state
        .gke
        .as_ref()
        .and_then(|g| g.chosen(&context))
        .map(|c| (c.name.clone(), c.location.clone()))
    else {
        if !refuse(state, "cluster delete") {
            let listed = state.gke.as_ref().map_or(0, |g| g.clusters.len());
            state.warn(if listed == 0 {
                "no GKE cluster to delete".to_owned()
            } else {
                format!(
                    "the panes are on none of the project's {listed} clusters: K lists them, D there deletes the selected one"
                )
            });
        }
        return Vec::new();
    };
    request_delete_of(state, &name, &location)
}

/// Deleting a cluster starts with a look inside it, through its own
/// context: whether the release is installed there (it goes first), and
/// what else would outlive it and keep costing money. The dialog opens
/// with the answer ([`cluster_surveyed`]).
pub fn request_delete_of(state: &mut State, name: &str, location: &str) -> Vec<Command> {
    if refuse(state, "cluster delete")
        || super::write_flow::refuse_if_busy_or_readonly(state, "cluster delete")
    {
        return Vec::new();
    }
    state.info(format!(
        "looking inside {name} for a release, LoadBalancers and disks before the delete…"
    ));
    if let Some(g) = state.gke.as_mut() {
        g.surveying = Some((name.into(), location.into()));
    }
    vec![Command::SurveyCluster {
        name: name.into(),
        location: location.into(),
    }]
}

/// The look inside a cluster about to be deleted answered: the typed-name
/// dialog, with what goes first and what would survive. Only the answer
/// about the last cluster asked, and only over the views the delete was
/// asked from: not over a form or dialog opened since, whose keys would go
/// into the name.
pub fn cluster_surveyed(
    state: &mut State,
    name: String,
    location: String,
    release: ReleaseOnCluster,
    survivors: plan::Survivors,
) {
    let asked = state.gke.as_mut().and_then(|g| g.surveying.take());
    if asked != Some((name.clone(), location.clone())) {
        if let Some(g) = state.gke.as_mut() {
            g.surveying = asked;
        }
        return;
    }
    let from_a_view = matches!(
        state.top_overlay(),
        None | Some(Overlay::Clusters { .. } | Overlay::ClusterDetails { .. })
    );
    if !from_a_view {
        state.info(format!(
            "the delete of {name} was not asked again: D asks it"
        ));
        return;
    }
    state.footer.message = None;
    super::write_flow::open_confirm(
        state,
        plan::delete_cluster(&name, &location, release, &survivors),
    );
}

/// Points the panes at another kubeconfig context: what they showed of the
/// old one goes (rows, the hub's health and users, the views over them, a
/// connect still under way), the watches restart there.
pub fn switch_context(state: &mut State, context: String) -> Vec<Command> {
    super::target_switch::to_context(state, context)
}
