//! Drawing: `render(frame, &state)` reads state and nothing else. One file
//! per pane and per overlay.

pub mod cluster_pane;
pub mod clusters;
pub mod confirm;
pub mod create_form;
pub mod events;
pub mod footer;
pub mod header;
pub mod help;
pub mod history;
pub mod image_form;
pub mod image_pulls;
pub mod logs;
pub mod namespaces;
pub mod node_details;
pub mod notes;
pub mod palette;
pub mod pod_details;
pub mod pods_pane;
pub mod progress;
pub mod release_pane;
pub mod service_details;
pub mod services_pane;
pub mod text_view;
pub mod theme;
pub mod users;
pub mod widgets;
pub mod workloads;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::layout;

use crate::app::{Overlay, State};
use theme::Theme;

pub fn render(frame: &mut Frame, state: &State) {
    let theme = Theme::new(state.monochrome);
    let area = frame.area();
    if area.width < 20 || area.height < 8 {
        frame.render_widget(
            ratatui::widgets::Paragraph::new("jhub-cockpit: terminal too small (needs 20x8)")
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let areas = layout::areas(area);
    header::render(frame, areas.header, state, &theme);
    match state.operation.as_ref().filter(|o| !o.hidden) {
        // The operation takes the cluster/release band and the services
        // pane; the pods pane, where a rollout shows, stays.
        Some(op) => {
            let panel = Rect::new(
                areas.cluster.x,
                areas.cluster.y,
                area.width,
                areas.cluster.height + areas.services.height,
            );
            progress::render(frame, panel, state, op, &theme);
            let pods = Rect::new(
                areas.pods.x,
                panel.y + panel.height,
                areas.pods.width,
                areas.pods.height,
            );
            pods_pane::render(frame, pods, state, &theme);
        }
        None => {
            cluster_pane::render(frame, areas.cluster, state, &theme);
            release_pane::render(frame, areas.release, state, &theme);
            pods_pane::render(frame, areas.pods, state, &theme);
            services_pane::render(frame, areas.services, state, &theme);
        }
    }
    footer::render(frame, areas.footer, state, &theme);

    // Overlays cover everything between the header and the footer.
    let body = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(2),
    );
    for overlay in &state.overlays {
        match overlay {
            Overlay::Help => help::render(frame, body, state, &theme),
            Overlay::PodDetails { pod, scroll } => {
                pod_details::render(frame, body, state, pod, *scroll, &theme)
            }
            Overlay::NodeDetails { node } => node_details::render(frame, body, state, node, &theme),
            Overlay::ServiceDetails { service } => {
                service_details::render(frame, body, state, service, &theme)
            }
            Overlay::Logs => {
                if let Some(view) = &state.logs {
                    logs::render(frame, body, view, &theme)
                }
            }
            Overlay::Users { selected } => users::render(frame, body, state, *selected, &theme),
            Overlay::UserDetails { user, scroll } => {
                users::render_details(frame, body, state, user, *scroll, &theme)
            }
            Overlay::Notes { scroll } => notes::render(frame, body, state, *scroll, &theme),
            Overlay::Workloads { scroll } => workloads::render(frame, body, state, *scroll, &theme),
            Overlay::History { selected } => history::render(frame, body, state, *selected, &theme),
            Overlay::Confirm => confirm::render(frame, body, state, &theme),
            Overlay::CreateCluster => create_form::render(frame, body, state, &theme),
            Overlay::Clusters { selected } => {
                clusters::render_list(frame, body, state, *selected, &theme)
            }
            Overlay::ClusterDetails {
                name,
                location,
                pool,
            } => clusters::render_details(frame, body, state, (name, location, *pool), &theme),
            Overlay::Contexts { selected } => {
                clusters::render_contexts(frame, body, state, *selected, &theme)
            }
            Overlay::PoolForm => clusters::render_pool_form(frame, body, state, &theme),
            Overlay::Namespaces { selected } => {
                namespaces::render(frame, body, state, *selected, &theme)
            }
            Overlay::Palette => palette::render(frame, body, state, &theme),
            Overlay::ImageForm => image_form::render(frame, body, state, &theme),
            Overlay::Pulls { scroll } => image_pulls::render(frame, body, state, *scroll, &theme),
            Overlay::Events { selected } => events::render(frame, body, state, *selected, &theme),
            Overlay::Text {
                title,
                lines,
                scroll,
            } => text_view::render(frame, body, title, lines, *scroll, &theme),
        }
    }
}

/// A `width` x `height` rectangle in the middle of `area` (clamped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

#[cfg(test)]
mod redraw_tests;
