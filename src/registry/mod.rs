//! Asks an image's registry about a tag before helm is told to use it: a
//! tag that does not exist (a typo, a push that did not finish) makes helm
//! succeed and then every user's server fail with ImagePullBackOff, in
//! front of a class. An adapter at the edge, over the OCI distribution API
//! (oci-client): `HEAD /v2/<name>/manifests/<tag>` with the registry's
//! `WWW-Authenticate` challenge followed to an anonymous token, or Google's
//! Application Default Credentials for Artifact Registry and gcr.io; then
//! the manifest's platforms, and on a miss the tags nearest to the one
//! asked for.
//!
//! The answer is a [`Verdict`] in plain words; what a deploy makes of it
//! (refuse, warn, note) is `crate::deploy`'s.

mod check;
mod nearest;

pub use check::{CheckOptions, check};
pub use nearest::nearest_tags;

/// What the registry said about one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The manifest exists.
    Found {
        digest: String,
        /// `os/arch[/variant]` of each image the tag holds; empty when the
        /// manifest could not be read for them.
        platforms: Vec<String>,
    },
    /// The registry answered that the tag (or the repository) is not there.
    Missing {
        /// The registry's own words (its error code and message).
        answer: String,
        /// Tags that exist, nearest to the one asked for first.
        nearest: Vec<String>,
    },
    /// No answer about the tag: the registry is down, slow, needs
    /// credentials the cockpit does not have, or the reference is one the
    /// client cannot read. A warning, not a refusal: the operator may know
    /// better (an air-gapped mirror, a private registry).
    Unknown { why: String },
}

/// The platform GKE's nodes run (their default node images are amd64).
pub const GKE_PLATFORM: &str = "linux/amd64";

impl Verdict {
    /// Whether a pod on a GKE node could run the image: unknown platforms
    /// are given the benefit of the doubt.
    pub fn runs_on_gke(&self) -> bool {
        match self {
            Verdict::Found { platforms, .. } => {
                platforms.is_empty() || platforms.iter().any(|p| p == GKE_PLATFORM)
            }
            _ => true,
        }
    }
}

/// Whether a registry host is this machine: plain HTTP is used there, as
/// docker treats 127.0.0.0/8 as an insecure registry by default; every
/// other registry is asked over HTTPS only.
pub fn is_loopback(registry: &str) -> bool {
    let host = registry
        .strip_prefix('[')
        .and_then(|r| r.split(']').next())
        .unwrap_or_else(|| registry.split(':').next().unwrap_or(registry));
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Google's registries, where ADC (when there is one) is the credential:
/// Artifact Registry (`*-docker.pkg.dev`) and Container Registry (`gcr.io`
/// and its regional hosts).
pub fn is_google(registry: &str) -> bool {
    let host = registry.split(':').next().unwrap_or(registry);
    host.ends_with("-docker.pkg.dev") || host == "gcr.io" || host.ends_with(".gcr.io")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries_are_told_apart() {
        for host in [
            "127.0.0.1:5000",
            "127.0.1.7",
            "localhost:5000",
            "[::1]:5000",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "quay.io",
            "index.docker.io",
            "10.0.0.1:5000",
            "localhost.example",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn googles_registries_are_told_apart() {
        assert!(is_google("us-central1-docker.pkg.dev"));
        assert!(is_google("gcr.io"));
        assert!(is_google("eu.gcr.io"));
        assert!(!is_google("quay.io"));
        assert!(!is_google("gcr.io.example"));
    }

    #[test]
    fn gke_runs_amd64_or_what_is_not_known() {
        let found = |p: &[&str]| Verdict::Found {
            digest: "sha256:0".into(),
            platforms: p.iter().map(|s| s.to_string()).collect(),
        };
        assert!(found(&["linux/amd64", "linux/arm64"]).runs_on_gke());
        assert!(found(&[]).runs_on_gke());
        assert!(!found(&["linux/arm64"]).runs_on_gke());
    }
}
