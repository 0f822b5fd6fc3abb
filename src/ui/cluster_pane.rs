//! The Cluster pane: nodes with readiness and what the namespace's pods
//! request of them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::theme::Theme;
use super::widgets::{bar, display_width, pane_block, pane_window, with_matches};
use crate::app::gke_view::GkeView;
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
    // GKE's view of the cluster comes first, one line, when configured.
    let gke_line = state.gke.as_ref().map(|g| gke_line(g, state, theme));
    let height = area
        .height
        .saturating_sub(3 + u16::from(gke_line.is_some())) as usize;
    let names = lists::names(state, Pane::Cluster);
    let (selected, start) = pane_window(state, Pane::Cluster, &names, height);
    // Wide panes show "requested/allocatable pct"; narrow ones the percent.
    let wide = area.width >= 70;
    let (cpu_w, mem_w) = if wide { (14, 16) } else { (4, 4) };
    let name_w = nodes
        .iter()
        .map(|n| display_width(&n.name))
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
            node_row(node, usage, wide, bar_w, &state.filter.text, theme).style(style)
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
    .header(header);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let table_area = match gke_line {
        Some(line) if inner.height > 0 => {
            frame.render_widget(
                Paragraph::new(line),
                Rect::new(inner.x, inner.y, inner.width, 1),
            );
            Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1)
        }
        _ => inner,
    };
    frame.render_widget(table, table_area);
}

/// The cluster the keys act on, its status and pools (a pool's status
/// when it is not RUNNING), and how many more clusters `K` lists.
fn gke_line<'a>(gke: &GkeView, state: &State, theme: &Theme) -> Line<'a> {
    let context = state.target.context.as_str();
    if let Some(e) = &gke.error {
        return Line::styled(format!("GKE: {e}"), theme.bad());
    }
    let others = gke.clusters.len().saturating_sub(1);
    let more = if others > 0 {
        vec![
            Span::styled(format!(" +{others} "), theme.dim()),
            Span::styled("K", theme.key()),
        ]
    } else {
        Vec::new()
    };
    match gke.chosen(context) {
        None if gke.refreshed.is_none() => Line::styled(
            format!("GKE {}: listing every location…", gke.project),
            theme.dim(),
        ),
        None if gke.clusters.is_empty() => Line::from(vec![
            Span::styled("GKE: no cluster yet · ", theme.dim()),
            Span::styled("c", theme.key()),
            Span::raw(" creates one"),
        ]),
        None => Line::from(vec![
            Span::styled(
                match gke.clusters.len() {
                    1 => "GKE: 1 cluster, the panes not on it · ".to_owned(),
                    n => format!("GKE: {n} clusters, the panes on none · "),
                },
                theme.dim(),
            ),
            Span::styled("K", theme.key()),
            Span::raw(" lists · "),
            Span::styled("c", theme.key()),
            Span::raw(" creates"),
        ]),
        Some(c) => {
            let status_style = super::clusters::cluster_status_style(&c.status, theme);
            // Short first: at 80 columns the pools come after the status,
            // a pool that is not RUNNING says so, and K shows the rest.
            let panes_on = gke.context_of(c) == context;
            let pools: Vec<String> = c
                .node_pools
                .iter()
                .map(|p| {
                    let pool_state = if p.status == crate::gke::NodePoolStatus::Running {
                        String::new()
                    } else {
                        format!(" {}", p.status)
                    };
                    let now = super::clusters::pool_nodes_now(state, panes_on, &p.name);
                    format!(
                        "{} {}{pool_state}",
                        p.name,
                        super::clusters::pool_size(p, now)
                    )
                })
                .collect();
            let mut spans = vec![
                Span::styled(format!("GKE {} ", c.name), theme.title()),
                Span::styled(c.status.to_string(), status_style),
            ];
            spans.extend(more);
            // The location is in the header's context name, and in K.
            spans.push(Span::raw(format!(" · {}", pools.join(", "))));
            Line::from(spans)
        }
    }
}

fn node_row<'a>(
    node: &NodeRow,
    usage: NodeUsage,
    wide: bool,
    bar_w: usize,
    filter: &str,
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
        Cell::from(with_matches(
            &[&node.name, lists::readiness(node)],
            24,
            filter,
            theme,
        )),
        Cell::from(ready),
        Cell::from(cpu_text),
        Cell::from(mem_text),
        Cell::from(format!("{}", usage.pods)),
        Cell::from(Span::styled(bar(u64::from(peak), bar_w), bar_style)),
    ])
}
