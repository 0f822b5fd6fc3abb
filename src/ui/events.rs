//! The events view (`E`): one row per folded event, newest first (or
//! Warnings first), with the age of its last sighting, its type, reason,
//! object, `×count` and message; under the list, the selected row's whole
//! message, since at 80 columns a scheduler's message is cut to a few
//! words. Columns take the width their visible rows need, so at 80x24 the
//! message keeps room (the type shrinks to `⚠`, long names are cut) and at
//! 120x40 nothing is cut that fits.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};

use super::theme::Theme;
use super::widgets::{display_width, truncate, window_start, with_matches};
use crate::app::events_view::{EventRow, rows_of_all, selected_index};
use crate::app::scoped_events::namespace_events;
use crate::app::{Kind, State};
use crate::time_text::format_age;

/// From this width the type is spelled out (`Warning`), names get more
/// room, and the message still has most of the line.
const WIDE: usize = 110;
/// The message column is what the operator reads: the other columns give
/// up their room before it gets less than this.
const MIN_MESSAGE: usize = 20;

/// The columns' widths for `width` cells and the rows in view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Columns {
    age: usize,
    type_: usize,
    reason: usize,
    object: usize,
    /// 0 when no row in view repeats: the column is left out.
    count: usize,
    message: usize,
}

impl Columns {
    fn fit(width: usize, rows: &[EventRow]) -> Columns {
        let wide = width >= WIDE;
        let widest = |f: &dyn Fn(&EventRow) -> usize| rows.iter().map(f).max().unwrap_or(0);
        let mut reason = widest(&|r| display_width(r.reason)).clamp(6, if wide { 26 } else { 18 });
        let mut object =
            widest(&|r| display_width(&r.object())).clamp(6, if wide { 44 } else { 26 });
        let count = widest(&|r| count_text(r).chars().count());
        let age = 5;
        let type_ = if wide { 7 } else { 1 };
        let gaps = if count > 0 { 5 } else { 4 };
        let fixed = |reason: usize, object: usize| age + type_ + reason + object + count + gaps;
        // Short of room, the object gives way first (a cut name still says
        // which pod), then the reason, each down to a readable stump.
        let mut deficit = (MIN_MESSAGE + fixed(reason, object)).saturating_sub(width);
        let give = deficit.min(object.saturating_sub(14));
        object -= give;
        deficit -= give;
        reason -= deficit.min(reason.saturating_sub(10));
        Columns {
            age,
            type_,
            reason,
            object,
            count,
            message: width.saturating_sub(fixed(reason, object)),
        }
    }

    fn constraints(&self) -> Vec<Constraint> {
        let mut widths = vec![self.age, self.type_, self.reason, self.object];
        if self.count > 0 {
            widths.push(self.count);
        }
        widths.push(self.message);
        widths
            .into_iter()
            .map(|w| Constraint::Length(w as u16))
            .collect()
    }
}

/// `×12` when the row stands for more than one occurrence.
fn count_text(row: &EventRow) -> String {
    if row.count > 1 || row.events > 1 {
        format!("×{}", row.count)
    } else {
        String::new()
    }
}

/// A message on one line: some reporters write several.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, selected: usize, theme: &Theme) {
    frame.render_widget(Clear, area);
    let (rows, all) = rows_of_all(state);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(state, &rows, all, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if rows.is_empty() {
        let view = &state.events_view;
        let message = if !state.listed.contains(&Kind::Event) {
            "waiting for the event list…".to_owned()
        } else if !view.filter.text.is_empty() {
            "no event matches the filter".to_owned()
        } else if !namespace_events(state).1 {
            "listing all of the namespace's events…".to_owned()
        } else {
            format!(
                "no events in namespace {}: the API server keeps them for an hour",
                state.target.namespace
            )
        };
        frame.render_widget(
            Paragraph::new(Span::styled(message, theme.dim())).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let selected = selected_index(state, &rows, selected);
    let chosen = selected.map(|i| &rows[i]);
    let detail_height = chosen.map_or(0, |row| detail_height(row, inner));
    let list = Rect::new(inner.x, inner.y, inner.width, inner.height - detail_height);
    let height = list.height.saturating_sub(1) as usize;
    let start = window_start(selected, 0, height, rows.len());
    let window = &rows[start..(start + height).min(rows.len())];
    let columns = Columns::fit(list.width as usize, window);
    let filter = &state.events_view.filter.text;
    let table_rows: Vec<Row> = window
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let style = if Some(start + i) == selected {
                theme.selected()
            } else {
                Style::default()
            };
            event_row(row, state, columns, filter, theme).style(style)
        })
        .collect();
    let mut header = vec!["LAST", if columns.type_ > 1 { "TYPE" } else { "" }];
    header.extend(["REASON", "OBJECT"]);
    if columns.count > 0 {
        header.push("");
    }
    header.push("MESSAGE");
    let table = Table::new(table_rows, columns.constraints())
        .header(Row::new(header).style(theme.header_row()));
    frame.render_widget(table, list);
    if let Some(row) = chosen.filter(|_| detail_height > 0) {
        let detail = Rect::new(inner.x, list.y + list.height, inner.width, detail_height);
        render_detail(frame, detail, state, row, theme);
    }
}

fn title<'a>(state: &State, rows: &[EventRow], all: usize, theme: &Theme) -> Line<'a> {
    let view = &state.events_view;
    let filtering = !view.filter.text.is_empty() || view.filter.editing;
    let count = if filtering {
        format!("{}/{all}", rows.len())
    } else {
        rows.len().to_string()
    };
    let mut spans = vec![Span::styled(format!(" Events {count} "), theme.title())];
    let warnings = rows.iter().filter(|r| r.is_warning()).count();
    if warnings > 0 {
        spans.push(Span::styled(format!("⚠ {warnings} "), theme.warn()));
    }
    let order = if view.warnings_first {
        "· Warnings first "
    } else {
        "· newest first "
    };
    spans.push(Span::raw(order));
    if filtering {
        spans.push(Span::styled(format!("/{} ", view.filter.text), theme.key()));
    }
    if state.stale.contains(&Kind::Event) {
        spans.push(Span::styled("stale ", theme.stale()));
    }
    // Until the namespace's whole list is in, the rows leave out the
    // routine reasons (`scoped_events`).
    if state.listed.contains(&Kind::Event) && !namespace_events(state).1 {
        spans.push(Span::styled("· listing all… ", theme.dim()));
    }
    spans.push(Span::styled("· Esc back ", theme.dim()));
    Line::from(spans)
}

fn event_row<'a>(
    row: &EventRow,
    state: &State,
    columns: Columns,
    filter: &str,
    theme: &Theme,
) -> Row<'a> {
    let warning = row.is_warning();
    let type_style = if warning { theme.warn() } else { theme.dim() };
    let type_text = match (columns.type_ > 1, warning) {
        (true, _) => truncate(row.type_, columns.type_),
        (false, true) => "⚠".to_owned(),
        (false, false) => String::new(),
    };
    let object = row.object();
    let mut cells = vec![
        Cell::from(format_age(row.last, state.now)),
        Cell::from(Span::styled(type_text, type_style)),
        Cell::from(Span::styled(
            truncate(row.reason, columns.reason),
            if warning {
                theme.warn()
            } else {
                Style::default()
            },
        )),
        Cell::from(with_matches(
            &[&object, row.reason, row.message],
            columns.object,
            filter,
            theme,
        )),
    ];
    if columns.count > 0 {
        cells.push(Cell::from(count_text(row)));
    }
    cells.push(Cell::from(truncate(
        &one_line(row.message),
        columns.message,
    )));
    Row::new(cells)
}

/// Rows under the list for the selected row's whole message: a rule, a
/// line of what it is about and since when, and the message wrapped, as
/// many lines as it needs up to a third of the view.
fn detail_height(row: &EventRow, inner: Rect) -> u16 {
    let width = (inner.width as usize).max(1);
    let needed = display_width(&one_line(row.message)).div_ceil(width).max(1);
    let room = (inner.height / 3).saturating_sub(2) as usize;
    if room == 0 {
        return 0;
    }
    2 + needed.min(room) as u16
}

fn render_detail(frame: &mut Frame, area: Rect, state: &State, row: &EventRow, theme: &Theme) {
    let mut about = vec![
        Span::styled(row.object(), theme.title()),
        Span::raw(format!(" · {}", row.reason)),
    ];
    if row.count > 1 || row.events > 1 {
        about.push(Span::raw(format!(" · {} times", row.count)));
    }
    if row.first.is_some() && row.first != row.last {
        about.push(Span::raw(format!(
            " · first {} ago",
            format_age(row.first, state.now)
        )));
    }
    if crate::app::events_view::viewed_as(row.kind).is_some() {
        about.push(Span::styled(" · Enter opens it", theme.dim()));
    }
    let lines = vec![Line::from(about), Line::raw(one_line(row.message))];
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::TOP)
                .border_style(theme.dim()),
        ),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(reason: &'a str, name: &'a str) -> EventRow<'a> {
        EventRow {
            kind: "Pod",
            name,
            type_: "Warning",
            reason,
            message: "m",
            count: 12,
            events: 2,
            last: None,
            first: None,
            object_uid: None,
        }
    }

    #[test]
    fn columns_fill_the_width_and_the_message_keeps_room() {
        let rows = [row(
            "FailedScheduling",
            "jupyter-a-very-long-user-name-indeed",
        )];
        for width in [60usize, 78, 118, 200] {
            let c = Columns::fit(width, &rows);
            let total = c.age + c.type_ + c.reason + c.object + c.count + c.message + 5;
            assert_eq!(total, width, "{width}: {c:?}");
            assert!(c.message >= MIN_MESSAGE, "{width}: {c:?}");
        }
        // Narrower than the stumps need, the message gets what is left.
        assert_eq!(Columns::fit(30, &rows).message, 0);
        // At 80 columns the type is a mark and the names are cut; at 120
        // they are whole.
        let narrow = Columns::fit(78, &rows);
        assert_eq!((narrow.type_, narrow.count), (1, 3));
        assert!(narrow.object < "pod/jupyter-a-very-long-user-name-indeed".len());
        let wide = Columns::fit(118, &rows);
        assert_eq!(wide.type_, 7);
        assert_eq!(
            wide.object,
            "pod/jupyter-a-very-long-user-name-indeed".len()
        );
        assert_eq!(wide.reason, "FailedScheduling".len());
    }
}
