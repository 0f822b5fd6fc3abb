//! The namespace picker (N, `:ns`): namespaces holding a JupyterHub
//! release first, with the release, its chart version and status; the
//! panes' own marked ●.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};

use super::theme::Theme;
use super::widgets::{truncate, window_start};
use crate::app::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State, selected: usize, theme: &Theme) {
    let title = format!(
        " namespaces on {} · Enter switches · s switches and saves ",
        state.target.context
    );
    frame.render_widget(Clear, area);
    let block = Block::default().borders(Borders::ALL).title(title);
    let note = match &state.namespaces.read {
        None => Some(Line::styled("reading the namespaces…", theme.dim())),
        Some(Err(why)) => Some(Line::styled(
            format!("cannot list the namespaces ({why}); :ns NAME switches to one by name"),
            theme.bad(),
        )),
        Some(Ok(n)) if n.entries.is_empty() => {
            Some(Line::styled("no namespaces listed", theme.dim()))
        }
        Some(Ok(_)) => None,
    };
    if let Some(line) = note {
        frame.render_widget(
            Paragraph::new(line)
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    }
    let entries = state.namespaces.ordered();
    let unknown = match &state.namespaces.read {
        Some(Ok(n)) => n.releases_unknown.clone(),
        _ => None,
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let table_area = match &unknown {
        Some(_) => Rect::new(
            inner.x,
            inner.y,
            inner.width,
            inner.height.saturating_sub(1),
        ),
        None => inner,
    };
    let height = table_area.height.saturating_sub(1) as usize;
    let start = window_start(Some(selected), 0, height, entries.len());
    let rows: Vec<Row> = entries
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, e)| {
            let on = e.name == state.target.namespace;
            let (release, chart, status) = match &e.release {
                Some(r) => (
                    r.name.clone(),
                    format!("{} {}", r.chart, r.chart_version),
                    format!("{} (rev {})", r.status, r.revision),
                ),
                None => Default::default(),
            };
            Row::new([
                Cell::from(Span::styled(if on { "●" } else { " " }, theme.good())),
                Cell::from(truncate(&e.name, 18)),
                Cell::from(truncate(&release, 14)),
                Cell::from(truncate(&chart, 22)),
                Cell::from(status),
            ])
            .style(if i == selected {
                theme.selected()
            } else {
                Style::default()
            })
        })
        .collect();
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(1),
                Constraint::Length(18),
                Constraint::Length(14),
                Constraint::Length(22),
                Constraint::Min(8),
            ],
        )
        .header(
            Row::new(["", "NAMESPACE", "RELEASE", "CHART", "STATUS"]).style(theme.header_row()),
        ),
        table_area,
    );
    if let Some(why) = unknown {
        let line = Rect::new(
            inner.x,
            inner.y + inner.height.saturating_sub(1),
            inner.width,
            1,
        );
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate(&format!("releases not read: {why}"), inner.width as usize),
                theme.warn(),
            )),
            line,
        );
    }
}
