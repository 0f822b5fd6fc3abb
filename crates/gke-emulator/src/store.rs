//! The emulator's clusters, their node pools, and operations. A cluster
//! runs one operation at a time (its create, delete, or a node-pool
//! change, during which it is RECONCILING), and an operation's effect is
//! applied when it ends. Time is computed, not driven: an operation's
//! status and progress follow from its start time and duration whenever it
//! is read, so there is no background task, and a clock offset
//! (`/emulator/clock`) lets tests jump ahead deterministically.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use google_cloud_container_v1::model;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::faults::rpc_code;

/// GKE's rule for cluster and node-pool names, the regex its error states:
/// `(?:[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?)`. Written here from GKE's rule
/// rather than shared with the cockpit's own check (`jhub_cockpit::gke::
/// names`), so that a mistake in the cockpit's check shows in the tests
/// against the emulator instead of being mirrored by it.
fn is_gke_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[b.len() - 1] != b'-'
}

/// An operation is PENDING for this share of its time.
const PENDING_SHARE: f64 = 0.1;
/// The control plane is up (endpoint and CA reported) from this share on;
/// nodes come up in the remaining time.
const MASTER_SHARE: f64 = 0.5;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredTaint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredPool {
    pub name: String,
    pub machine_type: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<StoredTaint>,
    /// Per zone, as GKE counts it (a regional pool has this many nodes in
    /// each of its zones).
    pub initial_node_count: i32,
    /// (min, max) per zone when autoscaling is enabled.
    pub autoscaling: Option<(i32, i32)>,
    /// The new fields have defaults so that a `--state-file` written before
    /// node pools had operations still loads.
    #[serde(default)]
    pub phase: PoolPhase,
    /// Nodes per zone now: `initialNodeCount` until the autoscaling bounds
    /// move it (None: `initialNodeCount`). GKE reports no per-pool count;
    /// this feeds the cluster's `currentNodeCount`.
    #[serde(default)]
    pub current_nodes: Option<i32>,
    /// The pool's zones (empty: the cluster's node locations).
    #[serde(default)]
    pub locations: Vec<String>,
    /// The pool's Kubernetes version (None: the cluster's).
    #[serde(default)]
    pub version: Option<String>,
}

impl StoredPool {
    fn nodes_per_zone(&self) -> i32 {
        self.current_nodes.unwrap_or(self.initial_node_count)
    }
}

/// A node pool's own state; the cluster's create or delete overrides it
/// (every pool is PROVISIONING while the cluster is).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum PoolPhase {
    /// Being created by the named operation.
    Provisioning(String),
    #[default]
    Running,
    /// Being deleted by the named operation.
    Stopping(String),
    /// Its last operation failed with this message.
    Error(String),
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub enum ClusterPhase {
    /// Being created by the named operation.
    Creating(String),
    Running,
    /// Being deleted by the named operation.
    Deleting(String),
    /// The create failed with this message.
    Error(String),
    /// A node-pool operation (the named one) runs: GKE reports the cluster
    /// RECONCILING meanwhile and refuses other operations on it.
    Reconciling(String),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCluster {
    pub project: String,
    pub location: String,
    pub name: String,
    pub id: String,
    pub created: DateTime<Utc>,
    pub master_version: String,
    pub release_channel: Option<String>,
    pub pools: Vec<StoredPool>,
    pub phase: ClusterPhase,
}

/// A GCP region name (`us-central1`, `europe-west4`): a regional cluster's
/// pools have nodes in several zones. Anything else (a zone such as
/// `us-central1-b`, or a test's made-up location) is one location.
fn is_region(location: &str) -> bool {
    let Some((area, rest)) = location.split_once('-') else {
        return false;
    };
    let digits = rest.trim_start_matches(|c: char| c.is_ascii_lowercase());
    !area.is_empty()
        && area.bytes().all(|c| c.is_ascii_lowercase())
        && digits.len() < rest.len()
        && !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit())
}

impl StoredCluster {
    /// The zones the cluster's nodes run in by default: its zone, or for a
    /// regional cluster three zones of the region, as GKE picks.
    fn node_locations(&self) -> Vec<String> {
        if is_region(&self.location) {
            ["a", "b", "c"]
                .iter()
                .map(|z| format!("{}-{z}", self.location))
                .collect()
        } else {
            vec![self.location.clone()]
        }
    }

    fn pool_locations(&self, p: &StoredPool) -> Vec<String> {
        if p.locations.is_empty() {
            self.node_locations()
        } else {
            p.locations.clone()
        }
    }

    /// A pool's nodes in all its zones.
    fn pool_nodes(&self, p: &StoredPool) -> i64 {
        p.nodes_per_zone() as i64 * self.pool_locations(p).len() as i64
    }

    fn nodes(&self) -> i64 {
        self.pools.iter().map(|p| self.pool_nodes(p)).sum()
    }

    fn pool_index(&self, name: &str) -> Option<usize> {
        self.pools.iter().position(|p| p.name == name)
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OpKind {
    CreateCluster,
    DeleteCluster,
    CreateNodePool,
    DeleteNodePool,
    /// `nodePools/NP:setAutoscaling`. GKE's Operation.Type has no
    /// autoscaling type: these report `UPDATE_CLUSTER`, targeting the pool.
    SetNodePoolAutoscaling,
    /// `PUT clusters/C` with `update.desiredNodePoolAutoscaling` (what
    /// gcloud sends for both `clusters update --node-pool` and `node-pools
    /// update`): `UPDATE_CLUSTER`, targeting the cluster.
    UpdateCluster,
}

impl OpKind {
    /// GKE's `operationType`.
    fn type_name(self) -> &'static str {
        match self {
            OpKind::CreateCluster => "CREATE_CLUSTER",
            OpKind::DeleteCluster => "DELETE_CLUSTER",
            OpKind::CreateNodePool => "CREATE_NODE_POOL",
            OpKind::DeleteNodePool => "DELETE_NODE_POOL",
            OpKind::SetNodePoolAutoscaling | OpKind::UpdateCluster => "UPDATE_CLUSTER",
        }
    }
}

/// How an operation is to fail, fixed when it starts (a `failOperation`
/// fault).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OpFailure {
    pub status_name: String,
    pub message: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredOperation {
    pub project: String,
    pub location: String,
    pub name: String,
    pub kind: OpKind,
    pub cluster: String,
    pub started: DateTime<Utc>,
    pub duration_ms: i64,
    pub nodes_total: i64,
    pub failure: Option<OpFailure>,
    /// Set once its effect is applied (cluster RUNNING/ERROR or removed).
    pub finished: bool,
    /// The node pool a pool operation works on.
    #[serde(default)]
    pub node_pool: Option<String>,
    /// What an autoscaling change sets when it completes: (min, max), or
    /// None to turn autoscaling off.
    #[serde(default)]
    pub autoscaling: Option<Option<(i32, i32)>>,
}

/// Where an operation is at a given time.
#[derive(Clone, Copy, Debug, PartialEq)]
enum OpStage {
    Pending,
    /// Running, with the share of the time used (0..1).
    Running(f64),
    Done,
}

impl StoredOperation {
    fn end(&self) -> DateTime<Utc> {
        self.started + Duration::milliseconds(self.duration_ms)
    }

    fn stage(&self, now: DateTime<Utc>) -> OpStage {
        if self.finished || now >= self.end() {
            return OpStage::Done;
        }
        let share = (now - self.started).num_milliseconds() as f64 / self.duration_ms.max(1) as f64;
        if share < PENDING_SHARE {
            OpStage::Pending
        } else {
            OpStage::Running(share.clamp(0.0, 1.0))
        }
    }

    fn nodes_done(&self, now: DateTime<Utc>) -> i64 {
        match self.stage(now) {
            OpStage::Pending => 0,
            OpStage::Done if self.failure.is_some() => 0,
            OpStage::Done => self.nodes_total,
            OpStage::Running(share) if share < MASTER_SHARE => 0,
            OpStage::Running(share) => {
                let node_share = (share - MASTER_SHARE) / (1.0 - MASTER_SHARE);
                ((self.nodes_total as f64 * node_share).floor() as i64).min(self.nodes_total)
            }
        }
    }
}

/// A request GKE refuses: HTTP status, status name, message.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub http: u16,
    pub status: &'static str,
    pub message: String,
}

fn refuse(http: u16, status: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        http,
        status,
        message: message.into(),
    }
}

/// What the emulator keeps (and writes to `--state-file`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Store {
    pub next_operation: u64,
    pub clusters: Vec<StoredCluster>,
    pub operations: Vec<StoredOperation>,
    /// Added to the wall clock (`/emulator/clock`).
    pub clock_offset_ms: i64,
}

/// What created clusters report, from the command line.
#[derive(Clone, Debug)]
pub struct ClusterDefaults {
    pub op_duration_ms: i64,
    /// host[:port], as GKE reports endpoints.
    pub endpoint: String,
    pub ca_pem: Option<String>,
    /// (certificate, key) PEMs reported as masterAuth's client credentials.
    pub client_cert: Option<(String, String)>,
    pub master_version: String,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn is_location_match(want: &str, have: &str) -> bool {
    want == "-" || want == have
}

impl Store {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.clock_offset_ms)
    }

    /// Applies the effect of every operation whose time is up. Returns
    /// whether anything changed (to persist).
    pub fn settle(&mut self, now: DateTime<Utc>) -> bool {
        let mut changed = false;
        let due: Vec<usize> = (0..self.operations.len())
            .filter(|&i| !self.operations[i].finished && now >= self.operations[i].end())
            .collect();
        for i in due {
            let op = self.operations[i].clone();
            self.operations[i].finished = true;
            changed = true;
            let Some(pos) = self.cluster_index(&op.project, &op.location, &op.cluster) else {
                continue;
            };
            let cluster = &mut self.clusters[pos];
            let failed = op.failure.as_ref().map(|f| f.message.clone());
            match op.kind {
                OpKind::CreateCluster => {
                    cluster.phase = match failed {
                        None => ClusterPhase::Running,
                        Some(m) => ClusterPhase::Error(m),
                    }
                }
                // Only the emulator's record goes: the rig behind the
                // endpoint is not touched.
                OpKind::DeleteCluster => match failed {
                    None => {
                        self.clusters.remove(pos);
                    }
                    Some(m) => cluster.phase = ClusterPhase::Error(m),
                },
                // A failed pool operation leaves the pool in ERROR and the
                // cluster RUNNING, as GKE does.
                OpKind::CreateNodePool
                | OpKind::DeleteNodePool
                | OpKind::SetNodePoolAutoscaling
                | OpKind::UpdateCluster => {
                    if cluster.phase == ClusterPhase::Reconciling(op.name.clone()) {
                        cluster.phase = ClusterPhase::Running;
                    }
                    let Some(p) = op.node_pool.as_deref().and_then(|n| cluster.pool_index(n))
                    else {
                        continue;
                    };
                    match (op.kind, failed) {
                        (_, Some(m)) => cluster.pools[p].phase = PoolPhase::Error(m),
                        (OpKind::DeleteNodePool, None) => {
                            cluster.pools.remove(p);
                        }
                        (OpKind::CreateNodePool, None) => {
                            cluster.pools[p].phase = PoolPhase::Running
                        }
                        (_, None) => {
                            let pool = &mut cluster.pools[p];
                            pool.phase = PoolPhase::Running;
                            if let Some(autoscaling) = op.autoscaling {
                                pool.autoscaling = autoscaling;
                                // The autoscaler keeps the pool within its
                                // new bounds.
                                if let Some((min, max)) = autoscaling {
                                    pool.current_nodes =
                                        Some(pool.nodes_per_zone().clamp(min, max));
                                }
                            }
                        }
                    }
                }
            }
        }
        changed
    }

    fn cluster_index(&self, project: &str, location: &str, name: &str) -> Option<usize> {
        self.clusters
            .iter()
            .position(|c| c.project == project && c.location == location && c.name == name)
    }

    fn not_found(project: &str, location: &str, name: &str) -> Refusal {
        refuse(
            404,
            "NOT_FOUND",
            format!("Not found: projects/{project}/locations/{location}/clusters/{name}."),
        )
    }

    pub fn get_cluster(
        &self,
        project: &str,
        location: &str,
        name: &str,
    ) -> Result<&StoredCluster, Refusal> {
        self.cluster_index(project, location, name)
            .map(|i| &self.clusters[i])
            .ok_or_else(|| Self::not_found(project, location, name))
    }

    pub fn list_clusters<'a>(
        &'a self,
        project: &'a str,
        location: &'a str,
    ) -> impl Iterator<Item = &'a StoredCluster> + 'a {
        self.clusters
            .iter()
            .filter(move |c| c.project == project && is_location_match(location, &c.location))
    }

    pub fn list_operations<'a>(
        &'a self,
        project: &'a str,
        location: &'a str,
    ) -> impl Iterator<Item = &'a StoredOperation> + 'a {
        self.operations
            .iter()
            .filter(move |o| o.project == project && is_location_match(location, &o.location))
    }

    pub fn get_operation(
        &self,
        project: &str,
        location: &str,
        name: &str,
    ) -> Result<&StoredOperation, Refusal> {
        self.operations
            .iter()
            .find(|o| o.project == project && o.location == location && o.name == name)
            .ok_or_else(|| {
                refuse(
                    404,
                    "NOT_FOUND",
                    format!(
                        "Not found: projects/{project}/locations/{location}/operations/{name}."
                    ),
                )
            })
    }

    /// Records a new operation on `cluster` (project, location, name),
    /// started now.
    fn start_operation(
        &mut self,
        (project, location, cluster): (&str, &str, &str),
        kind: OpKind,
        nodes_total: i64,
        failure: Option<OpFailure>,
        duration_ms: i64,
    ) -> String {
        self.next_operation += 1;
        let name = format!("operation-{}", self.next_operation);
        let started = self.now();
        self.operations.push(StoredOperation {
            project: project.into(),
            location: location.into(),
            name: name.clone(),
            kind,
            cluster: cluster.into(),
            started,
            duration_ms: duration_ms.max(1),
            nodes_total,
            failure,
            finished: false,
            node_pool: None,
            autoscaling: None,
        });
        name
    }

    /// `clusters.create`: checks the request as GKE does, then records the
    /// cluster (PROVISIONING) and its operation.
    pub fn create_cluster(
        &mut self,
        project: &str,
        location: &str,
        request: &model::CreateClusterRequest,
        failure: Option<OpFailure>,
        defaults: &ClusterDefaults,
    ) -> Result<&StoredOperation, Refusal> {
        let now = self.now();
        let Some(cluster) = &request.cluster else {
            return Err(refuse(
                400,
                "INVALID_ARGUMENT",
                "Cluster must be specified.",
            ));
        };
        if !is_gke_name(&cluster.name) {
            return Err(refuse(
                400,
                "INVALID_ARGUMENT",
                format!(
                    "Invalid value for field \"cluster.name\": {:?}. Must be a match of regex \
                     '(?:[a-z](?:[-a-z0-9]{{0,38}}[a-z0-9])?)' (only alphanumerics and '-' \
                     allowed, must start with a letter and end with an alphanumeric, and must \
                     be no longer than 40 characters).",
                    cluster.name
                ),
            ));
        }
        let pools = pools_of(cluster)?;
        if self
            .cluster_index(project, location, &cluster.name)
            .is_some()
        {
            return Err(refuse(
                409,
                "ALREADY_EXISTS",
                format!(
                    "Already exists: projects/{project}/locations/{location}/clusters/{}.",
                    cluster.name
                ),
            ));
        }
        let release_channel = match &cluster.release_channel {
            None => Some("REGULAR".to_string()),
            Some(r) => match r.channel.name() {
                Some("UNSPECIFIED") | None => None,
                Some(n) => Some(n.to_string()),
            },
        };
        let version = cluster.initial_cluster_version.trim();
        let master_version = if version.is_empty() || version == "latest" || version == "-" {
            defaults.master_version.clone()
        } else {
            version.to_string()
        };
        let stored = StoredCluster {
            project: project.into(),
            location: location.into(),
            name: cluster.name.clone(),
            id: format!(
                "{:016x}{:016x}",
                rand::random::<u64>(),
                rand::random::<u64>()
            ),
            created: now,
            master_version,
            release_channel,
            pools,
            phase: ClusterPhase::Running, // replaced below once the op exists
        };
        let nodes = stored.nodes();
        self.clusters.push(stored);
        let op = self.start_operation(
            (project, location, &cluster.name),
            OpKind::CreateCluster,
            nodes,
            failure,
            defaults.op_duration_ms,
        );
        let last = self.clusters.len() - 1;
        self.clusters[last].phase = ClusterPhase::Creating(op);
        Ok(self.operations.last().expect("just pushed"))
    }

    /// GKE runs one operation at a time on a cluster: a new one is refused
    /// (400 FAILED_PRECONDITION) while the cluster's current one runs.
    fn refuse_if_busy(&self, pos: usize) -> Result<(), Refusal> {
        let c = &self.clusters[pos];
        let Some(op) = self.running_op(c) else {
            return Ok(());
        };
        let pool = op.node_pool.as_deref().unwrap_or("");
        let doing = match op.kind {
            OpKind::CreateCluster => format!("creating cluster {}", c.name),
            OpKind::DeleteCluster => format!("deleting cluster {}", c.name),
            OpKind::CreateNodePool => format!("creating node pool {pool}"),
            OpKind::DeleteNodePool => format!("deleting node pool {pool}"),
            OpKind::SetNodePoolAutoscaling | OpKind::UpdateCluster => {
                format!("updating cluster {}", c.name)
            }
        };
        Err(refuse(
            400,
            "FAILED_PRECONDITION",
            format!(
                "Operation {} is currently {doing}. Please wait and try again once it is done.",
                op.name
            ),
        ))
    }

    /// `clusters.delete`: refused while another operation runs on it.
    pub fn delete_cluster(
        &mut self,
        project: &str,
        location: &str,
        name: &str,
        failure: Option<OpFailure>,
        defaults: &ClusterDefaults,
    ) -> Result<&StoredOperation, Refusal> {
        let pos = self
            .cluster_index(project, location, name)
            .ok_or_else(|| Self::not_found(project, location, name))?;
        self.refuse_if_busy(pos)?;
        let nodes = self.clusters[pos].nodes();
        let op = self.start_operation(
            (project, location, name),
            OpKind::DeleteCluster,
            nodes,
            failure,
            defaults.op_duration_ms,
        );
        self.clusters[pos].phase = ClusterPhase::Deleting(op);
        Ok(self.operations.last().expect("just pushed"))
    }

    fn pool_not_found(project: &str, location: &str, cluster: &str, pool: &str) -> Refusal {
        refuse(
            404,
            "NOT_FOUND",
            format!(
                "Not found: projects/{project}/locations/{location}/clusters/{cluster}/nodePools/{pool}."
            ),
        )
    }

    /// The cluster and one of its pools.
    pub fn get_pool(
        &self,
        project: &str,
        location: &str,
        cluster: &str,
        pool: &str,
    ) -> Result<(&StoredCluster, &StoredPool), Refusal> {
        let c = self.get_cluster(project, location, cluster)?;
        c.pools
            .iter()
            .find(|p| p.name == pool)
            .map(|p| (c, p))
            .ok_or_else(|| Self::pool_not_found(project, location, cluster, pool))
    }

    /// Starts a pool operation on the cluster at `pos`, which is
    /// RECONCILING until it ends.
    fn start_pool_operation(
        &mut self,
        pos: usize,
        kind: OpKind,
        pool: &str,
        autoscaling: Option<Option<(i32, i32)>>,
        failure: Option<OpFailure>,
        defaults: &ClusterDefaults,
    ) -> String {
        let c = &self.clusters[pos];
        let (project, location, cluster) = (c.project.clone(), c.location.clone(), c.name.clone());
        let nodes = c.pool_index(pool).map_or(0, |i| c.pool_nodes(&c.pools[i]));
        let op = self.start_operation(
            (&project, &location, &cluster),
            kind,
            nodes,
            failure,
            defaults.op_duration_ms,
        );
        let last = self.operations.last_mut().expect("just pushed");
        last.node_pool = Some(pool.to_string());
        last.autoscaling = autoscaling;
        self.clusters[pos].phase = ClusterPhase::Reconciling(op.clone());
        op
    }

    /// `nodePools.create`: checks the pool as GKE does, then records it
    /// (PROVISIONING) and its operation.
    pub fn create_node_pool(
        &mut self,
        (project, location, cluster): (&str, &str, &str),
        request: &model::CreateNodePoolRequest,
        failure: Option<OpFailure>,
        defaults: &ClusterDefaults,
    ) -> Result<&StoredOperation, Refusal> {
        let Some(pool) = &request.node_pool else {
            return Err(refuse(
                400,
                "INVALID_ARGUMENT",
                "Node_pool must be specified.",
            ));
        };
        let mut stored = pool_of(pool, "node_pool", true)?;
        let pos = self
            .cluster_index(project, location, cluster)
            .ok_or_else(|| Self::not_found(project, location, cluster))?;
        if self.clusters[pos].pool_index(&pool.name).is_some() {
            return Err(refuse(
                409,
                "ALREADY_EXISTS",
                format!(
                    "Already exists: projects/{project}/locations/{location}/clusters/{cluster}/nodePools/{}.",
                    pool.name
                ),
            ));
        }
        self.refuse_if_busy(pos)?;
        stored.phase = PoolPhase::Running; // replaced below once the op exists
        self.clusters[pos].pools.push(stored);
        let op = self.start_pool_operation(
            pos,
            OpKind::CreateNodePool,
            &pool.name,
            None,
            failure,
            defaults,
        );
        let c = &mut self.clusters[pos];
        let last = c.pools.len() - 1;
        c.pools[last].phase = PoolPhase::Provisioning(op);
        Ok(self.operations.last().expect("just pushed"))
    }

    /// `nodePools.delete`: the pool is STOPPING, then gone.
    pub fn delete_node_pool(
        &mut self,
        (project, location, cluster): (&str, &str, &str),
        pool: &str,
        failure: Option<OpFailure>,
        defaults: &ClusterDefaults,
    ) -> Result<&StoredOperation, Refusal> {
        let pos = self
            .cluster_index(project, location, cluster)
            .ok_or_else(|| Self::not_found(project, location, cluster))?;
        let p = self.clusters[pos]
            .pool_index(pool)
            .ok_or_else(|| Self::pool_not_found(project, location, cluster, pool))?;
        self.refuse_if_busy(pos)?;
        let op =
            self.start_pool_operation(pos, OpKind::DeleteNodePool, pool, None, failure, defaults);
        self.clusters[pos].pools[p].phase = PoolPhase::Stopping(op);
        Ok(self.operations.last().expect("just pushed"))
    }

    /// `nodePools.setAutoscaling` (`kind` SetNodePoolAutoscaling) or a
    /// cluster update's `desiredNodePoolAutoscaling` (UpdateCluster): the
    /// new bounds apply when the operation completes.
    pub fn set_node_pool_autoscaling(
        &mut self,
        (project, location, cluster): (&str, &str, &str),
        pool: &str,
        autoscaling: Option<&model::NodePoolAutoscaling>,
        kind: OpKind,
        failure: Option<OpFailure>,
        defaults: &ClusterDefaults,
    ) -> Result<&StoredOperation, Refusal> {
        let pos = self
            .cluster_index(project, location, cluster)
            .ok_or_else(|| Self::not_found(project, location, cluster))?;
        self.clusters[pos]
            .pool_index(pool)
            .ok_or_else(|| Self::pool_not_found(project, location, cluster, pool))?;
        let bounds = autoscaling_of(autoscaling, pool)?;
        self.refuse_if_busy(pos)?;
        self.start_pool_operation(pos, kind, pool, Some(bounds), failure, defaults);
        Ok(self.operations.last().expect("just pushed"))
    }

    /// The admin route's cluster: RUNNING at once, with no operation, as if
    /// made elsewhere (not by the cockpit). Checked like a create.
    pub fn insert_cluster(
        &mut self,
        project: &str,
        location: &str,
        cluster: &model::Cluster,
        defaults: &ClusterDefaults,
    ) -> Result<StoredCluster, Refusal> {
        if project.is_empty() || location.is_empty() {
            return Err(refuse(
                400,
                "INVALID_ARGUMENT",
                "project and location must be given",
            ));
        }
        let request = model::CreateClusterRequest::new().set_cluster(cluster.clone());
        self.create_cluster(project, location, &request, None, defaults)?;
        // Undo the create's operation: this cluster was always there.
        self.operations.pop();
        self.next_operation -= 1;
        let created = self.now() - Duration::days(30);
        let c = self.clusters.last_mut().expect("just pushed");
        c.phase = ClusterPhase::Running;
        c.created = created;
        let version = cluster.current_master_version.trim();
        if !version.is_empty() {
            c.master_version = version.to_string();
        }
        Ok(c.clone())
    }

    /// The operation the cluster is busy with, if any.
    fn running_op(&self, c: &StoredCluster) -> Option<&StoredOperation> {
        let name = match &c.phase {
            ClusterPhase::Creating(op)
            | ClusterPhase::Deleting(op)
            | ClusterPhase::Reconciling(op) => op,
            _ => return None,
        };
        self.operations
            .iter()
            .find(|o| &o.name == name && o.project == c.project && o.location == c.location)
    }

    /// The cluster in the API's JSON (camelCase, enums by name).
    pub fn cluster_json(
        &self,
        c: &StoredCluster,
        defaults: &ClusterDefaults,
        base_url: &str,
    ) -> Value {
        let now = self.now();
        let op = self.running_op(c);
        let (status, status_message, master_up) = match &c.phase {
            ClusterPhase::Running => ("RUNNING", String::new(), true),
            ClusterPhase::Reconciling(_) => ("RECONCILING", String::new(), true),
            ClusterPhase::Error(m) => ("ERROR", m.clone(), true),
            ClusterPhase::Deleting(_) => ("STOPPING", String::new(), true),
            ClusterPhase::Creating(_) => {
                let up = op.is_some_and(|o| match o.stage(now) {
                    OpStage::Running(share) => share >= MASTER_SHARE,
                    OpStage::Done => true,
                    OpStage::Pending => false,
                });
                ("PROVISIONING", String::new(), up)
            }
        };
        let link = self.cluster_link(c, base_url);
        let pools: Vec<Value> = c
            .pools
            .iter()
            .map(|p| self.pool_json(c, p, base_url))
            .collect();
        let locations: Vec<String> = {
            let mut all: Vec<String> = c.pools.iter().flat_map(|p| c.pool_locations(p)).collect();
            all.sort();
            all.dedup();
            if all.is_empty() {
                c.node_locations()
            } else {
                all
            }
        };
        // The nodes that exist: none while the cluster is made or failed;
        // a pool being made counts its nodes as its operation brings them up.
        let current_nodes: i64 = match &c.phase {
            ClusterPhase::Creating(_) | ClusterPhase::Error(_) => 0,
            _ => c
                .pools
                .iter()
                .map(|p| match &p.phase {
                    PoolPhase::Provisioning(_) => op.map_or(0, |o| o.nodes_done(now)),
                    _ => c.pool_nodes(p),
                })
                .sum(),
        };
        let mut v = json!({
            "name": c.name,
            "id": c.id,
            "location": c.location,
            "zone": c.location,
            "locations": locations,
            "status": status,
            "currentMasterVersion": c.master_version,
            "currentNodeVersion": c.master_version,
            "initialClusterVersion": c.master_version,
            "currentNodeCount": current_nodes,
            "createTime": rfc3339(c.created),
            "nodePools": pools,
            "network": "default",
            "subnetwork": "default",
            "loggingService": "logging.googleapis.com/kubernetes",
            "monitoringService": "monitoring.googleapis.com/kubernetes",
            "selfLink": link,
        });
        if !status_message.is_empty() {
            v["statusMessage"] = json!(status_message);
        }
        if let Some(ch) = &c.release_channel {
            v["releaseChannel"] = json!({"channel": ch});
        } else {
            v["releaseChannel"] = json!({});
        }
        if master_up {
            v["endpoint"] = json!(defaults.endpoint);
            let ca = defaults
                .ca_pem
                .as_deref()
                .map(|pem| base64::engine::general_purpose::STANDARD.encode(pem))
                .unwrap_or_default();
            v["masterAuth"] = json!({"clusterCaCertificate": ca});
            if let Some((cert, key)) = &defaults.client_cert {
                let b64 = |pem: &str| base64::engine::general_purpose::STANDARD.encode(pem);
                v["masterAuth"]["clientCertificate"] = json!(b64(cert));
                v["masterAuth"]["clientKey"] = json!(b64(key));
            }
        } else {
            v["masterAuth"] = json!({});
        }
        v
    }

    fn cluster_link(&self, c: &StoredCluster, base_url: &str) -> String {
        format!(
            "{base_url}/v1/projects/{}/locations/{}/clusters/{}",
            c.project, c.location, c.name
        )
    }

    /// A node pool in the API's JSON. The cluster's create and delete
    /// override the pool's own status, as GKE reports them.
    pub fn pool_json(&self, c: &StoredCluster, p: &StoredPool, base_url: &str) -> Value {
        let (status, message) = match (&c.phase, &p.phase) {
            (ClusterPhase::Creating(_), _) => ("PROVISIONING", None),
            (ClusterPhase::Deleting(_), _) => ("STOPPING", None),
            (ClusterPhase::Error(m), _) => ("ERROR", Some(m)),
            (_, PoolPhase::Provisioning(_)) => ("PROVISIONING", None),
            (_, PoolPhase::Running) => ("RUNNING", None),
            (_, PoolPhase::Stopping(_)) => ("STOPPING", None),
            (_, PoolPhase::Error(m)) => ("ERROR", Some(m)),
        };
        let mut pool = json!({
            "name": p.name,
            "config": {
                "machineType": p.machine_type,
                "diskSizeGb": 100,
                "diskType": "pd-balanced",
                "imageType": "COS_CONTAINERD",
                "labels": p.labels,
                "taints": p.taints.iter().map(|t| json!({
                    "key": t.key, "value": t.value, "effect": t.effect,
                })).collect::<Vec<_>>(),
                "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
                "serviceAccount": "default",
            },
            "initialNodeCount": p.initial_node_count,
            "locations": c.pool_locations(p),
            "status": status,
            "version": p.version.as_deref().unwrap_or(&c.master_version),
            "management": {"autoUpgrade": true, "autoRepair": true},
            "selfLink": format!("{}/nodePools/{}", self.cluster_link(c, base_url), p.name),
        });
        if let Some(m) = message {
            pool["statusMessage"] = json!(m);
        }
        if let Some((min, max)) = p.autoscaling {
            pool["autoscaling"] =
                json!({"enabled": true, "minNodeCount": min, "maxNodeCount": max});
        }
        pool
    }

    /// The operation in the API's JSON.
    pub fn operation_json(&self, o: &StoredOperation, base_url: &str) -> Value {
        let now = self.now();
        let stage = o.stage(now);
        let status = match stage {
            OpStage::Pending => "PENDING",
            OpStage::Running(_) => "RUNNING",
            OpStage::Done => "DONE",
        };
        let done = o.nodes_done(now);
        let pool = o.node_pool.as_deref().unwrap_or("");
        // What gcloud shows beside its spinner (it prints `detail` while it
        // waits). `statusMessage` is only for a failure: gcloud takes any
        // statusMessage on a finished operation as its error.
        let what = match o.kind {
            OpKind::CreateCluster => format!("Creating cluster {}", o.cluster),
            OpKind::DeleteCluster => format!("Deleting cluster {}", o.cluster),
            OpKind::CreateNodePool => format!("Creating node pool {pool}"),
            OpKind::DeleteNodePool => format!("Deleting node pool {pool}"),
            OpKind::SetNodePoolAutoscaling | OpKind::UpdateCluster => {
                format!("Updating autoscaling of node pool {pool}")
            }
        };
        let detail = match (stage, o.kind) {
            (OpStage::Pending, _) => format!("{what}: waiting to start"),
            (OpStage::Running(share), OpKind::CreateCluster | OpKind::DeleteCluster)
                if share < MASTER_SHARE =>
            {
                format!("{what}: control plane")
            }
            (OpStage::Running(_), _) => format!("{what}: nodes {done} of {}", o.nodes_total),
            (OpStage::Done, _) => String::new(),
        };
        let link = format!(
            "{base_url}/v1/projects/{}/locations/{}/clusters/{}",
            o.project, o.location, o.cluster
        );
        let target = match o.kind {
            OpKind::CreateNodePool | OpKind::DeleteNodePool | OpKind::SetNodePoolAutoscaling => {
                format!("{link}/nodePools/{pool}")
            }
            _ => link,
        };
        let mut v = json!({
            "name": o.name,
            "zone": o.location,
            "location": o.location,
            "operationType": o.kind.type_name(),
            "status": status,
            "selfLink": format!("{base_url}/v1/projects/{}/locations/{}/operations/{}", o.project, o.location, o.name),
            "targetLink": target,
            "startTime": rfc3339(o.started),
            "progress": {
                "status": status,
                "metrics": [
                    {"name": "NODES_DONE", "intValue": done.to_string()},
                    {"name": "NODES_TOTAL", "intValue": o.nodes_total.to_string()},
                ],
            },
        });
        if !detail.is_empty() {
            v["detail"] = json!(detail);
        }
        if stage == OpStage::Done {
            v["endTime"] = json!(rfc3339(o.end()));
            if let Some(f) = &o.failure {
                v["statusMessage"] = json!(f.message);
                v["error"] = json!({
                    "code": rpc_code(&f.status_name),
                    "message": f.message,
                    "details": [],
                });
            }
        }
        v
    }
}

/// The node pools a create asks for, checked as GKE checks them. Without
/// `nodePools`, GKE makes `default-pool` from `initialNodeCount` and
/// `nodeConfig` (3 nodes of e2-medium when unset). Those two fields are
/// deprecated, but older clients still send them.
#[allow(deprecated)]
fn pools_of(cluster: &model::Cluster) -> Result<Vec<StoredPool>, Refusal> {
    if cluster.node_pools.is_empty() {
        let count = if cluster.initial_node_count == 0 {
            3
        } else {
            cluster.initial_node_count
        };
        if count < 1 {
            return Err(refuse(
                400,
                "INVALID_ARGUMENT",
                format!(
                    "Invalid value for field \"cluster.initial_node_count\": {count}. Must be greater than zero."
                ),
            ));
        }
        return Ok(vec![StoredPool {
            name: "default-pool".into(),
            machine_type: machine_type(&cluster.node_config),
            labels: BTreeMap::new(),
            taints: vec![],
            initial_node_count: count,
            autoscaling: None,
            phase: PoolPhase::Running,
            current_nodes: None,
            locations: cluster.locations.clone(),
            version: None,
        }]);
    }
    if cluster.initial_node_count != 0 || cluster.node_config.is_some() {
        return Err(refuse(
            400,
            "INVALID_ARGUMENT",
            "Cluster.initial_node_count and Cluster.node_config must not be set when \
             Cluster.node_pools is set.",
        ));
    }
    let mut pools: Vec<StoredPool> = Vec::new();
    for (i, p) in cluster.node_pools.iter().enumerate() {
        // A cluster needs nodes: a fixed-size pool of zero is refused here
        // (not in nodePools.create, which allows empty pools).
        let pool = pool_of(p, &format!("cluster.node_pools[{i}]"), false)?;
        if pools.iter().any(|q| q.name == p.name) {
            return Err(refuse(
                400,
                "INVALID_ARGUMENT",
                format!(
                    "Node pool names must be unique; {:?} appears twice.",
                    p.name
                ),
            ));
        }
        pools.push(pool);
    }
    Ok(pools)
}

fn machine_type(c: &Option<model::NodeConfig>) -> String {
    c.as_ref()
        .map(|c| c.machine_type.clone())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "e2-medium".to_string())
}

/// Autoscaling bounds as GKE checks them: none when absent or disabled.
fn autoscaling_of(
    a: Option<&model::NodePoolAutoscaling>,
    pool: &str,
) -> Result<Option<(i32, i32)>, Refusal> {
    match a
        .filter(|a| a.enabled)
        .map(|a| (a.min_node_count, a.max_node_count))
    {
        Some((min, max)) if min < 0 || max < 1 || min > max => Err(refuse(
            400,
            "INVALID_ARGUMENT",
            format!(
                "Invalid autoscaling for node pool {pool:?}: need 0 <= minNodeCount ({min}) <= maxNodeCount ({max}) and maxNodeCount >= 1."
            ),
        )),
        bounds => Ok(bounds),
    }
}

/// One node pool of a request (`field` names it in errors), checked as
/// GKE checks it; `zero_ok`: a fixed size of 0 is allowed.
fn pool_of(p: &model::NodePool, field: &str, zero_ok: bool) -> Result<StoredPool, Refusal> {
    if !is_gke_name(&p.name) {
        return Err(refuse(
            400,
            "INVALID_ARGUMENT",
            format!(
                "Invalid value for field \"{field}.name\": {:?}. Must be a match of regex \
                 '(?:[a-z](?:[-a-z0-9]{{0,38}}[a-z0-9])?)'.",
                p.name
            ),
        ));
    }
    let autoscaling = autoscaling_of(p.autoscaling.as_ref(), &p.name)?;
    let min_size = if autoscaling.is_some() || zero_ok {
        0
    } else {
        1
    };
    if p.initial_node_count < min_size {
        return Err(refuse(
            400,
            "INVALID_ARGUMENT",
            format!(
                "Invalid value for field \"{field}.initial_node_count\": {}. Must be {}.",
                p.initial_node_count,
                if min_size == 0 {
                    "at least zero"
                } else {
                    "greater than zero"
                }
            ),
        ));
    }
    let (labels, taints) = match &p.config {
        Some(c) => (
            c.labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            c.taints
                .iter()
                .map(|t| StoredTaint {
                    key: t.key.clone(),
                    value: t.value.clone(),
                    effect: t.effect.name().unwrap_or("EFFECT_UNSPECIFIED").to_string(),
                })
                .collect(),
        ),
        None => (BTreeMap::new(), vec![]),
    };
    let version = p.version.trim();
    Ok(StoredPool {
        name: p.name.clone(),
        machine_type: machine_type(&p.config),
        labels,
        taints,
        initial_node_count: p.initial_node_count,
        current_nodes: autoscaling.map(|(min, max)| p.initial_node_count.clamp(min, max)),
        autoscaling,
        phase: PoolPhase::Running,
        locations: p.locations.clone(),
        version: (!version.is_empty() && version != "latest" && version != "-")
            .then(|| version.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gke_names_follow_the_regex_gke_reports() {
        for ok in ["notebook-test", "a", "a1", "a-b-c", &"a".repeat(40), "x9-9"] {
            assert!(is_gke_name(ok), "{ok}");
        }
        let too_long = "a".repeat(41);
        for bad in [
            "",
            &too_long,
            "Notebook",
            "note_book",
            "1cluster",
            "-cluster",
            "cluster-",
            "clüster",
            "a b",
        ] {
            assert!(!is_gke_name(bad), "{bad}");
        }
    }

    fn defaults() -> ClusterDefaults {
        ClusterDefaults {
            op_duration_ms: 10_000,
            endpoint: "127.0.0.1:26443".into(),
            ca_pem: Some("PEM".into()),
            client_cert: None,
            master_version: "1.36.3-gke.100".into(),
        }
    }

    fn request(json: Value) -> model::CreateClusterRequest {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn an_operation_goes_pending_running_done_with_node_progress() {
        let mut s = Store::default();
        let req = request(json!({"cluster": {"name": "c", "initialNodeCount": 4}}));
        let op = s
            .create_cluster("p", "l", &req, None, &defaults())
            .unwrap()
            .clone();
        let at = |ms: i64| op.started + Duration::milliseconds(ms);
        assert_eq!(op.stage(at(0)), OpStage::Pending);
        assert!(matches!(op.stage(at(2_000)), OpStage::Running(_)));
        assert_eq!(op.nodes_done(at(4_000)), 0, "control plane first");
        assert_eq!(op.nodes_done(at(7_500)), 2);
        assert_eq!(op.stage(at(10_000)), OpStage::Done);
        assert_eq!(op.nodes_done(at(10_000)), 4);
        assert!(!s.settle(at(9_999)));
        assert_eq!(s.clusters[0].phase, ClusterPhase::Creating(op.name.clone()));
        assert!(s.settle(at(10_000)));
        assert_eq!(s.clusters[0].phase, ClusterPhase::Running);
    }

    #[test]
    fn the_endpoint_appears_with_the_control_plane() {
        let mut s = Store::default();
        let req = request(json!({"cluster": {"name": "c"}}));
        s.create_cluster("p", "l", &req, None, &defaults()).unwrap();
        let v = s.cluster_json(&s.clusters[0], &defaults(), "http://x");
        assert_eq!(v["status"], "PROVISIONING");
        assert!(v.get("endpoint").is_none());
        s.clock_offset_ms = 6_000;
        let v = s.cluster_json(&s.clusters[0], &defaults(), "http://x");
        assert_eq!(v["endpoint"], "127.0.0.1:26443");
        assert_eq!(v["masterAuth"]["clusterCaCertificate"], "UEVN");
        assert_eq!(v["nodePools"][0]["name"], "default-pool");
        assert_eq!(v["nodePools"][0]["initialNodeCount"], 3);
        assert_eq!(v["releaseChannel"]["channel"], "REGULAR");
    }

    #[test]
    fn gke_checks_are_applied() {
        let mut s = Store::default();
        let d = defaults();
        let bad = [
            json!({}),
            json!({"cluster": {"name": "Bad_Name"}}),
            json!({"cluster": {"name": "c", "initialNodeCount": 2,
                                "nodePools": [{"name": "a", "initialNodeCount": 1}]}}),
            json!({"cluster": {"name": "c", "nodePools": [{"name": "a", "initialNodeCount": 0}]}}),
            json!({"cluster": {"name": "c", "nodePools": [
                {"name": "a", "initialNodeCount": 1}, {"name": "a", "initialNodeCount": 1}]}}),
            json!({"cluster": {"name": "c", "nodePools": [{"name": "a", "initialNodeCount": 0,
                "autoscaling": {"enabled": true, "minNodeCount": 3, "maxNodeCount": 1}}]}}),
        ];
        for b in bad {
            let e = s
                .create_cluster("p", "l", &request(b.clone()), None, &d)
                .unwrap_err();
            assert_eq!((e.http, e.status), (400, "INVALID_ARGUMENT"), "{b}: {e:?}");
        }
        let ok = json!({"cluster": {"name": "c", "nodePools": [{"name": "user-pool", "initialNodeCount": 0,
            "config": {"taints": [{"key": "k", "value": "v", "effect": 1}]},
            "autoscaling": {"enabled": true, "minNodeCount": 0, "maxNodeCount": 3}}]}});
        s.create_cluster("p", "l", &request(ok.clone()), None, &d)
            .unwrap();
        assert_eq!(s.clusters[0].pools[0].taints[0].effect, "NO_SCHEDULE");
        let e = s
            .create_cluster("p", "l", &request(ok), None, &d)
            .unwrap_err();
        assert_eq!((e.http, e.status), (409, "ALREADY_EXISTS"));
        // Deleting while the create runs is refused, as GKE does.
        let e = s.delete_cluster("p", "l", "c", None, &d).unwrap_err();
        assert_eq!(e.status, "FAILED_PRECONDITION");
        assert!(
            e.message.contains("is currently creating cluster c"),
            "{}",
            e.message
        );
        let e = s.delete_cluster("p", "l", "nope", None, &d).unwrap_err();
        assert_eq!((e.http, e.status), (404, "NOT_FOUND"));
    }

    #[test]
    fn a_failed_operation_reports_its_error_and_leaves_the_cluster_in_error() {
        let mut s = Store::default();
        let failure = OpFailure {
            status_name: "RESOURCE_EXHAUSTED".into(),
            message: "Insufficient regional quota".into(),
        };
        let req = request(json!({"cluster": {"name": "c"}}));
        s.create_cluster("p", "l", &req, Some(failure), &defaults())
            .unwrap();
        s.clock_offset_ms = 20_000;
        let now = s.now();
        s.settle(now);
        let v = s.operation_json(&s.operations[0], "http://x");
        assert_eq!(v["status"], "DONE");
        assert_eq!(v["error"]["code"], 8);
        assert_eq!(v["error"]["message"], "Insufficient regional quota");
        assert!(matches!(s.clusters[0].phase, ClusterPhase::Error(_)));
        let c = s.cluster_json(&s.clusters[0], &defaults(), "http://x");
        assert_eq!(c["status"], "ERROR");
    }

    #[test]
    fn delete_removes_only_the_record_when_done() {
        let mut s = Store::default();
        let d = defaults();
        s.create_cluster(
            "p",
            "l",
            &request(json!({"cluster": {"name": "c"}})),
            None,
            &d,
        )
        .unwrap();
        s.clock_offset_ms = 10_000;
        let now = s.now();
        s.settle(now);
        s.delete_cluster("p", "l", "c", None, &d).unwrap();
        let v = s.cluster_json(&s.clusters[0], &d, "http://x");
        assert_eq!(v["status"], "STOPPING");
        s.clock_offset_ms = 20_001;
        let now = s.now();
        assert!(s.settle(now));
        assert!(s.clusters.is_empty());
        assert_eq!(s.list_operations("p", "-").count(), 2);
    }

    fn running_cluster(s: &mut Store, d: &ClusterDefaults) {
        let req = request(json!({"cluster": {"name": "c", "initialNodeCount": 2}}));
        s.create_cluster("p", "us-central1-b", &req, None, d)
            .unwrap();
        s.clock_offset_ms += 10_000;
        let now = s.now();
        s.settle(now);
    }

    fn pool_request(json: Value) -> model::CreateNodePoolRequest {
        serde_json::from_value(json).unwrap()
    }

    fn advance(s: &mut Store, ms: i64) {
        s.clock_offset_ms += ms;
        let now = s.now();
        s.settle(now);
    }

    const C: (&str, &str, &str) = ("p", "us-central1-b", "c");

    #[test]
    fn regions_have_three_zones_of_nodes() {
        for r in ["us-central1", "europe-west4", "northamerica-northeast1"] {
            assert!(is_region(r), "{r}");
        }
        for z in ["us-central1-b", "l", "-", "", "us-central", "1-2"] {
            assert!(!is_region(z), "{z}");
        }
        let mut s = Store::default();
        let d = defaults();
        let c = json!({"name": "r", "nodePools": [{"name": "a", "initialNodeCount": 2}]});
        let c: model::Cluster = serde_json::from_value(c).unwrap();
        s.insert_cluster("p", "europe-west4", &c, &d).unwrap();
        let v = s.cluster_json(&s.clusters[0], &d, "http://x");
        assert_eq!(
            v["status"], "RUNNING",
            "inserted clusters need no operation"
        );
        assert_eq!(v["currentNodeCount"], 6, "2 per zone in 3 zones");
        assert_eq!(v["nodePools"][0]["locations"][2], "europe-west4-c");
        assert!(s.operations.is_empty());
    }

    #[test]
    fn a_node_pool_is_made_with_the_cluster_reconciling() {
        let mut s = Store::default();
        let d = defaults();
        running_cluster(&mut s, &d);
        let req = pool_request(
            json!({"nodePool": {"name": "user-pool", "initialNodeCount": 0,
            "config": {"machineType": "n2-highmem-4", "labels": {"k": "v"},
                       "taints": [{"key": "t", "value": "u", "effect": "NO_SCHEDULE"}]},
            "autoscaling": {"enabled": true, "minNodeCount": 1, "maxNodeCount": 3}}}),
        );
        let op = s.create_node_pool(C, &req, None, &d).unwrap().clone();
        assert_eq!(op.kind, OpKind::CreateNodePool);
        let v = s.operation_json(&op, "http://x");
        assert_eq!(v["operationType"], "CREATE_NODE_POOL");
        assert_eq!(
            v["targetLink"],
            "http://x/v1/projects/p/locations/us-central1-b/clusters/c/nodePools/user-pool"
        );
        let c = s.cluster_json(&s.clusters[0], &d, "http://x");
        assert_eq!(c["status"], "RECONCILING");
        assert_eq!(c["nodePools"][1]["status"], "PROVISIONING");
        assert_eq!(
            c["currentNodeCount"], 2,
            "the new pool's node is not up yet"
        );
        // One operation at a time, as GKE.
        let again = pool_request(json!({"nodePool": {"name": "other", "initialNodeCount": 1}}));
        let e = s.create_node_pool(C, &again, None, &d).unwrap_err();
        assert_eq!((e.http, e.status), (400, "FAILED_PRECONDITION"));
        assert!(
            e.message
                .contains("is currently creating node pool user-pool"),
            "{}",
            e.message
        );
        let e = s
            .delete_cluster("p", "us-central1-b", "c", None, &d)
            .unwrap_err();
        assert_eq!(e.status, "FAILED_PRECONDITION");

        advance(&mut s, 10_000);
        let c = s.cluster_json(&s.clusters[0], &d, "http://x");
        assert_eq!(c["status"], "RUNNING");
        let pool = &c["nodePools"][1];
        assert_eq!(pool["status"], "RUNNING");
        assert_eq!(pool["config"]["machineType"], "n2-highmem-4");
        assert_eq!(pool["config"]["labels"]["k"], "v");
        assert_eq!(pool["config"]["taints"][0]["effect"], "NO_SCHEDULE");
        assert_eq!(
            pool["autoscaling"],
            json!({"enabled": true, "minNodeCount": 1, "maxNodeCount": 3})
        );
        assert_eq!(pool["initialNodeCount"], 0);
        assert_eq!(
            c["currentNodeCount"], 3,
            "2 + the autoscaler's minimum of 1"
        );
        let v = s.operation_json(&s.operations[1], "http://x");
        assert_eq!(v["status"], "DONE");
        assert!(
            v.get("statusMessage").is_none(),
            "gcloud reads any statusMessage as an error"
        );
    }

    #[test]
    fn autoscaling_changes_when_its_operation_ends() {
        let mut s = Store::default();
        let d = defaults();
        running_cluster(&mut s, &d);
        let bounds = model::NodePoolAutoscaling::new()
            .set_enabled(true)
            .set_min_node_count(3)
            .set_max_node_count(5);
        let op = s
            .set_node_pool_autoscaling(
                C,
                "default-pool",
                Some(&bounds),
                OpKind::UpdateCluster,
                None,
                &d,
            )
            .unwrap()
            .clone();
        assert_eq!(
            s.operation_json(&op, "http://x")["operationType"],
            "UPDATE_CLUSTER"
        );
        assert_eq!(
            s.clusters[0].pools[0].autoscaling, None,
            "not before the operation ends"
        );
        advance(&mut s, 10_000);
        assert_eq!(s.clusters[0].pools[0].autoscaling, Some((3, 5)));
        let c = s.cluster_json(&s.clusters[0], &d, "http://x");
        assert_eq!(c["currentNodeCount"], 3, "raised to the new minimum");
        // Off again: the size stays.
        s.set_node_pool_autoscaling(
            C,
            "default-pool",
            None,
            OpKind::SetNodePoolAutoscaling,
            None,
            &d,
        )
        .unwrap();
        advance(&mut s, 10_000);
        assert_eq!(s.clusters[0].pools[0].autoscaling, None);
        let c = s.cluster_json(&s.clusters[0], &d, "http://x");
        assert!(c["nodePools"][0].get("autoscaling").is_none());
        assert_eq!(c["currentNodeCount"], 3);

        let bad = model::NodePoolAutoscaling::new()
            .set_enabled(true)
            .set_min_node_count(4)
            .set_max_node_count(2);
        let e = s
            .set_node_pool_autoscaling(
                C,
                "default-pool",
                Some(&bad),
                OpKind::UpdateCluster,
                None,
                &d,
            )
            .unwrap_err();
        assert_eq!((e.http, e.status), (400, "INVALID_ARGUMENT"));
        let e = s
            .set_node_pool_autoscaling(C, "nope", Some(&bad), OpKind::UpdateCluster, None, &d)
            .unwrap_err();
        assert_eq!((e.http, e.status), (404, "NOT_FOUND"));
    }

    #[test]
    fn a_node_pool_is_stopping_then_gone_and_errors_are_gkes() {
        let mut s = Store::default();
        let d = defaults();
        running_cluster(&mut s, &d);
        let dup =
            pool_request(json!({"nodePool": {"name": "default-pool", "initialNodeCount": 1}}));
        let e = s.create_node_pool(C, &dup, None, &d).unwrap_err();
        assert_eq!((e.http, e.status), (409, "ALREADY_EXISTS"));
        assert!(
            e.message.ends_with("/clusters/c/nodePools/default-pool."),
            "{}",
            e.message
        );
        let bad = pool_request(json!({"nodePool": {"name": "Bad_Name", "initialNodeCount": 1}}));
        let e = s.create_node_pool(C, &bad, None, &d).unwrap_err();
        assert_eq!((e.http, e.status), (400, "INVALID_ARGUMENT"));
        let ok = pool_request(json!({"nodePool": {"name": "np", "initialNodeCount": 1}}));
        let e = s
            .create_node_pool(("p", "us-central1-b", "nope"), &ok, None, &d)
            .unwrap_err();
        assert_eq!((e.http, e.status), (404, "NOT_FOUND"));
        let e = s.delete_node_pool(C, "nope", None, &d).unwrap_err();
        assert_eq!((e.http, e.status), (404, "NOT_FOUND"));

        let op = s
            .delete_node_pool(C, "default-pool", None, &d)
            .unwrap()
            .clone();
        assert_eq!(
            s.operation_json(&op, "http://x")["operationType"],
            "DELETE_NODE_POOL"
        );
        let c = s.cluster_json(&s.clusters[0], &d, "http://x");
        assert_eq!(c["nodePools"][0]["status"], "STOPPING");
        assert_eq!(c["status"], "RECONCILING");
        advance(&mut s, 10_000);
        assert!(s.clusters[0].pools.is_empty());
        let c = s.cluster_json(&s.clusters[0], &d, "http://x");
        assert_eq!(
            (c["status"].as_str(), c["currentNodeCount"].as_i64()),
            (Some("RUNNING"), Some(0))
        );
    }

    #[test]
    fn a_failed_pool_operation_leaves_the_pool_in_error() {
        let mut s = Store::default();
        let d = defaults();
        running_cluster(&mut s, &d);
        let failure = OpFailure {
            status_name: "RESOURCE_EXHAUSTED".into(),
            message: "Insufficient regional quota".into(),
        };
        let req = pool_request(json!({"nodePool": {"name": "np", "initialNodeCount": 1}}));
        s.create_node_pool(C, &req, Some(failure), &d).unwrap();
        advance(&mut s, 10_000);
        let c = s.cluster_json(&s.clusters[0], &d, "http://x");
        assert_eq!(c["status"], "RUNNING");
        assert_eq!(c["nodePools"][1]["status"], "ERROR");
        assert_eq!(
            c["nodePools"][1]["statusMessage"],
            "Insufficient regional quota"
        );
        let v = s.operation_json(&s.operations[1], "http://x");
        assert_eq!(v["error"]["code"], 8);
    }
}
