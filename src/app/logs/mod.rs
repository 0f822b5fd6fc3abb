//! The log viewer's state: one container's log of one pod, bounded, with
//! what it was asked for (container, previous run) so that a reconnect can
//! resume where it stopped.
//!
//! The lines arrive with the runtime's timestamps (the view always asks for
//! them): they say where to resume after a break and can be shown or not.
//! The children: `search` finds lines (`/`, `n`, `N`), `filter` shows only
//! the lines that match (`&`), `flow` turns keys and the stream's messages
//! into changes here and commands for the runtime. The view's scroll counts
//! the lines shown, so with a filter it moves over the lines that pass.

pub mod filter;
pub mod flow;
pub mod search;

use std::collections::VecDeque;

use super::scroll::ScrollMove;
use crate::kube::logs::{ContainerName, LogRequest};
use filter::LogFilter;
use search::LogSearch;

/// At most this many lines are kept; older ones are dropped first.
pub const MAX_LOG_LINES: usize = 10_000;

/// Lines asked for from before the moment the viewer opens.
pub const TAIL_LINES: i64 = 1_000;

/// One line as the API sent it: the timestamp, a space, the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    raw: String,
    /// Where the text starts: 0 when the line has no timestamp.
    text_at: usize,
}

impl LogLine {
    pub fn new(raw: String) -> Self {
        let text_at = match raw.split_once(' ') {
            Some((stamp, _)) if looks_like_timestamp(stamp) => stamp.len() + 1,
            _ => 0,
        };
        LogLine { raw, text_at }
    }

    /// What the container wrote.
    pub fn text(&self) -> &str {
        &self.raw[self.text_at..]
    }

    /// The runtime's RFC 3339 timestamp, when the line has one.
    pub fn timestamp(&self) -> Option<&str> {
        (self.text_at > 0).then(|| &self.raw[..self.text_at - 1])
    }

    /// The line as the view shows it: with its timestamp or without.
    pub fn shown(&self, with_time: bool) -> &str {
        if with_time { &self.raw } else { self.text() }
    }
}

/// The kubelet's RFC 3339 timestamps (`2026-12-05T06:43:01.657085475Z`);
/// a cheap shape check, for a log line written without one.
fn looks_like_timestamp(word: &str) -> bool {
    let b = word.as_bytes();
    (20..=35).contains(&b.len())
        && b[4] == b'-'
        && b[10] == b'T'
        && b[..4].iter().all(u8::is_ascii_digit)
        && word.parse::<jiff::Timestamp>().is_ok()
}

/// After a reconnect the API sends again the lines of the second the view
/// stopped in (it takes whole seconds): those up to the last line seen are
/// skipped, counting the ones with its exact timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Resume {
    last: jiff::Timestamp,
    /// How many kept lines carry exactly `last`.
    seen_at_last: usize,
    skipped_at_last: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    pub pod: String,
    /// The id of the stream whose messages this view takes; a replaced
    /// stream's late messages carry another.
    pub stream: u64,
    /// What the current stream asked for; `container` is filled in when the
    /// stream says which one it chose.
    pub request: LogRequest,
    /// The pod's containers, to choose from (c).
    pub containers: Vec<ContainerName>,
    pub lines: VecDeque<LogLine>,
    pub wrap: bool,
    /// Show each line's timestamp (t).
    pub timestamps: bool,
    /// Lines shown scrolled up from the bottom; 0 follows new lines.
    pub scroll_back: usize,
    /// Lines dropped because of the bound, shown so the operator knows.
    pub dropped: usize,
    pub ended: Option<String>,
    resume: Option<Resume>,
    pub search: Option<LogSearch>,
    /// Only the lines that match are shown (`&`).
    pub filter: Option<LogFilter>,
}

impl LogView {
    pub fn new(pod: String, stream: u64, request: LogRequest) -> Self {
        LogView {
            pod,
            stream,
            request,
            containers: Vec::new(),
            lines: VecDeque::new(),
            wrap: false,
            timestamps: false,
            scroll_back: 0,
            dropped: 0,
            ended: None,
            resume: None,
            search: None,
            filter: None,
        }
    }

    /// A new stream of another log (container, previous run): the lines of
    /// the old one go; the toggles and the filter stay.
    pub fn replace_stream(&mut self, stream: u64, request: LogRequest) {
        let kept = (
            self.wrap,
            self.timestamps,
            std::mem::take(&mut self.containers),
            self.filter_for_new_stream(),
        );
        *self = LogView::new(std::mem::take(&mut self.pod), stream, request);
        (self.wrap, self.timestamps, self.containers, self.filter) = kept;
    }

    /// A new stream of the same log from the second of the last line kept:
    /// the request to make, and the lines already here stay. None when no
    /// line says where to resume (the caller starts over).
    pub fn resume_stream(&mut self, stream: u64) -> Option<LogRequest> {
        let last_stamp = self.lines.back()?.timestamp()?.to_owned();
        let last: jiff::Timestamp = last_stamp.parse().ok()?;
        let seen_at_last = self
            .lines
            .iter()
            .rev()
            .take_while(|l| l.timestamp() == Some(last_stamp.as_str()))
            .count();
        let whole_second = jiff::Timestamp::from_second(last.as_second()).ok()?;
        self.stream = stream;
        self.ended = None;
        self.resume = Some(Resume {
            last,
            seen_at_last,
            skipped_at_last: 0,
        });
        self.request.since = Some(whole_second);
        self.request.tail = None;
        Some(self.request.clone())
    }

    pub fn push(&mut self, lines: impl IntoIterator<Item = String>) {
        for raw in lines {
            let line = LogLine::new(raw);
            if self.already_seen(&line) {
                continue;
            }
            if self.lines.len() == MAX_LOG_LINES {
                self.lines.pop_front();
                self.filter_dropped(self.dropped);
                self.dropped += 1;
            }
            self.lines.push_back(line);
            let shown = self.filter_pushed(self.lines.len() - 1);
            // While scrolled back, keep the same lines on screen.
            if shown && self.scroll_back > 0 {
                self.scroll_back = (self.scroll_back + 1).min(self.shown_len());
            }
        }
    }

    /// Whether a resumed stream's line was kept before the break.
    fn already_seen(&mut self, line: &LogLine) -> bool {
        let Some(resume) = self.resume.as_mut() else {
            return false;
        };
        let Some(at) = line
            .timestamp()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        else {
            self.resume = None;
            return false;
        };
        if at < resume.last {
            return true;
        }
        if at == resume.last && resume.skipped_at_last < resume.seen_at_last {
            resume.skipped_at_last += 1;
            return true;
        }
        self.resume = None;
        false
    }

    /// The container being read, once known.
    pub fn container(&self) -> Option<&str> {
        self.request.container.as_deref()
    }

    pub fn following(&self) -> bool {
        self.scroll_back == 0
    }

    pub fn scroll_up(&mut self, n: usize) {
        self.scroll_back = self
            .scroll_back
            .saturating_add(n)
            .min(self.shown_len().saturating_sub(1));
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

    /// The index (into `lines`) of the newest line on screen.
    pub fn bottom(&self) -> Option<usize> {
        self.shown_len()
            .checked_sub(1)
            .map(|last| self.shown_line(last.saturating_sub(self.scroll_back)))
    }

    /// The view's lines as shown (those the filter passes), for saving to
    /// a file.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for at in 0..self.shown_len() {
            text.push_str(self.lines[self.shown_line(at)].shown(self.timestamps));
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> LogView {
        LogView::new("p".into(), 1, LogRequest::default())
    }

    fn stamped(second: u32, nanos: u32, text: &str) -> String {
        format!("2026-12-05T10:00:{second:02}.{nanos:09}Z {text}")
    }

    #[test]
    fn keeps_at_most_the_bound_and_counts_what_it_dropped() {
        let mut view = view();
        view.push((0..MAX_LOG_LINES + 5).map(|i| i.to_string()));
        assert_eq!(view.lines.len(), MAX_LOG_LINES);
        assert_eq!(view.dropped, 5);
        assert_eq!(view.lines.front().map(LogLine::text), Some("5"));
    }

    #[test]
    fn scrolled_back_view_stays_on_the_same_lines() {
        let mut view = view();
        view.push(["a".to_string(), "b".into(), "c".into()]);
        view.scroll_up(1);
        view.push(["d".to_string()]);
        assert_eq!(view.scroll_back, 2);
        assert!(!view.following());
        view.scroll_down(5);
        assert!(view.following());
    }

    #[test]
    fn a_timestamp_is_split_off_and_shown_on_request() {
        let line = LogLine::new(stamped(1, 657_085_475, "[I hub] up"));
        assert_eq!(line.text(), "[I hub] up");
        assert_eq!(line.timestamp(), Some("2026-12-05T10:00:01.657085475Z"));
        assert_eq!(line.shown(true), stamped(1, 657_085_475, "[I hub] up"));
        // A line whose first word only looks like a date keeps it.
        let plain = LogLine::new("2026-12-05 10:00:01 started".into());
        assert_eq!(plain.text(), "2026-12-05 10:00:01 started");
        assert_eq!(plain.timestamp(), None);
    }

    #[test]
    fn a_resumed_stream_skips_what_was_seen_and_keeps_the_rest() {
        let mut view = view();
        view.push([
            stamped(1, 100, "a"),
            stamped(2, 200, "b"),
            stamped(2, 200, "c"),
        ]);
        let request = view.resume_stream(2).unwrap();
        // The API takes whole seconds: from 10:00:02, which it sends again.
        assert_eq!(
            request.since.unwrap().to_string(),
            "2026-12-05T10:00:02Z",
            "floored, not rounded"
        );
        assert_eq!(request.tail, None);
        view.push([
            stamped(2, 100, "before b"),
            stamped(2, 200, "b"),
            stamped(2, 200, "c"),
            stamped(2, 200, "d, same nanosecond"),
            stamped(3, 0, "e"),
        ]);
        let texts: Vec<&str> = view.lines.iter().map(LogLine::text).collect();
        assert_eq!(texts, ["a", "b", "c", "d, same nanosecond", "e"]);
        // Once past the break, lines are taken as they come.
        view.push([stamped(1, 0, "a clock step back")]);
        assert_eq!(view.lines.len(), 6);
    }

    #[test]
    fn without_a_timestamp_there_is_nothing_to_resume_from() {
        let mut view = view();
        assert_eq!(view.resume_stream(2), None);
        view.push(["no stamp".to_string()]);
        assert_eq!(view.resume_stream(2), None);
        assert_eq!(view.stream, 1);
    }

    #[test]
    fn another_stream_clears_the_lines_but_keeps_the_toggles() {
        let mut view = view();
        view.wrap = true;
        view.push(["x".to_string()]);
        view.replace_stream(
            5,
            LogRequest {
                previous: true,
                ..LogRequest::default()
            },
        );
        assert!(view.lines.is_empty() && view.wrap && view.request.previous);
        assert_eq!((view.stream, view.pod.as_str()), (5, "p"));
    }
}
