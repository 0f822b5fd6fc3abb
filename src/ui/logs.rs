//! The log viewer: the tail of the followed pod's log, or a scrolled-back
//! window of it. Only the lines that fit are handed to the renderer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use super::widgets::display_width;
use crate::app::logs::LogView;

pub fn render(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) {
    frame.render_widget(Clear, area);
    let mode = if view.following() {
        "following"
    } else {
        "paused · G follows"
    };
    let mut title = format!(" Logs {} · {mode} ", view.pod);
    if view.wrap {
        title.push_str("· wrap ");
    }
    if view.dropped > 0 {
        title.push_str(&format!("· {} older lines dropped ", view.dropped));
    }
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    let height = inner.height as usize;
    let width = inner.width.max(1) as usize;
    let end = view.lines.len().saturating_sub(view.scroll_back);
    // Walk back from the end until the screen is full, counting wrapped rows.
    let mut start = end;
    let mut rows = 0;
    while start > 0 && rows < height {
        let len = display_width(&view.lines[start - 1]).max(1);
        rows += if view.wrap { len.div_ceil(width) } else { 1 };
        if rows > height && start != end {
            break;
        }
        start -= 1;
    }
    let mut lines: Vec<Line> = view
        .lines
        .range(start..end)
        .map(|l| Line::raw(l.clone()))
        .collect();
    if let Some(ended) = &view.ended {
        lines.push(Line::styled(format!("— {ended}"), theme.dim()));
    }
    if lines.is_empty() {
        lines.push(Line::styled("waiting for log lines…", theme.dim()));
    }
    let mut paragraph = Paragraph::new(lines).block(block);
    if view.wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    frame.render_widget(paragraph, area);
}
