//! The pod's events, and the text a diagnosis is made of: which events
//! are this very pod's, the newest of a kind (by the record's `last_seen`),
//! and one line cut to length. Every other part reads events and writes
//! text through these, so they are kept apart from any one of them.

use crate::kube::event_record::EventRecord;

use super::DiagnosisInput;

/// The events about this very pod: a user's server pod keeps its name from
/// one spawn to the next, and the previous pod's events must not explain
/// the current one.
pub fn own_events<'a>(input: &DiagnosisInput<'a>) -> Vec<&'a EventRecord> {
    let uid = input.pod.metadata.uid.as_deref();
    input
        .events
        .iter()
        .copied()
        .filter(|e| match (uid, e.involved_object.uid.as_ref()) {
            (Some(pod), Some(about)) => about.is(pod),
            _ => true,
        })
        .collect()
}

pub fn newest<'a>(
    events: &[&'a EventRecord],
    pred: impl Fn(&EventRecord) -> bool,
) -> Option<&'a EventRecord> {
    events
        .iter()
        .copied()
        .filter(|e| pred(e))
        .max_by_key(|e| e.last_seen)
}

/// Newlines and runs of whitespace as single spaces: a diagnosis is one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters, the last one an ellipsis when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::super::DiagnosisKind;
    use super::super::tests::{World, drop_scheduled_condition};
    use super::*;
    use crate::kube::pod_row::fixtures;
    use crate::time_text::rfc3339;

    #[test]
    fn events_of_a_previous_pod_with_the_same_name_are_ignored() {
        let mut w = World::new("pod-pending-insufficient-memory.yaml")
            .events("events-insufficient-memory.yaml");
        drop_scheduled_condition(&mut w.pod);
        for e in &mut w.events {
            e.involved_object.uid = Some("a-previous-pod".into());
        }
        // Nothing said about this pod: it waits for its scheduler.
        assert_eq!(
            w.diagnose().map(|d| d.kind),
            Some(DiagnosisKind::WaitingForScheduler)
        );
        w.pod.spec.as_mut().unwrap().scheduler_name = None;
        assert_eq!(w.diagnose(), None);
    }

    #[test]
    fn an_events_time_is_its_latest_sighting() {
        let events: Vec<EventRecord> = fixtures::all("events-insufficient-memory.yaml");
        let times: Vec<String> = events
            .iter()
            .map(|e| e.last_seen.map(rfc3339).unwrap_or_default())
            .collect();
        assert_eq!(
            times,
            vec![
                "2026-06-01T10:00:01Z",
                "2026-06-01T10:03:41Z",
                "2026-06-01T10:01:13Z",
            ]
        );
    }
}
