//! Scrolling: the keys that move a view that scrolls, one rule for all of
//! them (the text overlays, the confirmation's diff, the logs), so the same
//! key moves each alike.

use crossterm::event::KeyCode;

/// How a scroll key moves a view: one rule for every view that scrolls
/// (the text overlays, the confirmation's diff, the logs), so that the
/// same key moves them all alike. `page` is the rows a pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrollMove {
    /// Towards the end: j, ↓, PgDn.
    Down(usize),
    /// Towards the start: k, ↑, PgUp.
    Up(usize),
    /// g, Home.
    Start,
    /// G, End. The text overlays have no end of their own (their renderer
    /// stops at the text's end); the logs follow new lines again.
    End,
}

impl ScrollMove {
    pub fn from_key(code: KeyCode, page: usize) -> Option<ScrollMove> {
        let page = page.max(1);
        Some(match code {
            KeyCode::Char('j') | KeyCode::Down => ScrollMove::Down(1),
            KeyCode::Char('k') | KeyCode::Up => ScrollMove::Up(1),
            KeyCode::PageDown => ScrollMove::Down(page),
            KeyCode::PageUp => ScrollMove::Up(page),
            KeyCode::Char('g') | KeyCode::Home => ScrollMove::Start,
            KeyCode::Char('G') | KeyCode::End => ScrollMove::End,
            _ => return None,
        })
    }

    /// A list's selection (row `selected` of `len`) moved, kept on a row.
    pub fn in_list(self, selected: usize, len: usize) -> usize {
        let last = len.saturating_sub(1);
        match self {
            ScrollMove::Down(n) => (selected + n).min(last),
            ScrollMove::Up(n) => selected.saturating_sub(n),
            ScrollMove::Start => 0,
            ScrollMove::End => last,
        }
    }

    /// A view scrolled `top` rows down from its first line, moved.
    pub fn from_top(self, top: u16) -> u16 {
        let rows = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        match self {
            ScrollMove::Down(n) => top.saturating_add(rows(n)),
            ScrollMove::Up(n) => top.saturating_sub(rows(n)),
            ScrollMove::Start => 0,
            ScrollMove::End => top,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_keys_move_every_view() {
        let moved = |code, top| ScrollMove::from_key(code, 20).map(|m| m.from_top(top));
        assert_eq!(moved(KeyCode::Char('j'), 3), Some(4));
        assert_eq!(moved(KeyCode::Down, 3), Some(4));
        assert_eq!(moved(KeyCode::Char('k'), 3), Some(2));
        assert_eq!(moved(KeyCode::Up, 0), Some(0));
        assert_eq!(moved(KeyCode::PageDown, 3), Some(23));
        assert_eq!(moved(KeyCode::PageUp, 3), Some(0));
        assert_eq!(moved(KeyCode::Char('g'), 30), Some(0));
        assert_eq!(moved(KeyCode::Home, 30), Some(0));
        assert_eq!(moved(KeyCode::Char('x'), 3), None);
        // A page is at least a row, and the top never wraps.
        assert_eq!(
            ScrollMove::from_key(KeyCode::PageDown, 0),
            Some(ScrollMove::Down(1))
        );
        assert_eq!(ScrollMove::Down(usize::MAX).from_top(5), u16::MAX);
    }
}
