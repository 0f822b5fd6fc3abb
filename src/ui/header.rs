//! The header line: where the cockpit points and whether it is live.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::services_pane::elapsed;
use super::theme::Theme;
use crate::app::{Connection, State};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let target = &state.target;
    let mut spans = vec![
        Span::styled(" jhub-cockpit ", theme.title()),
        Span::raw(format!("ctx {} ", target.context)),
        Span::styled(
            state.server_version.clone().unwrap_or_else(|| "v?".into()),
            theme.dim(),
        ),
        Span::raw(format!(" ns {} ", target.namespace)),
    ];
    if let Some(name) = state.resources.releases.chosen(target.release.as_deref()) {
        spans.push(Span::raw(format!("rel {name} ")));
    }
    spans.push(connection_span(state, theme));
    if target.readonly {
        spans.push(Span::styled(" READ-ONLY", theme.warn()));
    }
    if target.insecure {
        spans.push(Span::styled(" TLS NOT VERIFIED", theme.bad()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn connection_span<'a>(state: &State, theme: &Theme) -> Span<'a> {
    match &state.connection {
        Connection::Connecting => Span::styled("● connecting", theme.warn()),
        Connection::Live => Span::styled("● live", theme.good()),
        Connection::Reconnecting { since, .. } => Span::styled(
            format!(
                "● reconnecting {}",
                elapsed((state.now - *since).num_seconds().max(0))
            ),
            theme.warn(),
        ),
        Connection::Unavailable { .. } => Span::styled("● unreachable", theme.bad()),
    }
}
