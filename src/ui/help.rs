//! The `?` overlay, drawn from the key table in app::keys: every key the
//! cockpit handles is listed, and the ones not built yet say so.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use super::theme::Theme;
use super::widgets::display_width;
use crate::app::keys::{HELP, KeyHelp};

fn column_lines<'a>(sections: &[&'a (&'a str, &'a [KeyHelp])], theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    for (title, keys) in sections {
        // One key width per section, so its lines line up and one long
        // key does not squeeze another section's descriptions.
        let width = keys
            .iter()
            .map(|k| display_width(k.keys))
            .max()
            .unwrap_or(0)
            + 2;
        lines.push(Line::styled(*title, theme.title()));
        lines.extend(keys.iter().map(|k| key_line(k, width, theme)));
    }
    lines
}

fn key_line<'a>(k: &'a KeyHelp, width: usize, theme: &Theme) -> Line<'a> {
    {
        let mut spans = vec![
            Span::styled(format!(" {:<width$}", k.keys), theme.key()),
            Span::raw(k.what),
        ];
        if !k.available {
            spans.push(Span::styled(" (later)", theme.dim()));
        }
        Line::from(spans)
    }
}

pub fn render(frame: &mut Frame, area: Rect, theme: &Theme) {
    // Navigation and looking on the left, actions on the right: two columns
    // fit an 80x24 terminal where one would not.
    let sections: Vec<&(&str, &[KeyHelp])> = HELP.iter().collect();
    let (left, right) = sections.split_at(2.min(sections.len()));
    let left = column_lines(left, theme);
    let right = column_lines(right, theme);
    let height = (left.len().max(right.len()) as u16 + 2).min(area.height);
    let rect = centered(area, 78, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Keys · Esc closes ");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [l, r] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
}
