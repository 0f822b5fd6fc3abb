//! The workloads view (`w`): the release's Deployments, StatefulSets,
//! DaemonSets and Jobs (hooks first), ready over desired and where each
//! rollout is; under a workload that cannot create its pods, why, in one
//! line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use super::widgets::{cut_to_width, display_width, pad_to_width};
use crate::app::{Kind, State, workloads};
use crate::kube::workload_row::{WorkloadRow, WorkloadState};

const KINDS: [Kind; 4] = [
    Kind::Deployment,
    Kind::StatefulSet,
    Kind::DaemonSet,
    Kind::Job,
];

pub fn render(frame: &mut Frame, area: Rect, state: &State, scroll: u16, theme: &Theme) {
    let rows = workloads::of_release(state);
    let (done, total) = (
        rows.iter().filter(|r| r.state.is_done()).count(),
        rows.len(),
    );
    let releases = &state.resources.releases;
    let of = releases
        .chosen(state.target.release.as_deref())
        .map(|n| format!(" of {n}"))
        .unwrap_or_default();
    let stale = KINDS.iter().any(|k| state.stale.contains(k));
    let mut title = vec![Span::styled(format!(" Workloads{of} "), theme.title())];
    if total > 0 {
        let style = if done == total {
            theme.good()
        } else {
            theme.warn()
        };
        title.push(Span::styled(format!("{done}/{total} ready "), style));
    }
    if stale {
        title.push(Span::styled(" stale ", theme.stale()));
    }
    title.push(Span::styled("· Esc back ", theme.dim()));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);

    let lines = if rows.is_empty() {
        vec![Line::styled(empty_text(state), theme.dim())]
    } else {
        table(state, &rows, inner.width as usize, theme)
    };
    let scroll = scroll.min(lines.len().saturating_sub(inner.height as usize) as u16);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

fn empty_text(state: &State) -> String {
    if !KINDS.iter().all(|k| state.listed.contains(k)) {
        return "reading Deployments, StatefulSets, DaemonSets and Jobs…".into();
    }
    let releases = &state.resources.releases;
    match releases.chosen(state.target.release.as_deref()) {
        Some(name) => format!(
            "no workloads of release {name} in {}",
            state.target.namespace
        ),
        None => format!("no workloads in {}", state.target.namespace),
    }
}

fn state_style(row: &WorkloadRow, theme: &Theme) -> Style {
    match row.state {
        WorkloadState::Ready | WorkloadState::Complete => theme.good(),
        WorkloadState::Failed => theme.bad(),
        WorkloadState::RollingOut | WorkloadState::Running => theme.warn(),
    }
}

/// NAME KIND READY STATE, the name column as wide as the longest name (up
/// to 28); a problem line under the row it is about.
fn table<'a>(state: &State, rows: &[&WorkloadRow], width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let name_width = rows
        .iter()
        .map(|r| display_width(&r.name))
        .max()
        .unwrap_or(4)
        .clamp(4, 28);
    let pad = |s: &str, w: usize| format!("{} ", pad_to_width(s, w));
    let mut lines = vec![Line::styled(
        format!(
            "{}{}{}STATE",
            pad("NAME", name_width),
            pad("KIND", 18),
            pad("READY", 9)
        ),
        theme.header_row(),
    )];
    for row in rows {
        let kind = match row.hook_weight {
            Some(w) => format!("{} hook {w}", short_kind(row)),
            None => row.kind.as_str().to_owned(),
        };
        let ready = match row.kind {
            crate::kube::workload_row::WorkloadKind::Job => {
                format!("{}/{}", row.ready, row.desired)
            }
            _ => row.count_text(),
        };
        lines.push(Line::from(vec![
            Span::raw(pad(&row.name, name_width)),
            Span::styled(pad(&kind, 18), theme.dim()),
            Span::raw(pad(&ready, 9)),
            Span::styled(row.state_text(state.now), state_style(row, theme)),
        ]));
        if let Some(problem) = workloads::problem(state, row, state.now) {
            let mut text = format!("  ⚠ {problem}");
            if display_width(&text) > width {
                text = without_pod_name(&text);
            }
            let text = cut_to_width(&text, width.max(1)).to_owned();
            lines.push(Line::styled(text, theme.bad()));
        }
    }
    lines
}

/// `pods "user-placeholder-0" is forbidden: exceeded quota: ...` as
/// `forbidden: exceeded quota: ...`, when the line is too long for the
/// name of the pod that could not be made.
fn without_pod_name(text: &str) -> String {
    match (text.find("pods \""), text.find(" is forbidden: ")) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{}", &text[..start], &text[end + " is ".len()..])
        }
        _ => text.to_owned(),
    }
}

fn short_kind(row: &WorkloadRow) -> &'static str {
    match row.kind {
        crate::kube::workload_row::WorkloadKind::Deployment => "Deploy",
        crate::kube::workload_row::WorkloadKind::StatefulSet => "STS",
        crate::kube::workload_row::WorkloadKind::DaemonSet => "DaemonSet",
        crate::kube::workload_row::WorkloadKind::Job => "Job",
    }
}
