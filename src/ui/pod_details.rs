//! Pod details: the diagnosis first, then phase, conditions, containers and
//! the pod's events, newest first.

use k8s_openapi::api::core::v1::{ContainerState, ContainerStatus, Pod};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::State;
use crate::app::resources::PodEntry;
use crate::kube::pod_row::to_utc;
use crate::time_text::format_age;

pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    pod_name: &str,
    scroll: u16,
    theme: &Theme,
) {
    let entry = state.resources.pods.get(pod_name);
    let lines = match (entry, crate::app::pod_details::pod(state, pod_name)) {
        (Some(entry), Some(pod)) => lines(state, pod, entry, theme),
        (Some(_), None) => vec![Line::styled("reading the pod…", theme.dim())],
        (None, _) => vec![Line::styled(
            format!("pod {pod_name} no longer exists"),
            theme.warn(),
        )],
    };
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Pod {pod_name} · Esc back · l logs "));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

fn field<'a>(name: &str, value: impl Into<String>, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<11}"), theme.header_row()),
        Span::raw(value.into()),
    ])
}

fn lines<'a>(state: &State, pod: &Pod, entry: &PodEntry, theme: &Theme) -> Vec<Line<'a>> {
    let row = &entry.row;
    let mut out = Vec::new();
    if let Some(d) = &entry.diagnosis {
        let line = d.line_at(row.created, state.now);
        out.push(if d.kind.is_warning() {
            Line::styled(format!("⚠ {line}"), theme.bad())
        } else {
            Line::styled(line, theme.dim())
        });
        out.push(Line::raw(""));
    }
    let status = pod.status.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    out.push(field(
        "Phase",
        status.phase.clone().unwrap_or_default(),
        theme,
    ));
    out.push(field(
        "Node",
        spec.node_name
            .clone()
            .unwrap_or_else(|| "<not scheduled>".into()),
        theme,
    ));
    out.push(field(
        "IPs",
        format!(
            "pod {}  host {}",
            status.pod_ip.as_deref().unwrap_or("-"),
            status.host_ip.as_deref().unwrap_or("-")
        ),
        theme,
    ));
    out.push(field(
        "Created",
        format!(
            "{} ago",
            format_age(
                pod.metadata
                    .creation_timestamp
                    .as_ref()
                    .and_then(|t| to_utc(&t.0)),
                state.now
            )
        ),
        theme,
    ));
    out.push(Line::raw(""));
    out.push(Line::styled("Conditions", theme.title()));
    for c in status.conditions.iter().flatten() {
        let mut text = format!("  {:<16} {}", c.type_, c.status);
        if let Some(reason) = &c.reason {
            text.push_str(&format!("  {reason}"));
        }
        if let Some(message) = &c.message {
            text.push_str(&format!(": {message}"));
        }
        let style = if c.status == "True" {
            theme.good()
        } else {
            theme.warn()
        };
        out.push(Line::styled(text, style));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Containers", theme.title()));
    let statuses: Vec<&ContainerStatus> = status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
        .collect();
    for container in spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
    {
        let cs = statuses.iter().find(|s| s.name == container.name);
        out.push(Line::from(vec![
            Span::styled(format!("  {}", container.name), theme.key()),
            Span::raw(format!("  {}", container.image.as_deref().unwrap_or("-"))),
        ]));
        match cs {
            Some(cs) => {
                out.push(Line::raw(format!(
                    "    ready {}  restarts {}  state {}",
                    cs.ready,
                    cs.restart_count,
                    describe_state(cs.state.as_ref())
                )));
                if let Some(last) = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref()) {
                    out.push(Line::styled(
                        format!(
                            "    last terminated: exit {} {}{}",
                            last.exit_code,
                            last.reason.as_deref().unwrap_or(""),
                            last.message
                                .as_deref()
                                .map(|m| format!(": {m}"))
                                .unwrap_or_default()
                        ),
                        theme.warn(),
                    ));
                }
            }
            None => out.push(Line::styled("    no status yet", theme.dim())),
        }
    }
    out.push(Line::raw(""));
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let events = crate::app::scoped_events::about(state, "Pod", name);
    out.push(Line::styled(
        format!("Events ({})", events.len()),
        theme.title(),
    ));
    if events.is_empty() {
        out.push(Line::styled("  none", theme.dim()));
    }
    for e in events {
        let style = if e.type_.as_deref() == Some("Warning") {
            theme.warn()
        } else {
            ratatui::style::Style::default()
        };
        let count = match e.count {
            0 | 1 => String::new(),
            c => format!(" (x{c})"),
        };
        out.push(Line::styled(
            format!(
                "  {:>4} {:<8} {:<18} {}{count}",
                format_age(e.last_seen, state.now),
                e.type_.as_deref().unwrap_or("-"),
                e.reason.as_deref().unwrap_or("-"),
                e.message.as_deref().unwrap_or("").trim()
            ),
            style,
        ));
    }
    out
}

fn describe_state(state: Option<&ContainerState>) -> String {
    let Some(state) = state else {
        return "unknown".into();
    };
    if let Some(w) = &state.waiting {
        let mut s = format!("Waiting {}", w.reason.as_deref().unwrap_or(""));
        if let Some(m) = &w.message {
            s.push_str(&format!(": {m}"));
        }
        return s;
    }
    if let Some(t) = &state.terminated {
        return format!(
            "Terminated exit {} {}",
            t.exit_code,
            t.reason.as_deref().unwrap_or("")
        );
    }
    if state.running.is_some() {
        return "Running".into();
    }
    "unknown".into()
}
