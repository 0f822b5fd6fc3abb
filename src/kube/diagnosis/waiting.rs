//! Pending pods that no scheduler has spoken about. A pod whose
//! `spec.schedulerName` names a scheduler that is not running (z2jh's user
//! pods and placeholders name `<release>-user-scheduler`) gets no event and
//! no condition at all: it just stays Pending. What can be said comes from
//! that scheduler's own pods (label component=user-scheduler). And the
//! chart's user-placeholder pods are Pending by design.

use k8s_openapi::api::core::v1::Pod;

use super::events::truncate;
use super::{Diagnosis, DiagnosisKind, SchedulerPod};
use crate::kube::pod_row::{PodRow, to_utc};
use crate::time_text::rfc3339;

pub const DEFAULT_SCHEDULER: &str = "default-scheduler";
pub const SCHEDULER_COMPONENT: &str = "user-scheduler";
pub const PLACEHOLDER_COMPONENT: &str = "user-placeholder";

/// Every waiting-for-a-scheduler line starts so; the views put the pod's age
/// after it ("Waiting 12m for scheduler …"), which a stored line cannot hold.
pub const WAITING_PREFIX: &str = "Waiting for scheduler ";

/// The pod's scheduler when it is not the default one.
pub fn custom_scheduler(pod: &Pod) -> Option<&str> {
    pod.spec
        .as_ref()
        .and_then(|s| s.scheduler_name.as_deref())
        .filter(|s| !s.is_empty() && *s != DEFAULT_SCHEDULER)
}

pub fn is_placeholder(pod: &Pod) -> bool {
    let labels = pod.metadata.labels.as_ref();
    let label = |k: &str| labels.and_then(|l| l.get(k)).map(String::as_str);
    label("component").or_else(|| label("app.kubernetes.io/component"))
        == Some(PLACEHOLDER_COMPONENT)
}

/// The scheduler pods that run `scheduler`: of z2jh's `<release>-user-scheduler`,
/// those of that release when their rows carry one.
fn its_pods<'a>(scheduler: &str, pods: &[SchedulerPod<'a>]) -> Vec<SchedulerPod<'a>> {
    let release = scheduler.strip_suffix("-user-scheduler");
    pods.iter()
        .copied()
        .filter(|p| p.row.component.as_deref() == Some(SCHEDULER_COMPONENT))
        .filter(|p| match (release, p.row.release.as_deref()) {
            (Some(want), Some(has)) => want == has,
            _ => true,
        })
        .collect()
}

/// "user-scheduler-5d8f-abcde CrashLoopBackOff (4 restarts)".
fn pod_state(p: &PodRow) -> String {
    let mut s = format!("{} {}", p.name, p.status);
    if p.restarts > 0 {
        s.push_str(&format!(
            " ({} restart{})",
            p.restarts,
            if p.restarts == 1 { "" } else { "s" }
        ));
    }
    s
}

fn crash_looping(p: &SchedulerPod) -> bool {
    p.row.status.contains("CrashLoopBackOff")
        || p.row.status == "Error"
        || p.diagnosis
            .as_ref()
            .is_some_and(|d| d.kind == DiagnosisKind::CrashLoop)
}

/// No scheduler has said anything about this pod, and its scheduler is not
/// the default one: it waits for that scheduler, and its pods tell why.
pub fn waiting_for(pod: &Pod, scheduler: &str, scheduler_pods: &[SchedulerPod]) -> Diagnosis {
    let mine = its_pods(scheduler, scheduler_pods);
    let ready = mine.iter().filter(|p| p.row.is_healthy()).count();
    let (short, state) = if mine.is_empty() {
        (
            "No scheduler pods",
            "no user-scheduler pod runs in the namespace (scheduling.userScheduler.enabled false, or scaled to 0?)"
                .to_owned(),
        )
    } else if ready == 0 && mine.iter().any(|p| crash_looping(p)) {
        let states: Vec<String> = mine.iter().map(|p| pod_state(p.row)).collect();
        (
            "Scheduler crash-looping",
            format!("its pods crash-loop: {}", states.join(", ")),
        )
    } else if ready == 0 {
        let states: Vec<String> = mine.iter().map(|p| pod_state(p.row)).collect();
        (
            "Scheduler not ready",
            format!("none of its pods is ready: {}", states.join(", ")),
        )
    } else {
        (
            "Scheduler hasn't bound",
            format!(
                "its pods run ({ready}/{} ready) but it has not bound this pod: read the user-scheduler's log",
                mine.len()
            ),
        )
    };
    let created = pod
        .metadata
        .creation_timestamp
        .as_ref()
        .and_then(|t| to_utc(&t.0))
        .map(|t| format!("created {}, ", rfc3339(t)))
        .unwrap_or_default();
    Diagnosis {
        kind: DiagnosisKind::WaitingForScheduler,
        short: short.into(),
        line: format!("{WAITING_PREFIX}\"{scheduler}\" ({created}no event): {state}"),
    }
}

/// A user-placeholder pod that is not placed: the chart's design, not a
/// fault. `why` is what the scheduler said, when it said anything.
pub fn placeholder(pod: &Pod, why: Option<String>) -> Diagnosis {
    let why = why.or_else(|| {
        custom_scheduler(pod).map(|s| format!("waiting for scheduler \"{s}\", which said nothing"))
    });
    let mut line = String::from(
        "Pending by design: a user placeholder keeps room for a user server and gives way to one; pending, it asks the cluster autoscaler for a node",
    );
    if let Some(why) = why {
        line.push_str("; ");
        line.push_str(&why);
    }
    Diagnosis {
        kind: DiagnosisKind::ByDesign,
        short: truncate("Placeholder, by design", super::SHORT_MAX),
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{World, d, scheduler_pod, set_scheduler_message};
    use super::*;
    use chrono::{DateTime, Utc};

    #[test]
    fn waiting_for_the_user_scheduler_that_runs() {
        let mut w = World::new("pod-waiting-for-user-scheduler.yaml");
        let mut other_release = scheduler_pod();
        other_release.name = "user-scheduler-of-another-release".into();
        other_release.release = Some("other".into());
        other_release.ready = 0;
        other_release.status = "CrashLoopBackOff".into();
        w.scheduler_pods = vec![scheduler_pod(), other_release];
        let diagnosis = w.diagnose().unwrap();
        assert_eq!(
            diagnosis,
            d(
                DiagnosisKind::WaitingForScheduler,
                "Scheduler hasn't bound",
                "Waiting for scheduler \"jhub-user-scheduler\" (created 2026-06-01T10:20:00Z, no event): its pods run (1/1 ready) but it has not bound this pod: read the user-scheduler's log"
            )
            .unwrap()
        );
        // The views say for how long.
        let now = DateTime::parse_from_rfc3339("2026-06-01T10:32:30Z")
            .unwrap()
            .with_timezone(&Utc);
        let created = PodRow::from_pod(&w.pod).created;
        assert_eq!(
            diagnosis.line_at(created, now),
            "Waiting 12m for scheduler \"jhub-user-scheduler\" (created 2026-06-01T10:20:00Z, no event): its pods run (1/1 ready) but it has not bound this pod: read the user-scheduler's log"
        );
        assert!(diagnosis.kind.is_warning());
    }

    #[test]
    fn waiting_for_a_user_scheduler_that_is_down() {
        let mut w = World::new("pod-waiting-for-user-scheduler.yaml");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::WaitingForScheduler,
                "No scheduler pods",
                "Waiting for scheduler \"jhub-user-scheduler\" (created 2026-06-01T10:20:00Z, no event): no user-scheduler pod runs in the namespace (scheduling.userScheduler.enabled false, or scaled to 0?)"
            )
        );

        let mut pending = scheduler_pod();
        pending.phase = "Pending".into();
        pending.ready = 0;
        pending.status = "ContainerCreating".into();
        w.scheduler_pods = vec![pending];
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::WaitingForScheduler,
                "Scheduler not ready",
                "Waiting for scheduler \"jhub-user-scheduler\" (created 2026-06-01T10:20:00Z, no event): none of its pods is ready: user-scheduler-5c8d7f9b6-wq2lm ContainerCreating"
            )
        );

        let mut crashing = scheduler_pod();
        crashing.ready = 0;
        crashing.status = "CrashLoopBackOff".into();
        crashing.restarts = 4;
        w.scheduler_pods.push(crashing);
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::WaitingForScheduler,
                "Scheduler crash-looping",
                "Waiting for scheduler \"jhub-user-scheduler\" (created 2026-06-01T10:20:00Z, no event): its pods crash-loop: user-scheduler-5c8d7f9b6-wq2lm ContainerCreating, user-scheduler-5c8d7f9b6-wq2lm CrashLoopBackOff (4 restarts)"
            )
        );
    }

    #[test]
    fn a_scheduler_that_spoke_is_quoted_not_waited_for() {
        let mut w = World::new("pod-waiting-for-user-scheduler.yaml");
        w.scheduler_pods = vec![scheduler_pod()];
        set_scheduler_message(
            &mut w.pod,
            "0/3 nodes are available: 3 Insufficient memory.",
        );
        assert_eq!(
            w.diagnose().unwrap().kind,
            DiagnosisKind::InsufficientResources
        );
    }

    #[test]
    fn a_pending_placeholder_is_by_design() {
        let mut w = World::new("pod-user-placeholder-pending.yaml");
        w.scheduler_pods = vec![scheduler_pod()];
        let diagnosis = w.diagnose().unwrap();
        assert_eq!(
            diagnosis,
            d(
                DiagnosisKind::ByDesign,
                "Placeholder, by design",
                "Pending by design: a user placeholder keeps room for a user server and gives way to one; pending, it asks the cluster autoscaler for a node; waiting for scheduler \"jhub-user-scheduler\", which said nothing"
            )
            .unwrap()
        );
        assert!(!diagnosis.kind.is_warning());

        set_scheduler_message(
            &mut w.pod,
            "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
        );
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::ByDesign,
                "Placeholder, by design",
                "Pending by design: a user placeholder keeps room for a user server and gives way to one; pending, it asks the cluster autoscaler for a node; Unschedulable: 0/3 nodes: 3 Insufficient memory (requests 953.7Mi memory)"
            )
        );
    }
}
