//! The release history: every revision, newest first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Clear, Row, Table};

use super::release_pane::status_style;
use super::theme::Theme;
use super::widgets::{truncate, window_start};
use crate::app::{State, lists};
use crate::time_text::format_age;

pub fn render(frame: &mut Frame, area: Rect, state: &State, selected: usize, theme: &Theme) {
    let revisions = lists::revisions(state);
    let height = area.height.saturating_sub(3) as usize;
    let start = window_start(Some(selected), 0, height, revisions.len());
    let rows: Vec<Row> = revisions
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, r)| {
            Row::new([
                Cell::from(r.revision.to_string()),
                Cell::from(Span::styled(
                    r.status.to_string(),
                    status_style(&r.status, theme),
                )),
                Cell::from(format!("{}-{}", r.chart_name, r.chart_version)),
                Cell::from(r.app_version.clone().unwrap_or_default()),
                Cell::from(format_age(r.last_deployed, state.now)),
                Cell::from(truncate(&r.description, 60)),
            ])
            .style(if i == selected {
                theme.selected()
            } else {
                Style::default()
            })
        })
        .collect();
    frame.render_widget(Clear, area);
    let table = Table::new(
        rows,
        [
            Constraint::Length(4),
            Constraint::Length(16),
            Constraint::Length(22),
            Constraint::Length(7),
            Constraint::Length(8),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new(["REV", "STATUS", "CHART", "APP", "UPDATED", "DESCRIPTION"])
            .style(theme.header_row()),
    )
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(" History · j/k select · Esc back "),
    );
    frame.render_widget(table, area);
}
