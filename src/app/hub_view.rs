//! The hub's keys and messages: when its health is checked (as soon as
//! proxy-public has an address, every 30 s, and after an install, upgrade
//! or rollback), the users view (`U`: read every 5 s while open, `o` sorts
//! by state or idle time, `/` filters, `s` stops the selected user's server
//! through the confirm path, Enter shows the user with a pending spawn's
//! progress), and what the hub answered.

use crossterm::event::{KeyCode, KeyEvent};

use super::command::Command;
use super::hub_state::{
    Culler, HEALTH_EVERY_SECONDS, HUB_PORT, HubForward, HubHealth, HubRoute, USERS_EVERY_SECONDS,
    UserRow, UserSort, user_rows,
};
use super::scroll::ScrollMove;
use super::state::{Overlay, State};
use crate::hub::{HubUser, ProgressEvent, ServerState};

/// The users view's own state: how it sorts and filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsersView {
    pub sort: UserSort,
    pub filter: String,
    pub filter_editing: bool,
}

/// Where the hub answers: the public URL (or a port-forward's) and the
/// chart's `hub.baseUrl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubAddress {
    pub url: String,
    pub base_url: String,
    pub route: HubRoute,
}

/// The public URL when proxy-public has one, else the port-forward to the
/// hub pod once it listens.
pub fn address(state: &State) -> Option<HubAddress> {
    let base_url = deployed_values(state)
        .and_then(|v| v.pointer("/hub/baseUrl"))
        .and_then(|v| v.as_str())
        .unwrap_or("/")
        .to_owned();
    if let Some(url) = state.resources.public_url() {
        return Some(HubAddress {
            url,
            base_url,
            route: HubRoute::Public,
        });
    }
    let forward = state.hub.forward.as_ref()?;
    (hub_pod(state).as_deref() == Some(forward.pod.as_str())).then(|| HubAddress {
        url: forward.url.clone(),
        base_url,
        route: HubRoute::PortForward {
            pod: forward.pod.clone(),
        },
    })
}

/// The hub pod a port-forward goes to: the chart's hub, running and ready.
pub fn hub_pod(state: &State) -> Option<String> {
    state
        .resources
        .pods
        .in_group(crate::kube::pod_row::PodGroup::Hub)
        .find(|e| e.row.is_healthy() && e.row.phase == "Running")
        .map(|e| e.row.name.to_string())
}

/// With no public address, a port-forward to the hub pod is asked for
/// (again when the hub pod is another one, and a health period after a
/// failure).
fn forward_wanted(state: &mut State) -> Option<Command> {
    if state.resources.public_url().is_some() || state.hub.forwarding {
        return None;
    }
    let pod = hub_pod(state)?;
    if state.hub.forward.as_ref().is_some_and(|f| f.pod == pod) {
        return None;
    }
    let now = state.now;
    if state
        .hub
        .forward_failed_at
        .is_some_and(|at| (now - at).num_seconds() < HEALTH_EVERY_SECONDS)
    {
        return None;
    }
    state.hub.forwarding = true;
    Some(Command::ForwardHub { pod })
}

/// The answer to [`Command::ForwardHub`].
pub fn forwarded(state: &mut State, pod: String, result: Result<String, String>) {
    state.hub.forwarding = false;
    match result {
        Ok(url) => {
            state.hub.forward = Some(HubForward { pod, url });
            state.hub.forward_failed_at = None;
            state.hub.next_check = None;
        }
        Err(e) => {
            state.hub.forward = None;
            state.hub.forward_failed_at = Some(state.now);
            state.warn(format!("hub: cannot port-forward to {pod}:{HUB_PORT}: {e}"));
        }
    }
}

/// The release's user-supplied values, as deployed.
fn deployed_values(state: &State) -> Option<&serde_json::Value> {
    super::lists::current_record(state).map(|r| &r.config)
}

/// The culler as deployed.
pub fn culler(state: &State) -> Culler {
    deployed_values(state).map_or(Culler::CHART_DEFAULT, Culler::from_values)
}

/// The hub reads due now: called after every update, so a few comparisons.
pub fn wanted(state: &mut State) -> Vec<Command> {
    let mut commands: Vec<Command> = forward_wanted(state).into_iter().collect();
    let Some(address) = address(state) else {
        return commands;
    };
    let now = state.now;
    let hub = &mut state.hub;
    // A new address (the first, or another after a reinstall) is checked at once.
    if hub.health.as_ref().is_some_and(|h| h.url != address.url) && !hub.checking {
        hub.next_check = None;
    }
    if !hub.checking && hub.next_check.is_none_or(|due| now >= due) {
        hub.checking = true;
        commands.push(Command::CheckHub(address.clone()));
    }
    let users_open = state
        .overlays
        .iter()
        .any(|o| matches!(o, Overlay::Users { .. } | Overlay::UserDetails { .. }));
    let hub = &mut state.hub;
    let users_due = hub
        .users_read_at
        .is_none_or(|at| (now - at).num_seconds() >= USERS_EVERY_SECONDS);
    if users_open && !hub.reading_users && users_due {
        hub.reading_users = true;
        commands.push(Command::ReadHubUsers(address.clone()));
    }
    if let Some(Overlay::UserDetails { user, .. }) = state.top_overlay() {
        let user = user.clone();
        let pending = state
            .hub
            .users
            .iter()
            .flatten()
            .any(|u| u.name == user && u.server == ServerState::PendingSpawn);
        if pending && !state.hub.progress.contains_key(&user) {
            state.hub.progress.insert(user.clone(), Vec::new());
            commands.push(Command::FollowSpawn {
                user,
                address: address.clone(),
            });
        }
    }
    commands
}

pub fn health_checked(state: &mut State, url: String, result: Result<u64, String>) {
    // A change is worth a word in the footer; the pane keeps the short form.
    let was_ok = state.hub.health.as_ref().map(HubHealth::ok);
    match (&result, was_ok) {
        (Err(e), None | Some(true)) => state.warn(format!("hub: {e}")),
        (Ok(ms), Some(false)) => state.info(format!("hub answers again ({ms} ms)")),
        _ => {}
    }
    let route = match &state.hub.forward {
        Some(f) if f.url == url => HubRoute::PortForward { pod: f.pod.clone() },
        _ => HubRoute::Public,
    };
    let hub = &mut state.hub;
    hub.checking = false;
    hub.next_check = Some(state.now + chrono::Duration::seconds(HEALTH_EVERY_SECONDS));
    hub.health = Some(HubHealth {
        url,
        route,
        result,
        at: state.now,
    });
}

pub fn users_read(state: &mut State, result: Result<Vec<HubUser>, String>) {
    let hub = &mut state.hub;
    hub.reading_users = false;
    hub.users_read_at = Some(state.now);
    match result {
        Ok(users) => {
            // A spawn no longer pending has no progress to follow.
            hub.progress.retain(|name, _| {
                users
                    .iter()
                    .any(|u| &u.name == name && u.server == ServerState::PendingSpawn)
            });
            hub.users = Some(users);
            hub.users_error = None;
        }
        Err(e) => hub.users_error = Some(e),
    }
}

pub fn progress(state: &mut State, user: String, event: ProgressEvent) {
    if let Some(events) = state.hub.progress.get_mut(&user) {
        events.push(event);
    }
}

/// `U`: the users view, read at once.
pub fn open_users(state: &mut State) -> Vec<Command> {
    if address(state).is_none() {
        state.info(
            "the hub has no address yet: proxy-public has no external IP and no hub pod is ready to port-forward to",
        );
        return Vec::new();
    }
    state.users_view = UsersView::default();
    state.hub.users_read_at = None;
    state.overlays.push(Overlay::Users { selected: 0 });
    Vec::new()
}

/// The rows the users view shows, filtered (fuzzy, by name or server
/// state, as the panes' filter), in its order.
pub fn visible_rows(state: &State) -> Vec<UserRow> {
    let filter = &state.users_view.filter;
    user_rows(state, state.users_view.sort)
        .into_iter()
        .filter(|r| super::fuzzy::matches(filter, &[&r.name, r.server.label()]))
        .collect()
}

pub fn users_key(state: &mut State, selected: usize, key: KeyEvent) -> Vec<Command> {
    if state.users_view.filter_editing {
        let view = &mut state.users_view;
        match key.code {
            KeyCode::Char(c) => view.filter.push(c),
            KeyCode::Backspace => {
                view.filter.pop();
            }
            KeyCode::Enter => view.filter_editing = false,
            KeyCode::Esc => {
                view.filter.clear();
                view.filter_editing = false;
            }
            _ => {}
        }
        set_selected(state, 0);
        return Vec::new();
    }
    let rows = visible_rows(state);
    let page = state.page_rows.max(1);
    match key.code {
        KeyCode::Esc if !state.users_view.filter.is_empty() => {
            state.users_view.filter.clear();
            set_selected(state, 0);
        }
        KeyCode::Esc | KeyCode::Char('q') => {
            state.overlays.pop();
        }
        KeyCode::Char('/') => state.users_view.filter_editing = true,
        KeyCode::Char('o') => {
            state.users_view.sort = match state.users_view.sort {
                UserSort::State => UserSort::Idle,
                UserSort::Idle => UserSort::State,
            };
            set_selected(state, 0);
        }
        KeyCode::Char('s') => stop(state, rows.get(selected)),
        KeyCode::Char('A') => return access(state),
        KeyCode::Enter => {
            if let Some(row) = rows.get(selected) {
                state.overlays.push(Overlay::UserDetails {
                    user: row.name.clone(),
                    scroll: 0,
                });
            }
        }
        code => {
            if let Some(movement) = ScrollMove::from_key(code, page) {
                set_selected(state, movement.in_list(selected, rows.len()));
            }
        }
    }
    Vec::new()
}

fn set_selected(state: &mut State, selected: usize) {
    if let Some(Overlay::Users { selected: s }) = state.overlays.last_mut() {
        *s = selected;
    }
}

/// `A`: the config.yaml change that gives the cockpit its hub service
/// (refused in read-only mode, like every write).
fn access(state: &mut State) -> Vec<Command> {
    if state.target.readonly {
        state.warn("read-only mode: adding the hub service to config.yaml refused (started with --readonly)");
        return Vec::new();
    }
    vec![Command::PrepareHubAccess]
}

/// `s` on a user: their server stops after the confirm dialog.
fn stop(state: &mut State, row: Option<&UserRow>) {
    let Some(row) = row else {
        state.info("no user selected");
        return;
    };
    if row.server == ServerState::Stopped {
        state.info(format!("{}'s server is not running", row.name));
        return;
    }
    let Some(address) = address(state) else {
        return;
    };
    let plan = crate::plan::stop_server(&row.name, &address.url, &address.base_url);
    super::write_flow::request_plan(state, plan);
}

pub fn user_details_key(state: &mut State, user: String, scroll: u16, key: KeyEvent) {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => {
            state.overlays.pop();
            state.hub.progress.remove(&user);
        }
        code => {
            let page = state.page_rows.max(1);
            if let Some(movement) = ScrollMove::from_key(code, page)
                && let Some(Overlay::UserDetails { scroll: s, .. }) = state.overlays.last_mut()
            {
                *s = movement.from_top(scroll);
            }
        }
    }
}
