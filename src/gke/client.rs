//! The GKE adapter: google-cloud-container-v1's ClusterManager behind a few
//! functions that take plain arguments and return the domain types of
//! [`super::types`] or a [`GkeError`].
//!
//! Credentials are Application Default Credentials (the
//! GOOGLE_APPLICATION_CREDENTIALS file, gcloud's ADC file, else the metadata
//! server) against Google; an endpoint override (the emulator) uses
//! anonymous credentials, because the emulator needs none and ADC could
//! otherwise reach for the metadata server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use google_cloud_container_v1::client::ClusterManager;
use google_cloud_gax::exponential_backoff::ExponentialBackoffBuilder;
use google_cloud_gax::retry_policy::{Aip194Strict, RetryPolicyExt};

use super::error::{GkeError, GkeErrorKind};
use super::names::validate_cluster_name;
use google_cloud_container_v1::model;

use super::types::{ClusterOperation, ClusterSpec, GkeCluster, UserPoolSpec};

/// The environment variable that points the cockpit at another GKE
/// endpoint (the emulator), like `--gke-endpoint`.
pub const GKE_ENDPOINT_ENV: &str = "JHUB_COCKPIT_GKE_ENDPOINT";

/// The flag's value if given, else the environment variable's; blank
/// counts as unset.
pub fn endpoint_override(flag: Option<&str>) -> Option<String> {
    flag.map(str::to_string)
        .or_else(|| std::env::var(GKE_ENDPOINT_ENV).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Where Application Default Credentials would come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdcSource {
    /// GOOGLE_APPLICATION_CREDENTIALS names this file.
    EnvFile(PathBuf),
    /// gcloud's `application_default_credentials.json`.
    GcloudFile(PathBuf),
    /// No file: the library would ask the GCE metadata server.
    MetadataServer,
}

/// The ADC source for this process's environment (the order
/// google-cloud-auth uses).
pub fn adc_source() -> AdcSource {
    adc_source_with(|k| std::env::var_os(k).map(PathBuf::from), |p| p.is_file())
}

/// [`adc_source`] with the environment and the file check given.
pub fn adc_source_with(
    env: impl Fn(&str) -> Option<PathBuf>,
    is_file: impl Fn(&Path) -> bool,
) -> AdcSource {
    if let Some(path) = env("GOOGLE_APPLICATION_CREDENTIALS") {
        // A missing file named here is the library's error, with the path.
        return AdcSource::EnvFile(path);
    }
    if let Some(home) = env("HOME") {
        let path = home.join(".config/gcloud/application_default_credentials.json");
        if is_file(&path) {
            return AdcSource::GcloudFile(path);
        }
    }
    AdcSource::MetadataServer
}

/// Refuses the metadata-server fallback unless asked for: google-cloud-auth
/// would query the metadata server already while the client is built (for
/// the universe domain), which off GCE is a stall and a request to an
/// address that is not this machine's.
pub fn check_adc_source(source: &AdcSource, allow_metadata_server: bool) -> Result<(), GkeError> {
    match source {
        AdcSource::MetadataServer if !allow_metadata_server => Err(GkeError::local(
            GkeErrorKind::NoCredentials,
            "no Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS is unset and \
             ~/.config/gcloud/application_default_credentials.json does not exist \
             (on a GCE VM or in Cloud Shell, allow the metadata server instead)",
            "",
        )),
        _ => Ok(()),
    }
}

/// The ADC account's email when the credentials say it: a service-account
/// key's `client_email`, else gcloud's CLOUDSDK_CORE_ACCOUNT. (A user's
/// ADC file holds no email; the API server's SelfSubjectReview does.)
pub fn adc_account() -> Option<String> {
    let from_file = match adc_source() {
        AdcSource::EnvFile(p) | AdcSource::GcloudFile(p) => std::fs::read_to_string(p)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["client_email"].as_str().map(str::to_owned)),
        AdcSource::MetadataServer => None,
    };
    from_file
        .or_else(|| std::env::var("CLOUDSDK_CORE_ACCOUNT").ok())
        .filter(|a| !a.trim().is_empty())
}

/// How the client is built.
#[derive(Clone, Debug)]
pub struct GkeClientOptions {
    /// Another endpoint (e.g. `http://127.0.0.1:8944`, the emulator), with
    /// anonymous credentials; `None` is Google's, with ADC.
    pub endpoint: Option<String>,
    /// One attempt's limit: a hung request must not stall a poll forever.
    pub attempt_timeout: Duration,
    /// Attempts for a retryable (UNAVAILABLE / 503, idempotent) failure.
    pub max_attempts: u32,
    /// The first retry's delay (doubling after).
    pub initial_backoff: Duration,
    /// Without an ADC file, use the GCE metadata server (on a GCE VM or in
    /// Cloud Shell). Off by default: see [`check_adc_source`]. Also allowed
    /// when GCE_METADATA_HOST is set, which says a metadata server exists.
    pub allow_metadata_server: bool,
}

impl Default for GkeClientOptions {
    fn default() -> Self {
        GkeClientOptions {
            endpoint: None,
            attempt_timeout: Duration::from_secs(30),
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            allow_metadata_server: false,
        }
    }
}

/// The GKE client the cockpit uses. Cheap to clone (the library's client
/// is an `Arc` inside).
#[derive(Clone, Debug)]
pub struct GkeClient {
    manager: ClusterManager,
    endpoint: Option<String>,
}

fn parent(project: &str, location: &str) -> String {
    format!("projects/{project}/locations/{location}")
}

fn pool_name(project: &str, location: &str, cluster: &str, pool: &str) -> String {
    format!(
        "{}/clusters/{cluster}/nodePools/{pool}",
        parent(project, location)
    )
}

impl GkeClient {
    /// Builds the client. With no endpoint: ADC; no ADC file (unless the
    /// metadata server is allowed) or one that cannot be read is a
    /// `NoCredentials` error here, and a token the file cannot give shows
    /// up on the first request.
    pub async fn new(options: GkeClientOptions) -> Result<Self, GkeError> {
        let backoff = ExponentialBackoffBuilder::new()
            .with_initial_delay(options.initial_backoff)
            .with_maximum_delay(options.initial_backoff.max(Duration::from_secs(5)))
            .build()
            .map_err(|e| GkeError::local(GkeErrorKind::Other, e.to_string(), ""))?;
        let mut builder = ClusterManager::builder()
            .with_retry_policy(
                Aip194Strict
                    .with_attempt_limit(options.max_attempts.max(1))
                    .with_time_limit(options.attempt_timeout * options.max_attempts.max(1)),
            )
            .with_backoff_policy(backoff)
            .with_attempt_timeout(options.attempt_timeout);
        match &options.endpoint {
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(GkeError::local(
                        GkeErrorKind::InvalidArgument,
                        format!("the GKE endpoint {url:?} is not an http:// or https:// URL"),
                        "",
                    ));
                }
                builder = builder
                    .with_endpoint(url.trim_end_matches('/'))
                    .with_credentials(
                        google_cloud_auth::credentials::anonymous::Builder::new().build(),
                    );
            }
            None => {
                let allow = options.allow_metadata_server
                    || std::env::var_os("GCE_METADATA_HOST").is_some();
                check_adc_source(&adc_source(), allow)?;
                // A fixed universe domain: otherwise metadata-server
                // credentials would ask the server for it while building.
                let creds = google_cloud_auth::credentials::Builder::default()
                    .with_universe_domain("googleapis.com")
                    .build()
                    .map_err(|e| GkeError::local(GkeErrorKind::NoCredentials, e.to_string(), ""))?;
                builder = builder.with_credentials(creds);
            }
        }
        let manager = builder
            .build()
            .await
            .map_err(|e| GkeError::local(GkeErrorKind::Other, e.to_string(), ""))?;
        Ok(GkeClient {
            manager,
            endpoint: options.endpoint,
        })
    }

    /// A client for an emulator (or any override) at `url`.
    pub async fn with_endpoint(url: &str) -> Result<Self, GkeError> {
        Self::new(GkeClientOptions {
            endpoint: Some(url.to_string()),
            ..Default::default()
        })
        .await
    }

    /// The override endpoint, if any (None: Google's).
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// The clusters in a location (`-` for every location of the project).
    pub async fn list_clusters(
        &self,
        project: &str,
        location: &str,
    ) -> Result<Vec<GkeCluster>, GkeError> {
        Ok(self.list_clusters_answered(project, location).await?.0)
    }

    /// The clusters, and the locations that did not answer
    /// (`missingZones`): GKE lists the others, and gcloud warns that those
    /// locations' clusters are missing from the list.
    pub async fn list_clusters_answered(
        &self,
        project: &str,
        location: &str,
    ) -> Result<(Vec<GkeCluster>, Vec<String>), GkeError> {
        let resp = self
            .manager
            .list_clusters()
            .set_parent(parent(project, location))
            .send()
            .await
            .map_err(|e| GkeError::from_client_error(&e, project))?;
        let mut clusters: Vec<GkeCluster> = resp.clusters.iter().map(GkeCluster::from).collect();
        clusters.sort_by(|a, b| (&a.location, &a.name).cmp(&(&b.location, &b.name)));
        Ok((clusters, resp.missing_zones.clone()))
    }

    pub async fn get_cluster(
        &self,
        project: &str,
        location: &str,
        name: &str,
    ) -> Result<GkeCluster, GkeError> {
        validate_cluster_name(name).map_err(|e| GkeError::invalid_name(&e))?;
        let c = self
            .manager
            .get_cluster()
            .set_name(format!("{}/clusters/{name}", parent(project, location)))
            .send()
            .await
            .map_err(|e| GkeError::from_client_error(&e, project))?;
        Ok(GkeCluster::from(&c))
    }

    /// Starts creating the cluster; poll the returned operation with
    /// [`get_operation`](Self::get_operation) until it is done. The spec is
    /// checked first, and a bad one sends nothing.
    pub async fn create_cluster(
        &self,
        project: &str,
        spec: &ClusterSpec,
    ) -> Result<ClusterOperation, GkeError> {
        if let Err(reason) = spec.validate() {
            let kind = if validate_cluster_name(&spec.name).is_err() {
                GkeErrorKind::InvalidName
            } else {
                GkeErrorKind::InvalidArgument
            };
            return Err(GkeError::local(kind, reason, project));
        }
        let op = self
            .manager
            .create_cluster()
            .set_parent(parent(project, &spec.location))
            .set_cluster(spec.to_api())
            .send()
            .await
            .map_err(|e| GkeError::from_client_error(&e, project))?;
        Ok(ClusterOperation::from(&op))
    }

    /// Starts deleting the cluster. Only the cluster goes: load balancers
    /// and disks made from inside it stay (the caller warns about that).
    pub async fn delete_cluster(
        &self,
        project: &str,
        location: &str,
        name: &str,
    ) -> Result<ClusterOperation, GkeError> {
        validate_cluster_name(name).map_err(|e| GkeError::invalid_name(&e))?;
        let op = self
            .manager
            .delete_cluster()
            .set_name(format!("{}/clusters/{name}", parent(project, location)))
            .send()
            .await
            .map_err(|e| GkeError::from_client_error(&e, project))?;
        Ok(ClusterOperation::from(&op))
    }

    /// Starts adding a node pool to the cluster; the operation is polled
    /// like a cluster's. The pool is checked first, and a bad one sends
    /// nothing.
    pub async fn create_node_pool(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &UserPoolSpec,
    ) -> Result<ClusterOperation, GkeError> {
        validate_cluster_name(cluster).map_err(|e| GkeError::invalid_name(&e))?;
        pool.validate()
            .map_err(|e| GkeError::local(GkeErrorKind::InvalidArgument, e, project))?;
        let op = self
            .manager
            .create_node_pool()
            .set_parent(format!("{}/clusters/{cluster}", parent(project, location)))
            .set_node_pool(pool.to_api())
            .send()
            .await
            .map_err(|e| GkeError::from_client_error(&e, project))?;
        Ok(ClusterOperation::from(&op))
    }

    /// Starts changing a pool's autoscaling bounds (enabled, min..max).
    pub async fn set_node_pool_autoscaling(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
        (min, max): (i32, i32),
    ) -> Result<ClusterOperation, GkeError> {
        validate_cluster_name(cluster).map_err(|e| GkeError::invalid_name(&e))?;
        super::types::validate_autoscaling(min, max)
            .map_err(|e| GkeError::local(GkeErrorKind::InvalidArgument, e, project))?;
        let op = self
            .manager
            .set_node_pool_autoscaling()
            .set_name(pool_name(project, location, cluster, pool))
            .set_autoscaling(
                model::NodePoolAutoscaling::new()
                    .set_enabled(true)
                    .set_min_node_count(min)
                    .set_max_node_count(max),
            )
            .send()
            .await
            .map_err(|e| GkeError::from_client_error(&e, project))?;
        Ok(ClusterOperation::from(&op))
    }

    /// Starts deleting a node pool; its nodes are drained and go.
    pub async fn delete_node_pool(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
    ) -> Result<ClusterOperation, GkeError> {
        validate_cluster_name(cluster).map_err(|e| GkeError::invalid_name(&e))?;
        let op = self
            .manager
            .delete_node_pool()
            .set_name(pool_name(project, location, cluster, pool))
            .send()
            .await
            .map_err(|e| GkeError::from_client_error(&e, project))?;
        Ok(ClusterOperation::from(&op))
    }

    /// Polls one operation by the short name GKE gave it (`operation-...`).
    pub async fn get_operation(
        &self,
        project: &str,
        location: &str,
        operation: &str,
    ) -> Result<ClusterOperation, GkeError> {
        let op = self
            .manager
            .get_operation()
            .set_name(format!(
                "{}/operations/{operation}",
                parent(project, location)
            ))
            .send()
            .await
            .map_err(|e| GkeError::from_client_error(&e, project))?;
        Ok(ClusterOperation::from(&op))
    }

    /// The operations in a location, e.g. to find a create that was running
    /// when the cockpit last quit.
    pub async fn list_operations(
        &self,
        project: &str,
        location: &str,
    ) -> Result<Vec<ClusterOperation>, GkeError> {
        let resp = self
            .manager
            .list_operations()
            .set_parent(parent(project, location))
            .send()
            .await
            .map_err(|e| GkeError::from_client_error(&e, project))?;
        Ok(resp.operations.iter().map(ClusterOperation::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_endpoint_that_is_not_a_url_is_refused_before_any_request() {
        let e = GkeClient::with_endpoint("127.0.0.1:9").await.unwrap_err();
        assert_eq!(e.kind, GkeErrorKind::InvalidArgument);
        assert!(e.gcp_message.contains("not an http"), "{e}");
    }

    #[test]
    fn adc_comes_from_the_env_file_then_gclouds_file_then_metadata() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| PathBuf::from(v))
            }
        };
        let gcloud_file = Path::new("/home/u/.config/gcloud/application_default_credentials.json");
        let exists = |p: &Path| p == gcloud_file;
        assert_eq!(
            adc_source_with(
                env(&[
                    ("GOOGLE_APPLICATION_CREDENTIALS", "/k.json"),
                    ("HOME", "/home/u")
                ]),
                exists
            ),
            AdcSource::EnvFile("/k.json".into())
        );
        assert_eq!(
            adc_source_with(env(&[("HOME", "/home/u")]), exists),
            AdcSource::GcloudFile(gcloud_file.into())
        );
        assert_eq!(
            adc_source_with(env(&[("HOME", "/home/v")]), exists),
            AdcSource::MetadataServer
        );
    }

    #[test]
    fn the_metadata_server_is_used_only_when_allowed() {
        let e = check_adc_source(&AdcSource::MetadataServer, false).unwrap_err();
        assert_eq!(e.kind, GkeErrorKind::NoCredentials);
        assert!(
            e.to_string()
                .contains("gcloud auth application-default login"),
            "{e}"
        );
        assert!(check_adc_source(&AdcSource::MetadataServer, true).is_ok());
        assert!(check_adc_source(&AdcSource::GcloudFile("/x".into()), false).is_ok());
    }

    #[tokio::test]
    async fn without_adc_the_client_refuses_before_any_request() {
        // Only where this process has no ADC (as here and in CI): otherwise
        // building would be a real client, which the tests must not make.
        if adc_source() != AdcSource::MetadataServer
            || std::env::var_os("GCE_METADATA_HOST").is_some()
        {
            return;
        }
        let e = GkeClient::new(GkeClientOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind, GkeErrorKind::NoCredentials, "{e}");
    }

    #[test]
    fn the_flag_beats_the_environment_and_blank_is_unset() {
        assert_eq!(
            endpoint_override(Some(" http://127.0.0.1:1 ")).as_deref(),
            Some("http://127.0.0.1:1")
        );
        // The variable is not set in the test environment (nor by this
        // test: changing the process environment races other tests).
        if std::env::var_os(GKE_ENDPOINT_ENV).is_none() {
            assert_eq!(endpoint_override(None), None);
            assert_eq!(endpoint_override(Some("  ")), None);
        }
    }
}
