//! What the cockpit keeps of a watched object when it keeps the object at
//! all: the fields its views and the diagnosis read. At classroom scale a
//! namespace holds thousands of events; kept whole they were the second
//! largest part of the cockpit's memory after the pods.

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;

/// Drops what the cockpit never reads and that can be most of an object's
/// size: managed fields and the last-applied annotation.
pub fn slim<K: Resource>(obj: &mut K) {
    let meta = obj.meta_mut();
    meta.managed_fields = None;
    if let Some(a) = meta.annotations.as_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

/// An event with what the pod and service details, the events view and the
/// diagnosis read: what it is about, reason, message, type, count and
/// series, its times (and its uid, by which a later version replaces it);
/// and the node a kubelet's event comes from (the pull view's "which nodes
/// have the image").
pub fn event(e: Event) -> Event {
    let Event {
        metadata,
        involved_object,
        reason,
        message,
        type_,
        count,
        first_timestamp,
        last_timestamp,
        event_time,
        series,
        source,
        reporting_instance,
        ..
    } = e;
    Event {
        metadata: ObjectMeta {
            name: metadata.name,
            uid: metadata.uid,
            creation_timestamp: metadata.creation_timestamp,
            ..Default::default()
        },
        involved_object: ObjectReference {
            kind: involved_object.kind,
            name: involved_object.name,
            uid: involved_object.uid,
            ..Default::default()
        },
        reason,
        message,
        type_,
        count,
        first_timestamp,
        last_timestamp,
        event_time,
        series,
        source: source.and_then(|s| s.host).map(|host| EventSource {
            host: Some(host),
            component: None,
        }),
        reporting_instance,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_keeps_what_the_views_read_and_drops_the_rest() {
        let full: Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "jupyter-a.1", "namespace": "jhub", "uid": "u1",
                         "resourceVersion": "42", "creationTimestamp": "2026-12-01T10:00:00Z",
                         "labels": {"a": "b"}},
            "involvedObject": {"kind": "Pod", "name": "jupyter-a", "uid": "p1",
                               "namespace": "jhub", "apiVersion": "v1", "fieldPath": "spec"},
            "reason": "FailedScheduling", "message": "0/3 nodes are available",
            "type": "Warning", "count": 3,
            "firstTimestamp": "2026-12-01T10:00:00Z", "lastTimestamp": "2026-12-01T10:05:00Z",
            "source": {"component": "default-scheduler"},
            "reportingComponent": "default-scheduler", "reportingInstance": "sched-1"
        }))
        .unwrap();
        let kept = event(full.clone());
        assert_eq!(kept.metadata.uid.as_deref(), Some("u1"));
        assert_eq!(
            kept.metadata.creation_timestamp,
            full.metadata.creation_timestamp
        );
        assert_eq!(kept.involved_object.kind.as_deref(), Some("Pod"));
        assert_eq!(kept.involved_object.name.as_deref(), Some("jupyter-a"));
        assert_eq!(kept.involved_object.uid.as_deref(), Some("p1"));
        assert_eq!(kept.reason, full.reason);
        assert_eq!(kept.message, full.message);
        assert_eq!(kept.type_, full.type_);
        assert_eq!(kept.count, Some(3));
        assert_eq!(kept.last_timestamp, full.last_timestamp);
        assert_eq!(
            crate::kube::diagnosis::event_time(&kept),
            crate::kube::diagnosis::event_time(&full)
        );
        assert!(kept.source.is_none() && kept.reporting_component.is_none());
        assert!(kept.metadata.labels.is_none() && kept.metadata.resource_version.is_none());
        assert!(kept.involved_object.field_path.is_none());
    }
}
