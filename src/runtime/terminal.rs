//! Terminal setup and restore. Restore runs on every way out: normal exit,
//! panic (via the hook), and signals (the loop exits and restores).

use std::io::{self, Stdout, Write};

use crossterm::{
    cursor, execute,
    terminal::{self, EnterAlternateScreen, LeaveAlternateScreen},
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

pub fn enter() -> io::Result<Tui> {
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
    Terminal::new(CrosstermBackend::new(io::stdout()))
}

/// Puts the terminal back as the shell expects it. Safe to call twice.
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
    let _ = io::stdout().flush();
}

/// On panic: restore first so the message is readable, then say where the
/// log is.
pub fn install_panic_hook(log_path: String) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        eprintln!("jhub-cockpit crashed; the log is at {log_path}");
    }));
}

/// Ctrl-Z: the terminal is in raw mode, so the key arrives as input rather
/// than as SIGTSTP. Restore, stop the process, and take the terminal back
/// when the shell continues it (`fg`).
pub fn suspend(tui: &mut Tui) -> io::Result<()> {
    restore();
    // SAFETY: raising a signal on our own process has no memory effects.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    take_back(tui)
}

/// After a suspend or the editor: raw mode and the alternate screen again,
/// cleared, with the next frame drawn in full. Not `Terminal::clear`: it
/// asks the terminal for the cursor position first, and a reply that does
/// not come within 2 s (seen after `fg` in tmux) ended the cockpit with
/// "The cursor position could not be read". A full-screen cockpit has no
/// cursor to keep; a resize to the current size clears without asking, and
/// picks up a size changed meanwhile.
fn take_back(tui: &mut Tui) -> io::Result<()> {
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
    let size = tui.size()?;
    tui.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// Runs the operator's editor ($VISUAL, $EDITOR, else vi) on `path` with
/// the terminal handed over, and takes it back afterwards.
pub fn edit(tui: &mut Tui, path: &std::path::Path) -> io::Result<()> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".into());
    restore();
    // Through sh, so that EDITOR="code --wait" works as it does in git.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(path)
        .status();
    take_back(tui)?;
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(io::Error::other(format!("{editor} exited with {s}"))),
        Err(e) => Err(io::Error::other(format!("cannot start {editor}: {e}"))),
    }
}
