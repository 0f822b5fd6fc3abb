//! What the cockpit keeps of an event: the fields its views and the
//! diagnosis read, in a struct of its own rather than a trimmed
//! `core/v1.Event`. At classroom scale a namespace holds tens of thousands
//! of events (20,000 user pods leave about 50,000), and the API type is
//! 1,000 bytes before its strings however few of its fields are set (this
//! record is 352): kept as that type they were the largest part of the
//! cockpit's memory. The fields keep the API's names and shapes, so
//! reading one reads the same as reading an Event (`e.reason.as_deref()`,
//! `e.involved_object.name`).

use k8s_openapi::api::core::v1::{Event, EventSeries};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};

/// An event as kept: what it is about, reason, message, type, count and
/// series, its times, its uid (by which a later version replaces it), and
/// the node a kubelet's event comes from (the pull view's "which nodes
/// have the image").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventRecord {
    pub metadata: EventMeta,
    pub involved_object: EventObject,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// `Normal` or `Warning`.
    pub type_: Option<String>,
    pub count: Option<i32>,
    pub first_timestamp: Option<Time>,
    pub last_timestamp: Option<Time>,
    pub event_time: Option<MicroTime>,
    pub series: Option<EventSeries>,
    pub source: Option<EventSource>,
    pub reporting_instance: Option<String>,
}

/// The event's own uid and creation time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventMeta {
    pub uid: Option<String>,
    pub creation_timestamp: Option<Time>,
}

/// What the event is about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventObject {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub uid: Option<String>,
}

/// Where a kubelet's event comes from: its node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventSource {
    pub host: Option<String>,
}

/// Read from an Event's JSON (the test fixtures are the API's events).
impl<'de> serde::Deserialize<'de> for EventRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Event::deserialize(d).map(EventRecord::from)
    }
}

impl From<Event> for EventRecord {
    fn from(e: Event) -> EventRecord {
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
        EventRecord {
            metadata: EventMeta {
                uid: metadata.uid,
                creation_timestamp: metadata.creation_timestamp,
            },
            involved_object: EventObject {
                kind: involved_object.kind,
                name: involved_object.name,
                uid: involved_object.uid,
            },
            reason,
            message,
            type_,
            count,
            first_timestamp,
            last_timestamp,
            event_time,
            series,
            source: source
                .and_then(|s| s.host)
                .map(|host| EventSource { host: Some(host) }),
            reporting_instance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_keeps_what_the_views_read_in_under_half_the_api_types_size() {
        let full: Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "jupyter-a.1", "namespace": "jhub", "uid": "u1",
                         "resourceVersion": "42", "creationTimestamp": "2026-12-01T10:00:00Z",
                         "labels": {"a": "b"}},
            "involvedObject": {"kind": "Pod", "name": "jupyter-a", "uid": "p1",
                               "namespace": "jhub", "apiVersion": "v1", "fieldPath": "spec"},
            "reason": "FailedScheduling", "message": "0/3 nodes are available",
            "type": "Warning", "count": 3,
            "firstTimestamp": "2026-12-01T10:00:00Z", "lastTimestamp": "2026-12-01T10:05:00Z",
            "series": {"count": 4, "lastObservedTime": "2026-12-01T10:06:00.000000Z"},
            "source": {"component": "kubelet", "host": "node-1"},
            "reportingComponent": "kubelet", "reportingInstance": "node-1"
        }))
        .unwrap();
        let kept = EventRecord::from(full.clone());
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
        assert_eq!(kept.first_timestamp, full.first_timestamp);
        assert_eq!(kept.last_timestamp, full.last_timestamp);
        assert_eq!(kept.series, full.series);
        assert_eq!(
            kept.source.as_ref().and_then(|s| s.host.as_deref()),
            Some("node-1")
        );
        assert_eq!(kept.reporting_instance.as_deref(), Some("node-1"));
        // What the record is for: under half the API type's size (352
        // bytes against 1,000 with k8s-openapi 0.29), before the strings.
        assert!(
            std::mem::size_of::<EventRecord>() * 2 < std::mem::size_of::<Event>(),
            "{} bytes kept against {}",
            std::mem::size_of::<EventRecord>(),
            std::mem::size_of::<Event>()
        );
    }
}
