//! Keys to state changes. The help overlay is drawn from [`HELP`], so every
//! key handled here is listed there.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::command::Command;
use super::lists;
use super::scroll::ScrollMove;
use super::state::{Overlay, Pane, State};
use super::write_flow;

pub struct KeyHelp {
    pub keys: &'static str,
    pub what: &'static str,
    /// Action keys of later work are listed but say they are not available.
    pub available: bool,
}

const fn key(keys: &'static str, what: &'static str) -> KeyHelp {
    KeyHelp {
        keys,
        what,
        available: true,
    }
}

pub const HELP: &[(&str, &[KeyHelp])] = &[
    (
        "Move",
        &[
            key("Tab S-Tab", "next / previous pane"),
            key("1 2 3 4", "go to pane"),
            key("j k / ↓ ↑", "down / up"),
            key("g G Home End", "first / last row"),
            key("PgDn PgUp", "page down / up"),
            key("/", "filter by name"),
        ],
    ),
    (
        "Look",
        &[
            key("Enter", "details / history"),
            key("l", "pod logs"),
            key("U", "hub users, servers"),
            key("K C N", "clusters, contexts, ns"),
            key(":", "command palette"),
            key("n", "release NOTES"),
            key("w P E", "workloads, pulls, events"),
            key("o", "operation panel"),
            key("V", "reveal secrets"),
            key("?", "this help"),
            key("Esc", "back"),
            key("q / Ctrl-C", "quit"),
            key("Ctrl-Z", "suspend to the shell"),
        ],
    ),
    (
        "Act",
        &[
            key("c D", "create, delete GKE cluster"),
            key("S", "generate secrets"),
            key("M", "move secrets out of config"),
            key("e I", "edit config, set image"),
            key("i", "install chart"),
            key("u", "upgrade (diff first)"),
            key("r", "roll back (in history)"),
            key("X", "uninstall"),
        ],
    ),
    (
        "In a view",
        &[
            key("Enter m d", "history: show, mark, diff"),
            key("C A a d", "K: connect; pools"),
            key("l", "pod details: its logs"),
            key("W", "events: Warnings first"),
            key("y", "confirm a dialog"),
        ],
    ),
    (
        "Logs",
        &[
            key("/ n N", "search, older, newer"),
            key("&", "only the lines that match"),
            key("c p", "container, previous run"),
            key("r", "reconnect, no repeats"),
            key("t w s G", "time, wrap, save; follow"),
        ],
    ),
];

pub fn handle(state: &mut State, key: KeyEvent) -> Vec<Command> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        if key.code == KeyCode::Char('c') {
            state.quit = true;
            return vec![Command::Quit];
        }
        // Ctrl-U is "clear the line" to a shell user's hands, not `u`
        // (upgrade): no key of the cockpit but Ctrl-C (and the loop's
        // Ctrl-Z) is a Ctrl key, so the others do nothing.
        return Vec::new();
    }
    if state.filter.editing {
        edit_filter(state, key);
        return Vec::new();
    }
    match state.top_overlay().cloned() {
        Some(overlay) => overlay_key(state, overlay, key),
        None => main_key(state, key),
    }
}

fn edit_filter(state: &mut State, key: KeyEvent) {
    match key.code {
        KeyCode::Esc => {
            state.filter.text.clear();
            state.filter.editing = false;
        }
        KeyCode::Enter => state.filter.editing = false,
        KeyCode::Backspace => {
            state.filter.text.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            state.filter.text.push(c)
        }
        _ => {}
    }
    // The filtered list changed under the selection: start from its top.
    let pane = state.focus;
    let sel = state.selection_mut(pane);
    sel.index = 0;
    sel.name = None;
    sel.offset = 0;
}

fn main_key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    let page = state.page_rows.max(1) as isize;
    match key.code {
        KeyCode::Char('q') => {
            state.quit = true;
            return vec![Command::Quit];
        }
        KeyCode::Char('?') => {
            state.help_scroll = 0;
            state.overlays.push(Overlay::Help);
        }
        KeyCode::Tab => state.focus = state.focus.next(),
        KeyCode::BackTab => state.focus = state.focus.previous(),
        KeyCode::Char(c @ '1'..='4') => state.focus = Pane::ALL[c as usize - '1' as usize],
        KeyCode::Char('j') | KeyCode::Down => move_selection(state, 1),
        KeyCode::Char('k') | KeyCode::Up => move_selection(state, -1),
        KeyCode::Char('g') | KeyCode::Home => move_selection(state, isize::MIN),
        KeyCode::Char('G') | KeyCode::End => move_selection(state, isize::MAX),
        KeyCode::PageDown => move_selection(state, page),
        KeyCode::PageUp => move_selection(state, -page),
        KeyCode::Char('/') => {
            state.filter.editing = true;
        }
        KeyCode::Esc => {
            // Esc first hides the progress panel, then clears the filter.
            let panel_shown = state.operation.as_ref().is_some_and(|o| !o.hidden);
            if !(panel_shown && write_flow::toggle_panel(state, false)) {
                state.filter.text.clear();
            }
        }
        KeyCode::Char('o') if !write_flow::toggle_panel(state, true) => {
            state.info("no operation has run yet");
        }
        KeyCode::Char('V') => {
            state.info("reading the secrets file to show its values (Esc hides them)");
            return vec![Command::RevealSecrets];
        }
        KeyCode::Char('c') => return super::gke_view::open_create(state),
        KeyCode::Char('D') => return super::gke_view::request_delete(state),
        KeyCode::Char('K') => return super::clusters_view::open(state),
        KeyCode::Char('C') => return super::clusters_view::open_contexts(state),
        KeyCode::Char('N') => return super::target_switch::open_picker(state),
        KeyCode::Char(':') => return super::palette::open(state),
        KeyCode::Char(c) if write_flow::WRITE_KEYS.contains(&c) => {
            return write_flow::request(state, c);
        }
        KeyCode::Enter => return open_details(state),
        KeyCode::Char('l') => return open_logs(state),
        KeyCode::Char('U') => return super::hub_view::open_users(state),
        KeyCode::Char('n') => state.overlays.push(Overlay::Notes { scroll: 0 }),
        KeyCode::Char('w') => state.overlays.push(Overlay::Workloads { scroll: 0 }),
        KeyCode::Char('I') => return super::image_form::open(state),
        KeyCode::Char('P') => state.overlays.push(Overlay::Pulls { scroll: 0 }),
        KeyCode::Char('E') => return super::events_view::open(state),
        _ => {}
    }
    Vec::new()
}

/// What a key of the main screen does, for the palette's commands that
/// are a key's (`:workloads` is `w`).
pub fn handle_main_char(state: &mut State, c: char) -> Vec<Command> {
    main_key(state, KeyEvent::from(KeyCode::Char(c)))
}

fn overlay_key(state: &mut State, overlay: Overlay, key: KeyEvent) -> Vec<Command> {
    // The dialog takes every key: typed names may contain q.
    if overlay == Overlay::Confirm {
        return write_flow::confirm_key(state, key);
    }
    // So does the palette: a command is typed there.
    if overlay == Overlay::Palette {
        return super::palette::key(state, key);
    }
    if let Overlay::Namespaces { selected } = overlay {
        return super::target_switch::picker_key(state, selected, key);
    }
    if overlay == Overlay::CreateCluster {
        return super::gke_view::form_key(state, key);
    }
    if overlay == Overlay::PoolForm {
        return super::pool_form::key(state, key);
    }
    // The GKE views have keys of their own (q closes them too).
    match overlay {
        Overlay::Clusters { selected } => {
            return super::clusters_view::list_key(state, selected, key);
        }
        Overlay::ClusterDetails {
            name,
            location,
            pool,
        } => return super::clusters_view::details_key(state, (name, location, pool), key),
        Overlay::Contexts { selected } => {
            return super::clusters_view::contexts_key(state, selected, key);
        }
        _ => {}
    }
    if overlay == Overlay::ImageForm {
        return super::image_form::key(state, key);
    }
    // The log view has its own keys, a search to type among them.
    if overlay == Overlay::Logs {
        return super::logs::flow::key(state, key);
    }
    // So has the users view, with its filter.
    if let Overlay::Users { selected } = overlay {
        return super::hub_view::users_key(state, selected, key);
    }
    // And the events view, with its filter and order.
    if let Overlay::Events { selected } = overlay {
        return super::events_view::key(state, selected, key);
    }
    if let Overlay::UserDetails { user, scroll } = overlay {
        super::hub_view::user_details_key(state, user, scroll, key);
        return Vec::new();
    }
    if matches!(overlay, Overlay::History { .. }) && key.code == KeyCode::Char('r') {
        return write_flow::request(state, 'r');
    }
    let close = matches!(key.code, KeyCode::Esc | KeyCode::Char('q'))
        || (overlay == Overlay::Help && key.code == KeyCode::Char('?'));
    if close {
        state.overlays.pop();
        return Vec::new();
    }
    let page = state.page_rows.max(1);
    match overlay {
        Overlay::Help => state.help_scroll = scrolled(state.help_scroll, key.code, page),
        Overlay::NodeDetails { .. }
        | Overlay::ServiceDetails { .. }
        | Overlay::Confirm
        | Overlay::ImageForm
        | Overlay::CreateCluster
        | Overlay::PoolForm => {}
        Overlay::Pulls { scroll } => {
            let scroll = scrolled(scroll, key.code, page);
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::Pulls { scroll };
            }
        }
        Overlay::PodDetails { pod, scroll } => {
            if key.code == KeyCode::Char('l') {
                return open_logs_of(state, pod);
            }
            let scroll = scrolled(scroll, key.code, page);
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::PodDetails { pod, scroll };
            }
        }
        Overlay::Notes { scroll } => {
            let scroll = scrolled(scroll, key.code, page);
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::Notes { scroll };
            }
        }
        Overlay::Workloads { scroll } => {
            let scroll = scrolled(scroll, key.code, page);
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::Workloads { scroll };
            }
        }
        Overlay::Text {
            title,
            lines,
            scroll,
        } => {
            let scroll = scrolled(scroll, key.code, page);
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::Text {
                    title,
                    lines,
                    scroll,
                };
            }
        }
        Overlay::History { selected }
            if matches!(
                key.code,
                KeyCode::Enter | KeyCode::Char('m') | KeyCode::Char('d')
            ) =>
        {
            history_key(state, selected, key.code);
        }
        Overlay::History { selected } => {
            let len = lists::revisions(state).len();
            let selected = match key.code {
                KeyCode::Char('j') | KeyCode::Down => (selected + 1).min(len.saturating_sub(1)),
                KeyCode::Char('k') | KeyCode::Up => selected.saturating_sub(1),
                KeyCode::Char('g') | KeyCode::Home => 0,
                KeyCode::Char('G') | KeyCode::End => len.saturating_sub(1),
                _ => selected,
            };
            if let Some(top) = state.overlays.last_mut() {
                *top = Overlay::History { selected };
            }
        }
        Overlay::Logs
        | Overlay::Users { .. }
        | Overlay::UserDetails { .. }
        | Overlay::Events { .. }
        | Overlay::Clusters { .. }
        | Overlay::ClusterDetails { .. }
        | Overlay::Contexts { .. }
        | Overlay::Namespaces { .. }
        | Overlay::Palette => {
            unreachable!("handled above")
        }
    }
    Vec::new()
}

/// Every text overlay's scroll (details, NOTES, workloads, values and
/// diffs) after a scroll key.
fn scrolled(scroll: u16, code: KeyCode, page: usize) -> u16 {
    ScrollMove::from_key(code, page).map_or(scroll, |movement| movement.from_top(scroll))
}

/// Enter shows the selected revision's values; m marks a revision; d diffs
/// the marked one (else the one before) against the selected one. Secret
/// values are masked.
fn history_key(state: &mut State, selected: usize, code: KeyCode) {
    let revisions = lists::revisions(state);
    let Some(chosen) = revisions.get(selected) else {
        return;
    };
    let masked =
        |r: &crate::helm::release::ReleaseRecord| crate::secrets::mask_secrets(r.config.clone());
    let overlay = match code {
        KeyCode::Char('m') => {
            let rev = chosen.revision;
            state.history_mark = Some(rev);
            state.info(format!(
                "revision {rev} marked: select another and press d to diff"
            ));
            return;
        }
        KeyCode::Enter => {
            let yaml = crate::values::to_yaml(&masked(chosen));
            Overlay::Text {
                title: format!("values of revision {} (user-supplied)", chosen.revision),
                lines: yaml
                    .lines()
                    .map(|l| crate::values::DiffLine {
                        tag: crate::values::DiffTag::Context,
                        text: l.to_owned(),
                    })
                    .collect(),
                scroll: 0,
            }
        }
        _ => {
            let base = match state.history_mark {
                Some(m) => revisions.iter().find(|r| r.revision == m).copied(),
                None => revisions.get(selected + 1).copied(),
            };
            let Some(base) = base.filter(|b| b.revision != chosen.revision) else {
                state.info("mark another revision with m first (or select one that has a previous revision)");
                return;
            };
            let mut lines = crate::values::diff(&masked(base), &masked(chosen));
            if lines.is_empty() {
                lines.push(crate::values::DiffLine {
                    tag: crate::values::DiffTag::Context,
                    text: "the values are the same".into(),
                });
            }
            Overlay::Text {
                title: format!("values: revision {} → {}", base.revision, chosen.revision),
                lines,
                scroll: 0,
            }
        }
    };
    state.overlays.push(overlay);
}

/// Moves the focused pane's selection by `delta` rows (clamped), keeping it
/// in view.
fn move_selection(state: &mut State, delta: isize) {
    let pane = state.focus;
    let names = lists::names(state, pane);
    let Some(current) = lists::selected_index(state, pane, &names) else {
        return;
    };
    let last = names.len() - 1;
    let index = match delta {
        isize::MIN => 0,
        isize::MAX => last,
        d => (current as isize + d).clamp(0, last as isize) as usize,
    };
    let name = names[index].to_owned();
    let rows = state.page_rows.max(1);
    let sel = state.selection_mut(pane);
    sel.index = index;
    sel.name = Some(name);
    if index < sel.offset {
        sel.offset = index;
    } else if index >= sel.offset + rows {
        sel.offset = index + 1 - rows;
    }
}

fn open_details(state: &mut State) -> Vec<Command> {
    let pane = state.focus;
    if pane == Pane::Release {
        state.overlays.push(Overlay::History { selected: 0 });
        return Vec::new();
    }
    let Some(name) = lists::selected_name(state, pane) else {
        state.info("nothing selected");
        return Vec::new();
    };
    let commands = match pane {
        Pane::Pods => super::pod_details::opened(state, &name),
        _ => Vec::new(),
    };
    state.overlays.push(match pane {
        Pane::Cluster => Overlay::NodeDetails { node: name },
        Pane::Pods => Overlay::PodDetails {
            pod: name,
            scroll: 0,
        },
        Pane::Services => Overlay::ServiceDetails { service: name },
        Pane::Release => unreachable!("handled above"),
    });
    commands
}

fn open_logs(state: &mut State) -> Vec<Command> {
    if state.focus != Pane::Pods {
        state.info("logs: select a pod in the Pods pane (3) first");
        return Vec::new();
    }
    match lists::selected_name(state, Pane::Pods) {
        Some(pod) => open_logs_of(state, pod),
        None => {
            state.info("no pod selected");
            Vec::new()
        }
    }
}

fn open_logs_of(state: &mut State, pod: String) -> Vec<Command> {
    super::logs::flow::open(state, pod)
}
