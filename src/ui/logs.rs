//! The log viewer: the tail of the followed log, or a scrolled-back window
//! of it; with a filter, of the lines it passes. Only the lines that fit
//! are handed to the renderer. The title says whose log (pod, container,
//! which run), the filter and how many lines pass it, and whether it
//! follows; the bottom line says how many earlier lines the bound dropped;
//! search matches are highlighted, the current one most, and the letters
//! the filter matched as in the lists.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use super::widgets::display_width;
use crate::app::logs::LogView;
use crate::app::logs::search::find_all;

pub fn render(frame: &mut Frame, area: Rect, view: &LogView, theme: &Theme) {
    frame.render_widget(Clear, area);
    // The bound's note on the bottom line: the top one is for what the
    // view shows (whose log, the filter, following or not).
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(view))
        .title_bottom(Line::from(dropped(view)).right_aligned());
    let inner = block.inner(area);
    let height = inner.height as usize;
    let width = inner.width.max(1) as usize;
    // Positions among the lines shown (all, or the filter's).
    let end = view.shown_len().saturating_sub(view.scroll_back);
    // Walk back from the end until the screen is full, counting wrapped rows.
    let mut start = end;
    let mut rows = 0;
    while start > 0 && rows < height {
        let shown = view.lines[view.shown_line(start - 1)].shown(view.timestamps);
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
    let filter = view.filter.as_ref().map_or("", |f| f.text.as_str());
    let mut lines: Vec<Line> = (start..end)
        .map(|at| {
            let i = view.shown_line(at);
            let line = &view.lines[i];
            let text = line.shown(view.timestamps);
            // The filter matched what the container wrote: its positions
            // start after the timestamp when that is shown (ASCII).
            let before = text.len() - line.text().len();
            let letters: Vec<usize> = crate::app::fuzzy::positions(filter, &[line.text()])
                .into_iter()
                .map(|p| p + before)
                .collect();
            highlighted(text, query, &letters, view.is_current_match(i), theme)
        })
        .collect();
    if let Some(ended) = &view.ended
        && view.following()
    {
        lines.push(Line::styled(format!("— {ended}"), theme.dim()));
    }
    if lines.is_empty() {
        let waiting = if view.lines.is_empty() {
            "waiting for log lines…"
        } else {
            "no line matches the filter: & changes it, Esc clears it"
        };
        lines.push(Line::styled(waiting, theme.dim()));
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
    if let Some(filter) = view.filter.as_ref().filter(|f| f.active() || f.typing) {
        title.push_str(&format!(
            " · &{} {} of {} lines",
            filter.text,
            view.shown_len(),
            view.lines.len()
        ));
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
/// the current match's line reversed, and the filter's matched letters
/// (`letters`, character positions in `text`) marked as in the lists.
fn highlighted<'a>(
    text: &'a str,
    query: &str,
    letters: &[usize],
    current: bool,
    theme: &Theme,
) -> Line<'a> {
    let found = find_all(text, query);
    if found.is_empty() && letters.is_empty() {
        return Line::raw(text);
    }
    let search = if current {
        theme.selected()
    } else {
        theme.highlight()
    };
    let mut spans = Vec::with_capacity(found.len() * 2 + letters.len() * 2 + 1);
    let mut ranges = found.iter().peekable();
    let (mut run_at, mut run_style): (usize, Option<Style>) = (0, None);
    for (n, (at, _)) in text.char_indices().enumerate() {
        while ranges.next_if(|r| r.end <= at).is_some() {}
        let style = if ranges.peek().is_some_and(|r| r.start <= at) {
            Some(search)
        } else if letters.binary_search(&n).is_ok() {
            Some(theme.highlight())
        } else {
            None
        };
        if style != run_style {
            if at > run_at {
                spans.push(span(&text[run_at..at], run_style));
            }
            (run_at, run_style) = (at, style);
        }
    }
    spans.push(span(&text[run_at..], run_style));
    Line::from(spans)
}

fn span(text: &str, style: Option<Style>) -> Span<'_> {
    match style {
        Some(style) => Span::styled(text, style),
        None => Span::raw(text),
    }
}
