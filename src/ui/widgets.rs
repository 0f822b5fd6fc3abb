//! Small pieces the panes share: the framed block and the scroll window.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::theme::Theme;
use crate::app::{Pane, State, lists};

/// A pane's frame: its number (the key that focuses it), title, and a
/// `stale` mark while its watch is failing.
pub fn pane_block<'a>(
    number: usize,
    title: Vec<Span<'a>>,
    focused: bool,
    stale: bool,
    theme: &Theme,
) -> Block<'a> {
    let mut spans = vec![Span::styled(format!(" {number} "), theme.key())];
    spans.extend(title);
    if stale {
        spans.push(Span::styled(" stale ", theme.stale()));
    }
    spans.push(Span::raw(" "));
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme.border(focused))
        .title(Line::from(spans))
}

/// The first row to draw so that `selected` is visible in `height` rows,
/// starting from the remembered `offset`.
pub fn window_start(selected: Option<usize>, offset: usize, height: usize, len: usize) -> usize {
    let height = height.max(1);
    let max_start = len.saturating_sub(height);
    let start = match selected {
        Some(s) if s < offset => s,
        Some(s) if s >= offset + height => s + 1 - height,
        _ => offset,
    };
    start.min(max_start)
}

/// Where a pane's list (`names`, in display order) stands in `height`
/// rows: the selected row, and the first row to draw so that it is in view.
pub fn pane_window(
    state: &State,
    pane: Pane,
    names: &[&str],
    height: usize,
) -> (Option<usize>, usize) {
    let selected = lists::selected_index(state, pane, names);
    let start = window_start(selected, state.selection(pane).offset, height, names.len());
    (selected, start)
}

/// The columns `text` takes on a terminal: a wide character (CJK, most
/// emoji) takes two, a combining mark none. Every width the views compute
/// is this, not a count of characters, so a user's name or a log line in
/// any script lines up and is cut where the terminal would cut it.
pub fn display_width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The longest start of `text` at most `width` columns wide.
pub fn cut_to_width(text: &str, width: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += UnicodeWidthChar::width(c).unwrap_or(0);
        if used > width {
            return &text[..at];
        }
    }
    text
}

/// Cuts `text` to `width` columns, marking the cut with `…`.
pub fn truncate(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = cut_to_width(text, width - 1).to_owned();
    out.push('…');
    out
}

/// The end of `text` that fits in `width` columns, marked with `…` when
/// cut: where the end tells things apart (a GKE context ends in the
/// cluster's name).
pub fn keep_end(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut used = 0;
    let mut start = text.len();
    for (at, c) in text.char_indices().rev() {
        used += UnicodeWidthChar::width(c).unwrap_or(0);
        if used > width - 1 {
            break;
        }
        start = at;
    }
    format!("…{}", &text[start..])
}

/// `text` cut to `width` columns and padded with spaces to exactly that.
pub fn pad_to_width(text: &str, width: usize) -> String {
    let cut = cut_to_width(text, width);
    format!("{cut}{}", " ".repeat(width - display_width(cut)))
}

/// A bar of `width` cells, `pct` percent full.
pub fn bar(pct: u64, width: usize) -> String {
    let filled = ((pct.min(100) as usize) * width).div_ceil(100);
    let mut s = "█".repeat(filled.min(width));
    s.push_str(&"░".repeat(width - filled.min(width)));
    s
}

/// A row's name (`fields[0]`) cut to `width` columns, the characters the
/// list filter matched in the highlight style (nothing highlighted without
/// a filter); `fields` are what the filter matched, as the list passes them.
pub fn with_matches<'a>(fields: &[&str], width: usize, filter: &str, theme: &Theme) -> Line<'a> {
    field_with_matches(fields, 0, width, filter, theme)
}

/// [`with_matches`] for another of the row's fields (`fields[field]`): a
/// column the filter also matches, as a cluster's location.
pub fn field_with_matches<'a>(
    fields: &[&str],
    field: usize,
    width: usize,
    filter: &str,
    theme: &Theme,
) -> Line<'a> {
    let text = fields.get(field).copied().unwrap_or_default();
    let shown = truncate(text, width);
    let positions = crate::app::fuzzy::positions_in(filter, fields, field);
    if positions.is_empty() {
        return Line::raw(shown);
    }
    // The ellipsis that ends a cut name stands for several characters.
    let ellipsis = (shown != text).then(|| shown.chars().count().saturating_sub(1));
    let mut spans: Vec<Span<'a>> = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    for (i, c) in shown.chars().enumerate() {
        let hit = positions.binary_search(&i).is_ok() && Some(i) != ellipsis;
        if hit != run_hit && !run.is_empty() {
            let style = if run_hit {
                theme.highlight()
            } else {
                Style::default()
            };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_hit = hit;
        run.push(c);
    }
    if !run.is_empty() {
        let style = if run_hit {
            theme.highlight()
        } else {
            Style::default()
        };
        spans.push(Span::styled(run, style));
    }
    Line::from(spans)
}

/// The end of a filtered list's title: ` · /TEXT N of M `, nothing when
/// it has no filter (the footer shows the filter being typed).
pub fn filter_title(filter: &crate::app::state::Filter, shown: usize, total: usize) -> String {
    if filter.text.is_empty() && !filter.editing {
        return String::new();
    }
    format!("· /{} {shown} of {total} ", filter.text)
}

/// A form's last lines: a blank, the error when there is one, and its
/// keys, Enter saying what it does (`enter`).
pub fn form_footer<'a>(error: Option<&str>, enter: &'a str, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![Line::raw("")];
    if let Some(e) = error {
        lines.push(Line::styled(format!("⚠ {e}"), theme.bad()));
    }
    lines.push(Line::from(vec![
        Span::styled("Tab", theme.key()),
        Span::raw(" next field · "),
        Span::styled("Enter", theme.key()),
        Span::raw(enter),
        Span::raw(" (asks first) · "),
        Span::styled("Esc", theme.key()),
        Span::raw(" cancel"),
    ]));
    lines
}

/// A form's field: its label right-aligned in `label_width`, then the
/// value, with a cursor when the field has the focus (the create-cluster
/// and image forms).
pub fn form_field<'a>(
    label: &str,
    label_width: usize,
    value: &str,
    focused: bool,
    theme: &Theme,
) -> Line<'a> {
    Line::from(vec![
        Span::styled(
            format!("{label:>label_width$} "),
            if focused { theme.key() } else { theme.dim() },
        ),
        Span::styled(
            format!("{value}{}", if focused { "▏" } else { "" }),
            if focused {
                theme.selected()
            } else {
                theme.title()
            },
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keeps_selection_visible() {
        assert_eq!(window_start(Some(0), 0, 5, 100), 0);
        assert_eq!(window_start(Some(7), 0, 5, 100), 3);
        assert_eq!(window_start(Some(2), 3, 5, 100), 2);
        assert_eq!(window_start(Some(99), 0, 5, 100), 95);
        // A list that shrank below the offset shows its end.
        assert_eq!(window_start(None, 50, 5, 10), 5);
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("jupyter-user-0001", 8), "jupyter…");
        assert_eq!(truncate("hub", 8), "hub");
        assert_eq!(truncate("hub", 0), "");
    }

    #[test]
    fn widths_are_terminal_columns_not_characters() {
        // Two columns each: eight characters, sixteen columns.
        assert_eq!(display_width("データサイエンス"), 16);
        assert_eq!(truncate("データサイエンス", 8), "データ…");
        // A cut never splits a wide character: 5 columns hold two of them.
        assert_eq!(cut_to_width("データ", 5), "デー");
        assert_eq!(pad_to_width("データ", 5), "デー ");
        assert_eq!(pad_to_width("ab", 4), "ab  ");
        // A combining accent takes no column.
        assert_eq!(display_width("e\u{301}t\u{e9}"), 3);
        assert_eq!(
            keep_end("gke_demo_us-central1_クラスター", 11),
            "…クラスター"
        );
        assert_eq!(keep_end("gke_demo_us-central1_クラスター", 8), "…スター");
        assert_eq!(keep_end("short", 8), "short");
        // Every cut fits its width.
        for w in 0..20 {
            assert!(display_width(&truncate("名前-jupyter-ユーザー", w)) <= w);
            assert!(display_width(&keep_end("名前-jupyter-ユーザー", w)) <= w);
        }
    }

    #[test]
    fn bar_fills_by_percent() {
        assert_eq!(bar(50, 4), "██░░");
        assert_eq!(bar(0, 3), "░░░");
        assert_eq!(bar(250, 3), "███");
    }
}
