//! The two chart secrets (`hub.cookieSecret`, `proxy.secretToken`): made
//! from the OS's secure random source, written to their own values file,
//! created 0600 so it is never readable by others, not even for an instant.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rand::TryRngCore;

/// 32 bytes, hex-encoded: what `openssl rand -hex 32` gives, and the form
/// the hub requires of a cookie secret.
pub const SECRET_BYTES: usize = 32;

/// Secret values that are never printed: Debug and Display mask them.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first four characters and the length: enough to tell two values
    /// apart, not enough to use one.
    pub fn masked(&self) -> String {
        let head: String = self.0.chars().take(4).collect();
        format!("{head}…({} chars)", self.0.len())
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

impl std::fmt::Display for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSecrets {
    pub cookie_secret: SecretValue,
    pub secret_token: SecretValue,
}

fn random_hex() -> Result<SecretValue> {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .context("the OS's random source failed")?;
    Ok(SecretValue(hex::encode(bytes)))
}

impl ChartSecrets {
    pub fn generate() -> Result<Self> {
        Ok(ChartSecrets {
            cookie_secret: random_hex()?,
            secret_token: random_hex()?,
        })
    }

    /// The values file, with a header that says what it is.
    pub fn to_values_yaml(&self) -> String {
        format!(
            "# Made by `jhub-cockpit secrets generate`. Pass it to helm after\n\
             # config.yaml (--values config.yaml --values secrets.yaml).\n\
             # Keep it out of version control; it is readable by its owner only.\n\
             hub:\n  cookieSecret: \"{}\"\nproxy:\n  secretToken: \"{}\"\n",
            self.cookie_secret.expose(),
            self.secret_token.expose()
        )
    }
}

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
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .context("the secrets path names no file")?
        .to_string_lossy();
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    let written = file
        .write_all(contents.as_bytes())
        .and_then(|_| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", tmp.display()));
    }
    if !overwrite {
        // hard_link fails if the target appeared meanwhile: never clobber.
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        return linked.with_context(|| format!("cannot create {}", path.display()));
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

/// Keys that hold secrets and belong in the secrets file, not config.yaml.
pub const SECRET_KEYS: &[&[&str]] = &[
    &["hub", "cookieSecret"],
    &["proxy", "secretToken"],
    &["hub", "config", "CryptKeeper", "keys"],
    // The 2017 tutorial's key, still seen in old config files.
    &["token", "proxy"],
];

/// The dotted paths of secret keys present in a values document.
pub fn secrets_in(values: &serde_json::Value) -> Vec<String> {
    let mut found = Vec::new();
    for path in SECRET_KEYS {
        let mut node = values;
        let mut present = true;
        for key in *path {
            match node.get(key) {
                Some(next) => node = next,
                None => {
                    present = false;
                    break;
                }
            }
        }
        if present && !node.is_null() {
            found.push(path.join("."));
        }
    }
    // OAuth client secrets of any authenticator (hub.config.<X>.client_secret).
    if let Some(config) = values.pointer("/hub/config").and_then(|c| c.as_object()) {
        for (section, body) in config {
            if body.get("client_secret").is_some_and(|v| !v.is_null()) {
                found.push(format!("hub.config.{section}.client_secret"));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn values_are_64_hex_chars_and_differ() {
        let s = ChartSecrets::generate().unwrap();
        for v in [&s.cookie_secret, &s.secret_token] {
            assert_eq!(v.expose().len(), 64);
            assert!(v.expose().chars().all(|c| c.is_ascii_hexdigit()));
        }
        assert_ne!(s.cookie_secret, s.secret_token);
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = ChartSecrets::generate().unwrap();
        let shown = format!("{s:?} {}", s.cookie_secret);
        assert!(!shown.contains(s.cookie_secret.expose()));
        assert!(!shown.contains(s.secret_token.expose()));
        assert!(shown.contains("(64 chars)"));
    }

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

    #[test]
    fn finds_secrets_left_in_config() {
        let v: serde_json::Value = serde_yaml::from_str(
            "hub:\n  cookieSecret: abc\n  config:\n    GitHubOAuthenticator:\n      client_secret: s\nsingleuser:\n  image:\n    tag: '1'\n",
        )
        .unwrap();
        assert_eq!(
            secrets_in(&v),
            [
                "hub.cookieSecret",
                "hub.config.GitHubOAuthenticator.client_secret"
            ]
        );
        let clean: serde_json::Value = serde_yaml::from_str("singleuser: {}\n").unwrap();
        assert!(secrets_in(&clean).is_empty());
    }
}
