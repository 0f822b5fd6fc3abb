//! A scrollable text overlay: a revision's values, a diff between two
//! revisions (coloured), or the revealed secrets.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::values::{DiffLine, DiffTag};

pub fn render(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: &[DiffLine],
    scroll: u16,
    theme: &Theme,
) {
    let text: Vec<Line> = lines
        .iter()
        .map(|d| match d.tag {
            DiffTag::Added => Line::styled(format!("+{}", d.text), theme.good()),
            DiffTag::Removed => Line::styled(format!("-{}", d.text), theme.bad()),
            DiffTag::Hunk => Line::styled(d.text.clone(), theme.key()),
            DiffTag::Context => Line::raw(d.text.clone()),
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {title} · j/k scroll · Esc back ")),
        ),
        area,
    );
}
