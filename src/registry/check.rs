//! One image asked about: parse the reference, choose the credential, then
//! HEAD the manifest, read its platforms, and on a miss list the tags.

use std::str::FromStr;
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::OciManifest;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};

use super::{Verdict, is_google, is_loopback, nearest_tags};
use crate::gke::token::{AdcTokenSource, TokenSource};

/// How patient the check is, and whether Google's registries get ADC.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The whole check of one image: past it the answer is "unknown", so a
    /// registry that hangs cannot hold a deploy.
    pub deadline: Duration,
    /// Ask for an ADC token for Artifact Registry and gcr.io (private
    /// course images live there). Off, they are asked anonymously.
    pub google_credentials: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            deadline: Duration::from_secs(20),
            google_credentials: true,
        }
    }
}

/// How many nearest tags a miss names.
const NEAREST: usize = 5;

/// Asks the image's registry whether `image` (`name:tag`) exists, and for
/// which platforms.
pub async fn check(image: &str, options: &CheckOptions) -> Verdict {
    let reference = match Reference::from_str(image) {
        Ok(r) => r,
        Err(e) => {
            return Verdict::Unknown {
                why: format!("{image:?} cannot be read as an image reference ({e})"),
            };
        }
    };
    match tokio::time::timeout(options.deadline, ask(&reference, options)).await {
        Ok(verdict) => verdict,
        Err(_) => Verdict::Unknown {
            why: format!(
                "{} did not answer within {} s",
                reference.registry(),
                options.deadline.as_secs()
            ),
        },
    }
}

fn client_for(reference: &Reference) -> Client {
    let registry = reference.resolve_registry().to_owned();
    let protocol = if is_loopback(&registry) {
        ClientProtocol::HttpsExcept(vec![registry])
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig {
        protocol,
        connect_timeout: Some(Duration::from_secs(5)),
        read_timeout: Some(Duration::from_secs(10)),
        // An index is read as an index: its platforms are the answer.
        platform_resolver: None,
        ..ClientConfig::default()
    })
}

/// ADC for Google's registries, as docker's credential helper gives it
/// (`oauth2accesstoken` and the access token); anonymous otherwise, and
/// also when there are no ADC (a public image needs none).
async fn credential(reference: &Reference, options: &CheckOptions) -> RegistryAuth {
    if options.google_credentials
        && is_google(reference.resolve_registry())
        && let Ok(token) = AdcTokenSource::new().fetch().await
    {
        return RegistryAuth::Basic("oauth2accesstoken".into(), token.token);
    }
    RegistryAuth::Anonymous
}

async fn ask(reference: &Reference, options: &CheckOptions) -> Verdict {
    let client = client_for(reference);
    let auth = credential(reference, options).await;
    let registry = reference.registry().to_owned();
    // The registry's challenge followed to a token (anonymous unless ADC
    // above): without it the HEAD below is a 401 on most registries.
    if let Err(e) = client.auth(reference, &auth, RegistryOperation::Pull).await {
        return Verdict::Unknown {
            why: unreachable(&registry, &e),
        };
    }
    let digest = match client.fetch_manifest_digest(reference, &auth).await {
        Ok(digest) => digest,
        Err(e) => {
            return match missing(&e) {
                Some(answer) => match tags_near(&client, reference, &auth).await {
                    Some(nearest) => Verdict::Missing { answer, nearest },
                    None => Verdict::Missing {
                        answer: format!(
                            "{answer}; the repository {} does not exist there",
                            reference.repository()
                        ),
                        nearest: Vec::new(),
                    },
                },
                None => Verdict::Unknown {
                    why: unreachable(&registry, &e),
                },
            };
        }
    };
    let platforms = platforms(&client, reference, &auth)
        .await
        .unwrap_or_default();
    Verdict::Found { digest, platforms }
}

/// The registry's words when it says the tag or repository is not there.
fn missing(error: &OciDistributionError) -> Option<String> {
    match error {
        OciDistributionError::RegistryError { envelope, .. } => {
            let gone = envelope.errors.iter().any(|e| {
                matches!(
                    e.code,
                    OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown
                )
            });
            gone.then(|| {
                envelope
                    .errors
                    .iter()
                    .map(|e| {
                        let code = serde_json::to_value(&e.code)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_else(|| format!("{:?}", e.code));
                        if e.message.is_empty() {
                            code
                        } else {
                            format!("{code}: {}", e.message)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        }
        OciDistributionError::ImageManifestNotFoundError(message) => Some(message.clone()),
        OciDistributionError::ServerError {
            code: 404, message, ..
        } => Some(if message.trim().is_empty() {
            "404 Not Found".into()
        } else {
            format!("404 Not Found: {}", message.trim())
        }),
        _ => None,
    }
}

/// Why there is no answer, in words an operator can act on.
fn unreachable(registry: &str, error: &OciDistributionError) -> String {
    match error {
        OciDistributionError::RequestError(e) if e.is_connect() => {
            format!("{registry} cannot be reached (connection refused or no route)")
        }
        OciDistributionError::RequestError(e) if e.is_timeout() => {
            format!("{registry} did not answer in time")
        }
        OciDistributionError::RequestError(e) => format!("{registry}: {e}"),
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => format!(
            "{registry} wants credentials to read this image (a private repository); the cockpit asks anonymously{}",
            if is_google(registry) {
                " or with ADC, which lack access here"
            } else {
                ""
            }
        ),
        other => format!("{registry}: {other}"),
    }
}

/// The tags nearest the missing one; None when the registry says the
/// repository itself does not exist (a typo in the name, not the tag).
async fn tags_near(
    client: &Client,
    reference: &Reference,
    auth: &RegistryAuth,
) -> Option<Vec<String>> {
    let tag = reference.tag().unwrap_or("latest");
    match client.list_tags(reference, auth, None, None).await {
        Ok(list) => Some(nearest_tags(tag, &list.tags, NEAREST)),
        Err(OciDistributionError::RegistryError { envelope, .. })
            if envelope
                .errors
                .iter()
                .any(|e| matches!(e.code, OciErrorCode::NameUnknown)) =>
        {
            None
        }
        Err(_) => Some(Vec::new()),
    }
}

/// `os/arch[/variant]` of the tag's images: an index lists them; a single
/// image's config says its own.
async fn platforms(
    client: &Client,
    reference: &Reference,
    auth: &RegistryAuth,
) -> Option<Vec<String>> {
    let (manifest, _) = client.pull_manifest(reference, auth).await.ok()?;
    match manifest {
        OciManifest::ImageIndex(index) => Some(
            index
                .manifests
                .iter()
                .filter_map(|m| m.platform.as_ref())
                .map(|p| {
                    platform_name(
                        &p.os.to_string(),
                        &p.architecture.to_string(),
                        p.variant.as_deref(),
                    )
                })
                // Attestation manifests (buildx's provenance) say
                // unknown/unknown: not a platform anyone runs.
                .filter(|p| !p.starts_with("unknown/"))
                .collect(),
        ),
        OciManifest::Image(image) => {
            let mut config = Vec::new();
            client
                .pull_blob(reference, &image.config, &mut config)
                .await
                .ok()?;
            let config: serde_json::Value = serde_json::from_slice(&config).ok()?;
            Some(vec![platform_name(
                config["os"].as_str()?,
                config["architecture"].as_str()?,
                config["variant"].as_str(),
            )])
        }
    }
}

fn platform_name(os: &str, arch: &str, variant: Option<&str>) -> String {
    match variant {
        Some(v) if !v.is_empty() => format!("{os}/{arch}/{v}"),
        _ => format!("{os}/{arch}"),
    }
}
