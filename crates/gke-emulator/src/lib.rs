//! An emulator of the GKE API (container v1, the HTTP/JSON subset the
//! cockpit uses), whose clusters all report the local rig's endpoint and CA,
//! so create → connect → install → delete works with no cloud account.
//!
//! API routes (`locations` or the legacy `zones`; extra query parameters,
//! such as the client's `$alt=json;enum-encoding=int&projectId=&zone=`, are
//! ignored). Every change answers with an Operation whose `status` goes
//! PENDING → RUNNING → DONE over `op_duration`, with `detail` text and
//! `progress` node metrics; a cluster runs one operation at a time.
//! - `POST   /v1/projects/P/locations/L/clusters` (body `{"cluster": {...}}`)
//!   → `CREATE_CLUSTER`
//! - `GET    /v1/projects/P/locations/L/clusters` (L may be `-`: all)
//! - `GET    /v1/projects/P/locations/L/clusters/C`
//! - `PUT    /v1/projects/P/locations/L/clusters/C` (body `{"update":
//!   {"desiredNodePoolId", "desiredNodePoolAutoscaling"}}`, what gcloud
//!   sends to change a pool's autoscaling; no other update) → `UPDATE_CLUSTER`
//! - `DELETE /v1/projects/P/locations/L/clusters/C` → `DELETE_CLUSTER`
//! - `POST   .../clusters/C/nodePools` (body `{"nodePool": {...}}`) →
//!   `CREATE_NODE_POOL`; the cluster is RECONCILING while any pool
//!   operation runs
//! - `GET    .../clusters/C/nodePools[/NP]`
//! - `POST   .../clusters/C/nodePools/NP:setAutoscaling` (body
//!   `{"autoscaling": {...}}`; legacy form `POST /v1/projects/P/zones/Z/
//!   clusters/C/nodePools/NP/autoscaling`) → `UPDATE_CLUSTER` (GKE's
//!   Operation.Type has no autoscaling type)
//! - `DELETE .../clusters/C/nodePools/NP` → `DELETE_NODE_POOL`
//! - `GET    /v1/projects/P/locations/L/operations[/OP]` (L may be `-`)
//! - `GET    /v1/projects/P/services/S` (Service Usage, which gcloud asks
//!   before a create): `state: ENABLED`
//!
//! Admin routes (never subject to faults, not counted):
//! - `POST /emulator/faults` one fault or an array ([`Fault`]); `GET` lists,
//!   `DELETE` clears
//! - `GET /emulator/requests` `{"count", "requests": [{method, path,
//!   query}]}` of API requests; `DELETE` clears
//! - `POST /emulator/clusters` `{"project", "location", "cluster": {...}}`
//!   (the API's Cluster JSON) puts a RUNNING cluster straight in, with no
//!   operation: one "not made by the cockpit". Answers with the cluster.
//! - `POST /emulator/clock` `{"advanceSeconds": N}` jumps the clock ahead
//! - `POST /emulator/reset` forgets clusters, operations, faults, requests
//! - `GET /emulator/health`

mod faults;
mod http;
mod store;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

pub use faults::{Fault, parse_faults};
pub use http::RecordedRequest;

use http::{AppState, Emulator};
use store::{ClusterDefaults, Store};

/// The emulator's settings (the binary's flags).
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Must be a loopback address: the emulator is for this machine only.
    pub host: IpAddr,
    /// 0 picks a free port; [`serve`] returns the real one.
    pub port: u16,
    /// How long an operation takes (PENDING → RUNNING → DONE): cluster or
    /// node-pool create, delete, autoscaling change.
    pub op_duration: Duration,
    /// The API server every cluster reports (`https://host:port` or
    /// `host:port`; reported without the scheme, as GKE does).
    pub kube_endpoint: String,
    /// The PEM every cluster reports as its CA.
    pub kube_ca_pem: Option<String>,
    /// A client certificate and key (PEM) every cluster reports in
    /// `masterAuth` (GKE's legacy client-certificate auth): the rig accepts
    /// certificates, not Google access tokens.
    pub kube_client_cert: Option<(String, String)>,
    /// Keep clusters and operations across restarts in this JSON file.
    pub state_file: Option<PathBuf>,
    /// Faults active from the start.
    pub faults: Vec<Fault>,
    /// The version new clusters report.
    pub master_version: String,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            op_duration: Duration::from_secs(6),
            kube_endpoint: "https://127.0.0.1:26443".into(),
            kube_ca_pem: None,
            kube_client_cert: None,
            state_file: None,
            faults: Vec::new(),
            master_version: "1.36.3-gke.100".into(),
        }
    }
}

/// `https://127.0.0.1:26443/` → `127.0.0.1:26443` (GKE's endpoint form,
/// to which clients add `https://`).
pub fn endpoint_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.trim_end_matches('/').to_string()
}

/// Binds (loopback only), then serves in a task. Returns the bound address
/// and the task; the emulator stops when the task is aborted or its
/// runtime ends.
pub async fn serve(
    config: EmulatorConfig,
) -> std::io::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
    if !config.host.is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "refusing to listen on {}: the GKE emulator serves this machine only \
                 (use 127.0.0.1)",
                config.host
            ),
        ));
    }
    let store = match &config.state_file {
        Some(path) if path.exists() => {
            let text = std::fs::read_to_string(path)?;
            serde_json::from_str::<Store>(&text).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("state file {}: {e}", path.display()),
                )
            })?
        }
        _ => Store::default(),
    };
    for f in &config.faults {
        f.validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    }
    let listener = tokio::net::TcpListener::bind((config.host, config.port)).await?;
    let addr = listener.local_addr()?;
    let state = AppState {
        emulator: Arc::new(Mutex::new(Emulator {
            store,
            defaults: ClusterDefaults {
                op_duration_ms: config.op_duration.as_millis().clamp(1, i64::MAX as u128) as i64,
                endpoint: endpoint_host(&config.kube_endpoint),
                ca_pem: config.kube_ca_pem,
                client_cert: config.kube_client_cert,
                master_version: config.master_version,
            },
            faults: config.faults,
            requests: Vec::new(),
            request_count: 0,
            state_file: config.state_file,
        })),
        base_url: format!("http://{addr}").into(),
    };
    let app = http::router(state);
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((addr, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_lose_their_scheme_and_slash() {
        assert_eq!(endpoint_host("https://127.0.0.1:26443/"), "127.0.0.1:26443");
        assert_eq!(endpoint_host("127.0.0.1:6443"), "127.0.0.1:6443");
    }

    #[tokio::test]
    async fn only_loopback_is_served() {
        let config = EmulatorConfig {
            host: IpAddr::from([0, 0, 0, 0]),
            ..Default::default()
        };
        let err = serve(config).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("refusing"), "{err}");
    }
}
