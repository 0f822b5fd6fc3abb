//! The chart secrets themselves: random values from the OS's secure source,
//! a type that never prints them (Debug and Display mask them), and the
//! values file `S` writes. Apart from where they are written: making a
//! secret is the same whichever file it goes to.

use anyhow::{Context, Result};
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
