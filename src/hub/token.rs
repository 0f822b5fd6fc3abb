//! The cockpit's token for the hub's API: the `apiToken` of the z2jh
//! service `jhub-cockpit`, which the chart generates when config.yaml does
//! not set one and keeps in the release's Secret `hub`. It is read from
//! there when needed, so no token sits in a file of the operator's, and it
//! is never written anywhere: not to the log, the screen, or a file.

use k8s_openapi::api::core::v1::Secret;
use kube::api::Api;

/// The service's name in `hub.services` and its role's in `hub.loadRoles`.
pub const SERVICE: &str = "jhub-cockpit";

/// The chart's Secret holding the services' tokens.
pub const SECRET: &str = "hub";

/// What the cockpit's views need: list users and read them, their activity
/// and servers (progress included), and stop a server.
pub const SCOPES: &[&str] = &[
    "list:users",
    "read:users",
    "read:users:activity",
    "read:servers",
    "servers",
];

/// The key of the service's token in the Secret.
pub fn secret_key() -> String {
    format!("hub.services.{SERVICE}.apiToken")
}

/// A token, kept out of every `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct HubToken(String);

impl std::fmt::Debug for HubToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HubToken(…)")
    }
}

impl HubToken {
    pub fn new(token: String) -> HubToken {
        HubToken(token)
    }

    /// The `Authorization` header's value.
    pub fn header(&self) -> String {
        format!("token {}", self.0)
    }
}

/// The service's token in the chart's Secret, if the service is there.
pub fn from_secret(secret: &Secret) -> Option<HubToken> {
    let value = secret.data.as_ref()?.get(&secret_key())?;
    let token = String::from_utf8(value.0.clone()).ok()?;
    let token = token.trim();
    (!token.is_empty()).then(|| HubToken(token.to_owned()))
}

/// Why there is no token, with the next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// No Secret `hub`: no JupyterHub release in the namespace.
    NoHub {
        namespace: String,
    },
    /// The release has no `jhub-cockpit` service yet.
    NoService,
    Api {
        error: String,
    },
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::NoHub { namespace } => write!(
                f,
                "no Secret {SECRET} in namespace {namespace}: JupyterHub is not installed there"
            ),
            TokenError::NoService => write!(
                f,
                "the hub has no {SERVICE} service yet: A in the users view (U) adds it and its role to config.yaml, then u upgrades"
            ),
            TokenError::Api { error } => write!(f, "cannot read Secret {SECRET}: {error}"),
        }
    }
}

/// Reads the token from the release's Secret.
pub async fn read(client: &kube::Client, namespace: &str) -> Result<HubToken, TokenError> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    match api.get_opt(SECRET).await {
        Ok(Some(secret)) => from_secret(&secret).ok_or(TokenError::NoService),
        Ok(None) => Err(TokenError::NoHub {
            namespace: namespace.to_owned(),
        }),
        Err(e) => Err(TokenError::Api {
            error: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;

    #[test]
    fn the_token_is_read_from_the_services_key_and_never_shown() {
        let mut secret = Secret::default();
        assert_eq!(from_secret(&secret), None);
        secret.data = Some(
            [(
                "hub.services.jhub-cockpit.apiToken".to_string(),
                ByteString(b"s3cr3t-token\n".to_vec()),
            )]
            .into(),
        );
        let token = from_secret(&secret).unwrap();
        assert_eq!(token.header(), "token s3cr3t-token");
        assert_eq!(format!("{token:?}"), "HubToken(…)");
    }
}
