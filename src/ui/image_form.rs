//! The image form (`I`): what the release runs, what config.yaml says, and
//! the name and tag being typed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::centered;
use super::theme::Theme;
use super::widgets::form_field;
use crate::app::State;
use crate::app::image_form::{FIELDS, deployed};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(form) = &state.image_form else {
        return;
    };
    let label = |s: &str| Span::styled(format!("{s:>16} "), theme.dim());
    let configured = match (&form.configured.name, &form.configured.tag) {
        (Some(n), Some(t)) => format!("{n}:{t}"),
        (Some(n), None) => format!("{n} (no tag: latest)"),
        (None, Some(t)) => format!("tag {t} (the chart's image name)"),
        (None, None) => "not set (the chart's default image)".into(),
    };
    let mut lines = vec![
        Line::from(vec![
            label("deployed"),
            Span::raw(deployed(state).unwrap_or_else(|| "nothing yet (no release)".into())),
        ]),
        Line::from(vec![
            label(
                &form
                    .configured
                    .path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "config.yaml".into()),
            ),
            Span::raw(configured),
        ]),
        Line::raw(""),
    ];
    for (i, field) in FIELDS.iter().enumerate() {
        let focused = i == form.focused;
        lines.push(form_field(field, 16, &form.values[i], focused, theme));
    }
    lines.push(Line::raw(""));
    if form.checking {
        lines.push(Line::styled("asking the image's registry…", theme.warn()));
    }
    if let Some(e) = &form.error {
        lines.push(Line::styled(format!("⚠ {e}"), theme.bad()));
    }
    lines.push(Line::from(vec![
        Span::styled("Tab", theme.key()),
        Span::raw(" next · "),
        Span::styled("Enter", theme.key()),
        Span::raw(" write config.yaml (diff first) · "),
        Span::styled("Esc", theme.key()),
        Span::raw(" cancel"),
    ]));
    let width = 76.min(area.width);
    // Wrapped lines (a long error) need rows of their own.
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let rect = centered(area, width, rows as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" The users' notebook image (singleuser.image) "),
        ),
        rect,
    );
}
