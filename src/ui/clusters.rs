//! The GKE views: every cluster of the project (`K`), one cluster with its
//! node pools (Enter), the kubeconfig's contexts (`C`) and the node pool
//! forms. At 80x24 a cluster's pools, their status and the selected pool's
//! labels, taints and status message fit on one screen. The two lists draw
//! the rows their filter passes, the matched letters highlighted, and say
//! the filter and how many rows pass in their title.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table};

use super::centered;
use super::theme::Theme;
use super::widgets::{
    field_with_matches, filter_title, form_field, form_footer, truncate, window_start,
};
use crate::app::State;
use crate::app::clusters_view::{on_a_row, visible_clusters, visible_contexts};
use crate::app::gke_state::{GkeView, PoolFormKind, cluster_fields, context_fields};
use crate::gke::{ClusterStatus, NodePoolRow, NodePoolStatus};
use crate::time_text::format_age;

pub fn cluster_status_style(status: &ClusterStatus, theme: &Theme) -> Style {
    match status {
        ClusterStatus::Running => theme.good(),
        ClusterStatus::Error | ClusterStatus::Degraded => theme.bad(),
        _ => theme.warn(),
    }
}

fn pool_status_style(status: &NodePoolStatus, theme: &Theme) -> Style {
    match status {
        NodePoolStatus::Running => theme.good(),
        NodePoolStatus::Error | NodePoolStatus::RunningWithError => theme.bad(),
        _ => theme.warn(),
    }
}

/// A pool's size. GKE reports only a pool's initial node count, so the
/// count now is read from the Kubernetes nodes (their
/// `cloud.google.com/gke-nodepool` label) when the panes are on the
/// cluster: `2 of 0..10` for an autoscaling pool, else `3`. Off the
/// panes' cluster: `0..10 auto`, or the initial count.
pub fn pool_size(pool: &NodePoolRow, nodes_now: Option<usize>) -> String {
    match (pool.autoscaling, nodes_now) {
        (Some((min, max)), Some(n)) => format!("{n} of {min}..{max}"),
        (Some((min, max)), None) => format!("{min}..{max} auto"),
        (None, Some(n)) => n.to_string(),
        (None, None) => pool.node_count.to_string(),
    }
}

/// How many of the watched nodes belong to the pool, when the panes are on
/// the pool's cluster (`panes_on`); None otherwise, and before the nodes'
/// first list (no count is better than a wrong 0).
pub fn pool_nodes_now(state: &State, panes_on: bool, pool: &str) -> Option<usize> {
    (panes_on && state.listed.contains(&crate::app::Kind::Node)).then(|| {
        state
            .resources
            .nodes
            .values()
            .filter(|n| n.pool.as_deref() == Some(pool))
            .count()
    })
}

fn gke_of(state: &State) -> Option<&GkeView> {
    state.gke.as_ref()
}

fn empty_view(frame: &mut Frame, area: Rect, title: String, line: Line) {
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(line)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

pub fn render_list(frame: &mut Frame, area: Rect, state: &State, selected: usize, theme: &Theme) {
    let Some(gke) = gke_of(state) else {
        return;
    };
    let mut title = format!(" GKE clusters of {} · every location ", gke.project);
    let visible = visible_clusters(state);
    title.push_str(&filter_title(
        &gke.filter,
        visible.len(),
        gke.clusters.len(),
    ));
    if gke.clusters.is_empty() {
        let line = match (&gke.error, gke.refreshed) {
            (Some(e), _) => Line::styled(format!("cannot list the clusters: {e}"), theme.bad()),
            (None, None) => Line::styled("listing the project's clusters…", theme.dim()),
            (None, Some(_)) => Line::from(vec![
                Span::styled("no cluster in the project yet · ", theme.dim()),
                Span::styled("c", theme.key()),
                Span::raw(" creates one"),
            ]),
        };
        empty_view(frame, area, title, line);
        return;
    }
    let wide = area.width >= 110;
    let height = area.height.saturating_sub(3) as usize;
    let selected = on_a_row(selected, visible.len());
    let start = window_start(Some(selected), 0, height, visible.len());
    let context = &state.target.context;
    let filter = gke.filter.text.as_str();
    let rows: Vec<Row> = visible
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, c)| {
            let on = gke.context_of(c) == *context;
            let fields = cluster_fields(c);
            let name_width = if wide { 30 } else { 18 };
            let mut cells = vec![
                Cell::from(Span::styled(if on { "●" } else { " " }, theme.good())),
                Cell::from(field_with_matches(&fields, 0, name_width, filter, theme)),
                Cell::from(field_with_matches(&fields, 1, 14, filter, theme)),
                Cell::from(Span::styled(
                    truncate(c.status.as_str(), 12),
                    cluster_status_style(&c.status, theme),
                )),
                Cell::from(truncate(&c.master_version, 15)),
                Cell::from(c.node_count.to_string()),
                Cell::from(if on {
                    "panes"
                } else if gke.has_context(c, &state.contexts) {
                    "yes"
                } else {
                    "-"
                }),
            ];
            if wide {
                cells.push(Cell::from(
                    c.release_channel.map_or("-".to_owned(), |r| r.to_string()),
                ));
                cells.push(Cell::from(format_age(c.created, state.now)));
            }
            Row::new(cells).style(if i == selected {
                theme.selected()
            } else {
                Style::default()
            })
        })
        .collect();
    let mut header = vec![
        "", "NAME", "LOCATION", "STATUS", "VERSION", "NODES", "CONTEXT",
    ];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(if wide { 30 } else { 18 }),
        Constraint::Length(14),
        Constraint::Length(12),
        Constraint::Length(15),
        Constraint::Length(6),
        Constraint::Length(7),
    ];
    if wide {
        header.extend(["CHANNEL", "AGE"]);
        widths.extend([Constraint::Length(9), Constraint::Length(6)]);
    }
    let mut block = Block::default().borders(Borders::ALL).title(title);
    if let Some(e) = &gke.error {
        block = block.title_bottom(Line::styled(format!(" {e} "), theme.bad()));
    } else if !gke.unanswered.is_empty() {
        block = block.title_bottom(Line::styled(
            format!(
                " ⚠ GKE did not answer for {}: its clusters are missing ",
                gke.unanswered.join(", ")
            ),
            theme.warn(),
        ));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.header_row()))
            .block(block),
        area,
    );
    if visible.is_empty() {
        nothing_matches(frame, area, "no cluster matches the filter", theme);
    }
}

/// Under a list's header, when its filter passes no row.
fn nothing_matches(frame: &mut Frame, area: Rect, what: &str, theme: &Theme) {
    if area.height > 3 && area.width > 2 {
        frame.render_widget(
            Paragraph::new(Line::styled(format!("{what} · Esc clears it"), theme.dim()))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            Rect::new(area.x + 1, area.y + 2, area.width - 2, area.height - 3),
        );
    }
}

/// One cluster: what it is, whether the panes can reach it, its pools and
/// the selected pool's labels, taints and status message.
pub fn render_details(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    (name, location, selected): (&str, &str, usize),
    theme: &Theme,
) {
    let Some(gke) = gke_of(state) else {
        return;
    };
    let title = format!(" {name} · {location} ");
    let Some(c) = gke.find(name, location) else {
        empty_view(
            frame,
            area,
            title,
            Line::styled("not in the project's list any more (deleted?)", theme.dim()),
        );
        return;
    };
    let context = gke.context_of(c);
    let context_text = if context == state.target.context {
        Span::styled(format!("{context} (the panes')"), theme.good())
    } else if gke.has_context(c, &state.contexts) {
        Span::raw(format!("{context} (C writes it again, the panes move)"))
    } else {
        Span::styled("none yet (C writes it, as get-credentials)", theme.dim())
    };
    let mut status = vec![Span::styled(
        c.status.to_string(),
        cluster_status_style(&c.status, theme),
    )];
    if !c.status_message.is_empty() {
        status.push(Span::raw(format!(" · {}", c.status_message)));
    }
    let label = |l: &str| Span::styled(format!("{l:>9} "), theme.dim());
    let mut lines = vec![
        Line::from([vec![label("status")], status].concat()),
        Line::from(vec![
            label("endpoint"),
            Span::raw(if c.endpoint.is_empty() {
                "not yet".to_owned()
            } else {
                c.endpoint.clone()
            }),
        ]),
        Line::from(vec![
            label("version"),
            Span::raw(format!(
                "{} · channel {} · created {} ago",
                c.master_version,
                c.release_channel
                    .map_or("none".to_owned(), |r| r.to_string()),
                format_age(c.created, state.now)
            )),
        ]),
        Line::from(vec![label("context"), context_text]),
        Line::raw(""),
    ];
    let wide = area.width >= 110;
    let rows: Vec<Row> = c
        .node_pools
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Row::new([
                Cell::from(truncate(&p.name, if wide { 30 } else { 16 })),
                Cell::from(truncate(&p.machine_type, 14)),
                Cell::from(pool_size(
                    p,
                    pool_nodes_now(state, context == state.target.context, &p.name),
                )),
                Cell::from(Span::styled(
                    p.status.as_str().to_owned(),
                    pool_status_style(&p.status, theme),
                )),
                Cell::from(p.version.clone()),
            ])
            .style(if i == selected {
                theme.selected()
            } else {
                Style::default()
            })
        })
        .collect();
    frame.render_widget(Clear, area);
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let head_h = (lines.len() as u16).min(inner.height);
    frame.render_widget(
        Paragraph::new(std::mem::take(&mut lines)),
        Rect::new(inner.x, inner.y, inner.width, head_h),
    );
    let pools_h = (c.node_pools.len() as u16 + 1).min(inner.height.saturating_sub(head_h));
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(if wide { 30 } else { 16 }),
                Constraint::Length(14),
                Constraint::Length(10),
                // RUNNING_WITH_ERROR whole: it is the status that matters.
                Constraint::Length(18),
                Constraint::Min(8),
            ],
        )
        .header(
            Row::new(["NODE POOL", "MACHINE", "NODES", "STATUS", "VERSION"])
                .style(theme.header_row()),
        ),
        Rect::new(inner.x, inner.y + head_h, inner.width, pools_h),
    );
    let rest_y = inner.y + head_h + pools_h;
    let rest_h = (inner.y + inner.height).saturating_sub(rest_y);
    if let Some(p) = c.node_pools.get(selected) {
        let mut pool_lines = vec![Line::raw("")];
        if !p.status_message.is_empty() {
            pool_lines.push(Line::from(vec![
                label("message"),
                Span::styled(
                    p.status_message.clone(),
                    pool_status_style(&p.status, theme),
                ),
            ]));
        }
        let labels: Vec<String> = p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pool_lines.push(Line::from(vec![
            label("labels"),
            Span::raw(if labels.is_empty() {
                "-".to_owned()
            } else {
                labels.join(", ")
            }),
        ]));
        pool_lines.push(Line::from(vec![
            label("taints"),
            Span::raw(if p.taints.is_empty() {
                "-".to_owned()
            } else {
                p.taints.join(", ")
            }),
        ]));
        if p.is_user_pool() {
            pool_lines.push(Line::styled(
                "          the z2jh user pool: user pods go here with matchNodePurpose",
                theme.dim(),
            ));
        }
        frame.render_widget(
            Paragraph::new(pool_lines).wrap(ratatui::widgets::Wrap { trim: false }),
            Rect::new(inner.x, rest_y, inner.width, rest_h),
        );
    }
}

pub fn render_contexts(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    selected: usize,
    theme: &Theme,
) {
    let all = state.contexts.len();
    let contexts = visible_contexts(state);
    let mut title = " kube contexts · Enter moves the panes there ".to_owned();
    title.push_str(&filter_title(&state.contexts_filter, contexts.len(), all));
    if all == 0 {
        empty_view(
            frame,
            area,
            title,
            Line::styled(
                "no contexts in the kubeconfig (or not read yet)",
                theme.dim(),
            ),
        );
        return;
    }
    let height = area.height.saturating_sub(3) as usize;
    let selected = on_a_row(selected, contexts.len());
    let start = window_start(Some(selected), 0, height, contexts.len());
    let filter = state.contexts_filter.text.as_str();
    let rows: Vec<Row> = contexts
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, c)| {
            let on = c.name == state.target.context;
            let fields = context_fields(c);
            Row::new([
                Cell::from(Span::styled(if on { "●" } else { " " }, theme.good())),
                Cell::from(field_with_matches(&fields, 0, 44, filter, theme)),
                Cell::from(field_with_matches(&fields, 1, 20, filter, theme)),
                Cell::from(c.namespace.clone().unwrap_or_default()),
            ])
            .style(if i == selected {
                theme.selected()
            } else {
                Style::default()
            })
        })
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(1),
                Constraint::Length(44),
                Constraint::Length(20),
                Constraint::Min(8),
            ],
        )
        .header(Row::new(["", "CONTEXT", "CLUSTER", "NAMESPACE"]).style(theme.header_row()))
        .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
    if contexts.is_empty() {
        nothing_matches(frame, area, "no context matches the filter", theme);
    }
}

pub fn render_pool_form(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(form) = &state.pool_form else {
        return;
    };
    let title = match &form.kind {
        PoolFormKind::Add { cluster, .. } => format!(" Add the user pool to {cluster} "),
        PoolFormKind::Autoscaling { cluster, pool, .. } => {
            format!(" Autoscaling of {pool} in {cluster} ")
        }
    };
    let mut lines: Vec<Line> = form
        .labels()
        .iter()
        .enumerate()
        .map(|(i, label)| form_field(label, 14, &form.values[i], i == form.focused, theme))
        .collect();
    if let PoolFormKind::Add { .. } = form.kind {
        let (l, t) = (
            crate::gke::types::USER_POOL_LABEL,
            crate::gke::types::USER_POOL_TAINT,
        );
        lines.push(Line::styled(
            format!("  its nodes get the label {}={}", l.0, l.1),
            theme.dim(),
        ));
        lines.push(Line::styled(
            format!("  and the taint {}={}:NoSchedule", t.0, t.1),
            theme.dim(),
        ));
    }
    lines.extend(form_footer(form.error.as_deref(), " go on", theme));
    let rect = centered(area, 76, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(title)),
        rect,
    );
}
