//! The pull view (`P`): per node, whether the users' image is there, from
//! the image pullers and the kubelet's pull events; the title answers "is
//! the class ready?".

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use super::widgets::{cut_to_width, display_width, pad_to_width};
use crate::app::State;
use crate::app::image_pulls::{NodePull, Pulls, pulls, release_image};
use crate::time_text::format_age;

pub fn render(frame: &mut Frame, area: Rect, state: &State, scroll: u16, theme: &Theme) {
    let view = release_image(state).map(|image| pulls(state, &image));
    let mut title = vec![Span::styled(" Image pulls ", theme.title())];
    if let Some(view) = &view {
        let (ready, total) = (view.ready_nodes(), view.asked_nodes());
        let (text, style) = if total == 0 {
            ("no node has asked for it yet ".to_string(), theme.warn())
        } else if ready == total {
            (format!("ready: on all {total} nodes "), theme.good())
        } else {
            (format!("{ready} of {total} nodes have it "), theme.warn())
        };
        title.push(Span::styled(text, style));
    }
    title.push(Span::styled("· Esc back ", theme.dim()));
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let lines = match &view {
        None if crate::app::lists::current_record(state).is_some() => vec![Line::styled(
            "the release's users' image is not known: its manifest has no image puller and config.yaml names no image",
            theme.dim(),
        )],
        None => vec![Line::styled(
            "no release yet: after an install, this shows which nodes have the users' image",
            theme.dim(),
        )],
        Some(view) => table(state, view, width, theme),
    };
    let scroll = scroll.min(lines.len().saturating_sub(inner.height as usize) as u16);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

fn describe(pull: &NodePull, state: &State, theme: &Theme) -> (String, Style) {
    match pull {
        NodePull::Pulled { took: Some(t) } => (format!("✓ pulled in {t}"), theme.good()),
        NodePull::Pulled { took: None } => ("✓ pulled (image puller)".into(), theme.good()),
        NodePull::Present => ("✓ already on the node".into(), theme.good()),
        NodePull::Pulling { since } => (
            format!("pulling for {}", format_age(*since, state.now)),
            theme.warn(),
        ),
        NodePull::Failed { why } => (format!("✗ {why}"), theme.bad()),
        NodePull::Waiting => ("puller still has the old image".into(), theme.warn()),
        NodePull::NotAsked => (
            "no puller pod here, no pull: not counted".into(),
            theme.dim(),
        ),
    }
}

/// The image, then NODE STATE POD; long states are cut to the width.
fn table<'a>(state: &State, view: &Pulls, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::from(vec![
            Span::styled("image ", theme.dim()),
            Span::raw(cut_to_width(&view.image, width.saturating_sub(6)).to_owned()),
        ]),
        Line::raw(""),
    ];
    if view.rows.is_empty() {
        lines.push(Line::styled("no nodes seen yet", theme.dim()));
        return lines;
    }
    let node_width = view
        .rows
        .iter()
        .map(|r| display_width(&r.node))
        .max()
        .unwrap_or(4)
        .clamp(4, 30);
    lines.push(Line::styled(
        format!("{} STATE", pad_to_width("NODE", node_width)),
        theme.header_row(),
    ));
    for row in &view.rows {
        let (text, style) = describe(&row.pull, state, theme);
        let pod = row
            .pod
            .as_deref()
            .map(|p| format!("  {p}"))
            .unwrap_or_default();
        let room = width.saturating_sub(node_width + 1);
        let state_text = cut_to_width(&text, room).to_owned();
        let pod_room = room.saturating_sub(display_width(&state_text));
        lines.push(Line::from(vec![
            Span::raw(format!("{} ", pad_to_width(&row.node, node_width))),
            Span::styled(state_text, style),
            Span::styled(cut_to_width(&pod, pod_room).to_owned(), theme.dim()),
        ]));
    }
    lines
}
