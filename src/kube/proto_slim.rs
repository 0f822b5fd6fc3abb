//! The pods' and the events' protobuf messages as the watcher decodes
//! them: `k8s-pb`'s, less the metadata's managed fields (and an event's
//! `related`), which nothing reads. `trim::slim` drops the same from an
//! object read in JSON, but only after it was parsed; here prost is not
//! told of the fields, so it steps over their bytes without allocating.
//!
//! Why: managed fields are a list of entries, each six strings and a raw
//! JSON document. Left undecoded, an event decodes in two thirds of the
//! time and a pod in 93 % (the measurement: bench/README.md, "Managed
//! fields left undecoded"). The tags are `k8s-pb`'s (Kubernetes'
//! `generated.proto`); the unit tests decode the rig's captured bytes both
//! ways and compare, and a message with every field set.

use k8s_pb::api::core::v1 as pb;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as pb_meta;
use std::collections::BTreeMap;

/// `meta.v1.ObjectMeta` less `managedFields` (tag 17).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ObjectMeta {
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub generate_name: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub namespace: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub self_link: Option<String>,
    #[prost(string, optional, tag = "5")]
    pub uid: Option<String>,
    #[prost(string, optional, tag = "6")]
    pub resource_version: Option<String>,
    #[prost(int64, optional, tag = "7")]
    pub generation: Option<i64>,
    #[prost(message, optional, tag = "8")]
    pub creation_timestamp: Option<pb_meta::Time>,
    #[prost(message, optional, tag = "9")]
    pub deletion_timestamp: Option<pb_meta::Time>,
    #[prost(int64, optional, tag = "10")]
    pub deletion_grace_period_seconds: Option<i64>,
    #[prost(btree_map = "string, string", tag = "11")]
    pub labels: BTreeMap<String, String>,
    #[prost(btree_map = "string, string", tag = "12")]
    pub annotations: BTreeMap<String, String>,
    #[prost(message, repeated, tag = "13")]
    pub owner_references: Vec<pb_meta::OwnerReference>,
    #[prost(string, repeated, tag = "14")]
    pub finalizers: Vec<String>,
}

impl From<ObjectMeta> for pb_meta::ObjectMeta {
    fn from(m: ObjectMeta) -> pb_meta::ObjectMeta {
        pb_meta::ObjectMeta {
            name: m.name,
            generate_name: m.generate_name,
            namespace: m.namespace,
            self_link: m.self_link,
            uid: m.uid,
            resource_version: m.resource_version,
            generation: m.generation,
            creation_timestamp: m.creation_timestamp,
            deletion_timestamp: m.deletion_timestamp,
            deletion_grace_period_seconds: m.deletion_grace_period_seconds,
            labels: m.labels,
            annotations: m.annotations,
            owner_references: m.owner_references,
            finalizers: m.finalizers,
            managed_fields: Vec::new(),
        }
    }
}

/// `core.v1.Pod`, its metadata slim.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Pod {
    #[prost(message, optional, tag = "1")]
    pub metadata: Option<ObjectMeta>,
    #[prost(message, optional, tag = "2")]
    pub spec: Option<pb::PodSpec>,
    #[prost(message, optional, tag = "3")]
    pub status: Option<pb::PodStatus>,
}

impl From<Pod> for pb::Pod {
    fn from(p: Pod) -> pb::Pod {
        pb::Pod {
            metadata: p.metadata.map(Into::into),
            spec: p.spec,
            status: p.status,
        }
    }
}

/// `core.v1.Event` less `related` (tag 13), its metadata slim.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    #[prost(message, optional, tag = "1")]
    pub metadata: Option<ObjectMeta>,
    #[prost(message, optional, tag = "2")]
    pub involved_object: Option<pb::ObjectReference>,
    #[prost(string, optional, tag = "3")]
    pub reason: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub message: Option<String>,
    #[prost(message, optional, tag = "5")]
    pub source: Option<pb::EventSource>,
    #[prost(message, optional, tag = "6")]
    pub first_timestamp: Option<pb_meta::Time>,
    #[prost(message, optional, tag = "7")]
    pub last_timestamp: Option<pb_meta::Time>,
    #[prost(int32, optional, tag = "8")]
    pub count: Option<i32>,
    #[prost(string, optional, tag = "9")]
    pub r#type: Option<String>,
    #[prost(message, optional, tag = "10")]
    pub event_time: Option<pb_meta::MicroTime>,
    #[prost(message, optional, tag = "11")]
    pub series: Option<pb::EventSeries>,
    #[prost(string, optional, tag = "12")]
    pub action: Option<String>,
    #[prost(string, optional, tag = "14")]
    pub reporting_component: Option<String>,
    #[prost(string, optional, tag = "15")]
    pub reporting_instance: Option<String>,
}

impl From<Event> for pb::Event {
    fn from(e: Event) -> pb::Event {
        pb::Event {
            metadata: e.metadata.map(Into::into),
            involved_object: e.involved_object,
            reason: e.reason,
            message: e.message,
            source: e.source,
            first_timestamp: e.first_timestamp,
            last_timestamp: e.last_timestamp,
            count: e.count,
            r#type: e.r#type,
            event_time: e.event_time,
            series: e.series,
            action: e.action,
            related: None,
            reporting_component: e.reporting_component,
            reporting_instance: e.reporting_instance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::protobuf::{self, Frames};
    use prost::Message;

    /// Every object of a captured watch, decoded as `k8s-pb`'s message and
    /// as the slim one made into it.
    fn both_ways<Full, Slim>(bytes: &[u8], kind: &'static str) -> Vec<(Full, Full)>
    where
        Full: Message + Default,
        Slim: Message + Default + Into<Full>,
    {
        let mut frames = Frames::default();
        frames.push(bytes);
        let mut pairs = Vec::new();
        while let Some(frame) = frames.next_frame().unwrap() {
            let e = protobuf::event(&frame).unwrap();
            if protobuf::kind_of(&e.object) != kind {
                continue;
            }
            let full: Full = protobuf::decode_as(&e.object, kind).unwrap();
            let slim: Slim = protobuf::decode_as(&e.object, kind).unwrap();
            pairs.push((full, slim.into()));
        }
        pairs
    }

    #[test]
    fn the_rigs_pods_decode_slim_as_whole_less_their_managed_fields() {
        let bytes = include_bytes!("../../tests/fixtures/rig/pods-watch.protobuf");
        let pairs = both_ways::<pb::Pod, Pod>(bytes, "Pod");
        assert_eq!(pairs.len(), 3, "two pods and the bookmark");
        let mut had_managed_fields = 0;
        for (mut full, slim) in pairs {
            let meta = full.metadata.as_mut().unwrap();
            had_managed_fields += usize::from(!meta.managed_fields.is_empty());
            meta.managed_fields.clear();
            assert_eq!(full, slim);
        }
        // Not a comparison of two empty lists: the rig's pods have them.
        assert_eq!(had_managed_fields, 2);
    }

    #[test]
    fn the_rigs_events_decode_slim_as_whole_less_their_managed_fields() {
        let bytes = include_bytes!("../../tests/fixtures/rig/events-watch.protobuf");
        let pairs = both_ways::<pb::Event, Event>(bytes, "Event");
        assert!(pairs.len() >= 5, "{} events", pairs.len());
        let mut had_managed_fields = 0;
        for (mut full, slim) in pairs {
            let meta = full.metadata.as_mut().unwrap();
            had_managed_fields += usize::from(!meta.managed_fields.is_empty());
            meta.managed_fields.clear();
            full.related = None;
            assert_eq!(full, slim);
        }
        assert!(
            had_managed_fields >= 1,
            "no captured event has managed fields"
        );
    }

    #[test]
    fn every_field_but_the_managed_ones_is_decoded() {
        // A metadata with every field set, written by k8s-pb: the slim
        // message reads each (a wrong tag would lose one).
        let full = pb_meta::ObjectMeta {
            name: Some("jupyter-ada".into()),
            generate_name: Some("jupyter-".into()),
            namespace: Some("jhub".into()),
            self_link: Some("/api/v1/x".into()),
            uid: Some("u-1".into()),
            resource_version: Some("42".into()),
            generation: Some(3),
            creation_timestamp: Some(pb_meta::Time {
                seconds: Some(1),
                nanos: Some(0),
            }),
            deletion_timestamp: Some(pb_meta::Time {
                seconds: Some(2),
                nanos: Some(0),
            }),
            deletion_grace_period_seconds: Some(30),
            labels: [("component".to_owned(), "singleuser-server".to_owned())].into(),
            annotations: [("hub.jupyter.org/username".to_owned(), "ada".to_owned())].into(),
            owner_references: vec![pb_meta::OwnerReference {
                name: Some("hub".into()),
                ..Default::default()
            }],
            finalizers: vec!["kubernetes".into()],
            managed_fields: vec![pb_meta::ManagedFieldsEntry {
                manager: Some("kubespawner".into()),
                ..Default::default()
            }],
        };
        let slim = ObjectMeta::decode(full.encode_to_vec().as_slice()).unwrap();
        let mut expected = full;
        expected.managed_fields.clear();
        assert_eq!(pb_meta::ObjectMeta::from(slim), expected);
    }

    #[test]
    fn every_field_of_an_event_but_related_is_decoded() {
        let time = |seconds| pb_meta::Time {
            seconds: Some(seconds),
            nanos: Some(0),
        };
        let micro = |seconds| pb_meta::MicroTime {
            seconds: Some(seconds),
            nanos: Some(5_000),
        };
        let object = pb::ObjectReference {
            kind: Some("Pod".into()),
            name: Some("jupyter-ada".into()),
            ..Default::default()
        };
        let full = pb::Event {
            metadata: Some(pb_meta::ObjectMeta {
                uid: Some("u-1".into()),
                ..Default::default()
            }),
            involved_object: Some(object.clone()),
            reason: Some("FailedScheduling".into()),
            message: Some("0/3 nodes are available".into()),
            source: Some(pb::EventSource {
                component: Some("kubelet".into()),
                host: Some("rig-node-1".into()),
            }),
            first_timestamp: Some(time(1)),
            last_timestamp: Some(time(2)),
            count: Some(4),
            r#type: Some("Warning".into()),
            event_time: Some(micro(3)),
            series: Some(pb::EventSeries {
                count: Some(4),
                last_observed_time: Some(micro(4)),
            }),
            action: Some("Scheduling".into()),
            related: Some(object),
            reporting_component: Some("default-scheduler".into()),
            reporting_instance: Some("default-scheduler-rig".into()),
        };
        let slim = Event::decode(full.encode_to_vec().as_slice()).unwrap();
        let mut expected = full;
        expected.related = None;
        assert_eq!(pb::Event::from(slim), expected);
    }
}
