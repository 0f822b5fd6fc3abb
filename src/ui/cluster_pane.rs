//! The Cluster pane: nodes with readiness and what the namespace's pods
//! request of them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use super::theme::Theme;
use super::widgets::{bar, pane_block, truncate, window_start};
use crate::app::resources::NodeUsage;
use crate::app::{Kind, Pane, State, lists};
use crate::kube::node_row::{NodeRow, pct};
use crate::kube::quantity::{fmt_bytes, fmt_cpu_millis};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let focused = state.focus == Pane::Cluster && state.overlays.is_empty();
    let nodes: Vec<&NodeRow> = lists::nodes(state).collect();
    let ready = nodes.iter().filter(|n| n.ready).count();
    let block = pane_block(
        1,
        vec![Span::styled(
            format!("Cluster {ready}/{} nodes Ready", nodes.len()),
            theme.title(),
        )],
        focused,
        state.stale.contains(&Kind::Node),
        theme,
    );
    let height = area.height.saturating_sub(3) as usize;
    let names = lists::names(state, Pane::Cluster);
    let selected = lists::selected_index(state, Pane::Cluster, &names);
    let start = window_start(
        selected,
        state.selection(Pane::Cluster).offset,
        height,
        nodes.len(),
    );
    // Wide panes show "requested/allocatable pct"; narrow ones the percent.
    let wide = area.width >= 70;
    let (cpu_w, mem_w) = if wide { (14, 16) } else { (4, 4) };
    let name_w = nodes
        .iter()
        .map(|n| n.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 24) as u16;
    // The bar takes what the other columns leave (6 column gaps, borders).
    let bar_w = area
        .width
        .saturating_sub(2 + name_w + 5 + cpu_w + mem_w + 4 + 5)
        .max(1) as usize;
    let rows: Vec<Row> = nodes
        .iter()
        .skip(start)
        .take(height)
        .enumerate()
        .map(|(i, node)| {
            let usage = state
                .resources
                .node_usage
                .get(&node.name)
                .copied()
                .unwrap_or_default();
            let style = if focused && Some(start + i) == selected {
                theme.selected()
            } else {
                Style::default()
            };
            node_row(node, usage, wide, bar_w, theme).style(style)
        })
        .collect();
    let header = Row::new(["NAME", "READY", "CPU", "MEM", "PODS", "REQ"]).style(theme.header_row());
    let table = Table::new(
        rows,
        [
            Constraint::Length(name_w),
            Constraint::Length(5),
            Constraint::Length(cpu_w),
            Constraint::Length(mem_w),
            Constraint::Length(4),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}

fn node_row<'a>(
    node: &NodeRow,
    usage: NodeUsage,
    wide: bool,
    bar_w: usize,
    theme: &Theme,
) -> Row<'a> {
    let cpu = pct(usage.cpu_millis, node.cpu_allocatable_millis);
    let mem = pct(usage.memory_bytes, node.memory_allocatable_bytes);
    let (cpu_text, mem_text) = if wide {
        (
            format!(
                "{}/{} {cpu}%",
                fmt_cpu_millis(usage.cpu_millis),
                fmt_cpu_millis(node.cpu_allocatable_millis)
            ),
            format!(
                "{}/{} {mem}%",
                fmt_bytes(usage.memory_bytes),
                fmt_bytes(node.memory_allocatable_bytes)
            ),
        )
    } else {
        (format!("{cpu}%"), format!("{mem}%"))
    };
    let ready = match (node.ready, node.unschedulable) {
        (true, false) => Span::styled("Ready", theme.good()),
        (true, true) => Span::styled("Cordn", theme.warn()),
        (false, _) => Span::styled("NotRd", theme.bad()),
    };
    let peak = cpu.max(mem);
    let bar_style = match peak {
        0..=69 => theme.good(),
        70..=89 => theme.warn(),
        _ => theme.bad(),
    };
    Row::new([
        Cell::from(truncate(&node.name, 24)),
        Cell::from(ready),
        Cell::from(cpu_text),
        Cell::from(mem_text),
        Cell::from(format!("{}", usage.pods)),
        Cell::from(Span::styled(bar(u64::from(peak), bar_w), bar_style)),
    ])
}
