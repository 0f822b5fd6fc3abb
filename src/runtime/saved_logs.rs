//! Where the log view's `s` writes: a new file under the cockpit's state
//! directory (next to its own log), readable by the operator only, since a
//! hub's log names users and can carry tokens in URLs.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

/// `$XDG_STATE_HOME/jhub-cockpit/saved-logs` (or the cache directory, or
/// the temporary one, as for the cockpit's own log).
pub fn directory() -> PathBuf {
    dirs::state_dir()
        .or_else(dirs::cache_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("jhub-cockpit")
        .join("saved-logs")
}

/// Writes `text` to `<stem>-<local time>.log` in [`directory`], never over
/// an existing file (a second save in the same second gets `-2`, ...).
pub fn save(stem: &str, text: &str) -> Result<PathBuf, String> {
    let dir = directory();
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let stem: String = stem
        .chars()
        .map(|c| if c == '/' { '_' } else { c })
        .collect();
    let time = chrono::Local::now().format("%Y%m%d-%H%M%S");
    for n in 1..100 {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let path = dir.join(format!("{stem}-{time}{suffix}.log"));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        match file {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
        }
    }
    Err(format!(
        "{} holds 99 saves of {stem} from this second",
        dir.display()
    ))
}
