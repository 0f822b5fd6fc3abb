//! States of the whole pod rather than of its containers: terminating (and
//! what holds it), failed (evicted, or a container's exit), and the
//! fallback that quotes the pod's own status. Apart because they are read
//! from the pod alone, with no events.

use k8s_openapi::api::core::v1::Pod;

use super::events::{one_line, truncate};
use super::{Diagnosis, DiagnosisKind, SHORT_MAX};
use crate::kube::pod_row::{PodRow, to_utc};
use crate::time_text::rfc3339;

pub fn terminating(pod: &Pod) -> Option<Diagnosis> {
    let meta = &pod.metadata;
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("");
    if matches!(phase, "Succeeded" | "Failed") && meta.finalizers.as_ref().is_none_or(Vec::is_empty)
    {
        // Finished and only waiting for the garbage collector: nothing wrong.
        return None;
    }
    let mut line = String::from("Terminating");
    if let Some(at) = meta.deletion_timestamp.as_ref().and_then(|t| to_utc(&t.0)) {
        line.push_str(&format!(": grace period ends {}", rfc3339(at)));
        if let Some(grace) = meta.deletion_grace_period_seconds {
            line.push_str(&format!(" ({grace}s)"));
        }
    }
    let mut short = "Terminating";
    if let Some(finalizers) = meta.finalizers.as_ref().filter(|f| !f.is_empty()) {
        line.push_str(&format!(
            "; waiting for finalizers {}",
            finalizers.join(", ")
        ));
        short = "Waiting on finalizers";
    }
    if pod.status.as_ref().and_then(|s| s.reason.as_deref()) == Some("NodeLost") {
        line.push_str("; its node is unreachable");
        short = "Node unreachable";
    }
    Some(Diagnosis {
        kind: DiagnosisKind::Terminating,
        short: short.into(),
        line,
    })
}

pub fn failed(pod: &Pod, row: &PodRow) -> Diagnosis {
    let status = pod.status.as_ref();
    let reason = status
        .and_then(|s| s.reason.as_deref())
        .filter(|r| !r.is_empty());
    let message = status
        .and_then(|s| s.message.as_deref())
        .map(one_line)
        .filter(|m| !m.is_empty());
    if let Some(reason) = reason {
        return Diagnosis {
            kind: DiagnosisKind::Other,
            short: truncate(reason, SHORT_MAX),
            line: match message {
                Some(m) => format!("{reason}: {m}"),
                None => format!("Failed: {reason}"),
            },
        };
    }
    let exited = status
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .chain(
            status
                .and_then(|s| s.init_container_statuses.as_ref())
                .into_iter()
                .flatten(),
        )
        .find_map(|cs| {
            let t = cs.state.as_ref()?.terminated.as_ref()?;
            (t.exit_code != 0).then_some((cs, t))
        });
    match exited {
        Some((cs, t)) => {
            let mut line = format!(
                "Failed: container \"{}\" exited with code {}",
                cs.name, t.exit_code
            );
            if let Some(r) = t.reason.as_deref().filter(|r| !r.is_empty()) {
                line.push_str(&format!(" ({r})"));
            }
            if let Some(m) = t.message.as_deref().map(one_line).filter(|m| !m.is_empty()) {
                line.push_str(": ");
                line.push_str(&truncate(&m, 300));
            }
            Diagnosis {
                kind: DiagnosisKind::Other,
                short: truncate(&format!("Failed exit {}", t.exit_code), SHORT_MAX),
                line,
            }
        }
        None => Diagnosis {
            kind: DiagnosisKind::Other,
            short: "Failed".into(),
            line: match message {
                Some(m) => format!("Failed: {m}"),
                None => format!("Failed ({})", row.status),
            },
        },
    }
}

pub fn fallback(pod: &Pod, row: &PodRow) -> Diagnosis {
    let message = pod
        .status
        .as_ref()
        .and_then(|s| s.message.as_deref())
        .map(one_line)
        .filter(|m| !m.is_empty());
    Diagnosis {
        kind: DiagnosisKind::Other,
        short: truncate(&row.status, SHORT_MAX),
        line: match message {
            Some(m) => format!("{}: {m}", row.status),
            None => format!("{} ({}/{} ready)", row.status, row.ready, row.containers),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{World, d};
    use super::*;

    #[test]
    fn terminating() {
        let mut w = World::new("pod-terminating.yaml");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::Terminating,
                "Terminating",
                "Terminating: grace period ends 2026-06-01T10:10:30Z (30s)"
            )
        );
        w.pod.metadata.finalizers = Some(vec!["example.com/backup".into()]);
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::Terminating,
                "Waiting on finalizers",
                "Terminating: grace period ends 2026-06-01T10:10:30Z (30s); waiting for finalizers example.com/backup"
            )
        );
    }

    #[test]
    fn evicted() {
        let mut w = World::new("pod-hub-running.yaml");
        let status = w.pod.status.as_mut().unwrap();
        status.phase = Some("Failed".into());
        status.reason = Some("Evicted".into());
        status.message = Some(
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. "
                .into(),
        );
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::Other,
                "Evicted",
                "Evicted: The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki."
            )
        );
    }
}
