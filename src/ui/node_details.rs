//! Node details: capacity, what the namespace requests of it, its pool,
//! labels that matter to JupyterHub, and taints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::State;
use crate::kube::quantity::{fmt_bytes, fmt_cpu_millis};

pub fn render(frame: &mut Frame, area: Rect, state: &State, node: &str, theme: &Theme) {
    let lines = match state.resources.nodes.get(node) {
        None => vec![Line::styled(
            format!("node {node} no longer exists"),
            theme.warn(),
        )],
        Some(n) => {
            let usage = state
                .resources
                .node_usage
                .get(node)
                .copied()
                .unwrap_or_default();
            let mut lines = vec![
                Line::raw(format!(
                    "Ready        {}{}",
                    n.ready,
                    if n.unschedulable { " (cordoned)" } else { "" }
                )),
                Line::raw(format!(
                    "CPU          {} requested of {} allocatable",
                    fmt_cpu_millis(usage.cpu_millis),
                    fmt_cpu_millis(n.cpu_allocatable_millis)
                )),
                Line::raw(format!(
                    "Memory       {} requested of {} allocatable",
                    fmt_bytes(usage.memory_bytes),
                    fmt_bytes(n.memory_allocatable_bytes)
                )),
                Line::raw(format!(
                    "Pods         {} of {} (this namespace)",
                    usage.pods, n.pods_allocatable
                )),
                Line::raw(format!("Pool         {}", n.pool.as_deref().unwrap_or("-"))),
                Line::raw(format!(
                    "Purpose      {}",
                    n.purpose.as_deref().unwrap_or("-")
                )),
            ];
            if n.taints.is_empty() {
                lines.push(Line::raw("Taints       none"));
            }
            for t in &n.taints {
                lines.push(Line::raw(format!("Taint        {t}")));
            }
            lines
        }
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" Node {node} · Esc back ")),
            )
            .wrap(Wrap { trim: false }),
        area,
    );
}
