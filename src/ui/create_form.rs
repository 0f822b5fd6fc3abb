//! The create-cluster form, with the tutorial's defaults filled in.

use ratatui::Frame;
use ratatui::layout::Rect;

use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use super::theme::Theme;
use super::widgets::{form_field, form_footer};
use crate::app::State;
use crate::app::gke_view::FIELDS;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(form) = &state.create_form else {
        return;
    };
    let mut lines = Vec::new();
    for (i, label) in FIELDS.iter().enumerate() {
        let focused = i == form.focused;
        lines.push(form_field(label, 32, &form.values[i], focused, theme));
    }
    lines.extend(form_footer(form.error.as_deref(), " create", theme));
    let project = state
        .gke
        .as_ref()
        .map(|g| g.project.as_str())
        .unwrap_or("?");
    let rect = centered(area, 76, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Create a GKE cluster in project {project} ")),
        ),
        rect,
    );
}
