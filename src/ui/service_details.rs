//! Service details, with its events (a LoadBalancer that stays pending
//! usually says why there).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::services_pane::external;
use super::theme::Theme;
use crate::app::State;
use crate::time_text::format_age;

pub fn render(frame: &mut Frame, area: Rect, state: &State, service: &str, theme: &Theme) {
    let mut lines = match state.resources.services.get(service) {
        None => vec![Line::styled(
            format!("service {service} no longer exists"),
            theme.warn(),
        )],
        Some(s) => vec![
            Line::raw(format!("Type         {}", s.type_)),
            Line::raw(format!("Cluster IP   {}", s.cluster_ip)),
            Line::raw(format!("External     {}", external(s, state))),
            Line::raw(format!("Ports        {}", s.ports)),
        ],
    };
    lines.push(Line::raw(""));
    let events = crate::app::scoped_events::about(state, "Service", service);
    lines.push(Line::styled(
        format!("Events ({})", events.len()),
        theme.title(),
    ));
    for e in events {
        lines.push(Line::raw(format!(
            "  {:>4} {:<8} {:<20} {}",
            format_age(e.last_seen, state.now),
            e.type_.as_deref().unwrap_or("-"),
            e.reason.as_deref().unwrap_or("-"),
            e.message.as_deref().unwrap_or("").trim()
        )));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" Service {service} · Esc back ")),
            )
            .wrap(Wrap { trim: false }),
        area,
    );
}
