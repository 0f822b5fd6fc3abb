//! Constructed API objects for view and update tests, in the shapes the
//! rig's API server returns (see tests/fixtures/objects for captured ones).

#![allow(dead_code)]

use std::io::Write;
use std::sync::Arc;

use base64::Engine;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Node, Pod, Secret, Service};
use serde_json::{Value, json};

use jhub_cockpit::app::Object;
use jhub_cockpit::kube::event_record::EventRecord;

pub const NOW: &str = "2026-12-01T12:00:00Z";

pub fn now() -> chrono::DateTime<chrono::Utc> {
    NOW.parse().unwrap()
}

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a valid API object")
}

pub fn node(name: &str, ready: bool) -> Object {
    Object::Node(Arc::new(from::<Node>(json!({
        "metadata": {"name": name, "uid": format!("uid-{name}"), "creationTimestamp": "2026-12-01T10:00:00Z",
            "labels": {"cloud.google.com/gke-nodepool": "default-pool"},
            "annotations": {"kwok.x-k8s.io/node": "fake"}},
        "spec": {},
        "status": {
            "allocatable": {"cpu": "2", "memory": "13Gi", "pods": "110"},
            "capacity": {"cpu": "2", "memory": "13Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}, "reason": "KubeletReady"}]
        }
    }))))
}

/// A Running, Ready pod of a chart component (or a user pod).
pub fn running_pod(name: &str, component: &str, node: &str, created: &str) -> Object {
    Object::Pod(Arc::new(from::<Pod>(json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"), "resourceVersion": "1",
            "creationTimestamp": created,
            "labels": {"app": "jupyterhub", "component": component, "release": "jhub"}},
        "spec": {"nodeName": node, "containers": [{"name": "main", "image": "quay.io/jupyterhub/k8s-hub:4.4.0",
            "resources": {"requests": {"cpu": "200m", "memory": "512Mi"}}}]},
        "status": {"phase": "Running", "podIP": "10.0.0.7", "hostIP": "127.0.0.1",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "main", "ready": true, "restartCount": 0, "image": "x", "imageID": "",
                "state": {"running": {"startedAt": created}}}]}
    }))))
}

/// A user pod the scheduler could not place.
pub fn unschedulable_pod(name: &str) -> Object {
    Object::Pod(Arc::new(from::<Pod>(json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"), "creationTimestamp": "2026-12-01T11:58:00Z",
            "labels": {"app": "jupyterhub", "component": "singleuser-server", "hub.jupyter.org/username": "big"}},
        "spec": {"containers": [{"name": "notebook", "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
            "resources": {"requests": {"memory": "14Gi"}}}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."}]}
    }))))
}

pub fn image_pull_pod(name: &str, node: &str) -> Object {
    Object::Pod(Arc::new(from::<Pod>(json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"), "creationTimestamp": "2026-12-01T11:59:00Z",
            "labels": {"app": "jupyterhub", "component": "singleuser-server"}},
        "spec": {"nodeName": node, "containers": [{"name": "notebook", "image": "example.org/no/such:tag"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "notebook", "ready": false, "restartCount": 0, "image": "example.org/no/such:tag", "imageID": "",
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"example.org/no/such:tag\""}}}]}
    }))))
}

pub fn service(
    name: &str,
    type_: &str,
    cluster_ip: &str,
    port: i32,
    ingress_ip: Option<&str>,
) -> Object {
    let mut status = json!({});
    if let Some(ip) = ingress_ip {
        status = json!({"loadBalancer": {"ingress": [{"ip": ip}]}});
    }
    Object::Service(Arc::new(from::<Service>(json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"), "creationTimestamp": "2026-12-01T11:58:40Z",
            "labels": {"app": "jupyterhub", "release": "jhub"}},
        "spec": {"type": type_, "clusterIP": cluster_ip, "ports": [{"port": port, "protocol": "TCP", "targetPort": port}]},
        "status": status
    }))))
}

pub fn warning_event(pod: &str, reason: &str, message: &str, at: &str) -> Object {
    Object::Event(Arc::new(from::<EventRecord>(json!({
        "metadata": {"name": format!("{pod}.{reason}"), "namespace": "jhub", "uid": format!("ev-{pod}-{reason}")},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": "jhub"},
        "reason": reason, "message": message, "type": "Warning", "count": 3,
        "firstTimestamp": at, "lastTimestamp": at
    }))))
}

/// A warning event about any object (a ReplicaSet's FailedCreate, say).
pub fn warning_event_about(
    kind: &str,
    name: &str,
    reason: &str,
    message: &str,
    at: &str,
) -> Object {
    Object::Event(Arc::new(from::<EventRecord>(json!({
        "metadata": {"name": format!("{name}.{reason}"), "namespace": "jhub", "uid": format!("ev-{kind}-{name}-{reason}")},
        "involvedObject": {"kind": kind, "name": name, "namespace": "jhub"},
        "reason": reason, "message": message, "type": "Warning", "count": 4,
        "firstTimestamp": at, "lastTimestamp": at
    }))))
}

fn workload_meta(name: &str, release: &str, hook_weight: Option<i32>) -> Value {
    let mut annotations = json!({});
    match hook_weight {
        Some(w) => {
            annotations["helm.sh/hook"] = json!("pre-install,pre-upgrade");
            annotations["helm.sh/hook-delete-policy"] =
                json!("before-hook-creation,hook-succeeded");
            annotations["helm.sh/hook-weight"] = json!(w.to_string());
        }
        None => {
            annotations["meta.helm.sh/release-name"] = json!(release);
            annotations["meta.helm.sh/release-namespace"] = json!("jhub");
        }
    }
    json!({"name": name, "namespace": "jhub", "uid": format!("uid-{name}"), "generation": 1,
        "creationTimestamp": "2026-12-01T11:30:00Z",
        "labels": {"app": "jupyterhub", "component": name, "release": release,
            "app.kubernetes.io/managed-by": "Helm"},
        "annotations": annotations})
}

/// A Deployment of `release` with `ready` of `replicas` Ready (all updated).
pub fn deployment(name: &str, release: &str, replicas: i32, ready: i32) -> Object {
    Object::deployment(from::<Deployment>(json!({
        "metadata": workload_meta(name, release, None),
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"component": name}},
            "template": {"metadata": {"labels": {"component": name}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}},
        "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": ready, "availableReplicas": ready}
    })))
}

pub fn stateful_set(name: &str, release: &str, replicas: i32, ready: i32) -> Object {
    Object::stateful_set(from::<StatefulSet>(json!({
        "metadata": workload_meta(name, release, None),
        "spec": {"replicas": replicas, "serviceName": name, "selector": {"matchLabels": {"component": name}},
            "template": {"metadata": {"labels": {"component": name}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}},
        "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": ready,
            "currentRevision": format!("{name}-1"), "updateRevision": format!("{name}-1")}
    })))
}

/// A DaemonSet on `desired` nodes, `ready` of them Ready; a hook with a
/// weight.
pub fn daemon_set(
    name: &str,
    release: &str,
    desired: i32,
    ready: i32,
    hook_weight: Option<i32>,
) -> Object {
    Object::daemon_set(from::<DaemonSet>(json!({
        "metadata": workload_meta(name, release, hook_weight),
        "spec": {"selector": {"matchLabels": {"component": name}},
            "template": {"metadata": {"labels": {"component": name}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}},
        "status": {"observedGeneration": 1, "currentNumberScheduled": desired, "desiredNumberScheduled": desired,
            "numberMisscheduled": 0, "numberReady": ready, "numberAvailable": ready, "updatedNumberScheduled": desired}
    })))
}

/// A Job started at `started`, running, or complete 12 s later.
pub fn job(
    name: &str,
    release: &str,
    hook_weight: Option<i32>,
    started: &str,
    complete: bool,
) -> Object {
    let status = if complete {
        json!({"startTime": started, "succeeded": 1,
            "completionTime": (started.parse::<chrono::DateTime<chrono::Utc>>().unwrap() + chrono::Duration::seconds(12)).to_rfc3339(),
            "conditions": [{"type": "Complete", "status": "True"}]})
    } else {
        json!({"startTime": started, "active": 1})
    };
    Object::job(from::<Job>(json!({
        "metadata": workload_meta(name, release, hook_weight),
        "spec": {"completions": 1, "parallelism": 1, "backoffLimit": 6,
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}},
        "status": status
    })))
}

/// The chart's workloads during an install: the hooks at work, the hub
/// rolling out, the rest ready.
pub fn installing_workloads() -> Vec<(jhub_cockpit::app::Kind, Vec<Object>)> {
    use jhub_cockpit::app::Kind;
    vec![
        (
            Kind::Deployment,
            vec![
                deployment("hub", "jhub", 1, 0),
                deployment("proxy", "jhub", 1, 1),
                deployment("user-scheduler", "jhub", 2, 2),
            ],
        ),
        (
            Kind::StatefulSet,
            vec![stateful_set("user-placeholder", "jhub", 0, 0)],
        ),
        (
            Kind::DaemonSet,
            vec![
                daemon_set("continuous-image-puller", "jhub", 3, 3, None),
                daemon_set("hook-image-puller", "jhub", 3, 2, Some(-10)),
            ],
        ),
        (
            Kind::Job,
            vec![job(
                "hook-image-awaiter",
                "jhub",
                Some(10),
                "2026-12-01T11:59:20Z",
                false,
            )],
        ),
    ]
}

/// A helm release Secret as helm writes it: base64 of gzip of JSON, inside
/// the Secret's own base64 (which k8s-openapi's ByteString removes).
pub fn release_secret(
    name: &str,
    revision: u32,
    status: &str,
    chart_version: &str,
    deployed: &str,
) -> Object {
    release_secret_with_config(
        name,
        revision,
        status,
        chart_version,
        deployed,
        json!({"singleuser": {"image": {"name": "quay.io/jupyterhub/k8s-singleuser-sample", "tag": "4.4.0"}}}),
    )
}

/// A helm release Secret whose revision was deployed with `config` as its
/// user values.
pub fn release_secret_with_config(
    name: &str,
    revision: u32,
    status: &str,
    chart_version: &str,
    deployed: &str,
    config: serde_json::Value,
) -> Object {
    let record = json!({
        "name": name, "namespace": "jhub", "version": revision,
        "info": {"status": status, "first_deployed": "2026-12-01T11:00:00Z", "last_deployed": deployed,
            "description": if revision == 1 {"Install complete"} else {"Upgrade complete"},
            "notes": "JupyterHub is installing.\nFind its address with: kubectl -n jhub get service proxy-public\n"},
        "chart": {"metadata": {"name": "jupyterhub", "version": chart_version, "appVersion": "5.5.0"}},
        "config": config,
        "manifest": "---\n"
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(record.to_string().as_bytes()).unwrap();
    let inner = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
    let secret_b64 = base64::engine::general_purpose::STANDARD.encode(inner);
    Object::Release(Arc::new(from::<Secret>(json!({
        "metadata": {"name": format!("sh.helm.release.v1.{name}.v{revision}"), "namespace": "jhub",
            "labels": {"owner": "helm", "name": name, "status": status, "version": revision.to_string()}},
        "type": "helm.sh/release.v1",
        "data": {"release": secret_b64}
    }))))
}

/// A user pod (chart 4.4.0 default) that waits for `jhub-user-scheduler`,
/// which has said nothing: no condition, no event. Created 12m before NOW.
pub fn waiting_pod(name: &str) -> Object {
    Object::Pod(Arc::new(from::<Pod>(json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"), "creationTimestamp": "2026-12-01T11:48:00Z",
            "labels": {"app": "jupyterhub", "component": "singleuser-server", "release": "jhub"}},
        "spec": {"schedulerName": "jhub-user-scheduler",
            "containers": [{"name": "notebook", "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"}]},
        "status": {"phase": "Pending", "qosClass": "BestEffort"}
    }))))
}

/// A chart user placeholder that its scheduler has not placed.
pub fn placeholder_pod(name: &str) -> Object {
    Object::Pod(Arc::new(from::<Pod>(json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"), "creationTimestamp": "2026-12-01T11:00:00Z",
            "labels": {"app": "jupyterhub", "component": "user-placeholder", "release": "jhub"}},
        "spec": {"schedulerName": "jhub-user-scheduler", "priorityClassName": "jhub-user-placeholder-priority",
            "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}]},
        "status": {"phase": "Pending", "qosClass": "BestEffort"}
    }))))
}

/// A user-scheduler pod of release jhub whose container crash-loops.
pub fn crash_looping_scheduler_pod(name: &str, node: &str) -> Object {
    Object::Pod(Arc::new(from::<Pod>(json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"), "resourceVersion": "2",
            "creationTimestamp": "2026-12-01T11:00:00Z",
            "labels": {"app": "jupyterhub", "component": "user-scheduler", "release": "jhub"}},
        "spec": {"nodeName": node, "containers": [{"name": "kube-scheduler", "image": "registry.k8s.io/kube-scheduler:v1.30.14"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{"name": "kube-scheduler", "ready": false, "restartCount": 6, "image": "x", "imageID": "",
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}
    }))))
}

/// A Ready node with one taint (`key=value:effect`, value may be empty) and
/// a pod limit.
pub fn tainted_node(name: &str, key: &str, value: &str, effect: &str, pods: u32) -> Object {
    Object::Node(Arc::new(from::<Node>(json!({
        "metadata": {"name": name, "uid": format!("uid-{name}"), "creationTimestamp": "2026-12-01T10:00:00Z",
            "labels": {"kubernetes.io/hostname": name}},
        "spec": {"taints": [{"key": key, "value": value, "effect": effect}]},
        "status": {
            "allocatable": {"cpu": "2", "memory": "13Gi", "pods": pods.to_string()},
            "capacity": {"cpu": "2", "memory": "13Gi", "pods": pods.to_string()},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]
        }
    }))))
}

/// A user pod the default scheduler could not place, with its message.
pub fn pending_pod(name: &str, message: &str) -> Object {
    Object::Pod(Arc::new(from::<Pod>(json!({
        "metadata": {"name": name, "namespace": "jhub", "uid": format!("uid-{name}"), "creationTimestamp": "2026-12-01T11:58:00Z",
            "labels": {"app": "jupyterhub", "component": "singleuser-server"}},
        "spec": {"containers": [{"name": "notebook", "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": message}]}
    }))))
}
