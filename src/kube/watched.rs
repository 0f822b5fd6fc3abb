//! What the watchers hand on: the kinds they watch, one watched object (a
//! pod's or a workload's compact row is made here, inside the watcher task,
//! so the whole objects are never gathered), and a watcher's event. Plain
//! data of the kube adapter; the core wraps the events in its own message.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Node, PersistentVolumeClaim, Pod, Secret, Service};
use k8s_openapi::api::storage::v1::StorageClass;

use super::event_record::EventRecord;
use super::pod_row::PodRow;
use super::workload_row::{WorkloadKind, WorkloadRow};

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

/// Which events a watch started on demand lists: the always-on events'
/// watch leaves out the routine reasons (`watch::ROUTINE_EVENT_REASONS`),
/// so the views that show every event ask for them while they are open.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventScope {
    /// Every event of the namespace (the events view, the image pulls).
    Namespace,
    /// Every event about one pod (its details).
    Pod(String),
}

/// One watched object.
#[derive(Debug, Clone)]
pub enum Object {
    Pod(Arc<Pod>),
    /// A pod the watcher found healthy, as its row only ([`Object::pod`]).
    HealthyPod(Box<PodRow>),
    Service(Arc<Service>),
    Node(Arc<Node>),
    Event(Arc<EventRecord>),
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
    /// whole, they were most of the cockpit's peak memory (bench/README.md,
    /// "Measurements behind the design"), and the rows are all that is kept
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
