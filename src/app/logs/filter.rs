//! The log view's line filter (`&`, as in less): only the lines that match
//! are shown, fuzzy and smart-case as the lists' filter (`app::fuzzy`:
//! `'word` for the exact word, `!word` for the lines without it), on what
//! the container wrote (not the timestamp, so `t` changes no line's fate).
//!
//! The lines that pass are kept as a list of their numbers, counted from
//! the first line ever received (as the search's current match), so that
//! a keystroke matches each kept line once, a new line is matched once
//! when it arrives, and a dropped line leaves the list from its front. The
//! view's scroll, its search and its save then go over the lines shown.

use std::collections::VecDeque;

use super::LogView;
use crate::app::fuzzy;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub text: String,
    /// The filter is being typed (keys go to it).
    pub typing: bool,
    /// The numbers of the lines that pass, oldest first (see the module's
    /// comment); empty while the text is.
    passed: VecDeque<usize>,
}

impl LogFilter {
    /// Whether it filters: a blank text shows every line.
    pub fn active(&self) -> bool {
        !self.text.trim().is_empty()
    }

    pub fn passes(&self, text: &str) -> bool {
        fuzzy::matches(&self.text, &[text])
    }
}

impl LogView {
    fn active_filter(&self) -> Option<&LogFilter> {
        self.filter.as_ref().filter(|f| f.active())
    }

    /// How many lines the view shows: every line, or those the filter passes.
    pub fn shown_len(&self) -> usize {
        self.active_filter()
            .map_or(self.lines.len(), |f| f.passed.len())
    }

    /// The index (into `lines`) of the `at`-th line shown, oldest first.
    pub fn shown_line(&self, at: usize) -> usize {
        self.active_filter()
            .map_or(at, |f| f.passed[at] - self.dropped)
    }

    /// Where the line at `index` (into `lines`) is among those shown, if it is.
    pub fn shown_at(&self, index: usize) -> Option<usize> {
        match self.active_filter() {
            None => (index < self.lines.len()).then_some(index),
            Some(f) => f.passed.binary_search(&(self.dropped + index)).ok(),
        }
    }

    /// A line was added at the end (`index` into `lines`): kept in the
    /// filter's list if it passes. Whether it is shown.
    pub(super) fn filter_pushed(&mut self, index: usize) -> bool {
        let number = self.dropped + index;
        let Some(filter) = self.filter.as_mut().filter(|f| f.active()) else {
            return true;
        };
        let passes = filter.passes(self.lines[index].text());
        if passes {
            filter.passed.push_back(number);
        }
        passes
    }

    /// The oldest line (`number`) was dropped: it leaves the filter's list.
    pub(super) fn filter_dropped(&mut self, number: usize) {
        if let Some(filter) = self.filter.as_mut()
            && filter.passed.front() == Some(&number)
        {
            filter.passed.pop_front();
        }
    }

    /// The filter's text changed (`change`, or a new filter): every line is
    /// matched again, once. A view that follows still follows; one scrolled
    /// back keeps the line at its bottom, or the nearest older one shown.
    pub fn set_filter(&mut self, change: impl FnOnce(&mut Option<LogFilter>)) {
        let bottom = (!self.following())
            .then(|| self.bottom().map(|i| self.dropped + i))
            .flatten();
        change(&mut self.filter);
        let dropped = self.dropped;
        if let Some(filter) = self.filter.as_mut() {
            filter.passed.clear();
            if filter.active() {
                let passed: VecDeque<usize> = self
                    .lines
                    .iter()
                    .enumerate()
                    .filter(|(_, line)| filter.passes(line.text()))
                    .map(|(i, _)| dropped + i)
                    .collect();
                filter.passed = passed;
            }
        }
        let shown = self.shown_len();
        self.scroll_back = match bottom {
            Some(number) if shown > 0 => {
                // How many shown lines are at or before the old bottom one:
                // the newest of them is the new bottom (the first line
                // shown when none is).
                let up_to = match self.active_filter() {
                    Some(f) => f.passed.partition_point(|&n| n <= number),
                    None => number + 1 - dropped,
                };
                shown - up_to.clamp(1, shown)
            }
            _ => 0,
        };
    }

    /// The filter as it stands, for a new stream of the same view: its text
    /// stays (no longer typed), its lines go with the old stream's.
    pub(super) fn filter_for_new_stream(&self) -> Option<LogFilter> {
        self.filter
            .as_ref()
            .filter(|f| f.active())
            .map(|f| LogFilter {
                text: f.text.clone(),
                ..LogFilter::default()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::logs::MAX_LOG_LINES;
    use crate::kube::logs::LogRequest;

    fn view_of(lines: &[&str]) -> LogView {
        let mut view = LogView::new("p".into(), 1, LogRequest::default());
        view.push(lines.iter().map(|l| l.to_string()));
        view
    }

    fn filtered(view: &mut LogView, text: &str) {
        view.set_filter(|f| {
            *f = Some(LogFilter {
                text: text.into(),
                ..LogFilter::default()
            })
        });
    }

    fn shown(view: &LogView) -> Vec<&str> {
        (0..view.shown_len())
            .map(|at| view.lines[view.shown_line(at)].text())
            .collect()
    }

    #[test]
    fn only_matching_lines_are_shown_and_new_ones_are_matched_as_they_come() {
        let mut view = view_of(&[
            "GET /hub/health 200",
            "Spawn failed: alice",
            "GET /user 302",
        ]);
        filtered(&mut view, "spawn");
        assert_eq!(shown(&view), ["Spawn failed: alice"]);
        view.push(["bob spawned".to_string(), "GET /".into()]);
        assert_eq!(shown(&view), ["Spawn failed: alice", "bob spawned"]);
        // Fuzzy: letters in order; an uppercase letter respects case.
        filtered(&mut view, "gt20");
        assert_eq!(shown(&view), ["GET /hub/health 200"]);
        filtered(&mut view, "Spawn");
        assert_eq!(shown(&view), ["Spawn failed: alice"]);
        // A blank filter shows every line.
        filtered(&mut view, " ");
        assert_eq!(view.shown_len(), 5);
        // fzf's syntax: 'word for the exact word, !word for the lines
        // without it.
        filtered(&mut view, "'health");
        assert_eq!(shown(&view), ["GET /hub/health 200"]);
        filtered(&mut view, "get !health");
        assert_eq!(shown(&view), ["GET /user 302", "GET /"]);
    }

    #[test]
    fn the_filter_matches_the_text_not_the_timestamp() {
        let mut view = view_of(&["2026-12-05T10:00:01.000000000Z ready", "2026 plain"]);
        filtered(&mut view, "2026");
        assert_eq!(shown(&view), ["2026 plain"]);
    }

    #[test]
    fn dropped_lines_leave_the_filter_and_the_rest_stay_in_place() {
        let mut view = view_of(&[]);
        filtered(&mut view, "even");
        view.push((0..MAX_LOG_LINES + 10).map(|i| {
            if i % 2 == 0 {
                format!("even {i}")
            } else {
                format!("odd {i}")
            }
        }));
        assert_eq!(view.dropped, 10);
        assert_eq!(view.shown_len(), MAX_LOG_LINES / 2);
        assert_eq!(shown(&view)[0], "even 10");
        assert_eq!(shown(&view).last(), Some(&"even 10008"));
        assert_eq!(view.shown_at(0), Some(0));
        assert_eq!(view.shown_at(1), None, "an odd line is not shown");
    }

    #[test]
    fn a_scrolled_back_view_keeps_its_bottom_line_through_a_change() {
        let lines: Vec<String> = (0..100)
            .map(|i| format!("{} {i:03}", if i % 2 == 0 { "keep" } else { "skip" }))
            .collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let mut view = view_of(&refs);
        let bottom = |view: &LogView| view.bottom().map(|i| view.lines[i].text().to_owned());
        view.scroll_back = 50;
        assert_eq!(bottom(&view).as_deref(), Some("skip 049"));
        filtered(&mut view, "keep");
        assert_eq!(
            bottom(&view).as_deref(),
            Some("keep 048"),
            "the nearest older one"
        );
        // A new line, shown or not, leaves the same lines on screen.
        view.push(["skip 100".to_string(), "keep 101".into()]);
        assert_eq!(bottom(&view).as_deref(), Some("keep 048"));
        // Cleared: still there.
        view.set_filter(|f| *f = None);
        assert_eq!(bottom(&view).as_deref(), Some("keep 048"));
        // A following view still follows, on the lines shown.
        view.scroll_back = 0;
        filtered(&mut view, "keep");
        assert!(view.following());
        assert_eq!(bottom(&view).as_deref(), Some("keep 101"));
        view.push(["skip 102".to_string()]);
        assert_eq!(bottom(&view).as_deref(), Some("keep 101"));
        // Nothing passes: nothing shown, and a filter that passes only
        // newer lines than the bottom shows the first that passes.
        filtered(&mut view, "zzz");
        assert_eq!((view.shown_len(), view.bottom()), (0, None));
        view.scroll_back = 0;
        view.set_filter(|f| *f = None);
        view.scroll_back = 90;
        filtered(&mut view, "101");
        assert_eq!(bottom(&view).as_deref(), Some("keep 101"));
    }
}
