//! What the cockpit keeps of an event: the fields its views and the
//! diagnosis read, in a struct of its own rather than a trimmed
//! `core/v1.Event`. At classroom scale a namespace holds tens of thousands
//! of events (20,000 user pods leave about 50,000), and the API type is
//! 1,000 bytes before its strings however few of its fields are set: kept
//! as that type they were the largest part of the cockpit's memory. So the
//! record is made once, when the watcher hands the event on, and holds
//! answers rather than the API's fields: one time for "last seen" and one
//! for "first seen" (of the five an event may carry), one count (of its
//! count and its series'), one node (its source host or its reporting
//! instance). Strings from a small set (kinds, types, reasons, node names)
//! are shared, uids are packed into their 16 bytes: 176 bytes a record
//! where it was 352, and of the nine strings it held, only the object's
//! name and the message are allocated per event (the measurement:
//! bench/README.md).
//! The names that stay are the API's (`e.reason.as_deref()`,
//! `e.involved_object.name`), so reading one reads like reading an Event.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};

use crate::kube::pod_row::to_utc;

/// A string shared by every record that holds it: the same few kinds,
/// types, reasons and node names recur across tens of thousands of events.
pub type Shared = Arc<str>;

/// An event as kept: its uid (by which a later version replaces it), what
/// it is about, reason, message, type, how often and when it was seen, and
/// the node a kubelet's event comes from (the pull view's "which nodes
/// have the image").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventRecord {
    pub uid: Option<Uid>,
    pub involved_object: EventObject,
    pub reason: Option<Shared>,
    pub message: Option<Box<str>>,
    /// `Normal` or `Warning`.
    pub type_: Option<Shared>,
    /// How many times it says it happened: its count, or its series'
    /// (events.k8s.io reporters such as the scheduler count there), at
    /// least once.
    pub count: u32,
    /// Its latest sighting, whichever fields its reporter filled: the
    /// scheduler writes eventTime and series, the kubelet lastTimestamp.
    pub last_seen: Option<DateTime<Utc>>,
    /// Its first sighting, the same way.
    pub first_seen: Option<DateTime<Utc>>,
    /// The node it happened on, as its reporter names itself: the source
    /// host, else the reporting instance.
    pub node: Option<Shared>,
}

/// What the event is about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventObject {
    pub kind: Option<Shared>,
    pub name: Option<Box<str>>,
    pub uid: Option<Uid>,
}

/// A Kubernetes uid, compared and never shown. The API's are lowercase
/// UUIDs (36 characters, a 48-byte allocation apiece); those are kept as
/// their 16 bytes, anything else as it came, so two uids are equal exactly
/// when their texts are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Uid {
    Uuid([u8; 16]),
    Text(Box<str>),
}

impl Uid {
    pub fn new(text: &str) -> Uid {
        match pack_uuid(text) {
            Some(bytes) => Uid::Uuid(bytes),
            None => Uid::Text(text.into()),
        }
    }

    /// Whether this is the uid written `text`.
    pub fn is(&self, text: &str) -> bool {
        match self {
            Uid::Uuid(bytes) => pack_uuid(text).is_some_and(|other| other == *bytes),
            Uid::Text(own) => **own == *text,
        }
    }
}

/// The image named in a kubelet event's message: `Pulling image "X"`,
/// `Successfully pulled image "X" in ...`, `Container image "X" already
/// present ...`, `Failed to pull image "X": ...`.
pub fn quoted_image(message: &str) -> Option<&str> {
    let start = message.find('"')? + 1;
    let len = message[start..].find('"')?;
    Some(&message[start..start + len])
}

impl From<&str> for Uid {
    fn from(text: &str) -> Uid {
        Uid::new(text)
    }
}

/// A lowercase hyphenated UUID as its 16 bytes; `None` for anything else
/// (uppercase included, so that packing never makes two texts equal).
fn pack_uuid(text: &str) -> Option<[u8; 16]> {
    let b = text.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut digits = b.iter().copied().filter(|&c| c != b'-');
    let mut out = [0u8; 16];
    for byte in &mut out {
        let hi = nibble(digits.next()?)?;
        let lo = nibble(digits.next()?)?;
        *byte = hi << 4 | lo;
    }
    Some(out)
}

/// The shared copy of a string from a small set. The set only grows, which
/// is why only kinds, types, reasons and node names go through it: a
/// cluster has a few dozen of each, where names and messages are per pod.
pub fn shared(text: &str) -> Shared {
    static SEEN: LazyLock<Mutex<HashSet<Shared>>> = LazyLock::new(Default::default);
    let mut seen = SEEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = seen.get(text) {
        return known.clone();
    }
    let new: Shared = text.into();
    seen.insert(new.clone());
    new
}

/// Read from an Event's JSON (the test fixtures are the API's events).
impl<'de> serde::Deserialize<'de> for EventRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Event::deserialize(d).map(EventRecord::from)
    }
}

impl From<Event> for EventRecord {
    fn from(e: Event) -> EventRecord {
        let time = |t: &Time| to_utc(&t.0);
        let micro = |t: &MicroTime| to_utc(&t.0);
        let created = e.metadata.creation_timestamp.as_ref().and_then(time);
        let first = e.first_timestamp.as_ref().and_then(time);
        let at = e.event_time.as_ref().and_then(micro);
        let last = e.last_timestamp.as_ref().and_then(time);
        let series = e.series.as_ref();
        let observed = series
            .and_then(|s| s.last_observed_time.as_ref())
            .and_then(micro);
        let series_count = series.and_then(|s| s.count).unwrap_or(0);
        let nonempty = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(shared);
        let node = e
            .source
            .as_ref()
            .and_then(|s| nonempty(&s.host))
            .or_else(|| nonempty(&e.reporting_instance));
        EventRecord {
            uid: e.metadata.uid.as_deref().map(Uid::new),
            involved_object: EventObject {
                kind: e.involved_object.kind.as_deref().map(shared),
                name: e.involved_object.name.map(String::into_boxed_str),
                uid: e.involved_object.uid.as_deref().map(Uid::new),
            },
            reason: e.reason.as_deref().map(shared),
            message: e.message.map(String::into_boxed_str),
            type_: e.type_.as_deref().map(shared),
            count: u32::try_from(e.count.unwrap_or(0).max(series_count)).map_or(1, |n| n.max(1)),
            last_seen: [observed, last, at, first, created]
                .into_iter()
                .flatten()
                .max(),
            first_seen: [first, at, created].into_iter().flatten().min(),
            node,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(v: serde_json::Value) -> EventRecord {
        serde_json::from_value(v).unwrap()
    }

    fn at(text: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(text).unwrap().to_utc())
    }

    #[test]
    fn an_event_keeps_what_the_views_read_as_answers() {
        let kept = record(serde_json::json!({
            "metadata": {"name": "jupyter-a.1", "namespace": "jhub",
                         "uid": "0f8e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5",
                         "resourceVersion": "42", "creationTimestamp": "2026-12-01T09:59:59Z",
                         "labels": {"a": "b"}},
            "involvedObject": {"kind": "Pod", "name": "jupyter-a", "uid": "p1",
                               "namespace": "jhub", "apiVersion": "v1", "fieldPath": "spec"},
            "reason": "FailedScheduling", "message": "0/3 nodes are available",
            "type": "Warning", "count": 3,
            "firstTimestamp": "2026-12-01T10:00:00Z", "lastTimestamp": "2026-12-01T10:05:00Z",
            "series": {"count": 4, "lastObservedTime": "2026-12-01T10:06:00.000000Z"},
            "source": {"component": "kubelet", "host": "node-1"},
            "reportingComponent": "kubelet", "reportingInstance": "node-2"
        }));
        assert!(
            kept.uid
                .as_ref()
                .is_some_and(|u| u.is("0f8e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5"))
        );
        assert_eq!(kept.involved_object.kind.as_deref(), Some("Pod"));
        assert_eq!(kept.involved_object.name.as_deref(), Some("jupyter-a"));
        assert!(
            kept.involved_object
                .uid
                .as_ref()
                .is_some_and(|u| u.is("p1"))
        );
        assert_eq!(kept.reason.as_deref(), Some("FailedScheduling"));
        assert_eq!(kept.message.as_deref(), Some("0/3 nodes are available"));
        assert_eq!(kept.type_.as_deref(), Some("Warning"));
        // The series' count is the larger; the series' sighting the latest;
        // the first timestamp the earliest but for creation, which is older.
        assert_eq!(kept.count, 4);
        assert_eq!(kept.last_seen, at("2026-12-01T10:06:00Z"));
        assert_eq!(kept.first_seen, at("2026-12-01T09:59:59Z"));
        // The source host before the reporting instance.
        assert_eq!(kept.node.as_deref(), Some("node-1"));
    }

    #[test]
    fn what_a_reporter_left_out_is_taken_from_the_fields_it_filled() {
        let kubelet = record(serde_json::json!({
            "metadata": {"name": "a"}, "involvedObject": {"kind": "Pod", "name": "p"},
            "source": {"host": ""}, "reportingInstance": "node-2",
            "lastTimestamp": "2026-12-01T10:05:00Z", "count": -3
        }));
        assert_eq!(kubelet.node.as_deref(), Some("node-2"));
        assert_eq!(kubelet.count, 1, "a negative count is once");
        assert_eq!(kubelet.last_seen, at("2026-12-01T10:05:00Z"));
        assert_eq!(
            kubelet.first_seen, None,
            "lastTimestamp is not a first sighting"
        );
        // The scheduler's (events.k8s.io): eventTime and a series, no count.
        let scheduler = record(serde_json::json!({
            "metadata": {"name": "c"}, "involvedObject": {"kind": "Pod", "name": "p"},
            "eventTime": "2026-12-01T10:00:00.000000Z",
            "series": {"count": 7, "lastObservedTime": "2026-12-01T10:05:00.000000Z"}
        }));
        assert_eq!(scheduler.count, 7);
        assert_eq!(scheduler.first_seen, at("2026-12-01T10:00:00Z"));
        assert_eq!(scheduler.last_seen, at("2026-12-01T10:05:00Z"));
        let bare = record(serde_json::json!({"metadata": {"name": "b"}, "involvedObject": {}}));
        assert_eq!((bare.count, bare.last_seen, bare.node), (1, None, None));
    }

    #[test]
    fn uids_are_equal_exactly_when_their_texts_are() {
        let lower = "0f8e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5";
        let packed = Uid::new(lower);
        assert!(matches!(packed, Uid::Uuid(_)));
        assert!(packed.is(lower));
        assert!(!packed.is("0f8e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b6"));
        assert!(
            !packed.is(&lower.to_uppercase()),
            "uppercase is another text"
        );
        assert!(!packed.is(""));
        let upper = Uid::new(&lower.to_uppercase());
        assert!(matches!(upper, Uid::Text(_)));
        assert!(upper.is(&lower.to_uppercase()) && !upper.is(lower));
        assert_ne!(upper, packed);
        for odd in [
            "u1",
            "0f8e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4bg",
            "0f8e2a4c1b3d-4e5f-8a9b-c0d1e2f3a4b5-",
        ] {
            let uid = Uid::new(odd);
            assert!(matches!(uid, Uid::Text(_)), "{odd}");
            assert!(uid.is(odd) && !uid.is(lower));
        }
    }

    #[test]
    fn the_same_reason_or_node_is_one_string_in_memory() {
        let a = shared("Scheduled");
        let b = shared(&String::from("Scheduled"));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &shared("Pulled")));
    }

    #[test]
    fn the_record_is_under_a_quarter_of_the_api_types_size() {
        // What the record is for (bench/README.md has the measurement): 176
        // bytes against 1,000 with k8s-openapi 0.29, before the strings.
        assert!(
            std::mem::size_of::<EventRecord>() * 4 < std::mem::size_of::<Event>(),
            "{} bytes kept against {}",
            std::mem::size_of::<EventRecord>(),
            std::mem::size_of::<Event>()
        );
    }
}
