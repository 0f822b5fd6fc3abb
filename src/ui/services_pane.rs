//! The Services pane; proxy-public's address is the moment the operator
//! waits for, so it is counted while pending and highlighted once there.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};

use super::theme::Theme;
use super::widgets::{pane_block, pane_window, with_matches};
use crate::app::{Kind, Pane, State, lists};
use crate::kube::service_row::ServiceRow;
use crate::time_text::{elapsed, elapsed_since};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let focused = state.focus == Pane::Services && state.overlays.is_empty();
    let count = lists::services(state).count();
    let block = pane_block(
        4,
        vec![Span::styled(format!("Services {count}"), theme.title())],
        focused,
        state.stale.contains(&Kind::Service),
        theme,
    );
    let height = area.height.saturating_sub(3) as usize;
    let names = lists::names(state, Pane::Services);
    let (selected, start) = pane_window(state, Pane::Services, &names, height);
    let rows: Vec<Row> = lists::services(state)
        .skip(start)
        .take(height)
        .enumerate()
        .map(|(i, svc)| {
            let style = if focused && Some(start + i) == selected {
                theme.selected()
            } else {
                Style::default()
            };
            service_row(svc, state, theme).style(style)
        })
        .collect();
    let header =
        Row::new(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL", "PORTS"]).style(theme.header_row());
    let table = Table::new(
        rows,
        [
            Constraint::Length(14),
            Constraint::Length(12),
            Constraint::Length(15),
            Constraint::Length(22),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}

/// What the EXTERNAL column says: the URL, `<pending> 1m20s` while a
/// LoadBalancer waits for its address, or `<none>`.
pub fn external(svc: &ServiceRow, state: &State) -> String {
    if let Some(url) = svc.public_url() {
        return url;
    }
    match (&svc.external_ip, svc.type_.as_str()) {
        (Some(ip), _) => ip.clone(),
        (None, "LoadBalancer") => {
            let waited = match svc.created {
                Some(c) => elapsed_since(c, state.now),
                None => elapsed(0),
            };
            format!("<pending> {waited}")
        }
        _ => "<none>".into(),
    }
}

fn service_row<'a>(svc: &ServiceRow, state: &State, theme: &Theme) -> Row<'a> {
    let external = external(svc, state);
    let style = if svc.public_url().is_some() {
        theme.highlight()
    } else if external.starts_with("<pending>") {
        theme.warn()
    } else {
        Style::default()
    };
    Row::new([
        Cell::from(with_matches(
            &[&svc.name, &svc.type_],
            14,
            &state.filter.text,
            theme,
        )),
        Cell::from(svc.type_.clone()),
        Cell::from(svc.cluster_ip.clone()),
        Cell::from(Span::styled(external, style)),
        Cell::from(svc.ports.clone()),
    ])
}
