//! The log view's keys and messages: opening it on a pod, choosing the
//! container (c) or its previous run (p), reconnecting (r), searching (/ n
//! N), filtering the lines (&, live as it is typed), the toggles (t w),
//! saving (s), and what the stream says. Esc clears the search, then the
//! filter, then closes the view.
//!
//! Every new stream gets a new id from the state, so the lines a replaced
//! stream had already sent are told apart and dropped.

use crossterm::event::{KeyCode, KeyEvent};

use super::filter::LogFilter;
use super::search::{Direction, LogSearch};
use super::{LogView, TAIL_LINES};
use crate::app::command::Command;
use crate::app::scroll::ScrollMove;
use crate::app::state::{Overlay, State};
use crate::kube::logs::{LogEvent, LogRequest};

/// What `l` opens: the last lines of the default container, then what
/// follows.
fn first_request() -> LogRequest {
    LogRequest {
        container: None,
        previous: false,
        tail: Some(TAIL_LINES),
        follow: true,
        timestamps: true,
        since: None,
    }
}

pub fn open(state: &mut State, pod: String) -> Vec<Command> {
    let stream = state.new_log_stream();
    let request = first_request();
    state.logs = Some(LogView::new(pod.clone(), stream, request.clone()));
    state.overlays.push(Overlay::Logs);
    vec![Command::FollowLogs {
        stream,
        pod,
        request,
    }]
}

/// What a stream said; a replaced stream's messages are dropped.
pub fn event(state: &mut State, event: LogEvent) {
    let Some(view) = state.logs.as_mut() else {
        return;
    };
    match event {
        LogEvent::Opened {
            stream,
            container,
            containers,
        } if stream == view.stream => {
            view.request.container = Some(container);
            view.containers = containers;
        }
        LogEvent::Lines { stream, lines } if stream == view.stream => view.push(lines),
        LogEvent::Ended { stream, error } if stream == view.stream => {
            view.ended = Some(match error {
                Some(e) => format!("{e} · r retries"),
                None if !view.request.follow => "end of the log".into(),
                None => "the stream ended: the container stopped or the pod is gone · r reconnects"
                    .into(),
            });
        }
        _ => {}
    }
}

/// The answer to [`Command::SaveLog`].
pub fn saved(state: &mut State, result: Result<String, String>) {
    match result {
        Ok(said) => state.info(said),
        Err(e) => state.warn(format!(
            "cannot save the log: {e} (the view keeps its lines; s tries again)"
        )),
    }
}

pub fn key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    let page = state.page_rows.max(1);
    let Some(view) = state.logs.as_mut() else {
        state.overlays.pop();
        return Vec::new();
    };
    if view.search.as_ref().is_some_and(|s| s.typing) {
        type_query(state, key.code, page);
        return Vec::new();
    }
    if view.filter.as_ref().is_some_and(|f| f.typing) {
        type_filter(view, key.code);
        return Vec::new();
    }
    match key.code {
        KeyCode::Esc if view.search.is_some() => view.search = None,
        KeyCode::Esc if view.filter.is_some() => view.set_filter(|f| *f = None),
        KeyCode::Esc | KeyCode::Char('q') => {
            state.overlays.pop();
            state.logs = None;
            return vec![Command::StopLogs];
        }
        KeyCode::Char('w') => view.wrap = !view.wrap,
        KeyCode::Char('t') => view.timestamps = !view.timestamps,
        KeyCode::Char('/') => {
            view.search = Some(LogSearch {
                typing: true,
                ..LogSearch::default()
            })
        }
        // A filter shown already is typed on from its text.
        KeyCode::Char('&') => {
            let filter = view.filter.get_or_insert_with(LogFilter::default);
            filter.typing = true;
        }
        KeyCode::Char('n') => find(state, Direction::Older, page),
        KeyCode::Char('N') => find(state, Direction::Newer, page),
        KeyCode::Char('c') => return next_container(state),
        KeyCode::Char('p') => return previous_run(state),
        KeyCode::Char('r') => return reconnect(state),
        KeyCode::Char('s') => return save(state),
        code => {
            if let Some(movement) = ScrollMove::from_key(code, page) {
                view.scroll(movement);
            }
        }
    }
    Vec::new()
}

fn type_query(state: &mut State, code: KeyCode, page: usize) {
    let Some(search) = state.logs.as_mut().and_then(|v| v.search.as_mut()) else {
        return;
    };
    match code {
        KeyCode::Char(c) => search.query.push(c),
        KeyCode::Backspace => {
            search.query.pop();
        }
        KeyCode::Esc => {
            if let Some(view) = state.logs.as_mut() {
                view.search = None;
            }
        }
        KeyCode::Enter if search.query.is_empty() => {
            if let Some(view) = state.logs.as_mut() {
                view.search = None;
            }
        }
        KeyCode::Enter => {
            search.typing = false;
            search.current = None;
            find(state, Direction::Older, page);
        }
        _ => {}
    }
}

/// A key typed into the line filter: the lines shown change with each.
fn type_filter(view: &mut LogView, code: KeyCode) {
    match code {
        KeyCode::Char(c) => view.set_filter(|f| {
            if let Some(f) = f {
                f.text.push(c);
            }
        }),
        KeyCode::Backspace => view.set_filter(|f| {
            if let Some(f) = f {
                f.text.pop();
            }
        }),
        KeyCode::Esc => view.set_filter(|f| *f = None),
        KeyCode::Enter => {
            if view.filter.as_ref().is_some_and(|f| !f.active()) {
                view.set_filter(|f| *f = None);
            } else if let Some(f) = view.filter.as_mut() {
                f.typing = false;
            }
        }
        _ => {}
    }
}

fn find(state: &mut State, direction: Direction, page: usize) {
    let Some(view) = state.logs.as_mut() else {
        return;
    };
    let Some(query) = view.search.as_ref().map(|s| s.query.clone()) else {
        state.info("/ starts a search");
        return;
    };
    if !view.find(direction, page) {
        let which = match (direction, view.search.as_ref().and_then(|s| s.current)) {
            (_, None) => "no line matches",
            (Direction::Older, Some(_)) => "no older line matches",
            (Direction::Newer, Some(_)) => "no newer line matches",
        };
        state.info(format!("{which} \"{query}\""));
    }
}

/// The stream to open instead of the current one, asking for `request`.
fn restart(state: &mut State, request: LogRequest) -> Vec<Command> {
    let stream = state.new_log_stream();
    let Some(view) = state.logs.as_mut() else {
        return Vec::new();
    };
    view.replace_stream(stream, request.clone());
    vec![Command::FollowLogs {
        stream,
        pod: view.pod.clone(),
        request,
    }]
}

/// c: the pod's next container (init containers last), same run.
fn next_container(state: &mut State) -> Vec<Command> {
    let Some(view) = state.logs.as_ref() else {
        return Vec::new();
    };
    if view.containers.len() < 2 {
        let said = match view.container() {
            Some(c) => format!("pod {} has one container ({c})", view.pod),
            None => "the pod's containers are not known yet".into(),
        };
        state.info(said);
        return Vec::new();
    }
    let at = view
        .containers
        .iter()
        .position(|c| Some(c.name.as_str()) == view.container());
    let next = &view.containers[at.map_or(0, |i| (i + 1) % view.containers.len())];
    let request = LogRequest {
        container: Some(next.name.clone()),
        ..same_run(view)
    };
    state.info(format!("container {next}"));
    restart(state, request)
}

/// The current run's request from the start: the last lines, following
/// unless it is the previous run (which has ended).
fn same_run(view: &LogView) -> LogRequest {
    LogRequest {
        container: view.request.container.clone(),
        previous: view.request.previous,
        follow: !view.request.previous,
        ..first_request()
    }
}

/// p: the container's previous run (what explains a crash loop), or back
/// to the current one.
fn previous_run(state: &mut State) -> Vec<Command> {
    let Some(view) = state.logs.as_ref() else {
        return Vec::new();
    };
    let previous = !view.request.previous;
    let request = LogRequest {
        previous,
        follow: !previous,
        ..same_run(view)
    };
    restart(state, request)
}

/// r: the same log again, from the last line's second without repeating
/// lines already shown; from the start when no line says where it stopped.
fn reconnect(state: &mut State) -> Vec<Command> {
    let stream = state.new_log_stream();
    let Some(view) = state.logs.as_mut() else {
        return Vec::new();
    };
    // A previous run has ended for good: read again, it is the same log.
    let resumed = if view.request.previous {
        None
    } else {
        view.resume_stream(stream)
    };
    match resumed {
        Some(request) => vec![Command::FollowLogs {
            stream,
            pod: view.pod.clone(),
            request,
        }],
        None => {
            let request = same_run(view);
            restart(state, request)
        }
    }
}

/// s: the lines as shown, to a file only the operator can read.
fn save(state: &mut State) -> Vec<Command> {
    let Some(view) = state.logs.as_ref() else {
        return Vec::new();
    };
    if view.lines.is_empty() {
        state.info("nothing to save yet");
        return Vec::new();
    }
    if view.shown_len() == 0 {
        state.info("no line passes the filter: nothing to save");
        return Vec::new();
    }
    let mut stem = view.pod.clone();
    if let Some(c) = view.container() {
        stem.push('_');
        stem.push_str(c);
    }
    if view.request.previous {
        stem.push_str("_previous");
    }
    vec![Command::SaveLog {
        stem,
        lines: view.shown_len(),
        text: view.text(),
    }]
}
