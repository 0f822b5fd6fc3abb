//! Everything that can change the cockpit's state arrives as a [`Msg`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolumeClaim, Pod, Secret, Service};
use k8s_openapi::api::storage::v1::StorageClass;

use crate::kube::pod_row::PodRow;
use crate::kube::workload_row::{WorkloadKind, WorkloadRow};

/// The resource kinds the cockpit watches, one watcher each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Pod,
    Service,
    Node,
    Event,
    Claim,
    StorageClass,
    /// helm's release Secrets (`owner=helm`).
    Release,
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Pod,
        Kind::Service,
        Kind::Node,
        Kind::Event,
        Kind::Claim,
        Kind::StorageClass,
        Kind::Release,
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::Job,
    ];

    pub fn plural(self) -> &'static str {
        match self {
            Kind::Pod => "pods",
            Kind::Service => "services",
            Kind::Node => "nodes",
            Kind::Event => "events",
            Kind::Claim => "persistentvolumeclaims",
            Kind::StorageClass => "storageclasses",
            Kind::Release => "secrets",
            Kind::Deployment => "deployments",
            Kind::StatefulSet => "statefulsets",
            Kind::DaemonSet => "daemonsets",
            Kind::Job => "jobs",
        }
    }

    /// The watcher kind of a workload kind.
    pub fn of_workload(kind: WorkloadKind) -> Kind {
        match kind {
            WorkloadKind::Deployment => Kind::Deployment,
            WorkloadKind::StatefulSet => Kind::StatefulSet,
            WorkloadKind::DaemonSet => Kind::DaemonSet,
            WorkloadKind::Job => Kind::Job,
        }
    }
}

/// One watched object.
#[derive(Debug, Clone)]
pub enum Object {
    Pod(Arc<Pod>),
    /// A pod the watcher found healthy, as its row only ([`Object::pod`]).
    HealthyPod(Box<PodRow>),
    Service(Arc<Service>),
    Node(Arc<Node>),
    Event(Arc<Event>),
    Claim(Arc<PersistentVolumeClaim>),
    StorageClass(Arc<StorageClass>),
    Release(Arc<Secret>),
    /// A Deployment, StatefulSet, DaemonSet or Job, as its row only (made
    /// in the watcher task: the objects themselves are never kept).
    Workload(Box<WorkloadRow>),
}

impl Object {
    /// A pod as a watcher hands it on: a healthy one as its row, an
    /// unhealthy one whole (its diagnosis and details read it). At
    /// classroom scale a relist gathers thousands of pods before it is sent;
    /// whole, they were most of the cockpit's peak memory (61 of 76 MB of
    /// heap at 5,000 pods, heaptrack), and the rows are all that is kept
    /// of healthy pods anyway.
    pub fn pod(pod: Pod) -> Object {
        let row = PodRow::from_pod(&pod);
        if row.is_healthy() {
            Object::HealthyPod(Box::new(row))
        } else {
            Object::Pod(Arc::new(pod))
        }
    }

    pub fn deployment(d: Deployment) -> Object {
        Object::Workload(Box::new(WorkloadRow::from_deployment(&d)))
    }

    pub fn stateful_set(s: StatefulSet) -> Object {
        Object::Workload(Box::new(WorkloadRow::from_stateful_set(&s)))
    }

    pub fn daemon_set(d: DaemonSet) -> Object {
        Object::Workload(Box::new(WorkloadRow::from_daemon_set(&d)))
    }

    pub fn job(j: Job) -> Object {
        Object::Workload(Box::new(WorkloadRow::from_job(&j)))
    }

    pub fn kind(&self) -> Kind {
        match self {
            Object::Pod(_) | Object::HealthyPod(_) => Kind::Pod,
            Object::Service(_) => Kind::Service,
            Object::Node(_) => Kind::Node,
            Object::Event(_) => Kind::Event,
            Object::Claim(_) => Kind::Claim,
            Object::StorageClass(_) => Kind::StorageClass,
            Object::Release(_) => Kind::Release,
            Object::Workload(row) => Kind::of_workload(row.kind),
        }
    }
}

/// A watcher's event. A (re)list arrives as one [`WatchMsg::Relisted`] with
/// the whole set, taken from the reflector store at the watcher's InitDone,
/// so the panes keep the last state until the new one is complete.
#[derive(Debug, Clone)]
pub enum WatchMsg {
    Applied(Object),
    Deleted(Object),
    Relisted(Kind, Vec<Object>),
    /// The watch failed; the watcher relists after a backoff.
    Failed(Kind, String),
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The wall clock, for ages and elapsed times (update() reads no clock).
    Tick(DateTime<Utc>),
    /// The API server answered `/version`.
    Connected {
        server_version: String,
    },
    /// No client could be made (bad kubeconfig, unknown context), or the API
    /// server did not answer; the executor retries with backoff.
    ConnectFailed(String),
    Watch(WatchMsg),
    LogLines {
        pod: String,
        lines: Vec<String>,
    },
    LogEnded {
        pod: String,
        error: Option<String>,
    },
    /// Whether the secrets file exists already.
    SecretsPrepared {
        path: std::path::PathBuf,
        exists: bool,
    },
    DeployPrepared(Result<crate::deploy::PreparedDeploy, crate::deploy::Failure>),
    MoveSecretsPrepared(Result<crate::deploy::PreparedMove, crate::deploy::Failure>),
    /// The editor closed; the file was checked.
    ConfigChecked(Result<Vec<String>, crate::deploy::Failure>),
    OperationLine(String),
    OperationDone(Result<String, crate::deploy::Failure>),
    /// Text to show in an overlay (the revealed secrets), or why not.
    ShowText(Result<(String, Vec<String>), String>),
    /// A refresh of the GKE cluster list.
    GkeClusters(Result<Vec<crate::gke::GkeCluster>, String>),
    /// What the GKE token refresher has to say (a failure, or its end).
    GkeToken(crate::gke::token::TokenReport),
    /// A pod read whole for its details (`Command::FetchPod`), or why not.
    PodFetched {
        name: String,
        result: Result<Arc<Pod>, String>,
    },
    /// The GKE project and location, resolved after the first frame (from
    /// flags, the environment or gcloud); None when neither is known.
    GkeResolved {
        gke: Option<crate::deploy::GkeConfig>,
        /// The cluster named in the settings (gcp.cluster).
        preferred: Option<String>,
    },
    /// helm was looked for after the first frame: why it cannot be used,
    /// or None when it can.
    HelmChecked {
        problem: Option<String>,
    },
    /// Whether the account has cluster-admin on `context`, and its user
    /// name when the API server (or ADC) says.
    ClusterAdmin {
        context: String,
        allowed: bool,
        user: Option<String>,
    },
}
