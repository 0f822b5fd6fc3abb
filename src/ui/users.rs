//! The users view (`U`): every user of the hub with their server's state,
//! idle time, pod and its phase and diagnosis, and claim; the culler's
//! settings in the title and `⌛` on who its next round takes; the letters
//! its filter matched lit. And one user's details, with a pending spawn's
//! progress from the hub.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};

use super::theme::Theme;
use super::widgets::{truncate, window_start, with_matches};
use crate::app::State;
use crate::app::hub_state::{UserRow, UserSort};
use crate::app::hub_view::{culler, visible_rows};
use crate::hub::ServerState;
use crate::time_text::{format_age, human_duration};

fn server_style(state: ServerState, theme: &Theme) -> Style {
    match state {
        ServerState::Ready => theme.good(),
        ServerState::PendingSpawn | ServerState::PendingStop => theme.warn(),
        ServerState::Stopped => theme.dim(),
    }
}

fn idle(row: &UserRow, state: &State) -> String {
    match row.last_activity {
        Some(_) => format_age(row.last_activity, state.now),
        None => "never".into(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, selected: usize, theme: &Theme) {
    let rows = visible_rows(state);
    let culler = culler(state);
    let height = area.height.saturating_sub(3) as usize;
    let start = window_start(Some(selected), 0, height, rows.len());
    let table_rows: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, r)| {
            let culled =
                r.server != ServerState::Stopped && culler.culls_next(r.last_activity, state.now);
            // The letters the filter matched lit, as in the panes; ★ marks
            // an admin, before the name.
            let mut name = with_matches(
                &[&r.name, r.server.label()],
                if r.admin { 15 } else { 16 },
                &state.users_view.filter,
                theme,
            );
            if r.admin {
                name.spans.insert(0, Span::raw("★"));
            }
            Row::new([
                Cell::from(name),
                Cell::from(Span::styled(
                    r.server.label(),
                    server_style(r.server, theme),
                )),
                Cell::from(format!(
                    "{}{}",
                    idle(r, state),
                    if culled { " ⌛" } else { "" }
                )),
                Cell::from(truncate(r.pod.as_deref().unwrap_or("-"), 18)),
                Cell::from(r.phase.clone().unwrap_or_default()),
                Cell::from(Span::styled(
                    r.diagnosis
                        .as_deref()
                        .map_or_else(String::new, |d| format!("⚠ {d}")),
                    theme.warn(),
                )),
            ])
            .style(if i == selected {
                theme.selected()
            } else {
                Style::default()
            })
        })
        .collect();
    frame.render_widget(Clear, area);
    let sort = match state.users_view.sort {
        UserSort::State => "by state",
        UserSort::Idle => "by idle",
    };
    let culling = if culler.enabled {
        format!(
            "culler: idle > {} every {}",
            human_duration(chrono::Duration::seconds(culler.timeout as i64)),
            human_duration(chrono::Duration::seconds(culler.every as i64))
        )
    } else {
        "culler off".into()
    };
    let mut title = format!(" Users {} · {sort} · {culling} ", rows.len());
    if !state.users_view.filter.is_empty() {
        title.push_str(&format!("· /{} ", state.users_view.filter));
    }
    let mut block = Block::default().borders(Borders::ALL).title(title);
    if state.hub.users.is_none() {
        // Nothing to list yet: the whole view says why, wrapped.
        let line = match &state.hub.users_error {
            Some(error) => {
                Line::styled(format!("cannot read the hub's users: {error}"), theme.bad())
            }
            None => Line::styled("reading the hub's users…", theme.dim()),
        };
        frame.render_widget(
            Paragraph::new(line)
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    }
    if rows.is_empty() && state.users_view.filter.is_empty() {
        let url = crate::app::hub_view::address(state).map_or(String::new(), |a| a.url);
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("no users yet: they appear once they log in at {url}"),
                theme.dim(),
            ))
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block),
            area,
        );
        return;
    }
    if let Some(error) = &state.hub.users_error {
        // The list stays as last read; the bottom line says the read failed.
        block = block.title_bottom(Line::styled(format!(" {error} "), theme.bad()));
    }
    let table = Table::new(
        table_rows,
        [
            Constraint::Length(16),
            Constraint::Length(13),
            Constraint::Length(7),
            Constraint::Length(18),
            Constraint::Length(10),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["NAME", "SERVER", "IDLE", "POD", "PHASE", "WHY"]).style(theme.header_row()))
    .block(block);
    frame.render_widget(table, area);
}

pub fn render_details(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    user: &str,
    scroll: u16,
    theme: &Theme,
) {
    let rows = crate::app::hub_state::user_rows(state, UserSort::State);
    let mut lines: Vec<Line> = Vec::new();
    match rows.iter().find(|r| r.name == user) {
        None => lines.push(Line::styled("no such user any more", theme.dim())),
        Some(r) => {
            lines.push(Line::from(vec![
                Span::raw("server    "),
                Span::styled(r.server.label(), server_style(r.server, theme)),
            ]));
            if r.admin {
                lines.push(Line::raw("admin     yes"));
            }
            if r.started.is_some() {
                lines.push(Line::raw(format!(
                    "started   {} ago",
                    format_age(r.started, state.now)
                )));
            }
            lines.push(Line::raw(format!("idle      {}", idle(r, state))));
            let culler = culler(state);
            if r.server != ServerState::Stopped && culler.culls_next(r.last_activity, state.now) {
                lines.push(Line::styled(
                    "          ⌛ the culler's next round stops this server",
                    theme.warn(),
                ));
            }
            lines.push(Line::raw(format!(
                "pod       {} {}",
                r.pod.as_deref().unwrap_or("-"),
                r.phase.as_deref().unwrap_or("")
            )));
            if let Some(d) = &r.diagnosis {
                lines.push(Line::styled(format!("          ⚠ {d}"), theme.warn()));
            }
            lines.push(Line::raw(format!(
                "claim     {}",
                r.pvc.as_deref().unwrap_or("-")
            )));
            if let Some(events) = state.hub.progress.get(user) {
                lines.push(Line::raw(""));
                lines.push(Line::styled("spawn progress (from the hub)", theme.title()));
                if events.is_empty() {
                    lines.push(Line::styled("waiting for the hub's events…", theme.dim()));
                }
                for e in events {
                    let pct = e.progress.map_or(String::new(), |p| format!("{p:>3}% "));
                    lines.push(Line::raw(format!(
                        "{pct}{}",
                        e.message.as_deref().unwrap_or("")
                    )));
                }
            }
        }
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" User {user} · Esc back ")),
        ),
        area,
    );
}
