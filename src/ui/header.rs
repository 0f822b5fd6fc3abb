//! The header line: where the cockpit points and whether it is live.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use super::widgets::{display_width, keep_end};
use crate::app::{Connection, State};
use crate::time_text::elapsed_since;

/// The warnings come first and the context is shortened to fit, so that
/// READ-ONLY, TLS NOT VERIFIED and the connection state stay on screen at
/// 80 columns even with a long GKE context name
/// (gke_<project>_<zone>_<cluster>).
pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let target = &state.target;
    let mut spans = vec![Span::styled(" jhub-cockpit ", theme.title())];
    if target.readonly {
        spans.push(Span::styled("READ-ONLY ", theme.warn()));
    }
    if target.insecure {
        spans.push(Span::styled("TLS NOT VERIFIED ", theme.bad()));
    }
    let mut version = Some(format!(
        "{} ",
        state.server_version.as_deref().unwrap_or("v?")
    ));
    let mut release = state
        .resources
        .releases
        .chosen(target.release.as_deref())
        .map(|name| format!("rel {name} "));
    let connection = connection_span(state, theme);
    let namespace = format!("ns {} ", target.namespace);
    let width = |version: &Option<String>, release: &Option<String>| {
        spans.iter().map(|s| s.width()).sum::<usize>()
            + "ctx  ".len()
            + version.as_ref().map_or(0, |v| display_width(v))
            + display_width(&namespace)
            + release.as_ref().map_or(0, |r| display_width(r))
            + connection.width()
    };
    // Too narrow for all of it: the server version goes first, then the
    // release name (the release pane shows it), before the context is cut
    // below a readable 12 characters.
    const CONTEXT_MIN: usize = 12;
    let available = usize::from(area.width);
    if width(&version, &release) + CONTEXT_MIN > available {
        version = None;
    }
    if width(&version, &release) + CONTEXT_MIN > available {
        release = None;
    }
    let room = available
        .saturating_sub(width(&version, &release))
        .max(CONTEXT_MIN);
    spans.push(Span::raw(format!(
        "ctx {} ",
        keep_end(&target.context, room)
    )));
    if let Some(version) = version {
        spans.push(Span::styled(version, theme.dim()));
    }
    spans.push(Span::raw(namespace));
    if let Some(release) = release {
        spans.push(Span::raw(release));
    }
    spans.push(connection);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn connection_span<'a>(state: &State, theme: &Theme) -> Span<'a> {
    match &state.connection {
        Connection::Connecting => Span::styled("● connecting", theme.warn()),
        Connection::Live => Span::styled("● live", theme.good()),
        Connection::Reconnecting { since, .. } => Span::styled(
            format!("● reconnecting {}", elapsed_since(*since, state.now)),
            theme.warn(),
        ),
        Connection::Unavailable { .. } => Span::styled("● unreachable", theme.bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::keep_end;

    #[test]
    fn a_long_context_keeps_its_end() {
        assert_eq!(keep_end("rig", 8), "rig");
        assert_eq!(
            keep_end("gke_my-project-123456_us-central1-b_notebook-test", 20),
            "…al1-b_notebook-test"
        );
        assert_eq!(keep_end("abcdefghij", 5).chars().count(), 5);
        assert_eq!(keep_end("abcdefghij", 5), "…ghij");
    }
}
