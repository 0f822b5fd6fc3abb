//! The diagnosis, from objects captured from the rig's real API server
//! (tests/fixtures/rig), not written by hand.

use std::path::PathBuf;

use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use serde::de::DeserializeOwned;

use jhub_cockpit::kube::diagnosis::{DiagnosisInput, DiagnosisKind, diagnose};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rig")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn one<T: DeserializeOwned>(name: &str) -> T {
    serde_yaml::from_str(&fixture(name)).unwrap()
}

/// `kubectl get -o yaml` of a list: its items.
fn items<T: DeserializeOwned>(name: &str) -> Vec<T> {
    let list: serde_json::Value = serde_yaml::from_str(&fixture(name)).unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| serde_json::from_value(i.clone()).unwrap())
        .collect()
}

fn diagnose_pod(
    pod: &str,
    claims: &[PersistentVolumeClaim],
) -> jhub_cockpit::kube::diagnosis::Diagnosis {
    let pod: Pod = one(&format!("pod-{pod}.yaml"));
    let events: Vec<Event> = items(&format!(
        "events-{}.yaml",
        pod.metadata.name.as_deref().unwrap()
    ));
    let event_refs: Vec<&Event> = events.iter().collect();
    let classes: Vec<StorageClass> = items("storageclasses.yaml");
    let lookup = |name: &str| {
        claims
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(name))
    };
    diagnose(&DiagnosisInput {
        pod: &pod,
        events: &event_refs,
        claims: &lookup,
        storage_classes: &classes,
        last_log_lines: &[],
        nodes: &[],
        scheduler_pods: &[],
    })
    .expect("a pod that is not Running has a diagnosis")
}

#[test]
fn image_pull_names_the_image() {
    let d = diagnose_pod("jupyter-broken", &[]);
    assert_eq!(d.kind, DiagnosisKind::ImagePull);
    assert!(
        d.line.contains("example.invalid/notebook:missing"),
        "{}",
        d.line
    );
}

#[test]
fn unbound_claim_names_the_claim_and_the_missing_class() {
    let claim: PersistentVolumeClaim = one("pvc-claim-alice.yaml");
    let d = diagnose_pod("jupyter-alice", &[claim]);
    assert_eq!(d.kind, DiagnosisKind::UnboundClaim);
    assert!(d.line.contains("claim-alice"), "{}", d.line);
    assert!(d.line.contains("no-such-class"), "{}", d.line);
}

#[test]
fn insufficient_memory_quotes_the_scheduler() {
    let d = diagnose_pod("jupyter-huge", &[]);
    assert_eq!(d.kind, DiagnosisKind::InsufficientResources);
    assert!(
        d.line.contains("0/3 nodes: 3 Insufficient memory"),
        "{}",
        d.line
    );
    assert!(d.line.contains("14Gi"), "{}", d.line);
}
