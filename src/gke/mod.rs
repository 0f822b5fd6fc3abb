//! GKE: the ClusterManager client the cockpit uses to list, create and
//! delete clusters and poll their operations ([`GkeClient`]), the plain
//! types it returns, the error mapping to messages with a next step
//! ([`GkeError`]), and the project/location resolution. The emulator of
//! the API that tests and the demo run on 127.0.0.1 is its own crate,
//! `crates/gke-emulator`, so the cockpit does not carry its HTTP server.
//!
//! TLS: google-cloud-auth and google-cloud-container-v1 are built with
//! their default `default-rustls-provider` feature, which uses aws-lc-rs
//! when no process-level rustls provider is installed, the same provider
//! kube uses; `ring` is not in the build, so nothing has to be installed at
//! start-up.

pub mod client;
pub mod connect;
pub mod error;
pub mod names;
pub mod target;
pub mod token;
pub mod types;

pub use client::{
    AdcSource, GKE_ENDPOINT_ENV, GkeClient, GkeClientOptions, adc_source, check_adc_source,
    endpoint_override,
};
pub use error::{GkeError, GkeErrorKind, map_api_error};
pub use names::validate_cluster_name;
pub use target::{
    GkeConfig, GkeTarget, TargetInputs, TargetSource, resolve_target, resolve_target_with,
};
pub use types::{
    ClusterOperation, ClusterSpec, ClusterStatus, GkeCluster, NodePoolRow, NodePoolStatus,
    OperationError, OperationKind, OperationStatus, ReleaseChannel, UserPoolSpec,
};
