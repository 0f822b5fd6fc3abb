//! Why a pod is not Running and Ready, in one line, from what the API
//! already says: the pod's status, its events, its claims and the
//! StorageClasses. The scheduler's own words (and numbers) are quoted rather
//! than paraphrased, so the operator can search for them.
//!
//! What the scheduler does not say is read from the watched nodes and the
//! namespace's scheduler pods: the taints a pod does not tolerate
//! (`placement`), and why a pod that no scheduler spoke about is waiting
//! (`waiting`).
//!
//! `diagnose` picks the part that applies, each a child: the scheduler's
//! words (`scheduling`), the containers' states (`containers`), whole-pod
//! states (`pod_state`); `events` reads the pod's events and makes the one
//! line. The tests' `World` (a pod and what the API says around it) is
//! here, shared by the children's tests.

mod containers;
mod events;
mod placement;
mod pod_state;
mod scheduling;
mod waiting;

pub use placement::{parse_taint, tolerates};
pub use scheduling::{SchedulingFailure, default_storage_class, parse_scheduling_message};
pub use waiting::{PLACEHOLDER_COMPONENT, SCHEDULER_COMPONENT, WAITING_PREFIX};

pub use containers::{CrashedContainer, LOG_LINES, crashed_container};
use containers::{containers, not_ready};
use pod_state::{failed, fallback, terminating};
use scheduling::scheduling;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

use crate::kube::event_record::EventRecord;
use k8s_openapi::api::storage::v1::StorageClass;
use serde::Serialize;

use super::node_row::NodeRow;
use super::pod_row::PodRow;
use crate::time_text::format_age;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub kind: DiagnosisKind,
    /// At most [`SHORT_MAX`] characters, for the pods table.
    pub short: String,
    /// The full one-liner, for the details view.
    pub line: String,
}

pub const SHORT_MAX: usize = 24;

impl Diagnosis {
    /// The line as the views show it at `now`: a pod waiting for its
    /// scheduler says for how long (its age), which a stored line cannot.
    pub fn line_at(&self, created: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
        match (self.kind, created, self.line.strip_prefix(WAITING_PREFIX)) {
            (DiagnosisKind::WaitingForScheduler, Some(_), Some(rest)) => {
                format!("Waiting {} for scheduler {rest}", format_age(created, now))
            }
            _ => self.line.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisKind {
    InsufficientResources,
    UnboundClaim,
    NodeSelectorMismatch,
    UntoleratedTaint,
    VolumeNodeAffinity,
    ImagePull,
    CrashLoop,
    ContainerCreating,
    Unschedulable,
    Terminating,
    /// Pending with no word from its (non-default) scheduler.
    WaitingForScheduler,
    /// Not Running, and meant to be so: a user placeholder.
    ByDesign,
    Other,
}

impl DiagnosisKind {
    /// Whether the views mark it as something wrong (⚠).
    pub fn is_warning(self) -> bool {
        self != DiagnosisKind::ByDesign
    }
}

/// A user-scheduler pod as the state keeps it: its row and its own
/// diagnosis (between restarts a crash loop shows only there).
#[derive(Debug, Clone, Copy)]
pub struct SchedulerPod<'a> {
    pub row: &'a PodRow,
    pub diagnosis: Option<&'a Diagnosis>,
}

pub struct DiagnosisInput<'a> {
    pub pod: &'a Pod,
    /// The pod's row, made once by the caller (the state keeps it).
    pub row: &'a PodRow,
    /// Events whose involvedObject is this pod, in any order. Events of an
    /// earlier pod of the same name (a user's previous server) are ignored
    /// by uid.
    pub events: &'a [&'a EventRecord],
    /// Looks a claim up by name in the pod's namespace.
    pub claims: &'a dyn Fn(&str) -> Option<&'a PersistentVolumeClaim>,
    /// All StorageClasses, to tell which one is the default.
    pub storage_classes: &'a [StorageClass],
    /// The crash-looping container's last log lines, when the caller has them.
    pub last_log_lines: &'a [String],
    /// The watched nodes: their taints (named where the scheduler no longer
    /// names them), labels and pod limits. Empty when nodes are not watched.
    pub nodes: &'a [&'a NodeRow],
    /// The namespace's scheduler pods (component=user-scheduler), for a pod
    /// waiting on a scheduler that said nothing. Other rows are ignored.
    pub scheduler_pods: &'a [SchedulerPod<'a>],
}

impl<'a> DiagnosisInput<'a> {
    /// The pod with nothing known around it: no events, claims, classes,
    /// log lines, nodes or schedulers. What the pod itself says.
    pub fn pod_alone(pod: &'a Pod, row: &'a PodRow) -> Self {
        DiagnosisInput {
            pod,
            row,
            events: &[],
            claims: &|_| None,
            storage_classes: &[],
            last_log_lines: &[],
            nodes: &[],
            scheduler_pods: &[],
        }
    }
}

/// None for a healthy pod (Running and Ready, or Succeeded), and for a pod
/// about which nothing is known yet (just created, not yet looked at by the
/// scheduler).
pub fn diagnose(input: &DiagnosisInput) -> Option<Diagnosis> {
    let pod = input.pod;
    if pod.metadata.deletion_timestamp.is_some() {
        return terminating(pod);
    }
    let row = input.row;
    if row.is_healthy() {
        return None;
    }
    if row.phase == "Failed" {
        return Some(failed(pod, row));
    }
    if row.node.is_none() {
        return scheduling(input);
    }
    if let Some(d) = containers(input, row) {
        return Some(d);
    }
    if row.phase == "Running" {
        return Some(not_ready(input, row));
    }
    Some(fallback(pod, row))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::events::truncate;
    use super::*;
    use crate::kube::pod_row::fixtures;

    /// A pod and what the API says around it; the children's tests build
    /// theirs with it too.
    pub struct World {
        pub pod: Pod,
        pub events: Vec<EventRecord>,
        pub claims: BTreeMap<String, PersistentVolumeClaim>,
        pub classes: Vec<StorageClass>,
        pub logs: Vec<String>,
        pub nodes: Vec<NodeRow>,
        pub scheduler_pods: Vec<PodRow>,
    }

    impl World {
        pub fn new(pod_fixture: &str) -> Self {
            World {
                pod: fixtures::one(pod_fixture),
                events: Vec::new(),
                claims: BTreeMap::new(),
                classes: Vec::new(),
                logs: Vec::new(),
                nodes: Vec::new(),
                scheduler_pods: Vec::new(),
            }
        }

        pub fn events(mut self, fixture: &str) -> Self {
            self.events = fixtures::all(fixture);
            self
        }

        pub fn claim(mut self, fixture: &str) -> Self {
            let claim: PersistentVolumeClaim = fixtures::one(fixture);
            self.claims
                .insert(claim.metadata.name.clone().unwrap_or_default(), claim);
            self
        }

        pub fn classes(mut self, fixture: &str) -> Self {
            self.classes = fixtures::all(fixture);
            self
        }

        pub fn diagnose(&self) -> Option<Diagnosis> {
            let events: Vec<&EventRecord> = self.events.iter().collect();
            let claims = |name: &str| self.claims.get(name);
            let scheduler_pods: Vec<SchedulerPod> = self
                .scheduler_pods
                .iter()
                .map(|row| SchedulerPod {
                    row,
                    diagnosis: None,
                })
                .collect();
            diagnose(&DiagnosisInput {
                pod: &self.pod,
                row: &PodRow::from_pod(&self.pod),
                events: &events,
                claims: &claims,
                storage_classes: &self.classes,
                last_log_lines: &self.logs,
                nodes: &self.nodes.iter().collect::<Vec<_>>(),
                scheduler_pods: &scheduler_pods,
            })
        }
    }

    pub fn d(kind: DiagnosisKind, short: &str, line: &str) -> Option<Diagnosis> {
        Some(Diagnosis {
            kind,
            short: short.into(),
            line: line.into(),
        })
    }

    pub fn drop_scheduled_condition(pod: &mut Pod) {
        pod.status
            .as_mut()
            .unwrap()
            .conditions
            .as_mut()
            .unwrap()
            .retain(|c| c.type_ != "PodScheduled");
    }

    // For what the scheduler does not say: its pods, the nodes, its message.
    pub fn scheduler_pod() -> PodRow {
        PodRow::from_pod(&fixtures::one::<Pod>("pod-user-scheduler-running.yaml"))
    }

    pub fn user_node(name: &str, taints: &[&str]) -> NodeRow {
        let mut n = NodeRow::from_node(&fixtures::one("node-kwok.yaml"));
        n.name = name.into();
        n.labels
            .insert("kubernetes.io/hostname".into(), name.to_owned());
        n.taints = taints.iter().map(|t| (*t).to_owned()).collect();
        n
    }

    pub fn set_scheduler_message(pod: &mut Pod, message: &str) {
        let status = pod.status.as_mut().unwrap();
        status.conditions = Some(vec![k8s_openapi::api::core::v1::PodCondition {
            type_: "PodScheduled".into(),
            status: "False".into(),
            reason: Some("Unschedulable".into()),
            message: Some(message.into()),
            ..Default::default()
        }]);
    }

    #[test]
    fn healthy_pods_have_no_diagnosis() {
        assert_eq!(World::new("pod-hub-running.yaml").diagnose(), None);
        let mut w = World::new("pod-hub-running.yaml");
        w.pod.status.as_mut().unwrap().phase = Some("Succeeded".into());
        w.pod.status.as_mut().unwrap().container_statuses = None;
        assert_eq!(w.diagnose(), None);
    }

    #[test]
    fn shorts_fit_the_table() {
        for s in [
            "Insufficient memory",
            "Insufficient cpu, memory",
            "PVC unbound",
            "PVC missing",
            "StorageClass missing",
            "No default StorageClass",
            "Taint mismatch",
            "Node selector mismatch",
            "Volume node affinity",
            "Scale-up triggered",
            "Container config error",
            "Readiness probe failing",
            "Liveness probe failing",
            "Waiting on finalizers",
            "CrashLoop OOMKilled",
            "No scheduler pods",
            "Scheduler crash-looping",
            "Scheduler not ready",
            "Scheduler hasn't bound",
            "Placeholder, by design",
            "Too many pods (110/node)",
            "No scale-up: pool at max",
            "No scale-up: quota",
            "No scale-up: cluster max",
            "Scale-up in backoff",
            "Scale-up failed: quota",
            "Scale-up: zone stockout",
        ] {
            assert!(s.chars().count() <= SHORT_MAX, "{s}");
        }
        assert_eq!(
            truncate("Insufficient example.com/gpu", SHORT_MAX),
            "Insufficient example.co…"
        );
        assert_eq!(
            truncate("Insufficient example.com/gpu", SHORT_MAX)
                .chars()
                .count(),
            SHORT_MAX
        );
    }

    #[test]
    fn diagnosis_kind_serializes_snake_case() {
        let json =
            serde_json::to_string(&d(DiagnosisKind::InsufficientResources, "a", "b")).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"insufficient_resources","short":"a","line":"b"}"#
        );
        assert_eq!(
            serde_json::to_string(&DiagnosisKind::UnboundClaim).unwrap(),
            "\"unbound_claim\""
        );
    }
}
