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
use crate::gke::token::{AdcTokenSource, FetchError, TokenSource};

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
/// also when there are no ADC (a public image needs none): then the reason,
/// for the message when the registry wants credentials after all.
async fn credential(
    reference: &Reference,
    options: &CheckOptions,
) -> (RegistryAuth, Option<String>) {
    if !(options.google_credentials && is_google(reference.resolve_registry())) {
        return (RegistryAuth::Anonymous, None);
    }
    match AdcTokenSource::new().fetch().await {
        Ok(token) => (
            RegistryAuth::Basic("oauth2accesstoken".into(), token.token),
            None,
        ),
        Err(FetchError::Transient(why) | FetchError::Permanent(why)) => {
            (RegistryAuth::Anonymous, Some(why))
        }
    }
}

async fn ask(reference: &Reference, options: &CheckOptions) -> Verdict {
    let client = client_for(reference);
    let (auth, no_adc) = credential(reference, options).await;
    let with_adc = matches!(auth, RegistryAuth::Basic(..));
    let unreachable =
        |e: &OciDistributionError| unreachable(reference, e, with_adc, no_adc.as_deref());
    // The registry's challenge followed to a token (anonymous unless ADC
    // above): without it the HEAD below is a 401 on most registries.
    if let Err(e) = client.auth(reference, &auth, RegistryOperation::Pull).await {
        return Verdict::Unknown {
            why: unreachable(&e),
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
                    why: unreachable(&e),
                },
            };
        }
    };
    let platforms = platforms(&client, reference, &auth)
        .await
        .unwrap_or_default();
    Verdict::Found { digest, platforms }
}

/// The registry's own words: each error's code and message.
fn envelope_words(envelope: &oci_client::errors::OciEnvelope) -> String {
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
            gone.then(|| envelope_words(envelope))
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

/// Why there is no answer, in words an operator can act on. `with_adc`:
/// the request carried ADC; `no_adc`: why it could not (Google's
/// registries only).
fn unreachable(
    reference: &Reference,
    error: &OciDistributionError,
    with_adc: bool,
    no_adc: Option<&str>,
) -> String {
    let registry = reference.registry();
    let refused = |words: &str| {
        let said = if words.is_empty() {
            String::new()
        } else {
            format!(" ({words})")
        };
        let how = match (with_adc, no_adc) {
            (true, _) => "with your Application Default Credentials, which lack access: grant roles/artifactregistry.reader (or check the name)".to_string(),
            (false, Some(why)) => format!(
                "anonymously, as there are no usable Application Default Credentials ({why}): run gcloud auth application-default login"
            ),
            (false, None) => format!(
                "anonymously: the repository {} does not exist there (check the name), or it is private (the nodes then need a pull secret too: singleuser.image.pullSecrets)",
                reference.repository()
            ),
        };
        format!("{registry} refused the read{said}; the cockpit asked {how}")
    };
    match error {
        OciDistributionError::RequestError(e) if e.is_connect() => {
            format!("{registry} cannot be reached (connection refused or no route)")
        }
        OciDistributionError::RequestError(e) if e.is_timeout() => {
            format!("{registry} did not answer in time")
        }
        OciDistributionError::RequestError(e) => format!("{registry}: {e}"),
        OciDistributionError::UnauthorizedError { .. } => refused(""),
        OciDistributionError::AuthenticationFailure(body) => refused(body.trim()),
        OciDistributionError::RegistryError { envelope, .. }
            if envelope
                .errors
                .iter()
                .any(|e| matches!(e.code, OciErrorCode::Unauthorized | OciErrorCode::Denied)) =>
        {
            refused(&envelope_words(envelope))
        }
        OciDistributionError::RegistryError { envelope, .. } => {
            format!("{registry} answered {}", envelope_words(envelope))
        }
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
    // Page by page (large repositories list thousands of tags, and a
    // registry may answer only the first page unasked), up to a bound.
    let mut tags: Vec<String> = Vec::new();
    for _ in 0..TAG_PAGES {
        let last = tags.last().cloned();
        match client
            .list_tags(reference, auth, Some(TAG_PAGE), last.as_deref())
            .await
        {
            Ok(page) => {
                let full = page.tags.len() >= TAG_PAGE;
                let before = tags.len();
                tags.extend(page.tags);
                if !full || tags.len() == before {
                    break;
                }
            }
            Err(OciDistributionError::RegistryError { envelope, .. })
                if tags.is_empty()
                    && envelope
                        .errors
                        .iter()
                        .any(|e| matches!(e.code, OciErrorCode::NameUnknown)) =>
            {
                return None;
            }
            Err(_) => break,
        }
    }
    Some(nearest_tags(tag, &tags, NEAREST))
}

/// Tags asked for per page, and pages at most.
const TAG_PAGE: usize = 1000;
const TAG_PAGES: usize = 10;

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

#[cfg(test)]
mod tests {
    use super::*;
    use oci_client::errors::{OciEnvelope, OciError};

    fn registry_error(code: OciErrorCode, message: &str) -> OciDistributionError {
        OciDistributionError::RegistryError {
            envelope: OciEnvelope {
                errors: vec![OciError {
                    code,
                    message: message.into(),
                    detail: serde_json::Value::Null,
                }],
            },
            url: "http://127.0.0.1:5000/v2/course/manifests/w9".into(),
        }
    }

    fn reference(image: &str) -> Reference {
        Reference::from_str(image).unwrap()
    }

    #[test]
    fn a_missing_tag_or_repository_is_said_in_the_registrys_words() {
        let said = missing(&registry_error(
            OciErrorCode::ManifestUnknown,
            "manifest unknown",
        ));
        assert_eq!(said.as_deref(), Some("MANIFEST_UNKNOWN: manifest unknown"));
        let said = missing(&registry_error(OciErrorCode::NameUnknown, ""));
        assert_eq!(said.as_deref(), Some("NAME_UNKNOWN"));
        // Anything else is not a "missing": no refusal on it.
        assert_eq!(missing(&registry_error(OciErrorCode::Denied, "no")), None);
        assert_eq!(
            missing(&OciDistributionError::UnauthorizedError { url: "u".into() }),
            None
        );
    }

    #[test]
    fn a_refused_anonymous_read_names_both_a_typo_and_a_private_repository() {
        let r = reference("quay.io/jupyter/scipy-notebok:2026-11-30");
        let said = unreachable(
            &r,
            &registry_error(
                OciErrorCode::Unauthorized,
                "access to the requested resource is not authorized",
            ),
            false,
            None,
        );
        assert!(
            said.starts_with("quay.io refused the read (UNAUTHORIZED: access"),
            "{said}"
        );
        assert!(
            said.contains("jupyter/scipy-notebok does not exist there (check the name)"),
            "{said}"
        );
        assert!(said.contains("singleuser.image.pullSecrets"), "{said}");
    }

    #[test]
    fn artifact_registry_says_what_to_do_about_adc() {
        let r = reference("us-central1-docker.pkg.dev/p/courses/nb:w1");
        let denied = OciDistributionError::UnauthorizedError { url: "u".into() };
        let without = unreachable(&r, &denied, false, Some("no ADC file"));
        assert!(
            without.contains("(no ADC file): run gcloud auth application-default login"),
            "{without}"
        );
        let with = unreachable(&r, &denied, true, None);
        assert!(with.contains("roles/artifactregistry.reader"), "{with}");
    }

    #[test]
    fn other_registry_errors_are_quoted() {
        let r = reference("127.0.0.1:5000/course:w1");
        let said = unreachable(
            &r,
            &registry_error(OciErrorCode::Toomanyrequests, "slow down"),
            false,
            None,
        );
        assert_eq!(said, "127.0.0.1:5000 answered TOOMANYREQUESTS: slow down");
    }
}
