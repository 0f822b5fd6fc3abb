//! The release NOTES (what the chart tells the operator after install).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State, scroll: u16, theme: &Theme) {
    let releases = &state.resources.releases;
    let record = releases
        .chosen(state.target.release.as_deref())
        .and_then(|n| releases.current(n));
    let (title, text) = match record {
        Some(r) if !r.notes.trim().is_empty() => (
            format!(" NOTES of {} rev {} · Esc back ", r.name, r.revision),
            r.notes.clone(),
        ),
        Some(r) => (
            format!(" NOTES of {} ", r.name),
            "the chart wrote no NOTES".into(),
        ),
        None => (" NOTES ".into(), "no release".into()),
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text)
            .style(if record.is_none() {
                theme.dim()
            } else {
                ratatui::style::Style::default()
            })
            .block(Block::default().borders(Borders::ALL).title(title))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}
