//! Files written whole and never more open than they should be: created
//! beside their target with their mode from the first instant, then linked
//! or renamed into place, so a crash leaves one whole version. The secrets
//! file is written so, and so are the kubeconfig and the GKE token file
//! (crate::gke), which is why this is a part of its own.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Where the file goes unless the settings say otherwise: beside the first
/// values file (config.yaml), else in the working directory.
pub fn default_path(values: &[PathBuf], cwd: &Path) -> PathBuf {
    values
        .first()
        .and_then(|p| p.parent())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(cwd)
        .join("secrets.yaml")
}

/// Writes `contents` to `path` with mode 0600 from the moment the file
/// exists. An existing file is replaced only when `overwrite` is set (the
/// caller asks for typed confirmation first); the replacement is written
/// beside it and renamed over it, so a crash leaves the old file whole.
pub fn write_private(path: &Path, contents: &str, overwrite: bool) -> Result<()> {
    if path.exists() && !overwrite {
        bail!(
            "{} already exists; nothing was changed. Confirm by typing its name to replace it, or choose another file with --out",
            path.display()
        );
    }
    let tmp = write_sibling(path, contents, 0o600)?;
    if !overwrite {
        // hard_link fails if the target appeared meanwhile: never clobber.
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        return linked.with_context(|| format!("cannot create {}", path.display()));
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

/// Replaces a file by writing a sibling and renaming it over the original,
/// with the original's permission bits: a crash leaves one whole version.
/// A symlink is followed, so the file it points to is the one replaced.
pub fn replace_keeping_mode(path: &Path, contents: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let path =
        std::fs::canonicalize(path).with_context(|| format!("cannot find {}", path.display()))?;
    let mode = std::fs::metadata(&path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .permissions()
        .mode()
        & 0o7777;
    let tmp = write_sibling(&path, contents, mode)?;
    let renamed =
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot replace {}", path.display()));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

/// Writes `contents` to a new hidden sibling of `path` with exactly `mode`
/// (created with it, so the file is never more open than that, and set
/// again after the umask) and syncs it; the caller links or renames it into
/// place. On failure the sibling is removed.
fn write_sibling(path: &Path, contents: &str, mode: u32) -> Result<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?
        .to_string_lossy();
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o777)
        .open(&tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    let written = file
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .and_then(|_| file.write_all(contents.as_bytes()))
        .and_then(|_| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", tmp.display()));
    }
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::ChartSecrets;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_file_is_0600_and_parses_as_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.yaml");
        let s = ChartSecrets::generate().unwrap();
        write_private(&path, &s.to_values_yaml(), false).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let v: serde_json::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["hub"]["cookieSecret"], s.cookie_secret.expose());
        assert_eq!(v["proxy"]["secretToken"], s.secret_token.expose());
    }

    #[test]
    fn an_existing_file_is_kept_unless_overwrite_is_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.yaml");
        std::fs::write(&path, "old").unwrap();
        let err = write_private(&path, "new", false).unwrap_err().to_string();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        write_private(&path, "new", true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
