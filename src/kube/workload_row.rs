//! One workload (Deployment, StatefulSet, DaemonSet or Job) as the
//! workloads view, the progress panel and `status` show it: ready over
//! desired and where its rollout is. Made inside the watcher task, so only
//! these rows are kept, never the objects (like healthy pods).

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use super::pod_row::to_utc;
use crate::time_text::{format_age, human_duration};

/// The workload kinds, in the order the view lists them within a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
        }
    }
}

/// Where a workload is. `status --json` writes these as `ready`,
/// `rolling out`, `running`, `complete`, `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WorkloadState {
    /// Every desired replica (or node) is ready and up to date.
    Ready,
    /// Replicas are being created, updated or are not ready yet.
    RollingOut,
    /// A Job that has not finished.
    Running,
    /// A Job that finished successfully.
    Complete,
    /// A Job that failed, or a Deployment past its progress deadline.
    Failed,
}

impl WorkloadState {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadState::Ready => "ready",
            WorkloadState::RollingOut => "rolling out",
            WorkloadState::Running => "running",
            WorkloadState::Complete => "complete",
            WorkloadState::Failed => "failed",
        }
    }

    /// Nothing left to wait for.
    pub fn is_done(self) -> bool {
        matches!(self, WorkloadState::Ready | WorkloadState::Complete)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRow {
    pub kind: WorkloadKind,
    pub name: String,
    /// The helm release it belongs to: label `release` (z2jh's), label
    /// `app.kubernetes.io/instance`, or annotation
    /// `meta.helm.sh/release-name`, in that order.
    pub release: Option<String>,
    /// A helm hook (`helm.sh/hook` annotation): its `helm.sh/hook-weight`.
    pub hook_weight: Option<i32>,
    /// Ready replicas (nodes for a DaemonSet, succeeded pods for a Job).
    pub ready: i32,
    pub desired: i32,
    pub state: WorkloadState,
    /// A Job's start (else the object's creation): for "running 40s".
    pub started: Option<DateTime<Utc>>,
    /// A Job's completion time.
    pub finished: Option<DateTime<Utc>>,
    /// What a condition says went wrong (a Deployment's ReplicaFailure or
    /// progress deadline, a Job's Failed): reason and message.
    pub problem: Option<String>,
}

fn release_of(meta: &ObjectMeta) -> Option<String> {
    let label = |k: &str| meta.labels.as_ref().and_then(|l| l.get(k)).cloned();
    label("release")
        .or_else(|| label("app.kubernetes.io/instance"))
        .or_else(|| {
            meta.annotations
                .as_ref()
                .and_then(|a| a.get("meta.helm.sh/release-name"))
                .cloned()
        })
        .filter(|r| !r.is_empty())
}

fn hook_weight(meta: &ObjectMeta) -> Option<i32> {
    let annotations = meta.annotations.as_ref()?;
    annotations.get("helm.sh/hook")?;
    Some(
        annotations
            .get("helm.sh/hook-weight")
            .and_then(|w| w.trim().parse().ok())
            .unwrap_or(0),
    )
}

/// The spec is not yet what the controller has seen.
fn unobserved(meta: &ObjectMeta, observed: Option<i64>) -> bool {
    matches!((meta.generation, observed), (Some(g), Some(o)) if o < g)
        || (meta.generation.is_some() && observed.is_none())
}

fn condition_text(reason: Option<&str>, message: Option<&str>) -> String {
    match (reason, message) {
        (Some(r), Some(m)) if !m.is_empty() => format!("{r}: {m}"),
        (Some(r), _) => r.to_owned(),
        (None, Some(m)) => m.to_owned(),
        (None, None) => String::new(),
    }
}

impl WorkloadRow {
    fn base(kind: WorkloadKind, meta: &ObjectMeta) -> Self {
        WorkloadRow {
            kind,
            name: meta.name.clone().unwrap_or_default(),
            release: release_of(meta),
            hook_weight: hook_weight(meta),
            ready: 0,
            desired: 0,
            state: WorkloadState::RollingOut,
            started: meta.creation_timestamp.as_ref().and_then(|t| to_utc(&t.0)),
            finished: None,
            problem: None,
        }
    }

    pub fn from_deployment(d: &Deployment) -> Self {
        let mut row = Self::base(WorkloadKind::Deployment, &d.metadata);
        let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        let status = d.status.clone().unwrap_or_default();
        row.desired = desired;
        row.ready = status.ready_replicas.unwrap_or(0);
        let updated = status.updated_replicas.unwrap_or(0);
        let total = status.replicas.unwrap_or(0);
        let available = status.available_replicas.unwrap_or(0);
        let conditions = status.conditions.unwrap_or_default();
        let failed_progress = conditions.iter().find(|c| {
            c.type_ == "Progressing"
                && c.status == "False"
                && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
        });
        let replica_failure = conditions
            .iter()
            .find(|c| c.type_ == "ReplicaFailure" && c.status == "True");
        let settled = !unobserved(&d.metadata, status.observed_generation)
            && updated >= desired
            && total <= updated
            && available >= desired
            && row.ready >= desired;
        row.state = if settled {
            WorkloadState::Ready
        } else if failed_progress.is_some() {
            WorkloadState::Failed
        } else {
            WorkloadState::RollingOut
        };
        row.problem = replica_failure
            .or(failed_progress)
            .map(|c| condition_text(c.reason.as_deref(), c.message.as_deref()));
        row
    }

    pub fn from_stateful_set(s: &StatefulSet) -> Self {
        let mut row = Self::base(WorkloadKind::StatefulSet, &s.metadata);
        let desired = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        let status = s.status.clone().unwrap_or_default();
        row.desired = desired;
        row.ready = status.ready_replicas.unwrap_or(0);
        let updated = status.updated_replicas.unwrap_or(0);
        let revision_pending = match (&status.current_revision, &status.update_revision) {
            (Some(c), Some(u)) => c != u,
            _ => false,
        };
        let settled = !unobserved(&s.metadata, status.observed_generation)
            && row.ready >= desired
            && status.replicas <= desired
            && (updated >= desired || !revision_pending);
        row.state = if settled {
            WorkloadState::Ready
        } else {
            WorkloadState::RollingOut
        };
        row
    }

    pub fn from_daemon_set(d: &DaemonSet) -> Self {
        let mut row = Self::base(WorkloadKind::DaemonSet, &d.metadata);
        let status = d.status.clone().unwrap_or_default();
        row.desired = status.desired_number_scheduled;
        row.ready = status.number_ready;
        let updated = status.updated_number_scheduled.unwrap_or(0);
        let available = status.number_available.unwrap_or(0);
        let settled = !unobserved(&d.metadata, status.observed_generation)
            && row.ready >= row.desired
            && updated >= row.desired
            && available >= row.desired;
        row.state = if settled {
            WorkloadState::Ready
        } else {
            WorkloadState::RollingOut
        };
        row
    }

    pub fn from_job(j: &Job) -> Self {
        let mut row = Self::base(WorkloadKind::Job, &j.metadata);
        let spec = j.spec.as_ref();
        let status = j.status.clone().unwrap_or_default();
        row.desired = spec
            .and_then(|s| s.completions.or(s.parallelism))
            .unwrap_or(1);
        row.ready = status.succeeded.unwrap_or(0);
        if let Some(t) = status.start_time.as_ref().and_then(|t| to_utc(&t.0)) {
            row.started = Some(t);
        }
        row.finished = status.completion_time.as_ref().and_then(|t| to_utc(&t.0));
        let conditions = status.conditions.unwrap_or_default();
        let holds = |t: &str| {
            conditions
                .iter()
                .find(|c| c.type_ == t && c.status == "True")
        };
        row.state = if holds("Complete").is_some() {
            WorkloadState::Complete
        } else if let Some(c) = holds("Failed") {
            row.problem = Some(condition_text(c.reason.as_deref(), c.message.as_deref()));
            WorkloadState::Failed
        } else {
            WorkloadState::Running
        };
        row
    }

    pub fn is_hook(&self) -> bool {
        self.hook_weight.is_some()
    }

    /// Display order: hooks first (Jobs, which helm waits for, before the
    /// other hooks, then by weight), then the release's workloads by kind
    /// and name.
    pub fn order_key(&self) -> (u8, i32, WorkloadKind, &str) {
        match self.hook_weight {
            Some(w) if self.kind == WorkloadKind::Job => (0, w, self.kind, &self.name),
            Some(w) => (1, w, self.kind, &self.name),
            None => (2, 0, self.kind, &self.name),
        }
    }

    /// The state in words, with the time a Job has run:
    /// `running 40s`, `complete in 12s`, `rolling out`, `ready`.
    pub fn state_text(&self, now: DateTime<Utc>) -> String {
        match self.state {
            WorkloadState::Running => match self.started {
                Some(t) => format!("running {}", format_age(Some(t), now)),
                None => "running".into(),
            },
            WorkloadState::Complete => match (self.started, self.finished) {
                (Some(s), Some(f)) => format!("complete in {}", human_duration(f - s)),
                _ => "complete".into(),
            },
            s => s.as_str().into(),
        }
    }

    /// Ready over desired, with "nodes" for a DaemonSet: `2/3 nodes`.
    pub fn count_text(&self) -> String {
        match self.kind {
            WorkloadKind::DaemonSet => format!("{}/{} nodes", self.ready, self.desired),
            _ => format!("{}/{}", self.ready, self.desired),
        }
    }

    /// What it is doing, short: `2/3 nodes`, `0/1 rolling out`,
    /// `running 40s`, `0/0`.
    pub fn summary(&self, now: DateTime<Utc>) -> String {
        match (self.kind, self.state) {
            (WorkloadKind::Job, _) => self.state_text(now),
            (_, WorkloadState::Ready) => self.count_text(),
            (WorkloadKind::DaemonSet, WorkloadState::RollingOut) => self.count_text(),
            _ => format!("{} {}", self.count_text(), self.state_text(now)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
        let path = format!(
            "{}/tests/fixtures/objects/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn now() -> DateTime<Utc> {
        "2026-12-05T03:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_deployment_rolling_out_and_ready() {
        let rolling: Deployment = fixture("deployment-hub-rolling-out.yaml");
        let row = WorkloadRow::from_deployment(&rolling);
        assert_eq!(row.name, "hub");
        assert_eq!(row.release.as_deref(), Some("jhub"));
        assert_eq!((row.ready, row.desired), (0, 1));
        assert_eq!(row.state, WorkloadState::RollingOut);
        assert_eq!(row.summary(now()), "0/1 rolling out");
        assert!(!row.is_hook());

        let ready: Deployment = fixture("deployment-user-scheduler-ready.yaml");
        let row = WorkloadRow::from_deployment(&ready);
        assert_eq!((row.ready, row.desired), (2, 2));
        assert_eq!(row.state, WorkloadState::Ready);
        assert_eq!(row.summary(now()), "2/2");
        assert_eq!(row.problem, None);
    }

    #[test]
    fn a_deployment_refused_by_a_quota_says_so_from_its_condition() {
        let d: Deployment = fixture("deployment-proxy-quota.yaml");
        let row = WorkloadRow::from_deployment(&d);
        assert_eq!(row.state, WorkloadState::RollingOut);
        let problem = row.problem.unwrap();
        assert!(problem.starts_with("FailedCreate: "), "{problem}");
        assert!(problem.contains("exceeded quota"), "{problem}");
    }

    #[test]
    fn a_hook_daemonset_counts_nodes() {
        let d: DaemonSet = fixture("daemonset-hook-image-puller.yaml");
        let row = WorkloadRow::from_daemon_set(&d);
        assert_eq!(row.name, "hook-image-puller");
        assert_eq!(row.hook_weight, Some(-10));
        assert_eq!(row.release.as_deref(), Some("jhub"));
        assert_eq!((row.ready, row.desired), (2, 3));
        assert_eq!(row.state, WorkloadState::RollingOut);
        assert_eq!(row.summary(now()), "2/3 nodes");
    }

    #[test]
    fn a_hook_job_running_then_complete() {
        let j: Job = fixture("job-hook-image-awaiter-running.yaml");
        let row = WorkloadRow::from_job(&j);
        assert_eq!(row.hook_weight, Some(10));
        assert_eq!(row.state, WorkloadState::Running);
        assert_eq!((row.ready, row.desired), (0, 1));
        // Started 02:59:20.
        assert_eq!(row.summary(now()), "running 40s");

        let j: Job = fixture("job-hook-image-awaiter-complete.yaml");
        let row = WorkloadRow::from_job(&j);
        assert_eq!(row.state, WorkloadState::Complete);
        assert_eq!((row.ready, row.desired), (1, 1));
        assert_eq!(row.summary(now()), "complete in 12s");
    }

    #[test]
    fn a_failed_job_says_why() {
        let mut j: Job = fixture("job-hook-image-awaiter-running.yaml");
        let status = j.status.as_mut().unwrap();
        status.conditions = Some(vec![
            serde_json::from_value(serde_json::json!({
                "type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                "message": "Job has reached the specified backoff limit"
            }))
            .unwrap(),
        ]);
        let row = WorkloadRow::from_job(&j);
        assert_eq!(row.state, WorkloadState::Failed);
        assert_eq!(
            row.problem.as_deref(),
            Some("BackoffLimitExceeded: Job has reached the specified backoff limit")
        );
    }

    #[test]
    fn an_empty_statefulset_is_ready() {
        let s: StatefulSet = fixture("statefulset-user-placeholder-empty.yaml");
        let row = WorkloadRow::from_stateful_set(&s);
        assert_eq!(row.name, "user-placeholder");
        assert_eq!((row.ready, row.desired), (0, 0));
        assert_eq!(row.state, WorkloadState::Ready);
        assert_eq!(row.summary(now()), "0/0");
    }

    #[test]
    fn release_from_helm_labels_or_annotation() {
        let mut meta = ObjectMeta::default();
        assert_eq!(release_of(&meta), None);
        meta.annotations = Some(
            [("meta.helm.sh/release-name".to_owned(), "a".to_owned())]
                .into_iter()
                .collect(),
        );
        assert_eq!(release_of(&meta).as_deref(), Some("a"));
        meta.labels = Some(
            [("app.kubernetes.io/instance".to_owned(), "b".to_owned())]
                .into_iter()
                .collect(),
        );
        assert_eq!(release_of(&meta).as_deref(), Some("b"));
    }

    #[test]
    fn hooks_come_first_jobs_before_other_hooks() {
        let puller = WorkloadRow::from_daemon_set(&fixture("daemonset-hook-image-puller.yaml"));
        let awaiter = WorkloadRow::from_job(&fixture("job-hook-image-awaiter-running.yaml"));
        let hub = WorkloadRow::from_deployment(&fixture("deployment-hub-rolling-out.yaml"));
        let mut rows = [&hub, &puller, &awaiter];
        rows.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["hook-image-awaiter", "hook-image-puller", "hub"]);
    }
}
