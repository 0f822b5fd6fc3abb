//! Logs go to a file under the XDG state dir, never to the screen.

use anyhow::{Context, Result};
use tracing_subscriber::EnvFilter;

/// Starts file logging and returns the log's path. JHUB_COCKPIT_LOG sets the
/// filter (default `info`).
pub fn init() -> Result<String> {
    let dir = dirs::state_dir()
        .or_else(dirs::cache_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("jhub-cockpit");
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the log directory {}", dir.display()))?;
    let path = dir.join("jhub-cockpit.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open the log file {}", path.display()))?;
    let filter =
        EnvFilter::try_from_env("JHUB_COCKPIT_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    Ok(path.display().to_string())
}
