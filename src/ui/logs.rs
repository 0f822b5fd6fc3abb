//! The log viewer: the tail of the followed log, or a scrolled-back window
//! of it. Only the lines that fit are handed to the renderer. The title says
//! whose log (pod, container, which run) and whether it follows; the right
//! of the title says how many earlier lines the bound dropped; search
//! matches are highlighted, the current one most.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use super::widgets::display_width;
use crate::app::logs::LogView;
use crate::app::logs::search::find_all;

pub fn render(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(view))
        .title(Line::from(dropped(view)).right_aligned());
    let inner = block.inner(area);
    let height = inner.height as usize;
    let width = inner.width.max(1) as usize;
    let end = view.lines.len().saturating_sub(view.scroll_back);
    // Walk back from the end until the screen is full, counting wrapped rows.
    let mut start = end;
    let mut rows = 0;
    while start > 0 && rows < height {
        let shown = view.lines[start - 1].shown(view.timestamps);
        let len = display_width(shown).max(1);
        rows += if view.wrap { len.div_ceil(width) } else { 1 };
        if rows > height && start != end {
            break;
        }
        start -= 1;
    }
    let query = view
        .search
        .as_ref()
        .filter(|s| !s.typing)
        .map_or("", |s| s.query.as_str());
    let mut lines: Vec<Line> = (start..end)
        .map(|i| {
            let text = view.lines[i].shown(view.timestamps);
            highlighted(text, query, view.is_current_match(i), theme)
        })
        .collect();
    if let Some(ended) = &view.ended
        && view.following()
    {
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

/// ` Logs POD/CONTAINER previous run · following · wrap `.
fn title(view: &LogView) -> String {
    let mut title = format!(" Logs {}", view.pod);
    if let Some(container) = view.container() {
        title.push('/');
        title.push_str(container);
    }
    if view.containers.len() > 1 {
        title.push_str(&format!(" ({} of c)", view.containers.len()));
    }
    if view.request.previous {
        title.push_str(" · previous run");
    }
    title.push_str(match (&view.ended, view.following()) {
        (Some(_), true) => " · ended ",
        (Some(_), false) => " · ended, G to its end ",
        (None, true) => " · following ",
        (None, false) => " · paused, G follows ",
    });
    if view.wrap {
        title.push_str("· wrap ");
    }
    title
}

fn dropped(view: &LogView) -> String {
    if view.dropped == 0 {
        return String::new();
    }
    format!(" … {} earlier lines dropped ", view.dropped)
}

/// A line with the search's matches marked (bold, underlined), those of
/// the current match's line reversed.
fn highlighted<'a>(text: &'a str, query: &str, current: bool, theme: &Theme) -> Line<'a> {
    let found = find_all(text, query);
    if found.is_empty() {
        return Line::raw(text);
    }
    let style = if current {
        theme.selected()
    } else {
        theme.highlight()
    };
    let mut spans = Vec::with_capacity(found.len() * 2 + 1);
    let mut at = 0;
    for range in found {
        if range.start < at {
            continue;
        }
        spans.push(Span::raw(&text[at..range.start]));
        spans.push(Span::styled(&text[range.clone()], style));
        at = range.end;
    }
    spans.push(Span::raw(&text[at..]));
    Line::from(spans)
}
