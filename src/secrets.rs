//! The two chart secrets (`hub.cookieSecret`, `proxy.secretToken`): made
//! from the OS's secure random source, written to their own values file,
//! created 0600 so it is never readable by others, not even for an instant.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rand::TryRngCore;
use serde_json::Value;
use std::str::FromStr;

use crate::values::{self, ValuesError};

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
    let tmp = write_sibling(path, contents, 0o600)?;
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

/// The key paths of the secret keys present in a values document.
pub fn secret_paths(values: &Value) -> Vec<Vec<String>> {
    let mut found: Vec<Vec<String>> = SECRET_KEYS
        .iter()
        .map(|path| path.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>())
        .filter(|path| get_path(values, path).is_some_and(|v| !v.is_null()))
        .collect();
    // OAuth client secrets of any authenticator (hub.config.<X>.client_secret).
    if let Some(config) = values.pointer("/hub/config").and_then(|c| c.as_object()) {
        for (section, body) in config {
            if body.get("client_secret").is_some_and(|v| !v.is_null()) {
                found.push(vec![
                    "hub".into(),
                    "config".into(),
                    section.clone(),
                    "client_secret".into(),
                ]);
            }
        }
    }
    found
}

/// The dotted paths of secret keys present in a values document.
pub fn secrets_in(values: &Value) -> Vec<String> {
    secret_paths(values).iter().map(|p| p.join(".")).collect()
}

fn get_path<'a>(values: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(values, |node, key| node.get(key))
}

/// The value at a key path that [`secret_paths`] returned, to change it.
pub fn get_path_mut<'a>(values: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(values, |node, key| node.get_mut(key))
}

/// Removes the key at `path`, then every mapping above it that this left
/// empty (a `proxy:` with nothing under it would otherwise stay behind).
fn remove_path(values: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    if let Some(map) = get_path_mut(values, parents).and_then(|p| p.as_object_mut()) {
        map.remove(last);
    }
    if !parents.is_empty()
        && get_path(values, parents).is_some_and(|p| p.as_object().is_some_and(|m| m.is_empty()))
    {
        remove_path(values, parents);
    }
}

/// The new texts of config.yaml and the secrets file after the secret keys
/// moved from one to the other. Debug shows only which keys: the texts hold
/// the secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretsMove {
    pub config_text: String,
    pub secrets_text: String,
    /// The dotted paths taken out of config.yaml.
    pub moved: Vec<String>,
    /// Of those, the ones the secrets file already held with the same value.
    pub already_there: Vec<String>,
}

impl std::fmt::Debug for SecretsMove {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsMove")
            .field("moved", &self.moved)
            .field("already_there", &self.already_there)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error(transparent)]
    Values(#[from] ValuesError),
    #[error("{config} holds no secrets; nothing to move")]
    NothingToMove { config: PathBuf },
    #[error(
        "{key} is in both {config} and {secrets}, with different values; nothing was changed. helm uses the one in {secrets} (it comes later): delete {key} from {config} (e opens it), or from {secrets} to keep config.yaml's, then move again"
    )]
    Conflict {
        key: String,
        config: PathBuf,
        secrets: PathBuf,
    },
    #[error(
        "{path} cannot be edited without changing more than the secret keys ({detail}); nothing was changed. Move {keys} by hand (e opens config.yaml)"
    )]
    CannotEdit {
        path: PathBuf,
        keys: String,
        detail: String,
    },
}

/// The header of a secrets file made by moving.
const MOVED_HEADER: &str = "# Moved here from config.yaml by jhub-cockpit. Pass it to helm after\n\
     # config.yaml (--values config.yaml --values secrets.yaml).\n\
     # Keep it out of version control; it is readable by its owner only.\n";

/// Takes the secret keys out of config.yaml's text, keeping every comment
/// and the layout of the rest (and dropping mappings the removal leaves
/// empty), and adds their values to the secrets file's text (None: there is
/// none yet). A key the secrets file holds with another value is refused:
/// which one is right is the operator's call. Pure: the caller writes.
pub fn move_secrets(
    config_path: &Path,
    config_text: &str,
    secrets_path: &Path,
    secrets_text: Option<&str>,
) -> Result<SecretsMove, MoveError> {
    let config_values = values::parse(config_text, config_path)?;
    let secrets_values = match secrets_text {
        Some(text) => values::parse(text, secrets_path)?,
        None => Value::Object(Default::default()),
    };
    let paths = secret_paths(&config_values);
    if paths.is_empty() {
        return Err(MoveError::NothingToMove {
            config: config_path.to_path_buf(),
        });
    }
    let dotted: Vec<String> = paths.iter().map(|p| p.join(".")).collect();
    let cannot_edit = |path: &Path, detail: &str| MoveError::CannotEdit {
        path: path.to_path_buf(),
        keys: dotted.join(", "),
        detail: detail.to_owned(),
    };
    let mut to_add = Vec::new();
    let mut already_there = Vec::new();
    for (path, key) in paths.iter().zip(&dotted) {
        let value = get_path(&config_values, path);
        match held_at(&secrets_values, path) {
            Held::Nothing => to_add.push(path.clone()),
            Held::Value(v) if Some(v) == value => already_there.push(key.clone()),
            Held::Value(_) | Held::Blocked => {
                return Err(MoveError::Conflict {
                    key: key.clone(),
                    config: config_path.to_path_buf(),
                    secrets: secrets_path.to_path_buf(),
                });
            }
        }
    }

    // config.yaml: the keys and the mappings they leave empty go; the rest
    // of the syntax tree, comments included, is left as it was.
    let config_file = yaml_edit::YamlFile::from_str(config_text)
        .map_err(|e| cannot_edit(config_path, &e.to_string()))?;
    let config_root = root_mapping(&config_file)
        .ok_or_else(|| cannot_edit(config_path, "its top level is not a block of keys"))?;
    // The values are copied from an untouched parse, node for node.
    let source = yaml_edit::YamlFile::from_str(config_text)
        .map_err(|e| cannot_edit(config_path, &e.to_string()))?;
    let source_root = root_mapping(&source)
        .ok_or_else(|| cannot_edit(config_path, "its top level is not a block of keys"))?;
    for path in &paths {
        if !remove_node(&config_root, path) {
            return Err(cannot_edit(
                config_path,
                "a secret key is not a plain nested key",
            ));
        }
    }
    let new_config = config_file.to_string();

    // The secrets file: the values are added under their keys; one that is
    // empty or only comments gets them appended.
    let secrets_base = secrets_text.unwrap_or(MOVED_HEADER);
    let secrets_file = yaml_edit::YamlFile::from_str(secrets_base)
        .map_err(|e| cannot_edit(secrets_path, &e.to_string()))?;
    let new_secrets = match root_mapping(&secrets_file) {
        Some(root) => {
            for path in &to_add {
                let node = node_at(&source_root, path)
                    .ok_or_else(|| cannot_edit(config_path, "a secret value cannot be read"))?;
                if !set_node(&root, path, &node) {
                    return Err(cannot_edit(secrets_path, "a key cannot be added"));
                }
            }
            secrets_file.to_string()
        }
        None => {
            let mut added = Value::Object(Default::default());
            for path in &to_add {
                let value = get_path(&config_values, path)
                    .cloned()
                    .unwrap_or(Value::Null);
                insert_path(&mut added, path, value);
            }
            let mut text = secrets_base.to_owned();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&values::to_yaml(&added));
            text
        }
    };

    // What the edits must amount to, checked on the parsed results: only
    // the secret keys moved, nothing else changed in either file.
    let mut expected_config = config_values.clone();
    for path in &paths {
        remove_path(&mut expected_config, path);
    }
    let mut expected_secrets = secrets_values;
    for path in &to_add {
        let value = get_path(&config_values, path)
            .cloned()
            .unwrap_or(Value::Null);
        insert_path(&mut expected_secrets, path, value);
    }
    if values::parse(&new_config, config_path).ok() != Some(expected_config) {
        return Err(cannot_edit(
            config_path,
            "the edited file would differ in other keys",
        ));
    }
    if values::parse(&new_secrets, secrets_path).ok() != Some(expected_secrets) {
        return Err(cannot_edit(
            secrets_path,
            "the edited file would differ in other keys",
        ));
    }
    Ok(SecretsMove {
        config_text: new_config,
        secrets_text: new_secrets,
        moved: dotted,
        already_there,
    })
}

enum Held<'a> {
    Nothing,
    Value(&'a Value),
    /// Something that is not a mapping sits on the way (`hub: x`).
    Blocked,
}

fn held_at<'a>(values: &'a Value, path: &[String]) -> Held<'a> {
    let mut node = values;
    for key in path {
        let Some(map) = node.as_object() else {
            return Held::Blocked;
        };
        match map.get(key) {
            Some(next) => node = next,
            None => return Held::Nothing,
        }
    }
    Held::Value(node)
}

fn insert_path(values: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = values;
    for key in parents {
        let map = node.as_object_mut().expect("checked: mappings on the way");
        node = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    if let Some(map) = node.as_object_mut() {
        map.insert(last.clone(), value);
    }
}

fn root_mapping(file: &yaml_edit::YamlFile) -> Option<yaml_edit::Mapping> {
    file.documents().next()?.as_mapping()
}

/// The mappings from the root down to the parent of `path`'s last key.
fn mapping_chain(root: &yaml_edit::Mapping, path: &[String]) -> Option<Vec<yaml_edit::Mapping>> {
    let mut chain = vec![root.clone()];
    for key in &path[..path.len().saturating_sub(1)] {
        let next = chain.last()?.get_mapping(key.as_str())?;
        chain.push(next);
    }
    Some(chain)
}

fn node_at(root: &yaml_edit::Mapping, path: &[String]) -> Option<yaml_edit::YamlNode> {
    mapping_chain(root, path)?
        .last()?
        .get(path.last()?.as_str())
}

fn remove_node(root: &yaml_edit::Mapping, path: &[String]) -> bool {
    let Some(chain) = mapping_chain(root, path) else {
        return false;
    };
    let Some(last) = path.last() else {
        return false;
    };
    if chain.last().and_then(|m| m.remove(last.as_str())).is_none() {
        return false;
    }
    // Upwards, each mapping the removal emptied goes from its parent.
    for depth in (1..chain.len()).rev() {
        if !chain[depth].is_empty() {
            break;
        }
        chain[depth - 1].remove(path[depth - 1].as_str());
    }
    true
}

fn set_node(root: &yaml_edit::Mapping, path: &[String], node: &yaml_edit::YamlNode) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut mapping = root.clone();
    for key in parents {
        mapping = match mapping.get_mapping(key.as_str()) {
            Some(m) => m,
            None => {
                mapping.set(key.as_str(), yaml_edit::Mapping::new());
                match mapping.get_mapping(key.as_str()) {
                    Some(m) => m,
                    None => return false,
                }
            }
        };
    }
    mapping.set(last.as_str(), node);
    true
}

/// Moves the secret keys from `config_path` to `secrets_path`: the secrets
/// file is written first (0600, via [`write_private`]), then config.yaml is
/// replaced whole (a temporary file renamed over it, its mode kept). If
/// config.yaml cannot be replaced, the secrets file is put back as it was,
/// so either both files change or neither does.
pub fn move_into_file(config_path: &Path, secrets_path: &Path) -> Result<SecretsMove> {
    let config_text = std::fs::read_to_string(config_path)
        .with_context(|| format!("cannot read {}", config_path.display()))?;
    let secrets_text = match std::fs::read_to_string(secrets_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read {}", secrets_path.display()));
        }
    };
    let moved = move_secrets(
        config_path,
        &config_text,
        secrets_path,
        secrets_text.as_deref(),
    )?;
    write_private(secrets_path, &moved.secrets_text, secrets_text.is_some())?;
    if let Err(e) = replace_keeping_mode(config_path, &moved.config_text) {
        let restored = match &secrets_text {
            Some(old) => write_private(secrets_path, old, true),
            None => std::fs::remove_file(secrets_path).map_err(anyhow::Error::from),
        };
        return Err(match restored {
            Ok(()) => e.context(format!(
                "nothing was changed: {} was put back as it was",
                secrets_path.display()
            )),
            Err(r) => e.context(format!(
                "{} was not replaced, and {} could not be put back ({r:#}): it now holds the secrets as well",
                config_path.display(),
                secrets_path.display()
            )),
        });
    }
    Ok(moved)
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

/// Values shown on screen have their secret values masked: every string
/// under a secret key, so that a list (hub.config.CryptKeeper.keys) or an
/// OAuth client_secret is masked as well as the two chart secrets.
pub fn mask_secrets(mut values: Value) -> Value {
    for path in secret_paths(&values) {
        if let Some(v) = get_path_mut(&mut values, &path) {
            mask_strings(v);
        }
    }
    values
}

fn mask_strings(v: &mut Value) {
    match v {
        Value::String(s) => *v = Value::String(mask(s)),
        Value::Array(items) => items.iter_mut().for_each(mask_strings),
        Value::Object(map) => map.values_mut().for_each(mask_strings),
        _ => {}
    }
}

fn mask(s: &str) -> String {
    let head: String = s.chars().take(4).collect();
    format!("{head}…({} chars)", s.chars().count())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_string_under_a_secret_key_is_masked() {
        let values = serde_json::json!({
            "hub": {
                "cookieSecret": "c0ffee00c0ffee00",
                "config": {
                    "CryptKeeper": {"keys": ["key-one-0123456789", "key-two-0123456789"]},
                    "GitHubOAuthenticator": {"client_id": "public-id", "client_secret": "gh-secret-987654"},
                },
            },
            "proxy": {"secretToken": "deadbeefdeadbeef"},
            "singleuser": {"image": {"name": "jupyter/datascience-notebook"}},
        });
        let masked = mask_secrets(values).to_string();
        for secret in [
            "c0ffee00c0ffee00",
            "key-one-0123456789",
            "key-two-0123456789",
            "gh-secret-987654",
            "deadbeefdeadbeef",
        ] {
            assert!(!masked.contains(secret), "{secret} is shown: {masked}");
        }
        assert!(masked.contains("key-…(18 chars)"), "{masked}");
        // What is not secret stays readable.
        assert!(masked.contains("public-id"), "{masked}");
        assert!(masked.contains("jupyter/datascience-notebook"), "{masked}");
    }

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

    const CONFIG: &str = "\
# config.yaml: the top comment
singleuser:
  image:
    # pinned, always
    tag: \"4.4.0\"   # trailing comment
hub:
  # made with openssl rand -hex 32
  cookieSecret: \"0123abcd\"
  config:
    JupyterHub:
      authenticator_class: dummy
proxy:
  secretToken: 'feed'
# about culling
cull:
  enabled: true
";

    fn paths() -> (PathBuf, PathBuf) {
        ("config.yaml".into(), "secrets.yaml".into())
    }

    #[test]
    fn moving_keeps_every_other_byte_of_config_yaml() {
        let (c, s) = paths();
        let moved = move_secrets(&c, CONFIG, &s, None).unwrap();
        assert_eq!(moved.moved, ["hub.cookieSecret", "proxy.secretToken"]);
        assert!(moved.already_there.is_empty());
        // Exactly the secret lines are gone, and `proxy:` with them (it held
        // nothing else); every comment, quote and space is as it was.
        let expected = CONFIG
            .replace("  cookieSecret: \"0123abcd\"\n", "")
            .replace("proxy:\n  secretToken: 'feed'\n", "");
        assert_eq!(moved.config_text, expected);
        let values: Value = serde_yaml::from_str(&moved.secrets_text).unwrap();
        assert_eq!(
            values,
            serde_json::json!({"hub": {"cookieSecret": "0123abcd"}, "proxy": {"secretToken": "feed"}})
        );
        assert!(
            moved
                .secrets_text
                .starts_with("# Moved here from config.yaml")
        );
        // Debug never shows the texts, which hold the values.
        let shown = format!("{moved:?}");
        assert!(
            !shown.contains("0123abcd") && !shown.contains("feed"),
            "{shown}"
        );
    }

    #[test]
    fn values_join_an_existing_secrets_file_keeping_its_comments() {
        let (c, s) = paths();
        let secrets = "# my secrets\nhub:\n  # the cookie\n  cookieSecret: \"0123abcd\"\n";
        let config = "hub:\n  cookieSecret: \"0123abcd\"\n  config:\n    GitHubOAuthenticator:\n      client_id: abc\n      client_secret: \"s3cr3t\"\nproxy:\n  secretToken: feed\n";
        let moved = move_secrets(&c, config, &s, Some(secrets)).unwrap();
        assert_eq!(
            moved.moved,
            [
                "hub.cookieSecret",
                "proxy.secretToken",
                "hub.config.GitHubOAuthenticator.client_secret"
            ]
        );
        assert_eq!(moved.already_there, ["hub.cookieSecret"]);
        assert_eq!(
            moved.config_text,
            "hub:\n  config:\n    GitHubOAuthenticator:\n      client_id: abc\n"
        );
        assert!(
            moved
                .secrets_text
                .starts_with("# my secrets\nhub:\n  # the cookie\n  cookieSecret: \"0123abcd\"\n"),
            "{}",
            moved.secrets_text
        );
        let values: Value = serde_yaml::from_str(&moved.secrets_text).unwrap();
        assert_eq!(
            values,
            serde_json::json!({
                "hub": {"cookieSecret": "0123abcd", "config": {"GitHubOAuthenticator": {"client_secret": "s3cr3t"}}},
                "proxy": {"secretToken": "feed"}
            })
        );
    }

    #[test]
    fn emptied_parents_go_all_the_way_up() {
        let (c, s) = paths();
        let config = "# keep me\nhub:\n  config:\n    GitHubOAuthenticator:\n      client_secret: x\nsingleuser: {}\n";
        let moved = move_secrets(&c, config, &s, None).unwrap();
        assert_eq!(moved.config_text, "# keep me\nsingleuser: {}\n");
    }

    #[test]
    fn a_different_value_in_the_secrets_file_is_refused() {
        let (c, s) = paths();
        let err = move_secrets(&c, CONFIG, &s, Some("proxy:\n  secretToken: other\n")).unwrap_err();
        assert_eq!(
            err,
            MoveError::Conflict {
                key: "proxy.secretToken".into(),
                config: c.clone(),
                secrets: s.clone()
            }
        );
        let text = err.to_string();
        assert!(
            text.contains("nothing was changed")
                && text.contains("delete proxy.secretToken from config.yaml"),
            "{text}"
        );
        // A non-mapping where the key would go is a conflict too.
        let err = move_secrets(&c, CONFIG, &s, Some("hub: x\n")).unwrap_err();
        assert!(
            matches!(err, MoveError::Conflict { ref key, .. } if key == "hub.cookieSecret"),
            "{err}"
        );
    }

    #[test]
    fn nothing_to_move_and_bad_yaml_say_so() {
        let (c, s) = paths();
        let err = move_secrets(&c, "singleuser: {}\n", &s, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config.yaml holds no secrets; nothing to move"
        );
        let err = move_secrets(&c, "hub: [\n", &s, None).unwrap_err();
        assert!(err.to_string().starts_with("config.yaml:"), "{err}");
        let err = move_secrets(&c, CONFIG, &s, Some("hub: [\n")).unwrap_err();
        assert!(err.to_string().starts_with("secrets.yaml:"), "{err}");
    }

    #[test]
    fn a_comments_only_secrets_file_gets_the_values_appended() {
        let (c, s) = paths();
        let moved = move_secrets(
            &c,
            "proxy:\n  secretToken: feed\nhub: {}\n",
            &s,
            Some("# empty so far"),
        )
        .unwrap();
        assert_eq!(moved.config_text, "hub: {}\n");
        assert!(
            moved.secrets_text.starts_with("# empty so far\n"),
            "{}",
            moved.secrets_text
        );
        let values: Value = serde_yaml::from_str(&moved.secrets_text).unwrap();
        assert_eq!(
            values,
            serde_json::json!({"proxy": {"secretToken": "feed"}})
        );
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn after_the_move_the_secrets_file_is_0600_and_config_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.yaml");
        let secrets = dir.path().join("secrets.yaml");
        std::fs::write(&config, CONFIG).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).unwrap();
        let moved = move_into_file(&config, &secrets).unwrap();
        assert_eq!(moved.moved.len(), 2);
        assert_eq!(mode(&secrets), 0o600);
        assert_eq!(mode(&config), 0o640);
        assert_eq!(std::fs::read_to_string(&config).unwrap(), moved.config_text);
        assert_eq!(
            std::fs::read_to_string(&secrets).unwrap(),
            moved.secrets_text
        );
        // No temporary file is left behind.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["config.yaml", "secrets.yaml"]);
        // Again: nothing left to move, nothing written.
        let err = move_into_file(&config, &secrets).unwrap_err().to_string();
        assert!(err.contains("holds no secrets"), "{err}");
    }

    #[test]
    fn when_config_yaml_cannot_be_replaced_neither_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.yaml");
        std::fs::write(&config, CONFIG).unwrap();
        // The temporary file's name is taken (by a directory), so
        // config.yaml cannot be replaced, even by root.
        let blocker = dir
            .path()
            .join(format!(".config.yaml.tmp-{}", std::process::id()));
        std::fs::create_dir(&blocker).unwrap();

        // A new secrets file is removed again.
        let secrets = dir.path().join("secrets.yaml");
        let err = move_into_file(&config, &secrets).unwrap_err();
        assert!(
            format!("{err:#}").contains("nothing was changed"),
            "{err:#}"
        );
        assert!(!secrets.exists());
        assert_eq!(std::fs::read_to_string(&config).unwrap(), CONFIG);

        // An existing one gets its old text back, still 0600.
        let old = "# mine\nhub:\n  other: 1\n";
        write_private(&secrets, old, false).unwrap();
        let err = move_into_file(&config, &secrets).unwrap_err();
        assert!(format!("{err:#}").contains("put back as it was"), "{err:#}");
        assert_eq!(std::fs::read_to_string(&secrets).unwrap(), old);
        assert_eq!(mode(&secrets), 0o600);
        assert_eq!(std::fs::read_to_string(&config).unwrap(), CONFIG);
        assert!(blocker.is_dir());
    }

    #[test]
    fn a_list_of_keys_moves_as_a_list() {
        let (c, s) = paths();
        let config = "hub:\n  config:\n    CryptKeeper:\n      keys:\n        - aaa\n        - bbb\n    JupyterHub:\n      admin_access: true\n";
        let secrets = "hub:\n  cookieSecret: x\n";
        let moved = move_secrets(&c, config, &s, Some(secrets)).unwrap();
        assert_eq!(moved.moved, ["hub.config.CryptKeeper.keys"]);
        assert_eq!(
            moved.config_text,
            "hub:\n  config:\n    JupyterHub:\n      admin_access: true\n"
        );
        let values: Value = serde_yaml::from_str(&moved.secrets_text).unwrap();
        assert_eq!(
            values,
            serde_json::json!({"hub": {"cookieSecret": "x", "config": {"CryptKeeper": {"keys": ["aaa", "bbb"]}}}})
        );
    }

    #[test]
    fn what_cannot_be_edited_safely_is_refused_with_the_keys_named() {
        let (c, s) = paths();
        // The secret reaches hub only through an alias: removing it would
        // change the anchored mapping too.
        let config = "base: &base\n  cookieSecret: x\nhub: *base\n";
        let err = move_secrets(&c, config, &s, None).unwrap_err();
        assert!(matches!(err, MoveError::CannotEdit { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("nothing was changed") && text.contains("Move hub.cookieSecret by hand"),
            "{text}"
        );
    }
}
