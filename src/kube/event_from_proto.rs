//! An event read in protobuf made into the `k8s-openapi` event that
//! `EventRecord::from` reads. Every field of a `core/v1` event is converted
//! but `related` (no view reads it): an event is small, and the record
//! reads most of them.
//!
//! At 20,000 user pods a namespace holds about 50,000 events, listed when
//! the pods' list is done; in JSON that list was the cockpit's largest
//! work after the pods' (bench/README.md, "The events read in protobuf").
//! What JSON leaves out when empty is made `None` (`from_proto`); the rig
//! test `events_in_protobuf_read_as_in_json` compares the two field by
//! field.

use k8s_openapi::api::core::v1 as api;
use k8s_pb::api::core::v1 as pb;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as pb_meta;

use super::from_proto::{micro_time, object_meta, text, time};
use super::proto_slim;
use super::proto_watch::FromProto;

impl FromProto for api::Event {
    type Proto = proto_slim::Event;
    const KIND: &'static str = "Event";

    fn from_proto(e: proto_slim::Event) -> api::Event {
        event(e.into())
    }

    fn proto_meta(e: proto_slim::Event) -> Option<pb_meta::ObjectMeta> {
        e.metadata.map(Into::into)
    }
}

/// The event as the cockpit reads it.
pub fn event(e: pb::Event) -> api::Event {
    // Go writes the two structs (not pointers) even when empty, and their
    // strings only when set: `"source": {}`.
    let source = e.source.unwrap_or_default();
    let object = e.involved_object.unwrap_or_default();
    api::Event {
        metadata: e.metadata.map(object_meta).unwrap_or_default(),
        involved_object: api::ObjectReference {
            api_version: text(object.api_version),
            field_path: text(object.field_path),
            kind: text(object.kind),
            name: text(object.name),
            namespace: text(object.namespace),
            resource_version: text(object.resource_version),
            uid: text(object.uid),
        },
        reason: text(e.reason),
        message: text(e.message),
        source: Some(api::EventSource {
            component: text(source.component),
            host: text(source.host),
        }),
        first_timestamp: time(e.first_timestamp),
        last_timestamp: time(e.last_timestamp),
        count: e.count.filter(|c| *c != 0),
        type_: text(e.r#type),
        event_time: micro_time(e.event_time),
        series: e.series.map(|s| api::EventSeries {
            count: s.count.filter(|c| *c != 0),
            last_observed_time: micro_time(s.last_observed_time),
        }),
        action: text(e.action),
        // Not `omitempty` in Go: JSON sends these two even when empty.
        reporting_component: Some(e.reporting_component.unwrap_or_default()),
        reporting_instance: Some(e.reporting_instance.unwrap_or_default()),
        related: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::event_record::EventRecord;
    use crate::kube::proto_watch::captured_list;

    /// The rig's own bytes (tests/fixtures/rig/README.md): its events read
    /// in protobuf are its events read in JSON, and make the same records.
    #[test]
    fn the_rigs_events_in_protobuf_read_as_their_json() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rig");
        let events: std::collections::BTreeMap<String, api::Event> =
            captured_list(&std::fs::read(dir.join("events-watch.protobuf")).unwrap());
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("events-watch.json")).unwrap()).unwrap();
        let items = json["items"].as_array().unwrap();
        assert_eq!(items.len(), events.len());
        let mut reasons = Vec::new();
        for item in items {
            let json_event: api::Event = serde_json::from_value(item.clone()).unwrap();
            let name = json_event.metadata.name.clone().unwrap();
            assert_eq!(events[&name], json_event, "{name}");
            assert_eq!(
                EventRecord::from(events[&name].clone()),
                EventRecord::from(json_event.clone())
            );
            reasons.extend(json_event.reason);
        }
        reasons.sort();
        assert_eq!(
            reasons,
            [
                "FailedScheduling",
                "FailedScheduling",
                "Pulled",
                "Scheduled",
                "Started"
            ]
        );
    }

    #[test]
    fn an_event_in_protobuf_makes_the_record_its_json_makes() {
        let json: api::Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "jupyter-ada.1", "namespace": "hub",
                         "uid": "0f8e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5",
                         "resourceVersion": "42",
                         "creationTimestamp": "2026-12-01T09:59:59Z"},
            "involvedObject": {"kind": "Pod", "namespace": "hub", "name": "jupyter-ada",
                               "uid": "1f8e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5",
                               "apiVersion": "v1", "resourceVersion": "41"},
            "reason": "FailedScheduling",
            "message": "0/3 nodes are available",
            "source": {},
            "firstTimestamp": null,
            "lastTimestamp": null,
            "type": "Warning",
            "eventTime": "2026-12-01T10:00:00.123456Z",
            "series": {"count": 4, "lastObservedTime": "2026-12-01T10:05:00.654321Z"},
            "action": "Scheduling",
            "reportingComponent": "default-scheduler",
            "reportingInstance": "default-scheduler-node-a"
        }))
        .unwrap();
        let micro = |seconds, nanos| {
            Some(pb_meta::MicroTime {
                seconds: Some(seconds),
                nanos: Some(nanos),
            })
        };
        let converted = event(pb::Event {
            metadata: Some(pb_meta::ObjectMeta {
                name: Some("jupyter-ada.1".into()),
                namespace: Some("hub".into()),
                uid: Some("0f8e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5".into()),
                resource_version: Some("42".into()),
                creation_timestamp: Some(pb_meta::Time {
                    seconds: Some(1_796_119_199),
                    nanos: Some(0),
                }),
                generate_name: Some(String::new()),
                ..Default::default()
            }),
            involved_object: Some(pb::ObjectReference {
                kind: Some("Pod".into()),
                namespace: Some("hub".into()),
                name: Some("jupyter-ada".into()),
                uid: Some("1f8e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5".into()),
                api_version: Some("v1".into()),
                resource_version: Some("41".into()),
                field_path: Some(String::new()),
            }),
            reason: Some("FailedScheduling".into()),
            message: Some("0/3 nodes are available".into()),
            source: Some(pb::EventSource {
                component: Some(String::new()),
                host: Some(String::new()),
            }),
            // Zero times come as empty messages.
            first_timestamp: Some(pb_meta::Time::default()),
            last_timestamp: Some(pb_meta::Time::default()),
            count: Some(0),
            r#type: Some("Warning".into()),
            // Nanoseconds finer than JSON's microseconds are not kept.
            event_time: micro(1_796_119_200, 123_456_789),
            series: Some(pb::EventSeries {
                count: Some(4),
                last_observed_time: micro(1_796_119_500, 654_321_000),
            }),
            action: Some("Scheduling".into()),
            related: None,
            reporting_component: Some("default-scheduler".into()),
            reporting_instance: Some("default-scheduler-node-a".into()),
        });
        assert_eq!(converted, json);
        assert_eq!(EventRecord::from(converted), EventRecord::from(json));
    }
}
