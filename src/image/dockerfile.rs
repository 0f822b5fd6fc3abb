//! The course image's Dockerfile to start from (`jhub-cockpit image init`),
//! kept in `assets/` so that it is read and reviewed as a file of its own.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The Dockerfile, as shipped.
pub const DOCKERFILE: &str = include_str!("../../assets/course-image/Dockerfile");
/// A note beside it: what goes where, and the commands that follow.
pub const README: &str = include_str!("../../assets/course-image/README.md");

/// Writes the Dockerfile and its note into `dir` (made if missing), never
/// over a file that exists: then nothing is written and the error names it.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let files = [("Dockerfile", DOCKERFILE), ("README.md", README)];
    let existing: Vec<String> = files
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(format!(
            "{} already exist{}: nothing was written; move {} aside or pass another directory",
            existing.join(" and "),
            if existing.len() == 1 { "s" } else { "" },
            if existing.len() == 1 { "it" } else { "them" },
        ));
    }
    std::fs::create_dir_all(dir.join("material"))
        .map_err(|e| format!("cannot create {}: {e}", dir.join("material").display()))?;
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        // create_new: a file made between the check above and now is not
        // overwritten either.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| {
                format!(
                    "cannot write {}: {e}; nothing else was written",
                    path.display()
                )
            })?;
        file.write_all(text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
