//! Where each pane goes. Usable at 80x24; the pods pane takes what grows.
//! The core keeps it because keys page by the rows a pane shows; the views
//! draw into these areas.

use ratatui::layout::{Constraint, Layout, Rect};

use super::state::Pane;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub cluster: Rect,
    pub release: Rect,
    pub pods: Rect,
    pub services: Rect,
    pub footer: Rect,
}

impl Areas {
    pub fn pane(&self, pane: Pane) -> Rect {
        match pane {
            Pane::Cluster => self.cluster,
            Pane::Release => self.release,
            Pane::Pods => self.pods,
            Pane::Services => self.services,
        }
    }
}

/// Rows of the top band (cluster | release) and of the services pane, by
/// terminal height: 6 each at 24 rows, a little more on taller screens.
fn band_heights(height: u16) -> (u16, u16) {
    let top = (6 + height.saturating_sub(24) / 6).min(12);
    let services = (6 + height.saturating_sub(24) / 8).min(10);
    (top, services)
}

pub fn areas(area: Rect) -> Areas {
    let (top, services) = band_heights(area.height);
    let [header, band, pods, services, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(top),
        Constraint::Min(3),
        Constraint::Length(services),
        Constraint::Length(1),
    ])
    .areas(area);
    let [cluster, release] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(band);
    Areas {
        header,
        cluster,
        release,
        pods,
        services,
        footer,
    }
}

/// How many list rows a pane shows (its height less borders and the column
/// header), so keys can page and keep the selection in view.
pub fn list_rows(pane: Pane, width: u16, height: u16) -> usize {
    let rect = areas(Rect::new(0, 0, width, height)).pane(pane);
    rect.height.saturating_sub(3) as usize
}
