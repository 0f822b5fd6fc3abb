//! Moving the secrets out of config.yaml into the secrets file (`M`, and
//! `jhub-cockpit secrets move`): the syntax tree is edited rather than the
//! values rewritten, so every comment and the layout of the rest of
//! config.yaml stay, and the result is checked to differ in nothing else.
//! Its own part for the yaml_edit work and the both-or-neither write.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result};
use serde_json::Value;

use super::key_paths::{Held, get_path, held_at, insert_path, remove_path, secret_paths};
use super::private_file::{replace_keeping_mode, write_private};
use crate::values::{self, ValuesError};
use crate::yaml_tree::{node_at, remove_node, root_mapping, set_node};

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

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
