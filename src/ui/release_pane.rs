//! The Release pane: the followed helm release's current revision, read
//! from its Secrets, and the public URL once it exists.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use super::widgets::pane_block;
use crate::app::hub_state::HubRoute;
use crate::app::{Kind, Pane, State};
use crate::helm::release::{ReleaseRecord, ReleaseStatus};
use crate::time_text::format_age;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let focused = state.focus == Pane::Release && state.overlays.is_empty();
    let releases = &state.resources.releases;
    let chosen = releases.chosen(state.target.release.as_deref());
    let title = match chosen {
        Some(name) => format!("Release {name}"),
        None => "Release".into(),
    };
    let block = pane_block(
        2,
        vec![Span::styled(title, theme.title())],
        focused,
        state.stale.contains(&Kind::Release),
        theme,
    );
    let mut lines = match chosen.and_then(|n| releases.current(n)) {
        Some(record) => record_lines(record, releases.history(&record.name).len(), state, theme),
        None => empty_lines(state, chosen, theme),
    };
    // Without a usable helm the panes still work, but the actions do not.
    if let Some(problem) = &state.deploy.helm_problem {
        lines.insert(0, Line::styled(format!("helm: {problem}"), theme.bad()));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn status_style(status: &ReleaseStatus, theme: &Theme) -> ratatui::style::Style {
    match status {
        ReleaseStatus::Deployed => theme.good(),
        ReleaseStatus::Superseded | ReleaseStatus::Uninstalled => theme.dim(),
        s if s.is_pending() => theme.warn(),
        _ => theme.bad(),
    }
}

fn record_lines<'a>(
    record: &ReleaseRecord,
    revisions: usize,
    state: &State,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::from(vec![
            Span::raw(format!("rev {} ", record.revision)),
            Span::styled(
                record.status.to_string(),
                status_style(&record.status, theme),
            ),
            Span::styled(format!("  ({revisions} in history)"), theme.dim()),
        ]),
        Line::from(format!(
            "chart {}-{}  app {}",
            record.chart_name,
            record.chart_version,
            record.app_version.as_deref().unwrap_or("-")
        )),
        deployed_line(record, state, theme),
    ];
    if record.status.is_pending() {
        lines.push(Line::styled(pending_line(state), theme.warn()));
    }
    lines.push(match state.resources.public_url() {
        Some(url) => {
            let mut spans = vec![Span::raw("URL "), Span::styled(url, theme.highlight())];
            // The tutorial's last step ("open it in a browser"), checked.
            if let Some(health) = &state.hub.health {
                spans.push(match &health.result {
                    Ok(ms) => Span::styled(format!(" hub ✓ {ms} ms"), theme.good()),
                    Err(e) => Span::styled(
                        format!(" hub ✗ {}", crate::hub::client::short_failure(e)),
                        theme.bad(),
                    ),
                });
            }
            Line::from(spans)
        }
        None => match state
            .hub
            .health
            .as_ref()
            .filter(|h| h.route != HubRoute::Public)
        {
            // No public address, but the hub answers through the API server.
            Some(health) => Line::from(vec![
                Span::styled("no URL · ", theme.dim()),
                match &health.result {
                    Ok(ms) => Span::styled(format!("hub ✓ {ms} ms"), theme.good()),
                    Err(e) => Span::styled(
                        format!("hub ✗ {}", crate::hub::client::short_failure(e)),
                        theme.bad(),
                    ),
                },
                Span::styled(" (port-forward)", theme.dim()),
            ]),
            None => Line::styled("URL waiting for proxy-public…", theme.dim()),
        },
    });
    lines
}

/// When it was deployed and, once the workloads are listed, how many of
/// them are ready (`w` lists them).
fn deployed_line<'a>(record: &ReleaseRecord, state: &State, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw(format!(
        "deployed {} ago",
        format_age(record.last_deployed, state.now)
    ))];
    let (done, total) = crate::app::workloads::done_count(state);
    if total > 0 {
        let style = if done == total {
            theme.dim()
        } else {
            theme.warn()
        };
        spans.push(Span::styled(
            format!(" · workloads {done}/{total} ready"),
            style,
        ));
    }
    Line::from(spans)
}

/// What a pending revision means and what to do: helm refuses to upgrade
/// a pending release, so one left by an interrupted run needs a rollback
/// (or, without an earlier revision, an uninstall).
fn pending_line(state: &State) -> String {
    if state.operation.as_ref().is_some_and(|o| o.running()) {
        return "our helm run is in progress (o shows it)".into();
    }
    // Short: the pane is a third of an 80-column screen wide.
    match crate::app::lists::rollback_target(state) {
        Some(rev) => format!("interrupted? r: roll back to rev {rev}"),
        None => "interrupted? no earlier rev: X uninstalls".into(),
    }
}

fn empty_lines<'a>(state: &State, chosen: Option<&str>, theme: &Theme) -> Vec<Line<'a>> {
    if !state.listed.contains(&Kind::Release) {
        return vec![Line::styled("reading helm release Secrets…", theme.dim())];
    }
    let names = state.resources.releases.names();
    let mut lines = vec![match chosen {
        Some(name) => Line::styled(
            format!("no release '{name}' in {}", state.target.namespace),
            theme.warn(),
        ),
        None if names.is_empty() => Line::styled(
            format!("no helm release in {}", state.target.namespace),
            theme.dim(),
        ),
        None => Line::styled(
            format!("{} releases: pick one with --release", names.len()),
            theme.warn(),
        ),
    }];
    if !names.is_empty() {
        lines.push(Line::from(format!("found: {}", names.join(", "))));
    }
    for (secret, error) in &state.resources.releases.undecodable {
        lines.push(Line::styled(format!("{secret}: {error}"), theme.bad()));
    }
    lines
}
