//! The scheduler's FitError text ("0/3 nodes are available: 1 Insufficient
//! cpu, 2 node(s) had untolerated taint {k: v}. preemption: ..."), which
//! comes from whatever scheduler the cluster runs (the chart brings its own)
//! and is parsed by `kube::diagnosis::parse_scheduling_message`, and the
//! diagnosis built on it.
//!
//! The input is NUL-separated fields: the scheduler's message, an
//! autoscaler event's message, the cpu request, the memory request. The
//! first byte of the message field's length picks a real pending pod from
//! tests/fixtures/objects and whether the message comes in its PodScheduled
//! condition or in a FailedScheduling event.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jhub_cockpit::kube::diagnosis::{self, DiagnosisInput, SHORT_MAX};
use jhub_cockpit::kube::event_record::EventRecord;
use jhub_cockpit::kube::node_row::NodeRow;
use jhub_cockpit::kube::pod_row::PodRow;
use k8s_openapi::api::core::v1::{Event, Node, ObjectReference, PersistentVolumeClaim, Pod, Taint};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde::de::DeserializeOwned;

struct Fixtures {
    pods: Vec<Pod>,
    claim: PersistentVolumeClaim,
    classes: Vec<StorageClass>,
    /// A rig node as is, and one with the user pool's taint: since 1.34
    /// the taint is named from the nodes, not from the message.
    nodes: Vec<NodeRow>,
}

fn nodes() -> Vec<NodeRow> {
    let plain: Node = yaml(include_str!("../../tests/fixtures/objects/node-kwok.yaml"));
    let mut tainted = plain.clone();
    tainted.metadata.name = Some("user-pool-node".into());
    tainted.spec.get_or_insert_with(Default::default).taints = Some(vec![Taint {
        key: "hub.jupyter.org/dedicated".into(),
        value: Some("user".into()),
        effect: "NoSchedule".into(),
        ..Default::default()
    }]);
    vec![NodeRow::from_node(&plain), NodeRow::from_node(&tainted)]
}

fn yaml<T: DeserializeOwned>(text: &str) -> T {
    serde_yaml::from_str(text).expect("fixture parses")
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| Fixtures {
        pods: vec![
            yaml(include_str!(
                "../../tests/fixtures/objects/pod-pending-insufficient-memory.yaml"
            )),
            yaml(include_str!(
                "../../tests/fixtures/objects/pod-node-selector-mismatch.yaml"
            )),
            yaml(include_str!(
                "../../tests/fixtures/objects/pod-taint-mismatch.yaml"
            )),
            yaml(include_str!(
                "../../tests/fixtures/objects/pod-unbound-claim.yaml"
            )),
        ],
        claim: yaml(include_str!(
            "../../tests/fixtures/objects/pvc-hub-db-dir-pending.yaml"
        )),
        classes: serde_yaml::Deserializer::from_str(include_str!(
            "../../tests/fixtures/objects/storageclasses.yaml"
        ))
        .map(|d| StorageClass::deserialize(d).expect("fixture parses"))
        .collect(),
        nodes: nodes(),
    })
}

fn event(pod: &Pod, reason: &str, message: &str) -> Event {
    Event {
        involved_object: ObjectReference {
            uid: pod.metadata.uid.clone(),
            ..Default::default()
        },
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        ..Default::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\0');
    let message = fields.next().unwrap_or_default();
    let autoscaler = fields.next();
    let cpu = fields.next();
    let memory = fields.next();

    let _ = diagnosis::parse_scheduling_message(message);

    let fx = fixtures();
    let pick = message.len();
    let mut pod = fx.pods[pick % fx.pods.len()].clone();
    let in_condition = pick / fx.pods.len() % 2 == 0;
    let status = pod.status.get_or_insert_with(Default::default);
    for c in status.conditions.iter_mut().flatten() {
        if c.type_ == "PodScheduled" {
            c.message = in_condition.then(|| message.to_owned());
        }
    }
    if let Some(container) = pod.spec.as_mut().and_then(|s| s.containers.first_mut()) {
        let requests = container
            .resources
            .get_or_insert_with(Default::default)
            .requests
            .get_or_insert_with(BTreeMap::new);
        if let Some(cpu) = cpu {
            requests.insert("cpu".into(), Quantity(cpu.to_owned()));
        }
        if let Some(memory) = memory {
            requests.insert("memory".into(), Quantity(memory.to_owned()));
        }
    }
    let mut events = vec![event(&pod, "FailedScheduling", message)];
    if let Some(a) = autoscaler {
        let reason = if a.len() % 2 == 0 {
            "TriggeredScaleUp"
        } else {
            "NotTriggerScaleUp"
        };
        events.push(event(&pod, reason, a));
    }
    // As the watcher keeps them.
    let events: Vec<EventRecord> = events.into_iter().map(EventRecord::from).collect();
    let events: Vec<&EventRecord> = events.iter().collect();
    let claim = &fx.claim;
    let claims = move |_: &str| Some(claim);
    let node_refs: Vec<&NodeRow> = fx.nodes.iter().collect();
    let row = PodRow::from_pod(&pod);
    let input = DiagnosisInput {
        pod: &pod,
        row: &row,
        events: &events,
        claims: &claims,
        storage_classes: &fx.classes,
        last_log_lines: &[],
        nodes: &node_refs,
        scheduler_pods: &[],
    };
    if let Some(d) = diagnosis::diagnose(&input) {
        // The pods table column is SHORT_MAX wide, and a diagnosis is one
        // line.
        assert!(
            d.short.chars().count() <= SHORT_MAX,
            "short too long: {d:?}"
        );
        assert!(!d.line.contains('\n'), "multi-line diagnosis: {d:?}");
    }
});
