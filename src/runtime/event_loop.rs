//! The loop: messages in, update, draw at most once per frame.

use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};
use crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

use super::executor::Executor;
use super::terminal::{self, Tui};
use crate::app::msg::LogEvent;
use crate::app::{self, Command, Msg, State};
use crate::time_text::next_change_within;
use crate::ui;

/// At most one frame per this long: bursts of watch events coalesce.
pub const FRAME: Duration = Duration::from_millis(16);

/// At most one frame per this long when only log lines came: a chatty pod
/// scrolls the whole view with every frame (every cell changes), which over
/// SSH is a screenful per frame; ten a second reads as live.
pub const LOG_FRAME: Duration = Duration::from_millis(100);

fn spawn_input(tx: UnboundedSender<Msg>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(Ok(event)) = events.next().await {
            let msg = match event {
                TermEvent::Key(k) if k.kind != KeyEventKind::Release => Msg::Key(k),
                TermEvent::Resize(w, h) => Msg::Resize(w, h),
                _ => continue,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    })
}

/// Stops reading the terminal (the EventStream is dropped, which stops its
/// reader thread), so that an editor or the shell gets every key.
async fn stop_input(input: tokio::task::JoinHandle<()>) {
    input.abort();
    let _ = input.await;
}

/// Ages and elapsed times move once a second; nothing else is timed.
fn spawn_clock(tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if tx.send(Msg::Tick(chrono::Utc::now())).is_err() {
                return;
            }
        }
    });
}

pub fn channel() -> (UnboundedSender<Msg>, UnboundedReceiver<Msg>) {
    mpsc::unbounded_channel()
}

pub async fn run(
    mut tui: Tui,
    mut state: State,
    tx: UnboundedSender<Msg>,
    mut rx: UnboundedReceiver<Msg>,
    start: impl FnOnce() -> Executor,
) -> Result<()> {
    let mut input = spawn_input(tx.clone());
    spawn_clock(tx.clone());
    let size = tui.size()?;
    app::update(&mut state, Msg::Resize(size.width, size.height));
    let mut painter = Painter::default();
    painter.draw(&mut tui, &state, true)?;
    // The connection, its lists and the start-up checks (gcloud's Python,
    // helm) begin once the first frame is out: on two cores that an API
    // server at 20,000 pods keeps busy they held it back to 90-150 ms.
    let mut executor = start();
    executor.check_secrets_in_config();
    let mut forced = false;
    let mut last_written = Instant::now();
    let mut pending_frame: Option<Instant> = None;

    // A test hook: the terminal tests need a real panic inside the running
    // loop to prove the panic hook restores the terminal. Unset, it costs
    // one comparison per key.
    let panic_key = test_panic_key();

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    loop {
        let msg = tokio::select! {
            msg = rx.recv() => msg,
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = sigint.recv() => break,
            _ = sleep_until(pending_frame), if pending_frame.is_some() => {
                pending_frame = None;
                if painter.draw(&mut tui, &state, forced)? {
                    last_written = Instant::now();
                }
                forced = false;
                continue;
            }
        };
        let Some(first) = msg else { break };
        // Apply everything already queued before drawing once.
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
            if batch.len() >= 4096 {
                break;
            }
        }
        // Idle, the clock's ticks and the nodes' heartbeats are all that
        // arrives: a tick that moves no text on screen, or an update that
        // changed nothing (`State::quiet`), is not worth a frame.
        let mut changed = false;
        let only_log_lines = batch
            .iter()
            .all(|m| matches!(m, Msg::Tick(_) | Msg::Log(LogEvent::Lines { .. })));
        for msg in batch {
            // Keys can suspend, run an editor, or move a cursor: the frame
            // after them is drawn in full.
            forced |= matches!(msg, Msg::Key(_) | Msg::Resize(..));
            changed |= forced;
            let mut release_memory = msg.is_relist();
            let tick = matches!(msg, Msg::Tick(_));
            if let (Msg::Key(k), Some(c)) = (&msg, panic_key)
                && k.code == KeyCode::Char(c)
            {
                panic!("test panic: JHUB_COCKPIT_TEST_PANIC_KEY={c} was pressed");
            }
            if let Msg::Key(k) = &msg
                && k.code == KeyCode::Char('z')
                && k.modifiers.contains(KeyModifiers::CONTROL)
            {
                stop_input(input).await;
                terminal::suspend(&mut tui)?;
                input = spawn_input(tx.clone());
                continue;
            }
            for command in app::update(&mut state, msg) {
                match command {
                    Command::Quit => return Ok(()),
                    Command::EditConfig => {
                        let path = executor.deploy_config().values.first().cloned();
                        match path {
                            Some(path) => {
                                stop_input(input).await;
                                let edited = terminal::edit(&mut tui, &path);
                                input = spawn_input(tx.clone());
                                if let Err(e) = edited {
                                    app::update(
                                        &mut state,
                                        Msg::ConfigChecked(Err(crate::deploy::Failure {
                                            error: format!("cannot run the editor: {e}"),
                                            hint: Some(
                                                "set $VISUAL or $EDITOR to an editor on PATH"
                                                    .into(),
                                            ),
                                        })),
                                    );
                                } else {
                                    executor.check_config();
                                }
                            }
                            None => state.warn("no values file is configured (settings `values`)"),
                        }
                    }
                    command => {
                        // A view's events, dropped: at classroom scale tens
                        // of MB the allocator would otherwise keep.
                        release_memory |=
                            matches!(command, Command::WatchEvents { scope: None, .. });
                        executor.run(command, &state)
                    }
                }
            }
            changed |= !tick && !state.quiet;
            if release_memory {
                super::memory::release_free();
            }
        }
        if state.quit {
            return Ok(());
        }
        if !changed && painter.still_reads_true_at(state.now) {
            continue;
        }
        // Drawn on the leading edge: the first change after a quiet frame
        // goes out at once, later ones at most one frame apart. The pacing
        // counts frames written, not renders that found no cell changed
        // (most of them under churn, whose changes are off screen), so a
        // change on screen is not held back by those.
        let due = last_written + if only_log_lines { LOG_FRAME } else { FRAME };
        if Instant::now() >= due {
            if painter.draw(&mut tui, &state, forced)? {
                last_written = Instant::now();
            }
            forced = false;
        } else if pending_frame.is_none_or(|pending| pending > due) {
            pending_frame = Some(due);
        }
    }
    Ok(())
}

/// Draws frames, skipping one that would leave every cell as it is: ratatui
/// writes colour resets and a cursor hide even for an empty diff (25 bytes),
/// and under watch churn most frames change no visible cell (the changed
/// pods are scrolled off), so those bytes were most of the terminal traffic.
///
/// It also keeps when the last frame's time texts (ages, elapsed times, a
/// spinner) next read differently, as the renderers noted while drawing
/// (`time_text::next_change_within`): until then a tick needs no frame.
#[derive(Default)]
struct Painter {
    /// The last frame written to the terminal.
    last: Option<ratatui::buffer::Buffer>,
    /// When a time text of the last frame rendered next changes; None when
    /// none will.
    next_change: Option<DateTime<Utc>>,
}

impl Painter {
    /// Whether a frame rendered for a tick at `now` would show the same
    /// time texts as the last one rendered (nothing else changes on a tick).
    fn still_reads_true_at(&self, now: DateTime<Utc>) -> bool {
        self.last.is_some() && self.next_change.is_none_or(|at| now < at)
    }

    /// `forced`: draw even if no cell changed (after keys, which may have
    /// cleared the screen for a suspend or an editor, or moved a cursor).
    /// Whether the frame was written to the terminal.
    fn draw(&mut self, tui: &mut Tui, state: &State, forced: bool) -> std::io::Result<bool> {
        let render = |frame: &mut ratatui::Frame, next_change: &mut Option<DateTime<Utc>>| {
            let ((), after) = next_change_within(|| ui::render(frame, state));
            *next_change = after.map(|after| state.now + after);
        };
        let mut rendered = None;
        if !forced && let Some(last) = &self.last {
            tui.autoresize()?;
            let mut frame = tui.get_frame();
            render(&mut frame, &mut self.next_change);
            let buffer = tui.current_buffer_mut();
            if *buffer == *last {
                buffer.reset();
                return Ok(false);
            }
            // Written as rendered, not rendered a second time: at 20,000
            // pods a render is most of what a changed frame costs. (The
            // views place no terminal cursor, so none is lost here.)
            rendered = Some(std::mem::take(buffer));
        }
        let completed = tui.draw(|f| match rendered.take() {
            // (Unless the terminal was resized in between.)
            Some(buffer) if buffer.area == f.area() => *f.buffer_mut() = buffer,
            _ => render(f, &mut self.next_change),
        })?;
        self.last = Some(completed.buffer.clone());
        Ok(true)
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The key that panics on purpose, from JHUB_COCKPIT_TEST_PANIC_KEY (one
/// character); only the terminal tests set it.
fn test_panic_key() -> Option<char> {
    let value = std::env::var("JHUB_COCKPIT_TEST_PANIC_KEY").ok()?;
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}
