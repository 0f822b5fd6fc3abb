//! Plain domain types for the cockpit's GKE pane, derived from the container
//! v1 API objects in one place (here), so the UI never sees the generated
//! model and its hundreds of fields.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use chrono::{DateTime, Utc};
use google_cloud_container_v1::model;

/// A cluster's status. `Other` keeps a value newer than this code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterStatus {
    Provisioning,
    Running,
    Reconciling,
    Stopping,
    Error,
    Degraded,
    Unspecified,
    Other(String),
}

/// A node pool's status (GKE adds RUNNING_WITH_ERROR to the cluster's set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodePoolStatus {
    Provisioning,
    Running,
    RunningWithError,
    Reconciling,
    Stopping,
    Error,
    Unspecified,
    Other(String),
}

/// An operation's status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperationStatus {
    Pending,
    Running,
    Done,
    Aborting,
    Unspecified,
    Other(String),
}

/// What an operation does. Only the ones the cockpit starts are named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperationKind {
    CreateCluster,
    DeleteCluster,
    CreateNodePool,
    DeleteNodePool,
    UpdateCluster,
    Other(String),
}

/// GKE's release channels; `None` means no channel (static version).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReleaseChannel {
    None,
    Rapid,
    #[default]
    Regular,
    Stable,
    Extended,
}

macro_rules! named_enum {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// The API's name for the value (e.g. `RUNNING`).
            pub fn as_str(&self) -> &str {
                match self {
                    $($ty::$variant => $name,)*
                    $ty::Other(s) => s,
                }
            }

            /// From the API's name; an unknown name is kept as `Other`.
            pub fn from_name(name: &str) -> Self {
                match name {
                    $($name => $ty::$variant,)*
                    other => $ty::Other(other.to_string()),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(ClusterStatus {
    Provisioning => "PROVISIONING",
    Running => "RUNNING",
    Reconciling => "RECONCILING",
    Stopping => "STOPPING",
    Error => "ERROR",
    Degraded => "DEGRADED",
    Unspecified => "STATUS_UNSPECIFIED",
});

named_enum!(NodePoolStatus {
    Provisioning => "PROVISIONING",
    Running => "RUNNING",
    RunningWithError => "RUNNING_WITH_ERROR",
    Reconciling => "RECONCILING",
    Stopping => "STOPPING",
    Error => "ERROR",
    Unspecified => "STATUS_UNSPECIFIED",
});

named_enum!(OperationStatus {
    Pending => "PENDING",
    Running => "RUNNING",
    Done => "DONE",
    Aborting => "ABORTING",
    Unspecified => "STATUS_UNSPECIFIED",
});

named_enum!(OperationKind {
    CreateCluster => "CREATE_CLUSTER",
    DeleteCluster => "DELETE_CLUSTER",
    CreateNodePool => "CREATE_NODE_POOL",
    DeleteNodePool => "DELETE_NODE_POOL",
    // GKE has no operation type of its own for setAutoscaling: it reports
    // an UPDATE_CLUSTER whose target is the pool (gcloud's autoscaling
    // updates send a cluster update outright).
    UpdateCluster => "UPDATE_CLUSTER",
});

impl ReleaseChannel {
    /// The API's name (`UNSPECIFIED` is "no channel").
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseChannel::None => "UNSPECIFIED",
            ReleaseChannel::Rapid => "RAPID",
            ReleaseChannel::Regular => "REGULAR",
            ReleaseChannel::Stable => "STABLE",
            ReleaseChannel::Extended => "EXTENDED",
        }
    }

    /// From the API's name or a user's lowercase word (`stable`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_uppercase().as_str() {
            "UNSPECIFIED" | "NONE" | "" => ReleaseChannel::None,
            "RAPID" => ReleaseChannel::Rapid,
            "REGULAR" => ReleaseChannel::Regular,
            "STABLE" => ReleaseChannel::Stable,
            "EXTENDED" => ReleaseChannel::Extended,
            _ => return None,
        })
    }

    /// Every channel, in the order a form offers them.
    pub const ALL: [ReleaseChannel; 5] = [
        ReleaseChannel::Regular,
        ReleaseChannel::Rapid,
        ReleaseChannel::Stable,
        ReleaseChannel::Extended,
        ReleaseChannel::None,
    ];
}

impl fmt::Display for ReleaseChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One node pool, as the cluster pane lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePoolRow {
    pub name: String,
    pub machine_type: String,
    /// The pool's initial node count (per zone), which is what GKE reports;
    /// the live count comes from the Kubernetes nodes.
    pub node_count: i32,
    /// (min, max) when autoscaling is enabled.
    pub autoscaling: Option<(i32, i32)>,
    pub status: NodePoolStatus,
    /// Why the pool is not RUNNING, in GKE's words (empty when it is).
    pub status_message: String,
    pub version: String,
    /// The Kubernetes labels its nodes get (`config.labels`).
    pub labels: BTreeMap<String, String>,
    /// Its nodes' taints as `key=value:Effect` (kubectl's form).
    pub taints: Vec<String>,
}

impl NodePoolRow {
    /// Whether this is the z2jh user pool: labelled for user pods.
    pub fn is_user_pool(&self) -> bool {
        self.labels.get(USER_POOL_LABEL.0).map(String::as_str) == Some(USER_POOL_LABEL.1)
    }
}

/// One GKE cluster, as the cluster pane shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GkeCluster {
    pub name: String,
    pub location: String,
    pub status: ClusterStatus,
    pub status_message: String,
    /// The API server's address, host[:port] without scheme (GKE's form);
    /// empty until the control plane is up.
    pub endpoint: String,
    /// The cluster CA, decoded from `masterAuth.clusterCaCertificate`.
    pub ca_certificate_pem: Option<String>,
    /// `masterAuth.clientCertificate` / `clientKey` (PEM), when the cluster
    /// has legacy client-certificate auth (the emulator's clusters do).
    pub client_certificate_pem: Option<String>,
    pub client_key_pem: Option<String>,
    pub master_version: String,
    /// The nodes GKE counts in the cluster now (`currentNodeCount`, every
    /// zone's; what gcloud's NUM_NODES column shows).
    pub node_count: i32,
    pub node_pools: Vec<NodePoolRow>,
    pub created: Option<DateTime<Utc>>,
    pub release_channel: Option<ReleaseChannel>,
}

impl GkeCluster {
    /// The API server URL a kube client connects to (GKE serves HTTPS).
    pub fn server_url(&self) -> Option<String> {
        if self.endpoint.is_empty() {
            None
        } else if self.endpoint.contains("://") {
            Some(self.endpoint.clone())
        } else {
            Some(format!("https://{}", self.endpoint))
        }
    }

    /// Whether the cockpit can connect: RUNNING with an endpoint and a CA.
    pub fn is_connectable(&self) -> bool {
        self.status == ClusterStatus::Running
            && !self.endpoint.is_empty()
            && self.ca_certificate_pem.is_some()
    }
}

/// An operation's failure (`Operation.error`, a google.rpc.Status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationError {
    /// The canonical code name, e.g. `RESOURCE_EXHAUSTED`.
    pub code: String,
    pub message: String,
}

/// A GKE operation (cluster create or delete), polled until DONE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterOperation {
    /// The short name GKE gives (`operation-...`), the id to poll with.
    pub name: String,
    pub kind: OperationKind,
    pub status: OperationStatus,
    pub detail: String,
    pub status_message: String,
    /// Set when the operation finished with an error.
    pub error: Option<OperationError>,
    /// (nodes done, nodes total) from the progress metrics.
    pub progress: Option<(i64, i64)>,
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    /// The resource the operation acts on (`targetLink`).
    pub target: String,
    pub location: String,
}

impl ClusterOperation {
    pub fn is_done(&self) -> bool {
        self.status == OperationStatus::Done
    }

    /// The failure as a [`GkeError`](super::GkeError), for the same message
    /// and next step as a failed request.
    pub fn failure(&self, project: &str) -> Option<super::GkeError> {
        let e = self.error.as_ref()?;
        Some(super::error::map_api_error(
            None, &e.code, &e.message, None, project,
        ))
    }

    /// The cluster name from the target link (`.../clusters/NAME`).
    pub fn cluster_name(&self) -> Option<&str> {
        let (_, rest) = self.target.rsplit_once("/clusters/")?;
        Some(rest.split('/').next().unwrap_or(rest))
    }
}

/// The user node pool of the z2jh guide: scaled from zero, labelled and
/// tainted so that only user pods land there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPoolSpec {
    pub name: String,
    pub machine_type: String,
    pub min_nodes: i32,
    pub max_nodes: i32,
}

impl Default for UserPoolSpec {
    fn default() -> Self {
        UserPoolSpec {
            name: "user-pool".into(),
            machine_type: "n1-highmem-2".into(),
            min_nodes: 0,
            max_nodes: 3,
        }
    }
}

impl UserPoolSpec {
    /// Checks what GKE would refuse: the name rule and the range.
    pub fn validate(&self) -> Result<(), String> {
        if self.name == "default-pool" {
            return Err("the user pool cannot be called default-pool".into());
        }
        super::names::validate_cluster_name(&self.name)
            .map_err(|e| e.replace("cluster name", "node pool name"))?;
        if self.machine_type.trim().is_empty() {
            return Err("the user pool's machine type is empty".into());
        }
        validate_autoscaling(self.min_nodes, self.max_nodes)
            .map_err(|e| format!("the user pool's {e}"))
    }

    /// The pool as the API takes it: labelled and tainted as z2jh's
    /// `scheduling.userPods` expects, autoscaled from `min_nodes`.
    pub fn to_api(&self) -> model::NodePool {
        let labels: BTreeMap<String, String> =
            [(USER_POOL_LABEL.0.to_string(), USER_POOL_LABEL.1.to_string())].into();
        let taint = model::NodeTaint::new()
            .set_key(USER_POOL_TAINT.0)
            .set_value(USER_POOL_TAINT.1)
            .set_effect(model::node_taint::Effect::NoSchedule);
        model::NodePool::new()
            .set_name(self.name.clone())
            .set_initial_node_count(self.min_nodes)
            .set_config(
                model::NodeConfig::new()
                    .set_machine_type(self.machine_type.clone())
                    .set_labels(labels)
                    .set_taints([taint]),
            )
            .set_autoscaling(
                model::NodePoolAutoscaling::new()
                    .set_enabled(true)
                    .set_min_node_count(self.min_nodes)
                    .set_max_node_count(self.max_nodes),
            )
    }
}

/// An autoscaling range GKE accepts: 0 <= min <= max, max >= 1.
pub fn validate_autoscaling(min: i32, max: i32) -> Result<(), String> {
    if min < 0 || max < 1 || min > max {
        return Err(format!(
            "autoscaling range {min}..{max} is invalid (need 0 <= min <= max, max >= 1)"
        ));
    }
    Ok(())
}

/// The label z2jh's scheduling looks for on user nodes.
pub const USER_POOL_LABEL: (&str, &str) = ("hub.jupyter.org/node-purpose", "user");
/// The taint z2jh's user pods tolerate (effect NoSchedule).
pub const USER_POOL_TAINT: (&str, &str) = ("hub.jupyter.org_dedicated", "user");

/// What the create form asks; defaults are the z2jh tutorial's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSpec {
    pub name: String,
    /// A zone (zonal cluster, the tutorial's) or a region.
    pub location: String,
    pub machine_type: String,
    pub node_count: i32,
    pub user_pool: Option<UserPoolSpec>,
    pub release_channel: ReleaseChannel,
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            name: "notebook-test".into(),
            location: "us-central1-b".into(),
            machine_type: "n1-highmem-2".into(),
            node_count: 3,
            user_pool: None,
            release_channel: ReleaseChannel::Regular,
        }
    }
}

impl ClusterSpec {
    /// Checks what can be checked before a request: the name rule and the
    /// node counts GKE would refuse.
    pub fn validate(&self) -> Result<(), String> {
        super::names::validate_cluster_name(&self.name)?;
        if self.location.trim().is_empty() {
            return Err("the location (zone or region) is empty".into());
        }
        if self.machine_type.trim().is_empty() {
            return Err("the machine type is empty".into());
        }
        if self.node_count < 1 {
            return Err(format!(
                "the default pool needs at least 1 node (got {})",
                self.node_count
            ));
        }
        if let Some(pool) = &self.user_pool {
            pool.validate()?;
        }
        Ok(())
    }

    /// The API object for `projects.locations.clusters.create`: node pools
    /// only (GKE refuses initialNodeCount together with nodePools).
    pub fn to_api(&self) -> model::Cluster {
        let default_pool = model::NodePool::new()
            .set_name("default-pool")
            .set_initial_node_count(self.node_count)
            .set_config(model::NodeConfig::new().set_machine_type(self.machine_type.clone()));
        let mut pools = vec![default_pool];
        pools.extend(self.user_pool.as_ref().map(UserPoolSpec::to_api));
        let channel = match self.release_channel {
            ReleaseChannel::None => model::release_channel::Channel::Unspecified,
            ReleaseChannel::Rapid => model::release_channel::Channel::Rapid,
            ReleaseChannel::Regular => model::release_channel::Channel::Regular,
            ReleaseChannel::Stable => model::release_channel::Channel::Stable,
            ReleaseChannel::Extended => model::release_channel::Channel::Extended,
        };
        model::Cluster::new()
            .set_name(self.name.clone())
            .set_node_pools(pools)
            .set_release_channel(model::ReleaseChannel::new().set_channel(channel))
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn enum_name(name: Option<&str>) -> &str {
    name.unwrap_or("STATUS_UNSPECIFIED")
}

// `zone` and `statusMessage` are deprecated in the API but GKE still fills
// them, and `statusMessage` is the only plain-text reason for an ERROR.
#[allow(deprecated)]
impl From<&model::Cluster> for GkeCluster {
    fn from(c: &model::Cluster) -> Self {
        let ca_certificate_pem = c
            .master_auth
            .as_ref()
            .map(|a| a.cluster_ca_certificate.trim())
            .filter(|b64| !b64.is_empty())
            .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok());
        let decode_pem = |b64: &str| {
            let b64 = b64.trim();
            (!b64.is_empty())
                .then(|| base64::engine::general_purpose::STANDARD.decode(b64).ok())
                .flatten()
                .and_then(|bytes| String::from_utf8(bytes).ok())
        };
        let client_certificate_pem = c
            .master_auth
            .as_ref()
            .and_then(|a| decode_pem(&a.client_certificate));
        let client_key_pem = c
            .master_auth
            .as_ref()
            .and_then(|a| decode_pem(&a.client_key));
        let release_channel = c.release_channel.as_ref().and_then(|r| match r.channel {
            model::release_channel::Channel::Unspecified => Some(ReleaseChannel::None),
            ref other => other.name().and_then(ReleaseChannel::from_name),
        });
        GkeCluster {
            name: c.name.clone(),
            location: if c.location.is_empty() {
                c.zone.clone()
            } else {
                c.location.clone()
            },
            status: ClusterStatus::from_name(enum_name(c.status.name())),
            status_message: c.status_message.clone(),
            endpoint: c.endpoint.clone(),
            ca_certificate_pem,
            client_certificate_pem,
            client_key_pem,
            master_version: c.current_master_version.clone(),
            node_count: c.current_node_count,
            node_pools: c.node_pools.iter().map(NodePoolRow::from).collect(),
            created: parse_time(&c.create_time),
            release_channel,
        }
    }
}

#[allow(deprecated)] // `statusMessage`: GKE still fills it, and gcloud prints it.
impl From<&model::NodePool> for NodePoolRow {
    fn from(p: &model::NodePool) -> Self {
        let autoscaling = p
            .autoscaling
            .as_ref()
            .filter(|a| a.enabled)
            .map(|a| (a.min_node_count, a.max_node_count));
        NodePoolRow {
            name: p.name.clone(),
            machine_type: p
                .config
                .as_ref()
                .map(|c| c.machine_type.clone())
                .unwrap_or_default(),
            node_count: p.initial_node_count,
            autoscaling,
            status: NodePoolStatus::from_name(enum_name(p.status.name())),
            status_message: p.status_message.clone(),
            version: p.version.clone(),
            labels: p
                .config
                .as_ref()
                .map(|c| {
                    c.labels
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            taints: p
                .config
                .as_ref()
                .map(|c| c.taints.iter().map(taint_text).collect())
                .unwrap_or_default(),
        }
    }
}

/// `key=value:NoSchedule`, as kubectl and gcloud's `--node-taints` write it.
fn taint_text(t: &model::NodeTaint) -> String {
    use model::node_taint::Effect;
    let effect = match &t.effect {
        Effect::NoSchedule => "NoSchedule",
        Effect::PreferNoSchedule => "PreferNoSchedule",
        Effect::NoExecute => "NoExecute",
        other => other.name().unwrap_or("EFFECT_UNSPECIFIED"),
    };
    if t.value.is_empty() {
        format!("{}:{effect}", t.key)
    } else {
        format!("{}={}:{effect}", t.key, t.value)
    }
}

/// Finds (done, total) in the progress metrics, the operation's own or its
/// stages' (GKE reports node progress in a stage on some operations).
fn node_progress(progress: &model::OperationProgress) -> Option<(i64, i64)> {
    use model::operation_progress::metric::Value;
    let metric = |names: &[&str]| {
        progress.metrics.iter().find_map(|m| {
            if !names.contains(&m.name.as_str()) {
                return None;
            }
            match m.value.as_ref()? {
                Value::IntValue(v) => Some(*v),
                Value::DoubleValue(v) => Some(*v as i64),
                Value::StringValue(s) => s.parse().ok(),
                _ => None,
            }
        })
    };
    let total = metric(&["NODES_TOTAL"]);
    let done = metric(&["NODES_DONE", "NODES_COMPLETE"]);
    match (done, total) {
        (Some(d), Some(t)) => Some((d, t)),
        _ => progress.stages.iter().find_map(node_progress),
    }
}

#[allow(deprecated)] // `zone` and `statusMessage`: see the cluster's.
impl From<&model::Operation> for ClusterOperation {
    fn from(op: &model::Operation) -> Self {
        let error = op.error.as_ref().filter(|e| e.code != 0).map(|e| {
            let code = google_cloud_gax::error::rpc::Code::from(e.code)
                .name()
                .to_string();
            OperationError {
                code,
                message: e.message.clone(),
            }
        });
        ClusterOperation {
            name: op.name.clone(),
            kind: OperationKind::from_name(op.operation_type.name().unwrap_or("TYPE_UNSPECIFIED")),
            status: OperationStatus::from_name(enum_name(op.status.name())),
            detail: op.detail.clone(),
            status_message: op.status_message.clone(),
            error,
            progress: op.progress.as_ref().and_then(node_progress),
            started: parse_time(&op.start_time),
            ended: parse_time(&op.end_time),
            target: op.target_link.clone(),
            location: if op.location.is_empty() {
                op.zone.clone()
            } else {
                op.location.clone()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cluster as GKE's JSON has it (names for enums, int64 as strings),
    /// parsed by the client library's own deserializer.
    fn api_cluster() -> model::Cluster {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let json = serde_json::json!({
            "name": "notebook-test",
            "location": "us-central1-b",
            "status": "RUNNING",
            "endpoint": "127.0.0.1:26443",
            "masterAuth": {"clusterCaCertificate": base64::engine::general_purpose::STANDARD.encode(pem)},
            "currentMasterVersion": "1.36.3-gke.100",
            "createTime": "2026-05-01T10:00:00+00:00",
            "releaseChannel": {"channel": "STABLE"},
            "nodePools": [
                {"name": "default-pool", "config": {"machineType": "n1-highmem-2"},
                 "initialNodeCount": 3, "status": "RUNNING", "version": "1.36.3-gke.100"},
                {"name": "user-pool", "config": {"machineType": "n1-highmem-2"},
                 "initialNodeCount": 0, "status": 3,
                 "autoscaling": {"enabled": true, "minNodeCount": 0, "maxNodeCount": 5}}
            ]
        });
        serde_json::from_value(json).expect("the client parses GKE's JSON")
    }

    #[test]
    fn a_cluster_becomes_a_row_with_decoded_ca_and_pools() {
        let c = GkeCluster::from(&api_cluster());
        assert_eq!(c.name, "notebook-test");
        assert_eq!(c.status, ClusterStatus::Running);
        assert_eq!(c.server_url().as_deref(), Some("https://127.0.0.1:26443"));
        assert!(
            c.ca_certificate_pem
                .as_deref()
                .unwrap()
                .starts_with("-----BEGIN CERT")
        );
        assert_eq!(c.master_version, "1.36.3-gke.100");
        assert_eq!(c.release_channel, Some(ReleaseChannel::Stable));
        assert_eq!(c.created.unwrap().to_rfc3339(), "2026-05-01T10:00:00+00:00");
        assert!(c.is_connectable());
        assert_eq!(c.node_pools[0].autoscaling, None);
        assert_eq!(c.node_pools[0].node_count, 3);
        assert_eq!(c.node_pools[1].autoscaling, Some((0, 5)));
        // Enums given as numbers are read too (3 = RUNNING_WITH_ERROR).
        assert_eq!(c.node_pools[1].status, NodePoolStatus::RunningWithError);
    }

    #[test]
    fn a_provisioning_cluster_without_endpoint_is_not_connectable() {
        let mut api = api_cluster();
        api.status = model::cluster::Status::Provisioning;
        api.endpoint.clear();
        let c = GkeCluster::from(&api);
        assert!(!c.is_connectable());
        assert_eq!(c.server_url(), None);
        // A CA that is not base64 is dropped, not passed on garbled.
        api.master_auth = Some(model::MasterAuth::new().set_cluster_ca_certificate("%%%"));
        assert_eq!(GkeCluster::from(&api).ca_certificate_pem, None);
    }

    #[test]
    fn an_operation_reads_progress_from_metrics_or_stages_and_its_error() {
        let json = serde_json::json!({
            "name": "operation-7",
            "operationType": "CREATE_CLUSTER",
            "status": "DONE",
            "targetLink": "http://127.0.0.1:1/v1/projects/demo/locations/us-central1-b/clusters/notebook-test",
            "startTime": "2026-05-01T10:00:00Z",
            "endTime": "2026-05-01T10:05:00Z",
            "progress": {"stages": [{"metrics": [
                {"name": "NODES_TOTAL", "intValue": "3"},
                {"name": "NODES_DONE", "intValue": 2}
            ]}]},
            "error": {"code": 8, "message": "Insufficient regional quota to satisfy request: resource \"CPUS\""}
        });
        let api: model::Operation = serde_json::from_value(json).unwrap();
        let op = ClusterOperation::from(&api);
        assert_eq!(op.kind, OperationKind::CreateCluster);
        assert!(op.is_done());
        assert_eq!(op.progress, Some((2, 3)));
        assert_eq!(op.cluster_name(), Some("notebook-test"));
        let err = op.error.clone().unwrap();
        assert_eq!(err.code, "RESOURCE_EXHAUSTED");
        let failure = op.failure("demo").unwrap();
        assert_eq!(failure.kind, super::super::GkeErrorKind::QuotaExceeded);
        assert!(op.ended > op.started);
    }

    #[test]
    #[allow(deprecated)] // reads initial_node_count to prove it stays unset
    fn the_spec_defaults_are_the_tutorials_and_become_node_pools() {
        let mut spec = ClusterSpec::default();
        assert_eq!(
            (
                spec.name.as_str(),
                spec.location.as_str(),
                spec.machine_type.as_str()
            ),
            ("notebook-test", "us-central1-b", "n1-highmem-2")
        );
        assert_eq!(spec.node_count, 3);
        spec.user_pool = Some(UserPoolSpec::default());
        spec.validate().unwrap();
        let api = spec.to_api();
        assert_eq!(api.initial_node_count, 0, "GKE refuses it with nodePools");
        let user = &api.node_pools[1];
        let config = user.config.as_ref().unwrap();
        assert_eq!(config.labels["hub.jupyter.org/node-purpose"], "user");
        assert_eq!(config.taints[0].key, "hub.jupyter.org_dedicated");
        assert_eq!(
            config.taints[0].effect,
            model::node_taint::Effect::NoSchedule
        );
        let auto = user.autoscaling.as_ref().unwrap();
        assert!(auto.enabled && auto.min_node_count == 0 && auto.max_node_count == 3);
    }

    #[test]
    fn the_spec_refuses_what_gke_would() {
        let bad = [
            ClusterSpec {
                name: "Bad".into(),
                ..Default::default()
            },
            ClusterSpec {
                node_count: 0,
                ..Default::default()
            },
            ClusterSpec {
                user_pool: Some(UserPoolSpec {
                    min_nodes: 4,
                    max_nodes: 2,
                    ..Default::default()
                }),
                ..Default::default()
            },
        ];
        for spec in bad {
            assert!(spec.validate().is_err(), "{spec:?}");
        }
    }

    #[test]
    fn release_channel_names_round_trip() {
        for c in ReleaseChannel::ALL {
            assert_eq!(ReleaseChannel::from_name(c.as_str()), Some(c));
        }
        assert_eq!(
            ReleaseChannel::from_name("stable"),
            Some(ReleaseChannel::Stable)
        );
        assert_eq!(ReleaseChannel::from_name("weekly"), None);
    }
}
