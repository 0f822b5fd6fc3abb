//! The GKE part of the cluster pane: the project's clusters (refreshed on a
//! timer, as the GKE API has no watch) and the create form.

use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::state::{Overlay, State};
use crate::gke::GkeCluster;
use crate::plan::{self, ReleaseOnCluster};

pub use super::gke_state::{CreateForm, FIELDS, GkeView};

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
        preferred,
        ..Default::default()
    });
    let mut commands = vec![Command::PollGke(gke)];
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

pub fn clusters_listed(state: &mut State, result: Result<Vec<GkeCluster>, String>) {
    let now = state.now;
    if let Some(view) = state.gke.as_mut() {
        match result {
            Ok(clusters) => {
                view.clusters = clusters;
                view.error = None;
            }
            Err(e) => view.error = Some(e),
        }
        view.refreshed = Some(now);
    }
}

fn refuse(state: &mut State, what: &str) -> bool {
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
    match key.code {
        KeyCode::Esc => {
            state.create_form = None;
            state.overlays.pop();
            state.info("cancelled; nothing was sent");
        }
        KeyCode::Tab | KeyCode::Down => form.focused = (form.focused + 1) % FIELDS.len(),
        KeyCode::BackTab | KeyCode::Up => {
            form.focused = (form.focused + FIELDS.len() - 1) % FIELDS.len()
        }
        KeyCode::Backspace => {
            form.values[form.focused].pop();
        }
        KeyCode::Char(c) => form.values[form.focused].push(c),
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
                state.confirm = Some(plan::create_cluster(spec, &project).into_dialog());
                state.overlays.push(Overlay::Confirm);
            }
        },
        _ => {}
    }
    Vec::new()
}

/// `D`: delete the cluster, typed name; the release goes first when there
/// is one, because its LoadBalancer and disks outlive the cluster.
pub fn request_delete(state: &mut State) -> Vec<Command> {
    if refuse(state, "cluster delete") {
        return Vec::new();
    }
    let Some(cluster) = state
        .gke
        .as_ref()
        .and_then(|g| g.chosen())
        .map(|c| c.name.clone())
    else {
        state.warn("no GKE cluster to delete");
        return Vec::new();
    };
    // The panes show the releases of their own context: they say whether
    // one is installed on this cluster only when they are on it.
    let on_cluster = state.gke.as_ref().is_some_and(|g| {
        state.target.context == crate::gke::connect::context_name(&g.project, &g.location, &cluster)
    });
    let release = state
        .resources
        .releases
        .chosen(state.target.release.as_deref())
        .filter(|n| on_cluster && state.resources.releases.current(n).is_some())
        .map(str::to_owned);
    let release = match release {
        Some(release) => ReleaseOnCluster::Installed {
            release,
            namespace: state.target.namespace.clone(),
        },
        None if on_cluster => ReleaseOnCluster::NotInstalled,
        None => ReleaseOnCluster::NotKnown {
            why: format!("The panes are not on {cluster}"),
            instead: "connect to it first".into(),
        },
    };
    state.confirm = Some(plan::delete_cluster(&cluster, release).into_dialog());
    state.overlays.push(Overlay::Confirm);
    Vec::new()
}
