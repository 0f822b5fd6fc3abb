//! The pods' watch in protobuf (`kube::pod_watch`) against the rig's API
//! server: a pod read so is the pod read in JSON, as far as the cockpit
//! reads it (every field converted holds the JSON's value; the row and the
//! diagnosis are the same), and the watch after the list says what changed,
//! across its own timeouts.

use crate::support::{TestNamespace, client, eventually};

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher::{self, Event};
use serde_json::{Value, json};

use jhub_cockpit::kube::diagnosis::{DiagnosisInput, diagnose};
use jhub_cockpit::kube::pod_row::PodRow;
use jhub_cockpit::kube::{pod_watch, trim};

/// Pods of the shapes the cockpit reads most of: unschedulable with
/// selectors, tolerations, affinity, claims, a sidecar and requests; gated;
/// running (KWOK runs it); an image that is not there; one being deleted
/// (held by a finalizer, removed at the end).
fn pods() -> Vec<Value> {
    vec![
        json!({
            "metadata": {"name": "jupyter-ada",
                "labels": {"app": "jupyterhub", "component": "singleuser-server",
                    "hub.jupyter.org/username": "ada"},
                "annotations": {"hub.jupyter.org/username": "Ada"}},
            "spec": {
                "nodeSelector": {"cloud.google.com/gke-nodepool": "user-pool-none"},
                "tolerations": [
                    {"key": "hub.jupyter.org/dedicated", "operator": "Equal",
                        "value": "user", "effect": "NoSchedule"},
                    {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                        "effect": "NoExecute", "tolerationSeconds": 30}],
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{
                        "matchExpressions": [{"key": "hub.jupyter.org/node-purpose",
                            "operator": "In", "values": ["user"]}],
                        "matchFields": [{"key": "metadata.name", "operator": "NotIn",
                            "values": ["nowhere"]}]}]}}},
                "initContainers": [
                    {"name": "block-cloud-metadata", "image": "busybox:1.36",
                        "resources": {"requests": {"cpu": "10m"}}},
                    {"name": "sidecar", "image": "busybox:1.36", "restartPolicy": "Always"}],
                "containers": [{"name": "notebook",
                    "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                        "limits": {"memory": "2Gi"}}}],
                "volumes": [
                    {"name": "home", "persistentVolumeClaim": {"claimName": "claim-ada"}},
                    {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}}}}}},
                    {"name": "tmp", "emptyDir": {}}]
            }
        }),
        json!({
            "metadata": {"name": "jupyter-gated", "labels": {"component": "singleuser-server"}},
            "spec": {"schedulingGates": [{"name": "example.com/quota"}],
                "containers": [{"name": "notebook", "image": "busybox:1.36"}]}
        }),
        json!({
            "metadata": {"name": "hub-running", "labels": {"app": "jupyterhub",
                "component": "hub", "release": "jhub"}},
            "spec": {"containers": [{"name": "hub", "image": "busybox:1.36",
                "resources": {"requests": {"cpu": "200m", "memory": "512Mi"}}}]}
        }),
        json!({
            "metadata": {"name": "jupyter-noimage", "labels": {"component": "singleuser-server"}},
            "spec": {"containers": [{"name": "notebook",
                "image": "registry.invalid/nobody/nothing:0"}]}
        }),
        json!({
            "metadata": {"name": "jupyter-leaving", "finalizers": ["example.com/keep"],
                "labels": {"component": "singleuser-server"}},
            "spec": {"containers": [{"name": "notebook", "image": "busybox:1.36"}]}
        }),
    ]
}

/// Whether every value in `part` is in `whole` at the same place: the
/// converted pod holds nothing the JSON pod does not, and nothing else.
fn within(part: &Value, whole: &Value, path: &str, leaves: &mut usize) -> Result<(), String> {
    match (part, whole) {
        (Value::Object(p), Value::Object(w)) => {
            for (k, v) in p {
                let there = w
                    .get(k)
                    .ok_or_else(|| format!("{path}.{k}: converted, not in the JSON"))?;
                within(v, there, &format!("{path}.{k}"), leaves)?;
            }
            Ok(())
        }
        (Value::Array(p), Value::Array(w)) if p.len() == w.len() => {
            for (i, (a, b)) in p.iter().zip(w).enumerate() {
                within(a, b, &format!("{path}[{i}]"), leaves)?;
            }
            Ok(())
        }
        (a, b) if a == b => {
            *leaves += 1;
            Ok(())
        }
        (a, b) => Err(format!("{path}: converted {a}, JSON {b}")),
    }
}

/// The streaming list's pods, read in protobuf, by name.
async fn listed_in_protobuf(
    stream: &mut futures::stream::BoxStream<'static, watcher::Result<Event<Pod>>>,
) -> BTreeMap<String, Pod> {
    let mut pods = BTreeMap::new();
    loop {
        match stream.next().await.expect("the watch goes on") {
            Ok(Event::Init) => pods.clear(),
            Ok(Event::InitApply(p)) => {
                pods.insert(p.metadata.name.clone().unwrap(), p);
            }
            Ok(Event::InitDone) => return pods,
            Ok(other) => panic!("before the list's end: {other:?}"),
            Err(e) => panic!("the list failed: {e}"),
        }
    }
}

fn diagnosis_of(pod: &Pod) -> Option<jhub_cockpit::kube::diagnosis::Diagnosis> {
    diagnose(&DiagnosisInput::pod_alone(pod, &PodRow::from_pod(pod)))
}

#[tokio::test]
async fn pods_in_protobuf_read_as_in_json() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "protobuf").await;
    let api: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    for pod in pods() {
        api.create(
            &PostParams::default(),
            &serde_json::from_value(pod).unwrap(),
        )
        .await
        .unwrap();
    }
    api.delete("jupyter-leaving", &DeleteParams::default())
        .await
        .unwrap();
    // KWOK runs the pod it can place; wait for it, so a running pod's
    // status (IPs, times, container states, conditions) is compared too.
    let running = eventually(Duration::from_secs(60), || async {
        let p = api.get("hub-running").await.ok()?;
        (p.status.as_ref()?.phase.as_deref() == Some("Running")).then_some(())
    })
    .await;
    assert!(running.is_some(), "KWOK did not run hub-running");

    let mut stream = pod_watch::watch(
        client.clone(),
        &ns.name,
        watcher::Config::default().streaming_lists(),
    );
    let in_protobuf = listed_in_protobuf(&mut stream).await;
    let in_json: BTreeMap<String, Pod> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|mut p| {
            trim::slim(&mut p);
            (p.metadata.name.clone().unwrap(), p)
        })
        .collect();
    assert_eq!(
        in_protobuf.keys().collect::<Vec<_>>(),
        in_json.keys().collect::<Vec<_>>()
    );
    for (name, json_pod) in &in_json {
        let proto_pod = &in_protobuf[name];
        // Unchanged between the two reads, or the comparison means nothing.
        assert_eq!(
            proto_pod.metadata.resource_version, json_pod.metadata.resource_version,
            "{name} changed between the reads"
        );
        let mut leaves = 0;
        within(
            &serde_json::to_value(proto_pod).unwrap(),
            &serde_json::to_value(json_pod).unwrap(),
            name,
            &mut leaves,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(leaves >= 10, "{name}: only {leaves} values converted");
        assert_eq!(
            PodRow::from_pod(proto_pod),
            PodRow::from_pod(json_pod),
            "{name}"
        );
        assert_eq!(diagnosis_of(proto_pod), diagnosis_of(json_pod), "{name}");
    }
    // What the diagnosis reads of the unschedulable pod came through.
    let ada = in_protobuf["jupyter-ada"].spec.as_ref().unwrap();
    assert!(
        ada.tolerations
            .iter()
            .flatten()
            .any(|t| t.key.as_deref() == Some("hub.jupyter.org/dedicated")
                && t.value.as_deref() == Some("user"))
    );
    let volume = |name: &str| {
        ada.volumes
            .iter()
            .flatten()
            .find(|v| v.name == name)
            .unwrap_or_else(|| panic!("volume {name}"))
    };
    assert_eq!(
        volume("home")
            .persistent_volume_claim
            .as_ref()
            .map(|c| c.claim_name.as_str()),
        Some("claim-ada")
    );
    assert!(volume("scratch").ephemeral.is_some());
    assert_eq!(
        ada.init_containers.as_ref().unwrap()[1]
            .restart_policy
            .as_deref(),
        Some("Always")
    );
    let leaving = &in_protobuf["jupyter-leaving"].metadata;
    assert!(leaving.deletion_timestamp.is_some() && leaving.finalizers.is_some());
    let deleting = diagnosis_of(&in_protobuf["jupyter-leaving"]).expect("a diagnosis");
    assert!(
        deleting.line.contains("example.com/keep"),
        "{}",
        deleting.line
    );

    let _ = api
        .patch(
            "jupyter-leaving",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": null}})),
        )
        .await;
}

#[tokio::test]
async fn the_watch_after_the_list_goes_on_across_its_timeouts() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "protobuf-watch").await;
    let api: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    let pod = |name: &str| -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}
        }))
        .unwrap()
    };
    api.create(&PostParams::default(), &pod("first"))
        .await
        .unwrap();

    // A 2 s watch timeout: the server ends the watch, and it is resumed from
    // the last version without a new list.
    let mut stream = pod_watch::watch(
        client.clone(),
        &ns.name,
        watcher::Config::default().streaming_lists().timeout(2),
    );
    let listed = listed_in_protobuf(&mut stream).await;
    assert_eq!(listed.keys().collect::<Vec<_>>(), ["first"]);

    tokio::time::sleep(Duration::from_secs(5)).await;
    api.create(&PostParams::default(), &pod("second"))
        .await
        .unwrap();
    api.patch(
        "first",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"seen": "yes"}}})),
    )
    .await
    .unwrap();
    api.delete("second", &DeleteParams::default().grace_period(0))
        .await
        .unwrap();

    let (mut second_added, mut first_labelled, mut second_deleted) = (false, false, false);
    let watched = tokio::time::timeout(Duration::from_secs(60), async {
        while !(second_added && first_labelled && second_deleted) {
            match stream.next().await.expect("the watch goes on") {
                Ok(Event::Apply(p)) => {
                    let name = p.metadata.name.as_deref().unwrap();
                    second_added |= name == "second";
                    first_labelled |= name == "first"
                        && p.metadata.labels.as_ref().and_then(|l| l.get("seen"))
                            == Some(&"yes".to_owned());
                }
                Ok(Event::Delete(p)) => {
                    second_deleted |= p.metadata.name.as_deref() == Some("second");
                }
                Ok(Event::Init | Event::InitApply(_) | Event::InitDone) => {
                    panic!("a resumed watch lists nothing again")
                }
                Err(e) => panic!("the watch failed: {e}"),
            }
        }
    })
    .await;
    assert!(
        watched.is_ok(),
        "added {second_added}, labelled {first_labelled}, deleted {second_deleted}"
    );
}
