//! Searching the log view (`/`, then `n` for the older match and `N` for
//! the newer): smart case as in less and k9s (a query with a capital letter
//! matches case exactly, else ASCII letters match either case), over the
//! lines as shown (with a filter, those it passes).

use super::LogView;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogSearch {
    pub query: String,
    /// The query is being typed (keys go to it).
    pub typing: bool,
    /// The match shown last, counted from the first line ever received (so
    /// it stays put while old lines are dropped).
    pub current: Option<usize>,
}

/// Where `query` occurs in `text`, as byte ranges: what the view highlights.
pub fn find_all(text: &str, query: &str) -> Vec<std::ops::Range<usize>> {
    if query.is_empty() {
        return Vec::new();
    }
    let exact = query.chars().any(char::is_uppercase);
    let mut found = Vec::new();
    if exact {
        found.extend(text.match_indices(query).map(|(at, m)| at..at + m.len()));
    } else {
        // ASCII folding keeps byte offsets, so the ranges index `text`.
        let folded = text.to_ascii_lowercase();
        let query = query.to_ascii_lowercase();
        found.extend(folded.match_indices(&query).map(|(at, m)| at..at + m.len()));
    }
    found
}

fn matches(text: &str, query: &str) -> bool {
    !find_all(text, query).is_empty()
}

/// Which way `n`/`N` look from the current match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Older,
    Newer,
}

impl LogView {
    /// Moves to the next match `direction` of the current one (or of the
    /// newest line on screen), scrolling it into the middle of a page of
    /// `page` rows. False when there is none that way.
    pub fn find(&mut self, direction: Direction, page: usize) -> bool {
        let Some(search) = self.search.as_ref() else {
            return false;
        };
        // Positions among the lines shown, oldest first.
        let Some(last) = self.shown_len().checked_sub(1) else {
            return false;
        };
        let bottom = last.saturating_sub(self.scroll_back);
        let from = search
            .current
            .and_then(|abs| abs.checked_sub(self.dropped))
            .and_then(|i| self.shown_at(i));
        let with_time = self.timestamps;
        let hit = |at: &usize| {
            matches(
                self.lines[self.shown_line(*at)].shown(with_time),
                &search.query,
            )
        };
        let found = match (direction, from) {
            // The first search looks from the newest line on screen up.
            (Direction::Older, None) => (0..=bottom).rev().find(hit),
            (Direction::Older, Some(at)) => (0..at).rev().find(hit),
            (Direction::Newer, None) => (bottom..=last).find(hit),
            (Direction::Newer, Some(at)) => (at + 1..=last).find(hit),
        };
        let Some(at) = found else {
            return false;
        };
        self.scroll_back = (last - at).saturating_sub(page / 2);
        let index = self.shown_line(at);
        if let Some(search) = self.search.as_mut() {
            search.current = Some(self.dropped + index);
        }
        true
    }

    /// Whether the line at `index` is the current match.
    pub fn is_current_match(&self, index: usize) -> bool {
        self.search
            .as_ref()
            .and_then(|s| s.current)
            .is_some_and(|abs| abs == self.dropped + index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::logs::LogRequest;

    #[test]
    fn smart_case() {
        assert_eq!(find_all("Error: error", "error"), vec![0..5, 7..12]);
        assert_eq!(find_all("Error: error", "Error"), vec![0..5]);
        assert_eq!(find_all("ünïcode Error", "error"), vec![10..15]);
        assert!(find_all("anything", "").is_empty());
    }

    fn view_of(lines: &[&str]) -> LogView {
        let mut view = LogView::new("p".into(), 1, LogRequest::default());
        view.push(lines.iter().map(|l| l.to_string()));
        view.search = Some(LogSearch {
            query: "spawn".into(),
            ..LogSearch::default()
        });
        view
    }

    #[test]
    fn n_goes_to_older_matches_and_shift_n_back_to_newer() {
        let mut view = view_of(&["spawn a", "x", "spawn b", "y", "z"]);
        assert!(view.find(Direction::Older, 0));
        assert!(view.is_current_match(2));
        assert_eq!(
            view.scroll_back, 2,
            "the match is the bottom row of a 0-row page"
        );
        assert!(view.find(Direction::Older, 0));
        assert!(view.is_current_match(0));
        assert!(!view.find(Direction::Older, 0), "nothing older");
        assert!(view.find(Direction::Newer, 0));
        assert!(view.is_current_match(2));
        assert!(!view.find(Direction::Newer, 0));
    }

    #[test]
    fn the_current_match_survives_old_lines_being_dropped() {
        let mut view = view_of(&["spawn a", "x", "spawn b"]);
        view.find(Direction::Older, 0);
        assert!(view.is_current_match(2));
        view.dropped = 2;
        view.lines.drain(..2);
        assert!(view.is_current_match(0));
    }
}
