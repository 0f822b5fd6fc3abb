//! The footer: key hints for where the keyboard is, and the last message.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::state::FooterLevel;
use crate::app::state::Pane;
use crate::app::{Connection, Overlay, State};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let log_search = state
        .logs
        .as_ref()
        .and_then(|v| v.search.as_ref())
        .filter(|s| s.typing);
    let line = if state.users_view.filter_editing
        && matches!(state.top_overlay(), Some(Overlay::Users { .. }))
    {
        Line::from(vec![
            Span::styled("/", theme.key()),
            Span::raw(state.users_view.filter.clone()),
            Span::styled("▏ Enter keep · Esc clear", theme.dim()),
        ])
    } else if state.events_view.filter.editing
        && matches!(state.top_overlay(), Some(Overlay::Events { .. }))
    {
        Line::from(vec![
            Span::styled("/", theme.key()),
            Span::raw(state.events_view.filter.text.clone()),
            Span::styled("▏ Enter keep · Esc clear", theme.dim()),
        ])
    } else if let Some(search) = log_search {
        Line::from(vec![
            Span::styled("/", theme.key()),
            Span::raw(search.query.clone()),
            Span::styled("▏ Enter find · Esc cancel", theme.dim()),
        ])
    } else if let Some((prompt, text)) = view_filter_typed(state) {
        Line::from(vec![
            Span::styled(prompt, theme.key()),
            Span::raw(text.to_owned()),
            Span::styled("▏ Enter keep · Esc clear", theme.dim()),
        ])
    } else if state.filter.editing {
        Line::from(vec![
            Span::styled("/", theme.key()),
            Span::raw(state.filter.text.clone()),
            Span::styled("▏ Enter keep · Esc clear", theme.dim()),
        ])
    } else if let Some(op) = state.operation.as_ref().filter(|o| o.hidden && o.running()) {
        // The panel is hidden but the work goes on: say so.
        Line::from(vec![
            Span::styled(
                format!(
                    "{} {} {}",
                    super::progress::spinner(op, state),
                    op.action.title(),
                    super::progress::took(op, state)
                ),
                theme.warn(),
            ),
            Span::styled("  o shows it", theme.dim()),
        ])
    } else if let Some((text, level)) = message(state) {
        let style = match level {
            FooterLevel::Info => theme.dim(),
            FooterLevel::Warning => theme.warn(),
            FooterLevel::Error => theme.bad(),
        };
        Line::from(Span::styled(text, style))
    } else {
        hints(state, theme)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The filter of the view on top (clusters, contexts, the log's lines)
/// while it is typed: its key and its text.
fn view_filter_typed(state: &State) -> Option<(&'static str, &str)> {
    match state.top_overlay()? {
        Overlay::Clusters { .. } => state
            .gke
            .as_ref()
            .map(|g| &g.filter)
            .filter(|f| f.editing)
            .map(|f| ("/", f.text.as_str())),
        Overlay::Contexts { .. } => Some(&state.contexts_filter)
            .filter(|f| f.editing)
            .map(|f| ("/", f.text.as_str())),
        Overlay::Logs => state
            .logs
            .as_ref()
            .and_then(|v| v.filter.as_ref())
            .filter(|f| f.typing)
            .map(|f| ("&", f.text.as_str())),
        _ => None,
    }
}

/// A connection problem outranks the last message: it is what the operator
/// must act on.
fn message(state: &State) -> Option<(String, FooterLevel)> {
    match &state.connection {
        Connection::Unavailable { .. } => Some((
            "cannot reach the cluster; retrying (the Pods pane says why)".into(),
            FooterLevel::Error,
        )),
        Connection::Reconnecting { error, .. } => Some((
            format!("watch failed: {error} (retrying; panes show the last state)"),
            FooterLevel::Warning,
        )),
        _ => state.footer.message.clone(),
    }
}

fn hints<'a>(state: &State, theme: &Theme) -> Line<'a> {
    let pairs: &[(&str, &str)] = match state.top_overlay() {
        Some(Overlay::Logs) => &[
            ("/", "search"),
            ("&", "filter"),
            ("c", "container"),
            ("p", "prev"),
            ("r", "reconnect"),
            ("s", "save"),
            ("t", "time"),
            ("w", "wrap"),
            ("Esc", "back"),
        ],
        Some(Overlay::Help) => &[("j/k", "scroll"), ("Esc", "close")],
        // The palette draws its own keys in its title.
        Some(Overlay::Palette) => &[],
        Some(Overlay::Namespaces { .. }) => &[
            ("j/k", "select"),
            ("Enter", "switch"),
            ("s", "switch and save"),
            ("Esc", "back"),
        ],
        Some(Overlay::Confirm) => &[],
        Some(Overlay::Clusters { .. }) => &[
            ("j/k", "select"),
            ("Enter", "pools"),
            ("C", "connect"),
            ("A", "user pool"),
            ("D", "delete"),
            ("/", "filter"),
            ("Esc", "back"),
        ],
        Some(Overlay::ClusterDetails { .. }) => &[
            ("j/k", "pool"),
            ("C", "connect"),
            ("A", "user pool"),
            ("a", "scale"),
            ("d", "delete pool"),
            ("D", "delete cluster"),
            ("Esc", "back"),
        ],
        Some(Overlay::Contexts { .. }) => &[
            ("j/k", "select"),
            ("Enter", "switch"),
            ("/", "filter"),
            ("Esc", "back"),
        ],
        Some(Overlay::ImageForm | Overlay::CreateCluster | Overlay::PoolForm) => {
            &[("Tab", "field"), ("Enter", "go on"), ("Esc", "cancel")]
        }
        Some(Overlay::History { .. }) => &[
            ("j/k", "select"),
            ("Enter", "values"),
            ("m", "mark"),
            ("d", "diff"),
            ("r", "roll back"),
            ("Esc", "back"),
        ],
        Some(Overlay::PodDetails { .. }) => &[("j/k", "scroll"), ("l", "logs"), ("Esc", "back")],
        Some(Overlay::Users { .. }) => &[
            ("j/k", "select"),
            ("Enter", "details"),
            ("s", "stop server"),
            ("o", "sort"),
            ("A", "access"),
            ("/", "filter"),
            ("Esc", "back"),
        ],
        Some(Overlay::Events { .. }) => &[
            ("j/k", "select"),
            ("Enter", "open object"),
            ("W", "Warnings first"),
            ("/", "filter"),
            ("Esc", "back"),
        ],
        Some(_) => &[("j/k", "move"), ("Esc", "back")],
        // The main screen: the keys of the focused pane first.
        None => match state.focus {
            Pane::Cluster => &[
                ("Enter", "node"),
                ("K", "clusters"),
                ("C", "contexts"),
                ("N", "namespaces"),
                ("/", "filter"),
                (":", "command"),
                ("?", "help"),
            ],
            Pane::Release => &[
                ("Enter", "history"),
                ("u", "upgrade"),
                ("r", "roll back"),
                ("w", "workloads"),
                ("n", "notes"),
                (":", "command"),
                ("?", "help"),
            ],
            Pane::Pods => &[
                ("Enter", "details"),
                ("l", "logs"),
                ("U", "users"),
                ("/", "filter"),
                ("Tab", "pane"),
                (":", "command"),
                ("?", "help"),
            ],
            Pane::Services => &[
                ("Enter", "details"),
                ("/", "filter"),
                ("Tab", "pane"),
                (":", "command"),
                ("?", "help"),
                ("q", "quit"),
            ],
        },
    };
    let mut spans = Vec::new();
    for (key, what) in pairs {
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}
