//! The command palette (`:`): the typed line, then what it completes to,
//! each with the key that does the same; a write in read-only mode greyed
//! with the reason. Anchored at the bottom, over the panes, so the line is
//! where the footer's filter line is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use super::widgets::{display_width, truncate, window_start};
use crate::app::State;
use crate::app::palette::completions;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(palette) = &state.palette else {
        return;
    };
    let list = completions(state, &palette.input);
    // The line, a line for what went wrong, the list: at most the body.
    let wanted = list.len() as u16 + 2 + 2;
    let height = wanted.clamp(5, area.height.max(5)).min(area.height);
    let rect = Rect::new(area.x, area.y + area.height - height, area.width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" : command · Tab completes · ↑↓ choose · Enter runs · Esc leaves ");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);

    let mut lines = vec![Line::from(vec![
        Span::styled(":", theme.key()),
        Span::raw(palette.input.clone()),
        Span::styled("▏", theme.dim()),
    ])];
    lines.push(match &palette.problem {
        Some(problem) => Line::styled(truncate(problem, inner.width as usize), theme.bad()),
        None if list.is_empty() => Line::styled("nothing matches", theme.dim()),
        None => Line::default(),
    });
    let rows = (inner.height as usize).saturating_sub(2);
    let start = window_start(Some(palette.selected), 0, rows, list.len());
    let label_width = list
        .iter()
        .map(|c| display_width(&c.label))
        .max()
        .unwrap_or(0)
        .clamp(8, 28);
    let key_width = 8;
    for (i, c) in list.iter().enumerate().skip(start).take(rows) {
        let dim = c.greyed.is_some();
        let base = if i == palette.selected {
            theme.selected()
        } else if dim {
            theme.dim()
        } else {
            Style::default()
        };
        let what_width = (inner.width as usize).saturating_sub(label_width + key_width + 3);
        let mut what = c.what.clone();
        if let Some(why) = c.greyed {
            what = format!("{what} · {why}");
        }
        if c.recent {
            what = format!("(recent) {what}");
        }
        lines.push(
            Line::from(vec![
                Span::raw(format!(
                    " {:<label_width$} ",
                    truncate(&c.label, label_width)
                )),
                Span::styled(
                    format!("{:<key_width$} ", truncate(c.key, key_width)),
                    if dim { theme.dim() } else { theme.key() },
                ),
                Span::raw(truncate(&what, what_width)),
            ])
            .style(base),
        );
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
