//! A pod read in protobuf (kube-rs's `k8s-pb` types) made into the
//! `k8s-openapi` pod the rest of the cockpit reads, with the fields it
//! reads and no others: the row (`pod_row`), the diagnosis (`diagnosis/`),
//! a crash loop's log and the details overlay (which shows the copy kept of
//! an unhealthy pod) read only these. A reader of another field must add it
//! here. Managed fields are dropped, as `trim::slim` drops them from a pod
//! read in JSON.
//!
//! What JSON leaves out when empty is made `None` (`from_proto`), so a pod
//! converted reads as the same pod read in JSON (the rig test
//! `pods_in_protobuf_read_as_in_json` compares them field by field).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as api;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::api::core::v1 as pb;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as pb_meta;

use super::from_proto::{list, map, object_meta, text, time};
use super::proto_slim;
use super::proto_watch::FromProto;

impl FromProto for api::Pod {
    type Proto = proto_slim::Pod;
    const KIND: &'static str = "Pod";

    fn from_proto(p: proto_slim::Pod) -> api::Pod {
        pod(p.into())
    }

    fn proto_meta(p: proto_slim::Pod) -> Option<pb_meta::ObjectMeta> {
        p.metadata.map(Into::into)
    }
}

/// The pod as the cockpit reads it.
pub fn pod(p: pb::Pod) -> api::Pod {
    api::Pod {
        metadata: p.metadata.map(object_meta).unwrap_or_default(),
        spec: p.spec.map(pod_spec),
        status: p.status.map(pod_status),
    }
}

fn pod_spec(s: pb::PodSpec) -> api::PodSpec {
    api::PodSpec {
        volumes: list(s.volumes, volume),
        init_containers: list(s.init_containers, container),
        containers: s.containers.into_iter().map(container).collect(),
        restart_policy: text(s.restart_policy),
        node_selector: map(s.node_selector),
        node_name: text(s.node_name),
        affinity: s.affinity.map(|a| api::Affinity {
            node_affinity: a.node_affinity.map(|n| api::NodeAffinity {
                required_during_scheduling_ignored_during_execution: n
                    .required_during_scheduling_ignored_during_execution
                    .map(node_selector),
                ..Default::default()
            }),
            ..Default::default()
        }),
        scheduler_name: text(s.scheduler_name),
        tolerations: list(s.tolerations, |t| api::Toleration {
            key: text(t.key),
            operator: text(t.operator),
            value: text(t.value),
            effect: text(t.effect),
            toleration_seconds: t.toleration_seconds,
        }),
        priority_class_name: text(s.priority_class_name),
        priority: s.priority,
        overhead: quantities(s.overhead),
        scheduling_gates: list(s.scheduling_gates, |g| api::PodSchedulingGate {
            name: g.name.unwrap_or_default(),
        }),
        resources: s.resources.map(resources),
        ..Default::default()
    }
}

fn node_selector(n: pb::NodeSelector) -> api::NodeSelector {
    let requirement = |r: pb::NodeSelectorRequirement| api::NodeSelectorRequirement {
        key: r.key.unwrap_or_default(),
        operator: r.operator.unwrap_or_default(),
        values: list(r.values, |v| v),
    };
    api::NodeSelector {
        node_selector_terms: n
            .node_selector_terms
            .into_iter()
            .map(|t| api::NodeSelectorTerm {
                match_expressions: list(t.match_expressions, requirement),
                match_fields: list(t.match_fields, requirement),
            })
            .collect(),
    }
}

fn volume(v: pb::Volume) -> api::Volume {
    let source = v.volume_source.unwrap_or_default();
    api::Volume {
        name: v.name.unwrap_or_default(),
        persistent_volume_claim: source.persistent_volume_claim.map(|c| {
            api::PersistentVolumeClaimVolumeSource {
                claim_name: c.claim_name.unwrap_or_default(),
                read_only: c.read_only.filter(|r| *r),
            }
        }),
        // Only that it is one is read (its claim is named after the pod).
        ephemeral: source
            .ephemeral
            .map(|_| api::EphemeralVolumeSource::default()),
        ..Default::default()
    }
}

fn container(c: pb::Container) -> api::Container {
    api::Container {
        name: c.name.unwrap_or_default(),
        image: text(c.image),
        resources: c.resources.map(resources),
        restart_policy: text(c.restart_policy),
        ..Default::default()
    }
}

fn resources(r: pb::ResourceRequirements) -> api::ResourceRequirements {
    api::ResourceRequirements {
        limits: quantities(r.limits),
        requests: quantities(r.requests),
        ..Default::default()
    }
}

fn pod_status(s: pb::PodStatus) -> api::PodStatus {
    api::PodStatus {
        phase: text(s.phase),
        conditions: list(s.conditions, |c| api::PodCondition {
            type_: c.r#type.unwrap_or_default(),
            status: c.status.unwrap_or_default(),
            reason: text(c.reason),
            message: text(c.message),
            last_transition_time: time(c.last_transition_time),
            last_probe_time: time(c.last_probe_time),
            ..Default::default()
        }),
        message: text(s.message),
        reason: text(s.reason),
        nominated_node_name: text(s.nominated_node_name),
        host_ip: text(s.host_ip),
        pod_ip: text(s.pod_ip),
        start_time: time(s.start_time),
        init_container_statuses: list(s.init_container_statuses, container_status),
        container_statuses: list(s.container_statuses, container_status),
        qos_class: text(s.qos_class),
        ..Default::default()
    }
}

fn container_status(c: pb::ContainerStatus) -> api::ContainerStatus {
    api::ContainerStatus {
        name: c.name.unwrap_or_default(),
        state: c.state.map(container_state),
        last_state: c.last_state.map(container_state),
        ready: c.ready.unwrap_or_default(),
        restart_count: c.restart_count.unwrap_or_default(),
        image: c.image.unwrap_or_default(),
        image_id: c.image_id.unwrap_or_default(),
        container_id: text(c.container_id),
        started: c.started,
        ..Default::default()
    }
}

/// A state as JSON has it: Go's `ContainerState` holds three pointers, so
/// protobuf, like JSON, sends only the one set; an empty state (no
/// pointer set) stays empty.
fn container_state(s: pb::ContainerState) -> api::ContainerState {
    api::ContainerState {
        waiting: s.waiting.map(|w| api::ContainerStateWaiting {
            reason: text(w.reason),
            message: text(w.message),
        }),
        running: s.running.map(|r| api::ContainerStateRunning {
            started_at: time(r.started_at),
        }),
        terminated: s.terminated.map(|t| api::ContainerStateTerminated {
            exit_code: t.exit_code.unwrap_or_default(),
            signal: t.signal.filter(|s| *s != 0),
            reason: text(t.reason),
            message: text(t.message),
            started_at: time(t.started_at),
            finished_at: time(t.finished_at),
            container_id: text(t.container_id),
        }),
    }
}

fn quantities(
    m: BTreeMap<String, k8s_pb::apimachinery::pkg::api::resource::Quantity>,
) -> Option<BTreeMap<String, Quantity>> {
    (!m.is_empty()).then(|| {
        m.into_iter()
            .map(|(k, q)| (k, Quantity(q.string.unwrap_or_default())))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::diagnosis::{DiagnosisInput, diagnose};
    use crate::kube::pod_row::PodRow;
    use crate::kube::proto_watch::captured_list;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rig")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn diagnosis_of(pod: &api::Pod) -> Option<crate::kube::diagnosis::Diagnosis> {
        diagnose(&DiagnosisInput::pod_alone(pod, &PodRow::from_pod(pod)))
    }

    /// The rig's own bytes (tests/fixtures/rig/README.md): its pods read
    /// in protobuf make the rows and diagnoses its JSON makes.
    #[test]
    fn the_rigs_watch_in_protobuf_reads_as_its_json() {
        let pods: BTreeMap<String, api::Pod> = captured_list(&fixture("pods-watch.protobuf"));
        let json: serde_json::Value = serde_json::from_slice(&fixture("pods-watch.json")).unwrap();
        let items = json["items"].as_array().unwrap();
        assert_eq!(items.len(), pods.len());
        for item in items {
            let json_pod: api::Pod = serde_json::from_value(item.clone()).unwrap();
            let name = json_pod.metadata.name.as_deref().unwrap();
            let converted = &pods[name];
            assert_eq!(
                PodRow::from_pod(converted),
                PodRow::from_pod(&json_pod),
                "{name}"
            );
            assert_eq!(diagnosis_of(converted), diagnosis_of(&json_pod), "{name}");
        }
        let pending = diagnosis_of(&pods["jupyter-ada"]).expect("a pending pod's diagnosis");
        // The selector named comes from the converted spec, the rest from
        // the converted condition.
        assert_eq!(pending.short, "Node selector mismatch");
        assert!(
            pending
                .line
                .ends_with("(pod wants cloud.google.com/gke-nodepool=user-pool-none)"),
            "{}",
            pending.line
        );
        assert_eq!(PodRow::from_pod(&pods["hub-0"]).status, "Running");
    }

    #[test]
    fn what_json_leaves_out_is_none() {
        let p = pod(pb::Pod {
            metadata: Some(pb_meta::ObjectMeta {
                name: Some("jupyter-ada".into()),
                namespace: Some("hub".into()),
                generate_name: Some(String::new()),
                labels: BTreeMap::new(),
                creation_timestamp: Some(pb_meta::Time {
                    seconds: Some(1_700_000_000),
                    nanos: Some(0),
                }),
                deletion_timestamp: Some(pb_meta::Time::default()),
                ..Default::default()
            }),
            spec: Some(pb::PodSpec {
                node_name: Some(String::new()),
                containers: vec![pb::Container {
                    name: Some("notebook".into()),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            status: Some(pb::PodStatus {
                phase: Some("Pending".into()),
                pod_ip: Some(String::new()),
                ..Default::default()
            }),
        });
        assert_eq!(p.metadata.name.as_deref(), Some("jupyter-ada"));
        assert_eq!(p.metadata.generate_name, None);
        assert_eq!(p.metadata.labels, None);
        assert_eq!(
            p.metadata.creation_timestamp.map(|t| t.0.as_second()),
            Some(1_700_000_000)
        );
        assert_eq!(p.metadata.deletion_timestamp, None, "a zero time");
        let spec = p.spec.unwrap();
        assert_eq!(spec.node_name, None);
        assert_eq!(spec.containers[0].name, "notebook");
        assert_eq!(spec.volumes, None);
        let status = p.status.unwrap();
        assert_eq!(status.phase.as_deref(), Some("Pending"));
        assert_eq!(status.pod_ip, None);
        assert_eq!(status.container_statuses, None);
    }
}
