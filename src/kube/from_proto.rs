//! What every conversion from protobuf (`pod_from_proto`,
//! `event_from_proto`) does the same way: metadata, and the empty values
//! JSON leaves out.
//!
//! JSON leaves out an empty string, list or map that Go marks `omitempty`,
//! and a zero time, where protobuf sends them; each is made `None` here, so
//! an object converted reads as the same object read in JSON.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as pb_meta;

/// Metadata less its managed fields, which `trim::slim` drops from an
/// object read in JSON.
pub fn object_meta(m: pb_meta::ObjectMeta) -> meta::ObjectMeta {
    meta::ObjectMeta {
        name: text(m.name),
        generate_name: text(m.generate_name),
        namespace: text(m.namespace),
        uid: text(m.uid),
        resource_version: text(m.resource_version),
        generation: m.generation.filter(|g| *g != 0),
        creation_timestamp: time(m.creation_timestamp),
        deletion_timestamp: time(m.deletion_timestamp),
        deletion_grace_period_seconds: m.deletion_grace_period_seconds,
        labels: map(m.labels),
        annotations: map(m.annotations),
        owner_references: list(m.owner_references, |o| meta::OwnerReference {
            api_version: o.api_version.unwrap_or_default(),
            kind: o.kind.unwrap_or_default(),
            name: o.name.unwrap_or_default(),
            uid: o.uid.unwrap_or_default(),
            controller: o.controller,
            block_owner_deletion: o.block_owner_deletion,
        }),
        finalizers: list(m.finalizers, |f| f),
        ..Default::default()
    }
}

/// A string JSON leaves out when empty.
pub fn text(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// A list JSON leaves out when empty.
pub fn list<A, B>(items: Vec<A>, f: impl FnMut(A) -> B) -> Option<Vec<B>> {
    (!items.is_empty()).then(|| items.into_iter().map(f).collect())
}

/// A map JSON leaves out when empty.
pub fn map(m: BTreeMap<String, String>) -> Option<BTreeMap<String, String>> {
    (!m.is_empty()).then_some(m)
}

/// A time as JSON has it: seconds (a zero time is sent as an empty
/// message, and JSON sends `null`).
pub fn time(t: Option<pb_meta::Time>) -> Option<meta::Time> {
    let seconds = t?.seconds?;
    k8s_openapi::jiff::Timestamp::from_second(seconds)
        .ok()
        .map(meta::Time)
}

/// A time with its microseconds, as JSON has it (the same empty message
/// for a zero time).
pub fn micro_time(t: Option<pb_meta::MicroTime>) -> Option<meta::MicroTime> {
    let t = t?;
    // JSON writes six digits of the fraction: what is finer is not sent.
    let micros = t.nanos.unwrap_or(0) / 1_000 * 1_000;
    k8s_openapi::jiff::Timestamp::new(t.seconds?, micros)
        .ok()
        .map(meta::MicroTime)
}
