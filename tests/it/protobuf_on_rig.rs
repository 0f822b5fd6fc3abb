//! The watch in protobuf (`kube::proto_watch`) against the rig's API
//! server: a pod read so is the pod read in JSON, as far as the cockpit
//! reads it (every field converted holds the JSON's value; the row and the
//! diagnosis are the same), an event makes the record its JSON makes, and
//! the watch after the list says what changed, across its own timeouts.

use crate::support::{TestNamespace, client, eventually};

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event as KubeEvent, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher::{self, Event};
use serde_json::{Value, json};

use jhub_cockpit::kube::diagnosis::{DiagnosisInput, diagnose};
use jhub_cockpit::kube::event_record::EventRecord;
use jhub_cockpit::kube::pod_row::PodRow;
use jhub_cockpit::kube::proto_watch::{self, FromProto};
use jhub_cockpit::kube::trim;

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

/// The streaming list's objects, read in protobuf, by name.
async fn listed_in_protobuf<K: FromProto + std::fmt::Debug>(
    stream: &mut futures::stream::BoxStream<'static, watcher::Result<Event<K>>>,
) -> BTreeMap<String, K> {
    let mut objects = BTreeMap::new();
    loop {
        match stream.next().await.expect("the watch goes on") {
            Ok(Event::Init) => objects.clear(),
            Ok(Event::InitApply(o)) => {
                objects.insert(o.meta().name.clone().unwrap(), o);
            }
            Ok(Event::InitDone) => return objects,
            Ok(other) => panic!("before the list's end: {other:?}"),
            Err(e) => panic!("the list failed: {e}"),
        }
    }
}

/// The namespace's `K`s read through the protobuf watcher's streaming
/// list and through a JSON list (slimmed as the cockpit slims it), by name;
/// the same names in both, and each object at the same version in both:
/// the rig changes some between two reads (the pod whose image is missing
/// goes through its pull back-off), so the pair is read again until one
/// holds every object unchanged, up to ten times.
async fn read_both<K>(
    client: &kube::Client,
    api: &Api<K>,
) -> (BTreeMap<String, K>, BTreeMap<String, K>)
where
    K: FromProto + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut attempt = 0;
    loop {
        let (in_protobuf, in_json) = read_both_once(client, api).await;
        let changed: Vec<&String> = in_json
            .iter()
            .filter(|(name, o)| {
                in_protobuf[*name].meta().resource_version != o.meta().resource_version
            })
            .map(|(name, _)| name)
            .collect();
        attempt += 1;
        if changed.is_empty() || attempt == 10 {
            return (in_protobuf, in_json);
        }
        eprintln!("changed between the reads, read again: {changed:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn read_both_once<K>(
    client: &kube::Client,
    api: &Api<K>,
) -> (BTreeMap<String, K>, BTreeMap<String, K>)
where
    K: FromProto + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let namespace = api.namespace().expect("a namespaced Api").to_owned();
    let mut stream = proto_watch::watch::<K>(
        client.clone(),
        &namespace,
        watcher::Config::default().streaming_lists(),
    );
    let in_protobuf = listed_in_protobuf(&mut stream).await;
    let in_json: BTreeMap<String, K> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|mut o| {
            trim::slim(&mut o);
            (o.meta().name.clone().unwrap(), o)
        })
        .collect();
    assert_eq!(
        in_protobuf.keys().collect::<Vec<_>>(),
        in_json.keys().collect::<Vec<_>>()
    );
    (in_protobuf, in_json)
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

    let (in_protobuf, in_json) = read_both(&client, &api).await;
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

/// Events of the reporters the cockpit reads: the scheduler itself
/// (events.k8s.io: an event time, a reporting instance), one as it writes
/// an event that repeats (a series), and one as a kubelet writes it (a
/// source host, first and last times, a count).
#[tokio::test]
async fn events_in_protobuf_read_as_in_json() {
    let client = client().await;
    let ns = TestNamespace::new(&client, "protobuf-events").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns.name);
    let events: Api<KubeEvent> = Api::namespaced(client.clone(), &ns.name);
    // Unschedulable: the scheduler's FailedScheduling.
    pods.create(
        &PostParams::default(),
        &serde_json::from_value(json!({
            "metadata": {"name": "jupyter-ada"},
            "spec": {"nodeSelector": {"cloud.google.com/gke-nodepool": "user-pool-none"},
                "containers": [{"name": "notebook", "image": "busybox:1.36"}]}
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    // As a kubelet reports a pull.
    events
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "jupyter-ada.pulled"},
                "involvedObject": {"kind": "Pod", "namespace": ns.name, "name": "jupyter-ada",
                    "apiVersion": "v1", "fieldPath": "spec.containers{notebook}"},
                "reason": "Pulled",
                "message": "Successfully pulled image \"busybox:1.36\" in 1.2s",
                "type": "Normal",
                "source": {"component": "kubelet", "host": "kwok-node-0"},
                "firstTimestamp": "2026-12-01T10:00:00Z",
                "lastTimestamp": "2026-12-01T10:03:00Z",
                "count": 3
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    // As the scheduler reports one that repeats (events.k8s.io's series),
    // last seen after its creation, so that the record's last sighting is
    // the series' time.
    let observed = (chrono::Utc::now() + chrono::Duration::minutes(1))
        .format("%Y-%m-%dT%H:%M:%S.654321Z")
        .to_string();
    events
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "jupyter-ada.repeated"},
                "involvedObject": {"kind": "Pod", "namespace": ns.name, "name": "jupyter-ada",
                    "apiVersion": "v1"},
                "reason": "FailedScheduling",
                "message": "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
                "type": "Warning",
                "eventTime": "2026-12-01T10:00:00.123456Z",
                "series": {"count": 4, "lastObservedTime": observed},
                "action": "Scheduling",
                "reportingComponent": "default-scheduler",
                "reportingInstance": "default-scheduler-rig"
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let scheduled = eventually(Duration::from_secs(60), || async {
        let list = events.list(&ListParams::default()).await.ok()?;
        list.items
            .iter()
            .any(|e| e.reason.as_deref() == Some("FailedScheduling"))
            .then_some(())
    })
    .await;
    assert!(scheduled.is_some(), "the scheduler reported nothing");

    let (in_protobuf, in_json) = read_both(&client, &events).await;
    let mut compared = 0;
    for (name, json_event) in &in_json {
        let proto_event = &in_protobuf[name];
        if proto_event.metadata.resource_version != json_event.metadata.resource_version {
            // The scheduler counted it again between the reads.
            continue;
        }
        compared += 1;
        // Every field is converted but `related`, so both ways.
        let (proto_value, json_value) = (
            serde_json::to_value(proto_event).unwrap(),
            serde_json::to_value(json_event).unwrap(),
        );
        let mut leaves = 0;
        within(&proto_value, &json_value, name, &mut leaves).unwrap_or_else(|e| panic!("{e}"));
        assert!(leaves >= 8, "{name}: only {leaves} values converted");
        within(&json_value, &proto_value, name, &mut 0)
            .unwrap_or_else(|e| panic!("not converted: {e}"));
        assert_eq!(
            EventRecord::from(proto_event.clone()),
            EventRecord::from(json_event.clone()),
            "{name}"
        );
    }
    assert!(compared >= 1, "every event changed between the reads");
    let record = |reason: &str| {
        in_protobuf
            .values()
            .find(|e| e.reason.as_deref() == Some(reason))
            .map(|e| EventRecord::from(e.clone()))
            .unwrap_or_else(|| panic!("no {reason} event"))
    };
    let pulled = record("Pulled");
    assert_eq!(pulled.node.as_deref(), Some("kwok-node-0"));
    assert_eq!(pulled.count, 3);
    assert!(pulled.first_seen < pulled.last_seen);
    let failed = record("FailedScheduling");
    assert_eq!(failed.type_.as_deref(), Some("Warning"));
    assert_eq!(failed.involved_object.name.as_deref(), Some("jupyter-ada"));
    assert!(failed.last_seen.is_some(), "the scheduler's event time");
    let repeated = EventRecord::from(in_protobuf["jupyter-ada.repeated"].clone());
    assert_eq!(repeated.count, 4, "the series' count");
    assert_eq!(
        repeated
            .last_seen
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        Some(observed),
        "the series' last time, to the microsecond"
    );
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
    let mut stream = proto_watch::watch::<Pod>(
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
