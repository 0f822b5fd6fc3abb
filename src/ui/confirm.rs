//! The confirmation dialog every write passes through: what will happen,
//! the values diff for an upgrade, and the answer (y, or the typed name).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::State;
use crate::app::actions::Confirmation;
use crate::values::DiffTag;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(pending) = &state.confirm else {
        return;
    };
    let mut lines: Vec<Line> = pending
        .explain
        .iter()
        .map(|l| {
            if l.starts_with('⚠') {
                Line::styled(l.clone(), theme.warn())
            } else {
                Line::raw(l.clone())
            }
        })
        .collect();
    if !pending.diff.is_empty() {
        lines.push(Line::raw(""));
        for d in &pending.diff {
            lines.push(match d.tag {
                DiffTag::Added => Line::styled(format!("+{}", d.text), theme.good()),
                DiffTag::Removed => Line::styled(format!("-{}", d.text), theme.bad()),
                DiffTag::Hunk => Line::styled(d.text.clone(), theme.key()),
                DiffTag::Context => Line::styled(format!(" {}", d.text), theme.dim()),
            });
        }
    }
    let prompt = match &pending.confirmation {
        Confirmation::YesNo => Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(" confirms · any other key cancels"),
            Span::styled(
                if pending.diff.len() > 5 {
                    " · j/k scroll"
                } else {
                    ""
                },
                theme.dim(),
            ),
        ]),
        Confirmation::Typed { expected, typed } => Line::from(vec![
            Span::raw("type "),
            Span::styled(expected.clone(), theme.key()),
            Span::raw(" and Enter to confirm, Esc cancels: "),
            Span::styled(format!("{typed}▏"), theme.title()),
        ]),
    };
    // The answer line stays at the bottom however long the diff is; the
    // height counts wrapped rows.
    let width = area.width.min(78);
    let text_width = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(text_width))
        .sum();
    let height = (rows as u16).saturating_add(4).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, rect);
    let title = format!(" Confirm: {} ", pending.action.title());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.warn())
        .title(title);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.height == 0 {
        return;
    }
    let body = Rect::new(
        inner.x,
        inner.y,
        inner.width,
        inner.height.saturating_sub(2),
    );
    let answer = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((pending.scroll, 0)),
        body,
    );
    frame.render_widget(Paragraph::new(prompt), answer);
}
