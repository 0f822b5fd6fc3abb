//! The log viewer's buffer: one pod's log, followed, bounded.

use std::collections::VecDeque;

use super::scroll::ScrollMove;

/// At most this many lines are kept; older ones are dropped first.
pub const MAX_LOG_LINES: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    pub pod: String,
    pub container: Option<String>,
    pub lines: VecDeque<String>,
    pub wrap: bool,
    /// Lines scrolled up from the bottom; 0 follows new lines.
    pub scroll_back: usize,
    /// Lines dropped because of the bound, shown so the operator knows.
    pub dropped: usize,
    pub ended: Option<String>,
}

impl LogView {
    pub fn new(pod: String, container: Option<String>) -> Self {
        LogView {
            pod,
            container,
            lines: VecDeque::new(),
            wrap: false,
            scroll_back: 0,
            dropped: 0,
            ended: None,
        }
    }

    pub fn push(&mut self, lines: impl IntoIterator<Item = String>) {
        for line in lines {
            if self.lines.len() == MAX_LOG_LINES {
                self.lines.pop_front();
                self.dropped += 1;
            }
            self.lines.push_back(line);
            // While scrolled back, keep the same lines on screen.
            if self.scroll_back > 0 {
                self.scroll_back = (self.scroll_back + 1).min(self.lines.len());
            }
        }
    }

    pub fn following(&self) -> bool {
        self.scroll_back == 0
    }

    pub fn scroll_up(&mut self, n: usize) {
        self.scroll_back = (self.scroll_back + n).min(self.lines.len().saturating_sub(1));
    }

    pub fn scroll_down(&mut self, n: usize) {
        self.scroll_back = self.scroll_back.saturating_sub(n);
    }

    /// A scroll key, counted back from the newest line: at 0 it follows.
    pub fn scroll(&mut self, movement: ScrollMove) {
        match movement {
            ScrollMove::Up(n) => self.scroll_up(n),
            ScrollMove::Down(n) => self.scroll_down(n),
            ScrollMove::Start => self.scroll_up(usize::MAX / 2),
            ScrollMove::End => self.scroll_back = 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_the_bound_and_counts_what_it_dropped() {
        let mut view = LogView::new("p".into(), None);
        view.push((0..MAX_LOG_LINES + 5).map(|i| i.to_string()));
        assert_eq!(view.lines.len(), MAX_LOG_LINES);
        assert_eq!(view.dropped, 5);
        assert_eq!(view.lines.front().map(String::as_str), Some("5"));
    }

    #[test]
    fn scrolled_back_view_stays_on_the_same_lines() {
        let mut view = LogView::new("p".into(), None);
        view.push(["a".to_string(), "b".into(), "c".into()]);
        view.scroll_up(1);
        view.push(["d".to_string()]);
        assert_eq!(view.scroll_back, 2);
        assert!(!view.following());
        view.scroll_down(5);
        assert!(view.following());
    }
}
