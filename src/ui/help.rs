//! The `?` overlay, drawn from the key table in app::keys and the palette's
//! command table in app::palette: every key the cockpit handles, then every
//! command `:` takes with the key that does the same. Longer than 24 rows,
//! so it scrolls (j/k); at 120x40 it fits whole.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use super::theme::Theme;
use super::widgets::{display_width, truncate};
use crate::app::State;
use crate::app::keys::{HELP, KeyHelp};
use crate::app::palette::{Arg, COMMANDS};

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
    let mut spans = vec![
        Span::styled(format!(" {:<width$}", k.keys), theme.key()),
        Span::raw(k.what),
    ];
    if !k.available {
        spans.push(Span::styled(" (later)", theme.dim()));
    }
    Line::from(spans)
}

/// `left` padded to `width` columns, then `right`: two columns as one line,
/// so that both scroll together.
fn side_by_side<'a>(left: Option<Line<'a>>, right: Option<Line<'a>>, width: usize) -> Line<'a> {
    let mut spans: Vec<Span<'a>> = Vec::new();
    let mut used = 0;
    for span in left.map(|l| l.spans).unwrap_or_default() {
        let room = width.saturating_sub(used);
        let text = truncate(&span.content, room);
        used += display_width(&text);
        spans.push(Span::styled(text, span.style));
    }
    spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
    spans.extend(right.map(|l| l.spans).unwrap_or_default());
    Line::from(spans)
}

/// The palette's commands, as many to a line as fit in `width`.
fn palette_lines<'a>(width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let entries: Vec<(String, &'static str)> = COMMANDS
        .iter()
        .map(|c| {
            let arg = match c.arg {
                Arg::None => "",
                Arg::Namespace | Arg::Context => " [NAME]",
                Arg::Pod => " [POD]",
                Arg::Revision => " [REV]",
            };
            (format!("{}{arg}", c.name), c.key)
        })
        .collect();
    let cell = entries
        .iter()
        .map(|(name, key)| display_width(name) + display_width(key) + 3)
        .max()
        .unwrap_or(1);
    let per_line = (width.saturating_sub(1) / cell).max(1);
    let mut lines = vec![Line::styled(
        "Palette (:) · a command, and the key that does the same",
        theme.title(),
    )];
    for chunk in entries.chunks(per_line) {
        let mut spans = Vec::new();
        for (name, key) in chunk {
            let pad = cell - display_width(name) - display_width(key) - 2;
            spans.push(Span::raw(format!(" {name}")));
            spans.push(Span::styled(
                format!(" {key}{}", " ".repeat(pad)),
                theme.dim(),
            ));
        }
        lines.push(Line::from(spans));
    }
    lines
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    // Navigation and looking on the left, actions on the right: two columns
    // fit an 80x24 terminal where one would not.
    let sections: Vec<&(&str, &[KeyHelp])> = HELP.iter().collect();
    let (left, right) = sections.split_at(2.min(sections.len()));
    let left = column_lines(left, theme);
    let right = column_lines(right, theme);
    let rect_width = 78.min(area.width);
    let inner_width = rect_width.saturating_sub(2) as usize;
    let half = inner_width / 2;
    let rows = left.len().max(right.len());
    let (mut left, mut right) = (left.into_iter(), right.into_iter());
    let mut lines: Vec<Line> = (0..rows)
        .map(|_| side_by_side(left.next(), right.next(), half))
        .collect();
    lines.push(Line::default());
    lines.extend(palette_lines(inner_width, theme));

    let height = (lines.len() as u16 + 2).min(area.height);
    let visible = height.saturating_sub(2);
    let overflow = (lines.len() as u16).saturating_sub(visible);
    let scroll = state.help_scroll.min(overflow);
    let rect = centered(area, rect_width, height);
    frame.render_widget(Clear, rect);
    let title = if overflow > 0 {
        format!(
            " Keys · j/k scroll ({}/{}) · Esc closes ",
            scroll + visible,
            lines.len()
        )
    } else {
        " Keys · Esc closes ".to_owned()
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)).block(block), rect);
}
