//! The Pods pane: one row per pod, chart components first, with the
//! diagnosis folded into the status column.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use super::theme::Theme;
use super::widgets::{display_width, pane_block, truncate, window_start, with_matches};
use crate::app::resources::PodEntry;
use crate::app::{Connection, Kind, Pane, State, lists};
use crate::kube::diagnosis::DiagnosisKind;
use crate::time_text::{format_age, note_change_at};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let focused = state.focus == Pane::Pods && state.overlays.is_empty();
    // Without a filter, the frame reads its window of the table and the
    // table's phase counts only; with one, the matches are gathered once.
    let pods = lists::shown_pods(state);
    let block = pane_block(
        3,
        title(state, &pods, theme),
        focused,
        state.stale.contains(&Kind::Pod),
        theme,
    );
    let inner_height = area.height.saturating_sub(3) as usize;
    let selection = state.selection(Pane::Pods);
    let selected = (!pods.is_empty()).then(|| {
        selection
            .name
            .as_deref()
            .and_then(|name| pods.position(name))
            .unwrap_or(selection.index.min(pods.len() - 1))
    });
    let start = window_start(selected, selection.offset, inner_height, pods.len());
    // Name and node take what they need; the status column gets the rest,
    // up to what a diagnosis needs, and the node column any surplus.
    let window = pods.window(start, inner_height);
    let name_width = window
        .iter()
        .map(|e| display_width(&e.row.name))
        .max()
        .unwrap_or(4)
        .clamp(16, 40);
    // A pod crash-looping for days passes 1,000 restarts (one each 5
    // minutes at the back-off's cap): the column widens to the largest
    // count in the window rather than cut "1300" to "130".
    let restarts_width = window
        .iter()
        .map(|e| e.row.restarts.checked_ilog10().unwrap_or(0) as usize + 1)
        .max()
        .unwrap_or(0)
        .max(3);
    let status_width = (area.width as usize)
        .saturating_sub(2 + name_width + 6 + restarts_width + 1 + 6 + 10 + 5)
        .clamp(10, 40);
    let rows: Vec<Row> = window
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let style = if focused && Some(start + i) == selected {
                theme.selected()
            } else {
                Style::default()
            };
            pod_row(entry, state, theme, status_width).style(style)
        })
        .collect();
    let empty = rows.is_empty();
    let header =
        Row::new(["NAME", "READY", "STATUS", "RST", "AGE", "NODE"]).style(theme.header_row());
    let table = Table::new(
        rows,
        [
            Constraint::Length(name_width as u16),
            Constraint::Length(5),
            Constraint::Length(status_width as u16),
            Constraint::Length(restarts_width as u16),
            Constraint::Length(5),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
    if empty {
        let (message, style) = match &state.connection {
            // The whole error, wrapped: it says what to do.
            Connection::Unavailable { error } => (
                format!("cannot reach the cluster, retrying: {error}"),
                theme.bad(),
            ),
            _ if !state.listed.contains(&Kind::Pod) => {
                ("waiting for the pod list…".into(), theme.dim())
            }
            _ if !state.filter.text.is_empty() => ("no pod matches the filter".into(), theme.dim()),
            _ => (
                format!("no pods in namespace {}", state.target.namespace),
                theme.dim(),
            ),
        };
        if area.height > 3 {
            let inner = Rect::new(
                area.x + 2,
                area.y + 2,
                area.width.saturating_sub(4),
                area.height - 3,
            );
            frame.render_widget(
                Paragraph::new(Span::styled(message, style)).wrap(Wrap { trim: true }),
                inner,
            );
        }
    }
}

fn title<'a>(state: &State, pods: &lists::ShownPods, theme: &Theme) -> Vec<Span<'a>> {
    let shown = pods.len();
    let mut spans = vec![Span::styled(format!("Pods {shown}"), theme.title())];
    for (phase, count) in pods.phase_counts() {
        let style = match phase {
            "Running" | "Succeeded" => theme.good(),
            "Pending" => theme.warn(),
            _ => theme.bad(),
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("{phase} {count}"), style));
    }
    if !state.filter.text.is_empty() || state.filter.editing {
        spans.push(Span::styled(
            format!(" /{}", state.filter.text),
            theme.key(),
        ));
    }
    spans
}

/// How long a pod may wait for its (non-default) scheduler before the pane
/// calls it a problem: a running user-scheduler binds within a second or
/// two, and a class spawning at once should not flash ⚠ on every row.
const SCHEDULER_GRACE_SECS: i64 = 10;

fn pod_row<'a>(entry: &PodEntry, state: &State, theme: &Theme, status_width: usize) -> Row<'a> {
    let row = &entry.row;
    let grace_ends = row
        .created
        .map(|c| c + chrono::Duration::seconds(SCHEDULER_GRACE_SECS));
    let just_created = grace_ends.is_some_and(|end| state.now < end);
    let waiting = entry
        .diagnosis
        .as_ref()
        .is_some_and(|d| d.kind == DiagnosisKind::WaitingForScheduler);
    if let (true, Some(end)) = (waiting, grace_ends) {
        // The row turns ⚠ when the grace ends, with no message to say so.
        note_change_at(end, state.now);
    }
    let diagnosis = entry
        .diagnosis
        .as_ref()
        .filter(|_| !(waiting && just_created));
    let status_style = if row.deleting {
        theme.dim()
    } else if row.is_healthy() {
        theme.good()
    } else if row.phase == "Pending" && diagnosis.is_none() {
        theme.warn()
    } else if diagnosis.is_some_and(|d| !d.kind.is_warning()) {
        // Pending by design (a user placeholder): nothing to fix.
        theme.dim()
    } else {
        theme.bad()
    };
    // A Pending pod's diagnosis says more than "Pending"; other statuses
    // (CrashLoopBackOff, Error) stay, followed by the diagnosis.
    let status = match diagnosis {
        Some(d) if row.status == "Pending" && d.kind.is_warning() => format!("⚠ {}", d.short),
        Some(d) if row.status == "Pending" => d.short.clone(),
        Some(d) if d.short != row.status => format!("{} · {}", row.status, d.short),
        _ => row.status.to_string(),
    };
    Row::new([
        Cell::from(with_matches(
            &[&row.name, &row.status],
            40,
            &state.filter.text,
            theme,
        )),
        Cell::from(format!("{}/{}", row.ready, row.containers)),
        Cell::from(Span::styled(truncate(&status, status_width), status_style)),
        Cell::from(row.restarts.to_string()),
        Cell::from(format_age(row.created, state.now)),
        Cell::from(row.node.as_deref().unwrap_or("<none>").to_owned()),
    ])
}
