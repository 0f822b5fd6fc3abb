//! Where the secrets sit in a values document: the keys that hold them,
//! and reading, removing and adding a value at a key path. Shared by the
//! move (which keys go where) and the masking (which values to hide), so
//! both agree on what a secret is.

use serde_json::Value;

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

pub fn get_path<'a>(values: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(values, |node, key| node.get(key))
}

/// The value at a key path that [`secret_paths`] returned, to change it.
pub fn get_path_mut<'a>(values: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(values, |node, key| node.get_mut(key))
}

/// Removes the key at `path`, then every mapping above it that this left
/// empty (a `proxy:` with nothing under it would otherwise stay behind).
pub fn remove_path(values: &mut Value, path: &[String]) {
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

/// What a values document holds at a key path, for the move to tell a
/// value it may add from one it would overwrite.
pub enum Held<'a> {
    Nothing,
    Value(&'a Value),
    /// Something that is not a mapping sits on the way (`hub: x`).
    Blocked,
}

pub fn held_at<'a>(values: &'a Value, path: &[String]) -> Held<'a> {
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

/// Sets the value at `path`, making the mappings on the way; the caller
/// has made sure ([`held_at`]) that nothing but mappings stands there.
pub fn insert_path(values: &mut Value, path: &[String], value: Value) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
