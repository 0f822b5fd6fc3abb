//! One node as the cluster pane shows it: readiness, what it can hold, and
//! what the pods on it request.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Node, Taint};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::Serialize;

use super::pod_row::{PodRow, Resources, to_utc};
use super::quantity;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRow {
    pub name: String,
    /// The Ready condition is True.
    pub ready: bool,
    /// Cordoned (`spec.unschedulable`).
    pub unschedulable: bool,
    pub cpu_allocatable_millis: u64,
    pub memory_allocatable_bytes: u64,
    pub pods_allocatable: u32,
    /// Requests of the non-terminal pods on the node that were added with
    /// [`NodeRow::add_pod`]; zero from [`NodeRow::from_node`].
    pub cpu_requested_millis: u64,
    pub memory_requested_bytes: u64,
    pub pod_count: u32,
    /// GKE's node pool (`cloud.google.com/gke-nodepool`).
    pub pool: Option<String>,
    /// JupyterHub's `hub.jupyter.org/node-purpose` (core or user).
    pub purpose: Option<String>,
    /// `node.kubernetes.io/instance-type`, e.g. n1-highmem-2.
    pub instance_type: Option<String>,
    pub kubelet_version: Option<String>,
    /// kubectl's form: `key=value:Effect`, or `key:Effect` without a value.
    pub taints: Vec<String>,
    pub created: Option<DateTime<Utc>>,
    /// All the node's labels, for matching a pending pod's nodeSelector and
    /// node affinity in its diagnosis. Nodes are few; not shown, not
    /// serialized.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
}

fn taint_string(t: &Taint) -> String {
    match t.value.as_deref() {
        Some(v) if !v.is_empty() => format!("{}={v}:{}", t.key, t.effect),
        _ => format!("{}:{}", t.key, t.effect),
    }
}

impl NodeRow {
    pub fn from_node(node: &Node) -> Self {
        let meta = &node.metadata;
        let label = |k: &str| meta.labels.as_ref().and_then(|l| l.get(k)).cloned();
        let status = node.status.as_ref();
        let allocatable = status.and_then(|s| s.allocatable.as_ref());
        let get = |name: &str, parse: fn(&Quantity) -> Option<u64>| {
            allocatable
                .and_then(|a| a.get(name))
                .and_then(parse)
                .unwrap_or(0)
        };
        let spec = node.spec.as_ref();
        NodeRow {
            name: meta.name.clone().unwrap_or_default(),
            ready: status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
            unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
            cpu_allocatable_millis: get("cpu", quantity::cpu_millis),
            memory_allocatable_bytes: get("memory", quantity::memory_bytes),
            pods_allocatable: u32::try_from(get("pods", quantity::count)).unwrap_or(u32::MAX),
            cpu_requested_millis: 0,
            memory_requested_bytes: 0,
            pod_count: 0,
            pool: label("cloud.google.com/gke-nodepool"),
            purpose: label("hub.jupyter.org/node-purpose"),
            instance_type: label("node.kubernetes.io/instance-type")
                .or_else(|| label("beta.kubernetes.io/instance-type")),
            kubelet_version: status
                .and_then(|s| s.node_info.as_ref())
                .map(|i| i.kubelet_version.clone())
                .filter(|v| !v.is_empty()),
            taints: spec
                .and_then(|s| s.taints.as_ref())
                .map(|ts| ts.iter().map(taint_string).collect())
                .unwrap_or_default(),
            created: meta.creation_timestamp.as_ref().and_then(|t| to_utc(&t.0)),
            labels: meta.labels.clone().unwrap_or_default(),
        }
    }

    /// What a pod's scheduling depends on changed: its taints, labels, pod
    /// limit or cordon. (Heartbeats and usage do not count.)
    pub fn placement_differs(&self, other: &NodeRow) -> bool {
        self.taints != other.taints
            || self.labels != other.labels
            || self.pods_allocatable != other.pods_allocatable
            || self.unschedulable != other.unschedulable
    }

    pub fn add_pod(&mut self, r: &Resources) {
        self.cpu_requested_millis = self.cpu_requested_millis.saturating_add(r.cpu_millis);
        self.memory_requested_bytes = self.memory_requested_bytes.saturating_add(r.memory_bytes);
        self.pod_count = self.pod_count.saturating_add(1);
    }

    pub fn remove_pod(&mut self, r: &Resources) {
        self.cpu_requested_millis = self.cpu_requested_millis.saturating_sub(r.cpu_millis);
        self.memory_requested_bytes = self.memory_requested_bytes.saturating_sub(r.memory_bytes);
        self.pod_count = self.pod_count.saturating_sub(1);
    }

    /// Requested share of allocatable CPU, truncated as `kubectl describe
    /// node` does; 0 when the node reports no CPU.
    pub fn cpu_pct(&self) -> u32 {
        pct(self.cpu_requested_millis, self.cpu_allocatable_millis)
    }

    pub fn memory_pct(&self) -> u32 {
        pct(self.memory_requested_bytes, self.memory_allocatable_bytes)
    }
}

/// `used / total` in whole percent, truncated; may exceed 100 (static pods
/// are admitted past allocatable).
pub fn pct(used: u64, total: u64) -> u32 {
    if total == 0 {
        return 0;
    }
    u32::try_from(u128::from(used) * 100 / u128::from(total)).unwrap_or(u32::MAX)
}

/// Whether a pod still holds its requests on its node: the scheduler and
/// the kubelet stop counting a pod once it has Succeeded or Failed.
pub fn holds_resources(pod: &PodRow) -> bool {
    pod.node.is_some() && !matches!(pod.phase.as_str(), "Succeeded" | "Failed")
}

/// Recomputes every node's requested totals from scratch.
pub fn tally_requests<'a>(
    nodes: &mut BTreeMap<String, NodeRow>,
    pods: impl IntoIterator<Item = &'a PodRow>,
) {
    for node in nodes.values_mut() {
        node.cpu_requested_millis = 0;
        node.memory_requested_bytes = 0;
        node.pod_count = 0;
    }
    for pod in pods.into_iter().filter(|p| holds_resources(p)) {
        if let Some(node) = pod.node.as_ref().and_then(|n| nodes.get_mut(n.as_str())) {
            node.add_pod(&pod.requests);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::pod_row::fixtures;
    use k8s_openapi::api::core::v1::Pod;

    fn kwok_node() -> NodeRow {
        NodeRow::from_node(&fixtures::one::<Node>("node-kwok.yaml"))
    }

    #[test]
    fn kwok_node_row() {
        let n = kwok_node();
        assert_eq!(n.name, "gke-jhub-user-pool-8e2a41c3-9xk2");
        assert!(n.ready);
        assert!(!n.unschedulable);
        assert_eq!(n.cpu_allocatable_millis, 2000);
        assert_eq!(n.memory_allocatable_bytes, 13 << 30);
        assert_eq!(n.pods_allocatable, 110);
        assert_eq!(
            (
                n.cpu_requested_millis,
                n.memory_requested_bytes,
                n.pod_count
            ),
            (0, 0, 0)
        );
        assert_eq!(n.pool.as_deref(), Some("user-pool"));
        assert_eq!(n.purpose.as_deref(), Some("user"));
        assert_eq!(n.instance_type.as_deref(), Some("n1-highmem-2"));
        assert_eq!(n.kubelet_version.as_deref(), Some("kwok-v0.8.0"));
        assert_eq!(
            n.taints,
            vec![
                "hub.jupyter.org_dedicated=user:NoSchedule".to_owned(),
                "kwok.x-k8s.io/node=fake:NoSchedule".to_owned(),
            ]
        );
        assert_eq!(
            n.created.map(|c| c.to_rfc3339()),
            Some("2026-06-01T09:40:00+00:00".to_owned())
        );
    }

    #[test]
    fn not_ready_and_cordoned() {
        let mut node: Node = fixtures::one("node-kwok.yaml");
        node.spec.as_mut().unwrap().unschedulable = Some(true);
        node.spec
            .as_mut()
            .unwrap()
            .taints
            .as_mut()
            .unwrap()
            .push(Taint {
                key: "node.kubernetes.io/unschedulable".into(),
                effect: "NoSchedule".into(),
                value: None,
                time_added: None,
            });
        for c in node.status.as_mut().unwrap().conditions.as_mut().unwrap() {
            if c.type_ == "Ready" {
                c.status = "Unknown".into();
            }
        }
        let n = NodeRow::from_node(&node);
        assert!(!n.ready);
        assert!(n.unschedulable);
        assert_eq!(n.taints[2], "node.kubernetes.io/unschedulable:NoSchedule");
    }

    #[test]
    fn add_remove_and_percentages() {
        let mut n = kwok_node();
        let r = Resources {
            cpu_millis: 500,
            memory_bytes: 13 << 29,
        };
        n.add_pod(&r);
        n.add_pod(&Resources {
            cpu_millis: 250,
            memory_bytes: 0,
        });
        assert_eq!(n.cpu_pct(), 37);
        assert_eq!(n.memory_pct(), 50);
        assert_eq!(n.pod_count, 2);
        n.remove_pod(&r);
        assert_eq!(n.cpu_pct(), 12);
        assert_eq!(n.memory_pct(), 0);
        n.remove_pod(&r);
        n.remove_pod(&r);
        assert_eq!((n.cpu_requested_millis, n.pod_count), (0, 0));
    }

    #[test]
    fn zero_allocatable_is_zero_percent() {
        let n = NodeRow::from_node(&Node::default());
        assert_eq!(n.cpu_pct(), 0);
        assert_eq!(pct(5, 0), 0);
        assert_eq!(pct(300, 200), 150);
        assert_eq!(pct(u64::MAX, 1), u32::MAX);
    }

    #[test]
    fn tally_counts_running_pods_only() {
        let mut nodes = BTreeMap::new();
        let mut node: Node = fixtures::one("node-kwok.yaml");
        node.metadata.name = Some("gke-jhub-default-pool-3f1c2d4e-k8s1".into());
        let row = NodeRow::from_node(&node);
        nodes.insert(row.name.clone(), row);

        let hub = PodRow::from_pod(&fixtures::one::<Pod>("pod-hub-running.yaml"));
        let mut finished = hub.clone();
        finished.phase = "Succeeded".into();
        let pending = PodRow::from_pod(&fixtures::one::<Pod>(
            "pod-pending-insufficient-memory.yaml",
        ));
        let mut elsewhere = hub.clone();
        elsewhere.node = Some("some-other-node".into());

        tally_requests(&mut nodes, [&hub, &finished, &pending, &elsewhere]);
        let n = &nodes["gke-jhub-default-pool-3f1c2d4e-k8s1"];
        assert_eq!(n.pod_count, 1);
        assert_eq!(n.cpu_requested_millis, 200);
        assert_eq!(n.memory_requested_bytes, 512 << 20);
        assert_eq!(n.cpu_pct(), 10);
        assert_eq!(n.memory_pct(), 3);

        tally_requests(&mut nodes, []);
        assert_eq!(nodes["gke-jhub-default-pool-3f1c2d4e-k8s1"].pod_count, 0);
    }
}
