//! Secret values as the screen shows them: every string under a secret
//! key cut to its first characters and its length. Apart because it is
//! what the views call on any values they show, with no file in sight.

use serde_json::Value;

use super::key_paths::{get_path_mut, secret_paths};

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
    use super::*;

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
}
