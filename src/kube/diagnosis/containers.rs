//! A pod on a node whose containers do not run: an image that cannot be
//! pulled, a crash loop (quoting its exit and last log lines), a container
//! that cannot start, one still being created, or one running but not
//! ready. Its own part because it reads container statuses and the
//! kubelet's events, not the scheduler's.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use super::events::{newest, one_line, own_events, truncate};
use super::{Diagnosis, DiagnosisInput, DiagnosisKind, SHORT_MAX};
use crate::kube::event_record::quoted_image;
use crate::kube::pod_row::PodRow;

const IMAGE_PULL_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
    "SignatureValidationFailed",
];

const START_ERROR_REASONS: &[&str] = &[
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreStartHookError",
    "PostStartHookError",
    "ContainerCannotRun",
];

/// How many of the last log lines a crash-loop line quotes: the exception
/// and the lines before it, usually.
pub const LOG_LINES: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Trouble {
    ImagePull,
    CrashLoop,
    StartError,
    Exited,
}

fn container_trouble(cs: &ContainerStatus) -> Option<Trouble> {
    let state = cs.state.as_ref()?;
    if let Some(reason) = state.waiting.as_ref().and_then(|w| w.reason.as_deref()) {
        if IMAGE_PULL_REASONS.contains(&reason) {
            return Some(Trouble::ImagePull);
        }
        if reason == "CrashLoopBackOff" {
            return Some(Trouble::CrashLoop);
        }
        if START_ERROR_REASONS.contains(&reason) {
            return Some(Trouble::StartError);
        }
    }
    if state.terminated.as_ref().is_some_and(|t| t.exit_code != 0) {
        return Some(Trouble::Exited);
    }
    None
}

/// The container in the worst trouble, whether it is an init container, and
/// what the trouble is.
fn worst_container(pod: &Pod) -> Option<(Trouble, bool, &ContainerStatus)> {
    let status = pod.status.as_ref()?;
    let all = status
        .init_container_statuses
        .iter()
        .flatten()
        .map(|cs| (cs, true))
        .chain(
            status
                .container_statuses
                .iter()
                .flatten()
                .map(|cs| (cs, false)),
        );
    all.filter_map(|(cs, init)| container_trouble(cs).map(|t| (t, init, cs)))
        .min_by_key(|(t, _, _)| *t)
}

/// A crash-looping container's crashed run: the log its diagnosis quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashedContainer {
    pub name: String,
    pub restarts: u32,
    /// The crash is the previous run (the container waits to restart),
    /// not the current one (it has just exited).
    pub previous: bool,
}

/// The container whose crash the pod's diagnosis reports, if it reports one.
pub fn crashed_container(pod: &Pod) -> Option<CrashedContainer> {
    let (trouble, _, cs) = worst_container(pod)?;
    if !matches!(trouble, Trouble::CrashLoop | Trouble::Exited) {
        return None;
    }
    let exited = cs.state.as_ref().and_then(|s| s.terminated.as_ref());
    Some(CrashedContainer {
        name: cs.name.clone(),
        restarts: u32::try_from(cs.restart_count).unwrap_or(0),
        previous: exited.is_none(),
    })
}

pub fn containers(input: &DiagnosisInput, row: &PodRow) -> Option<Diagnosis> {
    if let Some((trouble, init, cs)) = worst_container(input.pod) {
        return Some(match trouble {
            Trouble::ImagePull => image_pull(input, cs, init),
            Trouble::CrashLoop | Trouble::Exited => crash_loop(input, cs, init),
            Trouble::StartError => start_error(cs, init),
        });
    }
    if row.phase == "Pending" {
        return Some(creating(input, row));
    }
    None
}

fn container_label(cs: &ContainerStatus, init: bool) -> String {
    if init {
        format!("init container \"{}\"", cs.name)
    } else {
        format!("container \"{}\"", cs.name)
    }
}

fn waiting_of(cs: &ContainerStatus) -> (&str, &str) {
    let waiting = cs.state.as_ref().and_then(|s| s.waiting.as_ref());
    (
        waiting.and_then(|w| w.reason.as_deref()).unwrap_or(""),
        waiting.and_then(|w| w.message.as_deref()).unwrap_or(""),
    )
}

fn image_pull(input: &DiagnosisInput, cs: &ContainerStatus, init: bool) -> Diagnosis {
    let (reason, message) = waiting_of(cs);
    let image = if cs.image.is_empty() {
        spec_image(input.pod, &cs.name).unwrap_or_default()
    } else {
        cs.image.clone()
    };
    let mut detail = registry_message(message, &image);
    if detail.is_empty() {
        // Older kubelets (and the rig) say only "Back-off pulling image";
        // the registry's answer is in the kubelet's Failed event.
        let events = own_events(input);
        detail = newest(&events, |e| {
            e.reason.as_deref() == Some("Failed")
                && e.message
                    .as_deref()
                    .is_some_and(|m| m.starts_with("Failed to pull image"))
        })
        .and_then(|e| e.message.as_deref())
        .map(|m| registry_message(m, &image))
        .unwrap_or_default();
    }
    let mut line = format!(
        "{reason}: image \"{image}\" ({})",
        container_label(cs, init)
    );
    if !detail.is_empty() {
        line.push_str(": ");
        line.push_str(&detail);
    }
    Diagnosis {
        kind: DiagnosisKind::ImagePull,
        short: truncate(reason, SHORT_MAX),
        line,
    }
}

/// The registry's words from a kubelet message, without the kubelet's and
/// gRPC's wrapping: `Back-off pulling image "x": ErrImagePull: rpc error:
/// code = NotFound desc = failed to pull and unpack image ...` becomes
/// `failed to pull and unpack image ...`. Empty when nothing is left.
fn registry_message(message: &str, image: &str) -> String {
    let mut m = one_line(message);
    for prefix in [
        format!("Back-off pulling image \"{image}\""),
        format!("Failed to pull image \"{image}\""),
        "Back-off pulling image".to_owned(),
    ] {
        if let Some(rest) = m.strip_prefix(prefix.as_str()) {
            m = rest.to_owned();
            break;
        }
    }
    let mut m = m.trim_start_matches(':').trim().to_owned();
    for prefix in ["ErrImagePull:", "ImagePullBackOff:"] {
        if let Some(rest) = m.strip_prefix(prefix) {
            m = rest.trim().to_owned();
        }
    }
    if let Some(rest) = m.strip_prefix("rpc error: code = ")
        && let Some((_, desc)) = rest.split_once(" desc = ")
    {
        m = desc.trim().to_owned();
    }
    m
}

fn spec_image(pod: &Pod, container: &str) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == container)
        .and_then(|c| c.image.clone())
}

fn crash_loop(input: &DiagnosisInput, cs: &ContainerStatus, init: bool) -> Diagnosis {
    let state = cs.state.as_ref();
    let (waiting_reason, _) = waiting_of(cs);
    // While backing off, the exit is in lastState; between a crash and the
    // back-off, in state.
    let terminated = state
        .and_then(|s| s.terminated.as_ref())
        .or_else(|| cs.last_state.as_ref().and_then(|s| s.terminated.as_ref()));
    let label = if waiting_reason.is_empty() {
        terminated
            .and_then(|t| t.reason.clone())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "Error".into())
    } else {
        waiting_reason.to_owned()
    };
    let restarts = u32::try_from(cs.restart_count).unwrap_or(0);
    let mut line = format!("{label}: {}", container_label(cs, init));
    let short = match terminated {
        Some(t) => {
            let reason = t.reason.as_deref().filter(|r| !r.is_empty());
            line.push_str(&format!(" exited with code {}", t.exit_code));
            if let Some(r) = reason {
                line.push_str(&format!(" ({r})"));
            }
            match reason {
                Some("OOMKilled") => "CrashLoop OOMKilled".to_owned(),
                _ => format!("CrashLoop exit {}", t.exit_code),
            }
        }
        None => label.clone(),
    };
    line.push_str(&format!(
        ", {restarts} restart{}",
        if restarts == 1 { "" } else { "s" }
    ));
    let logs = last_lines(input.last_log_lines);
    if !logs.is_empty() {
        line.push_str("; last log: ");
        line.push_str(&logs);
    } else if let Some(m) = terminated
        .and_then(|t| t.message.as_deref())
        .map(one_line)
        .filter(|m| !m.is_empty())
    {
        line.push_str("; message: ");
        line.push_str(&truncate(&m, 300));
    }
    Diagnosis {
        kind: DiagnosisKind::CrashLoop,
        short: truncate(&short, SHORT_MAX),
        line,
    }
}

fn last_lines(lines: &[String]) -> String {
    let mut picked: Vec<String> = lines
        .iter()
        .rev()
        .map(|l| one_line(l))
        .filter(|l| !l.is_empty())
        .take(LOG_LINES)
        .map(|l| truncate(&l, 200))
        .collect();
    picked.reverse();
    picked.join(" | ")
}

fn start_error(cs: &ContainerStatus, init: bool) -> Diagnosis {
    let (reason, message) = waiting_of(cs);
    let mut line = format!("{reason}: {}", container_label(cs, init));
    let message = one_line(message);
    if !message.is_empty() {
        line.push_str(": ");
        line.push_str(&message);
    }
    let short = match reason {
        "CreateContainerConfigError" => "Container config error".to_owned(),
        r => truncate(r, SHORT_MAX),
    };
    Diagnosis {
        kind: DiagnosisKind::ContainerCreating,
        short,
        line,
    }
}

/// Kubelet warnings that explain a pod stuck before its containers start.
const CREATING_WARNINGS: &[(&str, &str)] = &[
    ("FailedMount", "Mount failed"),
    ("FailedAttachVolume", "Volume attach failed"),
    ("FailedMapVolume", "Volume map failed"),
    ("FailedCreatePodSandBox", "Sandbox failed"),
    ("FailedCreatePodContainer", "Pod cgroup failed"),
    ("NetworkNotReady", "Network not ready"),
];

fn creating(input: &DiagnosisInput, row: &PodRow) -> Diagnosis {
    let events = own_events(input);
    let status = &row.status;
    if let Some(e) = newest(&events, |e| {
        e.type_.as_deref() == Some("Warning")
            && CREATING_WARNINGS
                .iter()
                .any(|(r, _)| e.reason.as_deref() == Some(*r))
    }) {
        let reason = e.reason.as_deref().unwrap_or("");
        let short = CREATING_WARNINGS
            .iter()
            .find(|(r, _)| *r == reason)
            .map(|(_, s)| *s)
            .unwrap_or("ContainerCreating");
        return Diagnosis {
            kind: DiagnosisKind::ContainerCreating,
            short: short.into(),
            line: format!(
                "{status}: {reason}: {}",
                one_line(e.message.as_deref().unwrap_or(""))
            ),
        };
    }
    let initializing = status.starts_with("Init:");
    // A pull is over once a container of its image has run: its `Pulled`
    // is a routine event the always-on watch leaves out (`kube::watch`),
    // so its `Pulling` would otherwise stay the latest word.
    let latest = newest(&events, |e| {
        !(e.reason.as_deref() == Some("Pulling")
            && e.message
                .as_deref()
                .and_then(quoted_image)
                .is_some_and(|image| has_run(input.pod, image)))
    });
    let short = match latest.and_then(|e| e.reason.as_deref()) {
        Some("Pulling") => "Pulling image",
        _ if initializing => "Initializing",
        _ => "ContainerCreating",
    };
    let line = match (
        latest.and_then(|e| e.message.as_deref()),
        running_init(input.pod),
    ) {
        (Some(m), _) => format!("{status}: {}", one_line(m)),
        (None, Some(name)) => format!("{status}: init container \"{name}\" running"),
        (None, None) => format!(
            "{status}: waiting for the kubelet on {}",
            row.node.as_deref().unwrap_or("its node")
        ),
    };
    Diagnosis {
        kind: DiagnosisKind::ContainerCreating,
        short: short.into(),
        line,
    }
}

/// Whether a container (init or not) of `image` has run or runs.
fn has_run(pod: &Pod, image: &str) -> bool {
    let (Some(spec), Some(status)) = (&pod.spec, &pod.status) else {
        return false;
    };
    let of_image: Vec<&str> = spec
        .init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
        .filter(|c| c.image.as_deref() == Some(image))
        .map(|c| c.name.as_str())
        .collect();
    status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten())
        .filter(|cs| of_image.contains(&cs.name.as_str()))
        .filter_map(|cs| cs.state.as_ref())
        .any(|s| s.running.is_some() || s.terminated.is_some())
}

/// The init container that runs now, if one does.
fn running_init(pod: &Pod) -> Option<&str> {
    pod.status
        .as_ref()?
        .init_container_statuses
        .iter()
        .flatten()
        .find(|cs| cs.state.as_ref().is_some_and(|s| s.running.is_some()))
        .map(|cs| cs.name.as_str())
}

pub fn not_ready(input: &DiagnosisInput, row: &PodRow) -> Diagnosis {
    let status = input.pod.status.as_ref();
    let unready = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.iter().find(|c| !c.ready))
        .map(|c| c.name.clone());
    let who = unready
        .map(|n| format!("container \"{n}\""))
        .unwrap_or_else(|| "a container".into());
    let events = own_events(input);
    let probe = newest(&events, |e| e.reason.as_deref() == Some("Unhealthy"));
    match probe.and_then(|e| e.message.as_deref()).map(one_line) {
        Some(m) => {
            let short = if m.starts_with("Liveness probe") {
                "Liveness probe failing"
            } else if m.starts_with("Startup probe") {
                "Startup probe failing"
            } else if m.starts_with("Readiness probe") {
                "Readiness probe failing"
            } else {
                "Not ready"
            };
            Diagnosis {
                kind: DiagnosisKind::Other,
                short: short.into(),
                line: format!("Not ready: {who}: {m}"),
            }
        }
        None => Diagnosis {
            kind: DiagnosisKind::Other,
            short: "Not ready".into(),
            line: format!(
                "Not ready: {who} is running but not ready ({}/{} ready)",
                row.ready, row.containers
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{World, d};
    use super::*;
    use crate::kube::pod_row::fixtures;
    use k8s_openapi::api::core::v1::Event;

    #[test]
    fn image_pull_backoff_quotes_the_registry() {
        let w = World::new("pod-image-pull-backoff.yaml").events("events-image-pull-backoff.yaml");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::ImagePull,
                "ImagePullBackOff",
                "ImagePullBackOff: image \"quay.io/jupyterhub/k8s-singleuser-sample:nope\" (container \"notebook\"): failed to pull and unpack image \"quay.io/jupyterhub/k8s-singleuser-sample:nope\": failed to resolve reference \"quay.io/jupyterhub/k8s-singleuser-sample:nope\": quay.io/jupyterhub/k8s-singleuser-sample:nope: not found"
            )
        );
    }

    #[test]
    fn image_pull_backoff_with_a_bare_message_reads_the_failed_event() {
        let mut w =
            World::new("pod-image-pull-backoff.yaml").events("events-image-pull-backoff.yaml");
        let cs = &mut w
            .pod
            .status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap()[0];
        cs.state.as_mut().unwrap().waiting.as_mut().unwrap().message =
            Some("Back-off pulling image \"quay.io/jupyterhub/k8s-singleuser-sample:nope\"".into());
        let expected = w.diagnose().unwrap();
        assert!(
            expected
                .line
                .ends_with(": quay.io/jupyterhub/k8s-singleuser-sample:nope: not found"),
            "{}",
            expected.line
        );
        assert_eq!(expected.kind, DiagnosisKind::ImagePull);

        // As on the rig: no registry message anywhere.
        w.events.clear();
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::ImagePull,
                "ImagePullBackOff",
                "ImagePullBackOff: image \"quay.io/jupyterhub/k8s-singleuser-sample:nope\" (container \"notebook\")"
            )
        );
    }

    #[test]
    fn crash_loop_with_exit_code_restarts_and_logs() {
        let mut w = World::new("pod-crashloop-hub.yaml");
        w.logs = vec![
            "[E 2026-06-01 10:05:11.042 JupyterHub app:3382]".into(),
            "    Traceback (most recent call last):".into(),
            "      File \"/usr/local/lib/python3.12/site-packages/sqlalchemy/engine/base.py\", line 146, in __init__".into(),
            "    sqlite3.OperationalError: unable to open database file  ".into(),
            "".into(),
        ];
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::CrashLoop,
                "CrashLoop exit 1",
                "CrashLoopBackOff: container \"hub\" exited with code 1 (Error), 5 restarts; last log: Traceback (most recent call last): | File \"/usr/local/lib/python3.12/site-packages/sqlalchemy/engine/base.py\", line 146, in __init__ | sqlite3.OperationalError: unable to open database file"
            )
        );
    }

    #[test]
    fn crash_loop_without_logs_and_oom() {
        let mut w = World::new("pod-crashloop-hub.yaml");
        assert_eq!(
            w.diagnose().unwrap().line,
            "CrashLoopBackOff: container \"hub\" exited with code 1 (Error), 5 restarts"
        );
        // Backing off: the crash it reports is the previous run's.
        assert_eq!(
            crashed_container(&w.pod),
            Some(CrashedContainer {
                name: "hub".into(),
                restarts: 5,
                previous: true
            })
        );
        let cs = &mut w
            .pod
            .status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap()[0];
        let t = cs.last_state.as_mut().unwrap().terminated.as_mut().unwrap();
        t.exit_code = 137;
        t.reason = Some("OOMKilled".into());
        cs.restart_count = 1;
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::CrashLoop,
                "CrashLoop OOMKilled",
                "CrashLoopBackOff: container \"hub\" exited with code 137 (OOMKilled), 1 restart"
            )
        );
    }

    #[test]
    fn image_pull_outranks_a_crashing_sibling() {
        let mut w = World::new("pod-crashloop-hub.yaml");
        let status = w.pod.status.as_mut().unwrap();
        let mut puller = status.container_statuses.as_ref().unwrap()[0].clone();
        puller.name = "sidecar".into();
        puller.image = "example.com/sidecar:missing".into();
        puller.last_state = None;
        puller.state.as_mut().unwrap().waiting = Some(k8s_openapi::api::core::v1::ContainerStateWaiting {
            reason: Some("ErrImagePull".into()),
            message: Some("rpc error: code = Unknown desc = failed to pull and unpack image \"example.com/sidecar:missing\": 401 Unauthorized".into()),
        });
        status.container_statuses.as_mut().unwrap().push(puller);
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::ImagePull,
                "ErrImagePull",
                "ErrImagePull: image \"example.com/sidecar:missing\" (container \"sidecar\"): failed to pull and unpack image \"example.com/sidecar:missing\": 401 Unauthorized"
            )
        );
        // The diagnosis quotes no crash, so no log is read for one.
        assert_eq!(crashed_container(&w.pod), None);
    }

    #[test]
    fn config_error_names_the_missing_secret() {
        let mut w = World::new("pod-crashloop-hub.yaml");
        let cs = &mut w
            .pod
            .status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap()[0];
        cs.last_state = None;
        cs.state.as_mut().unwrap().waiting =
            Some(k8s_openapi::api::core::v1::ContainerStateWaiting {
                reason: Some("CreateContainerConfigError".into()),
                message: Some("secret \"hub\" not found".into()),
            });
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::ContainerCreating,
                "Container config error",
                "CreateContainerConfigError: container \"hub\": secret \"hub\" not found"
            )
        );
    }

    #[test]
    fn init_container_pulling() {
        let w = World::new("pod-init-container.yaml").events("events-init-container.yaml");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::ContainerCreating,
                "Pulling image",
                "Init:1/2: Pulling image \"quay.io/jupyterhub/k8s-singleuser-sample:4.4.0\""
            )
        );
    }

    #[test]
    fn a_pull_is_over_once_its_container_runs_though_its_pulled_event_is_not_watched() {
        let mut w = World::new("pod-init-container.yaml").events("events-init-container.yaml");
        // What the always-on watch has: no routine reason.
        w.events.retain(|e| {
            !crate::kube::watch::ROUTINE_EVENT_REASONS.contains(&e.reason.as_deref().unwrap_or(""))
        });
        assert_eq!(
            w.diagnose().unwrap().short,
            "Pulling image",
            "still pulling"
        );
        // The image is in: the init container of that image runs.
        let status = w.pod.status.as_mut().unwrap();
        let init = &mut status.init_container_statuses.as_mut().unwrap()[1];
        assert_eq!(init.name, "image-pull-singleuser");
        init.state = Some(k8s_openapi::api::core::v1::ContainerState {
            running: Some(Default::default()),
            ..Default::default()
        });
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::ContainerCreating,
                "Initializing",
                "Init:1/2: init container \"image-pull-singleuser\" running"
            )
        );
    }

    #[test]
    fn failed_mount_explains_container_creating() {
        let mut w = World::new("pod-init-container.yaml").events("events-init-container.yaml");
        let mut e = w.events[0].clone();
        e.uid = Some("failed-mount".into());
        e.reason = Some("FailedMount".into());
        e.type_ = Some("Warning".into());
        e.message = Some("MountVolume.SetUp failed for volume \"kube-api-access-2bq5x\" : failed to sync configmap cache: timed out waiting for the condition".into());
        w.events.push(e);
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::ContainerCreating,
                "Mount failed",
                "Init:1/2: FailedMount: MountVolume.SetUp failed for volume \"kube-api-access-2bq5x\" : failed to sync configmap cache: timed out waiting for the condition"
            )
        );
    }

    #[test]
    fn running_but_not_ready_quotes_the_probe() {
        let mut w = World::new("pod-hub-running.yaml");
        w.pod
            .status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap()[0]
            .ready = false;
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::Other,
                "Not ready",
                "Not ready: container \"hub\" is running but not ready (0/1 ready)"
            )
        );
        let mut probe: Event = fixtures::all::<Event>("events-init-container.yaml").remove(0);
        probe.involved_object.uid = w.pod.metadata.uid.clone();
        probe.reason = Some("Unhealthy".into());
        probe.type_ = Some("Warning".into());
        probe.message = Some("Readiness probe failed: Get \"http://10.8.0.12:8081/hub/health\": dial tcp 10.8.0.12:8081: connect: connection refused".into());
        w.events.push(probe.into());
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::Other,
                "Readiness probe failing",
                "Not ready: container \"hub\": Readiness probe failed: Get \"http://10.8.0.12:8081/hub/health\": dial tcp 10.8.0.12:8081: connect: connection refused"
            )
        );
    }
}
