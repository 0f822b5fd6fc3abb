//! `update(state, msg) -> commands`: the only place state changes. Pure:
//! no I/O, no clock, no awaits.

use super::command::Command;
use super::keys;
use super::lists;
use super::msg::{Msg, WatchMsg};
use super::state::{Connection, Overlay, Pane, State};
use super::write_flow;

pub fn update(state: &mut State, msg: Msg) -> Vec<Command> {
    state.quiet = false;
    let mut commands = apply(state, msg);
    // A crash-looping pod the operator now looks at gets its last lines read.
    commands.extend(super::crash_logs::wanted(state));
    // The hub's health and users, when due.
    commands.extend(super::hub_view::wanted(state));
    // Every event of what an open view shows, while it is open.
    commands.extend(super::scoped_events::wanted(state));
    commands
}

fn apply(state: &mut State, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) => keys::handle(state, key),
        Msg::Resize(width, height) => {
            state.page_rows = super::layout::list_rows(Pane::Pods, width, height).max(1);
            Vec::new()
        }
        Msg::Tick(now) => {
            state.now = now;
            Vec::new()
        }
        Msg::Connected { server_version } => {
            state.server_version = Some(server_version);
            if !matches!(state.connection, Connection::Reconnecting { .. })
                || state.stale.is_empty()
            {
                state.connection = Connection::Live;
            }
            super::gke_view::connected(state)
        }
        Msg::ConnectFailed(error) => {
            state.connection = match &state.connection {
                Connection::Live | Connection::Reconnecting { .. } if !state.listed.is_empty() => {
                    Connection::Reconnecting {
                        since: reconnecting_since(state),
                        error,
                    }
                }
                _ => Connection::Unavailable { error },
            };
            Vec::new()
        }
        Msg::Watch(watch) => apply_watch(state, watch),
        Msg::ScopedEvents { stream, watch } => {
            super::scoped_events::event(state, stream, watch);
            Vec::new()
        }
        Msg::Targeted { generation, msg } => {
            if generation == state.target_generation {
                update(state, *msg)
            } else {
                Vec::new()
            }
        }
        Msg::Namespaces(read) => {
            super::target_switch::listed(state, read);
            Vec::new()
        }
        Msg::TargetSaved(result) => {
            super::target_switch::saved(state, result);
            Vec::new()
        }
        Msg::PodFetched { name, result } => {
            super::pod_details::fetched(state, name, result);
            Vec::new()
        }
        Msg::Log(event) => {
            super::logs::flow::event(state, event);
            Vec::new()
        }
        Msg::HubHealth { url, result } => {
            super::hub_view::health_checked(state, url, result);
            Vec::new()
        }
        Msg::HubAccessPrepared(result) => {
            write_flow::hub_access_prepared(state, result);
            Vec::new()
        }
        Msg::HubForwarded { pod, result } => {
            super::hub_view::forwarded(state, pod, result);
            Vec::new()
        }
        Msg::HubUsers(result) => {
            super::hub_view::users_read(state, result);
            Vec::new()
        }
        Msg::HubProgress { user, event } => {
            super::hub_view::progress(state, user, event);
            Vec::new()
        }
        Msg::LogSaved(result) => {
            super::logs::flow::saved(state, result);
            Vec::new()
        }
        Msg::CrashLog { run, lines } => {
            super::crash_logs::fetched(state, run, lines);
            Vec::new()
        }
        Msg::SecretsPrepared { path, exists } => {
            write_flow::secrets_prepared(state, path, exists);
            Vec::new()
        }
        Msg::DeployPrepared(result) => {
            write_flow::deploy_prepared(state, result);
            Vec::new()
        }
        Msg::ImageConfigRead(result) => {
            super::image_form::config_read(state, result);
            Vec::new()
        }
        Msg::ImagePrepared(result) => {
            super::image_form::prepared(state, result);
            Vec::new()
        }
        Msg::MoveSecretsPrepared(result) => {
            write_flow::move_prepared(state, result);
            Vec::new()
        }
        Msg::ConfigChecked(result) => {
            write_flow::config_checked(state, result);
            Vec::new()
        }
        Msg::OperationLine(line) => {
            write_flow::operation_line(state, line);
            Vec::new()
        }
        Msg::OperationDone(result) => write_flow::operation_done(state, result),
        Msg::ShowText(result) => {
            match result {
                Ok((title, lines)) => state.overlays.push(Overlay::Text {
                    title,
                    lines: lines
                        .into_iter()
                        .map(|text| crate::values::DiffLine {
                            tag: crate::values::DiffTag::Context,
                            text,
                        })
                        .collect(),
                    scroll: 0,
                }),
                Err(e) => state.warn(e),
            }
            Vec::new()
        }
        Msg::GkeClusters(result) => {
            super::gke_view::clusters_listed(state, result);
            Vec::new()
        }
        Msg::GkeUnanswered(locations) => {
            if let Some(view) = state.gke.as_mut() {
                view.unanswered = locations;
            }
            Vec::new()
        }
        Msg::GkeResolved { gke, preferred } => super::gke_view::resolved(state, gke, preferred),
        Msg::HelmChecked { problem } => {
            state.deploy.helm_problem = problem;
            Vec::new()
        }
        Msg::GkeToken(report) => {
            let text = report.message(state.now);
            match report {
                crate::gke::token::TokenReport::Recovered { .. } => state.info(text),
                r if r.is_error() => state.error(text),
                _ => state.warn(text),
            }
            Vec::new()
        }
        Msg::ClusterAdmin {
            context,
            allowed,
            user,
        } => {
            if !allowed && context == state.target.context {
                write_flow::offer_cluster_admin(state, user);
            }
            Vec::new()
        }
        Msg::ClusterConnected {
            name,
            location,
            result,
        } => super::clusters_view::connected(state, (name, location), result),
        Msg::Contexts(result) => {
            super::clusters_view::contexts_read(state, result);
            Vec::new()
        }
        Msg::ClusterSurveyed {
            name,
            location,
            release,
            survivors,
        } => {
            super::gke_view::cluster_surveyed(state, name, location, release, survivors);
            Vec::new()
        }
        Msg::UserNodesPrepared(result) => {
            super::clusters_view::user_nodes_prepared(state, result);
            Vec::new()
        }
    }
}

fn reconnecting_since(state: &State) -> chrono::DateTime<chrono::Utc> {
    match state.connection {
        Connection::Reconnecting { since, .. } => since,
        _ => state.now,
    }
}

fn apply_watch(state: &mut State, watch: WatchMsg) -> Vec<Command> {
    let mut commands = Vec::new();
    match watch {
        WatchMsg::Applied(object) => {
            let was_live =
                state.connection == Connection::Live && !state.stale.contains(&object.kind());
            mark_live(state, object.kind());
            let changed_pod = match &object {
                super::msg::Object::Pod(p) => p.metadata.name.clone(),
                super::msg::Object::HealthyPod(row) => Some(row.name.to_string()),
                _ => None,
            };
            state.quiet = !state.resources.apply(object) && was_live;
            if let Some(name) = changed_pod {
                commands.extend(super::pod_details::changed(state, &name));
            }
        }
        WatchMsg::Deleted(object) => {
            mark_live(state, object.kind());
            state.resources.delete(&object);
        }
        WatchMsg::Relisted(kind, objects) => {
            state.resources.replace(kind, objects);
            state.listed.insert(kind);
            mark_live(state, kind);
        }
        WatchMsg::Failed(kind, error) => {
            state.stale.insert(kind);
            state.connection = if state.listed.is_empty() {
                Connection::Unavailable { error }
            } else {
                Connection::Reconnecting {
                    since: reconnecting_since(state),
                    error,
                }
            };
        }
    }
    close_vanished_overlays(state);
    commands
}

fn mark_live(state: &mut State, kind: super::msg::Kind) {
    state.stale.remove(&kind);
    if state.stale.is_empty() {
        state.connection = Connection::Live;
    }
}

/// A details overlay of an object that was deleted stays open but says so;
/// the renderer handles that. Only the history selection needs clamping.
fn close_vanished_overlays(state: &mut State) {
    let revisions = lists::revisions(state).len();
    for overlay in &mut state.overlays {
        if let Overlay::History { selected } = overlay {
            *selected = (*selected).min(revisions.saturating_sub(1));
        }
    }
}
