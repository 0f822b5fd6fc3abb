//! The operation panel: what runs, for how long, helm's output line by
//! line, and how it ended, with the next step when it failed. The pods pane
//! stays live below it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::State;
use crate::app::actions::{Action, Operation, Outcome};
use crate::time_text::{elapsed, elapsed_since, note_next_second};

pub const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

pub fn spinner(op: &Operation, state: &State) -> &'static str {
    let secs = (state.now - op.started).num_seconds().max(0) as usize;
    note_next_second(op.started, state.now);
    SPINNER[secs % SPINNER.len()]
}

pub fn took(op: &Operation, state: &State) -> String {
    match op.finished {
        Some(end) => elapsed((end - op.started).num_seconds().max(0)),
        None => elapsed_since(op.started, state.now),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, op: &Operation, theme: &Theme) {
    let (status, style) = match &op.outcome {
        None => (
            format!("{} running {}", spinner(op, state), took(op, state)),
            theme.warn(),
        ),
        Some(Outcome::Succeeded { .. }) => (format!("✓ done in {}", took(op, state)), theme.good()),
        Some(Outcome::Failed { .. }) => {
            (format!("✗ failed after {}", took(op, state)), theme.bad())
        }
    };
    let title = Line::from(vec![
        Span::styled(format!(" {} ", op.action.title()), theme.title()),
        Span::styled(status, style),
        Span::styled(" · Esc hides ", theme.dim()),
    ]);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(style);
    let inner_height = area.height.saturating_sub(2) as usize;

    let mut tail: Vec<Line> = Vec::new();
    match &op.outcome {
        Some(Outcome::Failed { error, hint }) => {
            for l in error.lines() {
                tail.push(Line::styled(l.to_owned(), theme.bad()));
            }
            if let Some(h) = hint {
                tail.push(Line::styled(format!("next: {h}"), theme.warn()));
            }
        }
        Some(Outcome::Succeeded { summary }) => {
            tail.push(Line::styled(summary.clone(), theme.good()));
            if matches!(op.action, Action::Deploy | Action::Rollback { .. }) {
                tail.extend(release_lines(state, theme));
            }
        }
        // While helm installs, upgrades or rolls back: what it waits for,
        // from the workload watches.
        None if matches!(op.action, Action::Deploy | Action::Rollback { .. }) => {
            for l in crate::app::workloads::waiting_lines(state) {
                let style = if l.starts_with("waiting for ") {
                    theme.warn()
                } else {
                    theme.bad()
                };
                tail.push(Line::styled(l, style));
            }
        }
        None => {}
    }
    // The outcome sits at the bottom, wrapped; helm's output fills what it
    // leaves, newest last, one row per line.
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width.max(1) as usize;
    let tail_rows: usize = tail.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    let tail_rows = tail_rows.min(inner_height) as u16;
    let output_rows = inner.height.saturating_sub(tail_rows);
    let output: Vec<Line> = op
        .lines
        .iter()
        .skip(op.lines.len().saturating_sub(output_rows as usize))
        .map(|l| Line::styled(l.clone(), theme.dim()))
        .collect();
    frame.render_widget(
        Paragraph::new(output),
        Rect::new(inner.x, inner.y, inner.width, output_rows),
    );
    frame.render_widget(
        Paragraph::new(tail).wrap(Wrap { trim: false }),
        Rect::new(inner.x, inner.y + output_rows, inner.width, tail_rows),
    );
}

/// After an install or upgrade: the revision and the public URL as soon as
/// proxy-public has one.
fn release_lines<'a>(state: &State, theme: &Theme) -> Vec<Line<'a>> {
    let releases = &state.resources.releases;
    let mut out = Vec::new();
    if let Some(r) = releases
        .chosen(state.target.release.as_deref())
        .and_then(|n| releases.current(n))
    {
        out.push(Line::raw(format!(
            "{} revision {} {} · n shows the NOTES",
            r.name, r.revision, r.status
        )));
    }
    out.push(match state.resources.public_url() {
        Some(url) => Line::from(vec![
            Span::raw("JupyterHub is at "),
            Span::styled(url, theme.highlight()),
        ]),
        None => Line::styled("waiting for proxy-public's external IP…", theme.warn()),
    });
    out
}
