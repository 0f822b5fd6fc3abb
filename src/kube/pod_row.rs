//! One pod as the pods pane shows it, derived from the API object the way
//! `kubectl get pods` derives its READY, STATUS and RESTARTS columns.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

use compact_str::CompactString;

use super::event_record::Uid;
use super::quantity;

/// Display order of the pods pane: the hub and its proxy first (what an
/// operator checks first), the chart's other components, user servers, and
/// whatever else shares the namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PodGroup {
    Hub,
    Proxy,
    Chart,
    User,
    Other,
}

/// Components the JupyterHub chart labels its pods with, other than hub,
/// proxy and the user servers.
const CHART_COMPONENTS: &[&str] = &[
    "autohttps",
    "user-scheduler",
    "user-placeholder",
    "hook-image-puller",
    "continuous-image-puller",
    "image-puller",
    "hook-image-awaiter",
];

impl PodGroup {
    /// The group of a pod from its `component` label (and whether its `app`
    /// label says it belongs to the chart at all).
    pub fn classify(component: Option<&str>, app: Option<&str>) -> Self {
        match component {
            Some("hub") => PodGroup::Hub,
            Some("proxy") => PodGroup::Proxy,
            Some("singleuser-server") => PodGroup::User,
            Some(c) if CHART_COMPONENTS.contains(&c) => PodGroup::Chart,
            // Components added by later chart versions still sort with the
            // chart, as long as the pod carries the chart's app label.
            Some(_) if app == Some("jupyterhub") => PodGroup::Chart,
            _ => PodGroup::Other,
        }
    }
}

/// Requests that the scheduler counts against a node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

/// One is kept for every pod, so it is kept small. The strings are
/// `CompactString`s: the same 24 bytes as a `String`, with no allocation of
/// their own up to 24 bytes, which holds every string of a user pod's but
/// its node's name on GKE; the uid is packed. Against `String`s, 172 bytes
/// less a pod in the state's heap (3.4 MB at 20,000 pods: `cargo bench
/// --bench state_memory`, bench/README.md).
#[derive(Debug, Clone, PartialEq)]
pub struct PodRow {
    pub name: CompactString,
    pub namespace: CompactString,
    /// Packed to its 16 bytes (a UUID's 36 characters would be allocated).
    pub uid: Option<Uid>,
    /// The `component` label, else `app.kubernetes.io/component`.
    pub component: Option<CompactString>,
    /// The `release` label of the chart's own pods (hub, proxy and the
    /// other components): which release's user-scheduler a pod is. None for
    /// user servers and others, which are the many rows.
    pub release: Option<CompactString>,
    pub group: PodGroup,
    pub phase: CompactString,
    /// kubectl's READY column: `ready` of `containers` (sidecars included).
    pub ready: u32,
    pub containers: u32,
    /// kubectl's STATUS column.
    pub status: CompactString,
    pub restarts: u32,
    pub created: Option<DateTime<Utc>>,
    pub node: Option<CompactString>,
    pub pod_ip: Option<CompactString>,
    pub deleting: bool,
    pub requests: Resources,
    pub resource_version: CompactString,
    /// The JupyterHub user a KubeSpawner pod serves: the
    /// `hub.jupyter.org/username` annotation (the name as the hub knows it),
    /// else the label of that name (the name escaped for a label value).
    pub user: Option<CompactString>,
    /// The images an image-puller pod pulls (its init containers'), kept
    /// for those pods only: the pull view reads which nodes have the new
    /// image from them, and a healthy pod is kept as its row alone.
    pub pulls: Option<Box<[String]>>,
}

/// The `component` labels of the z2jh chart's image pullers: DaemonSets
/// whose init containers pull every image users will need, one pod per
/// node (the hook one only during an install or upgrade).
pub const IMAGE_PULLERS: [&str; 2] = ["continuous-image-puller", "hook-image-puller"];

/// The annotation and label KubeSpawner puts on a user's pod and claim.
pub const USERNAME_KEY: &str = "hub.jupyter.org/username";

/// The hub user an object (a user's pod or claim) belongs to, as KubeSpawner
/// marks it: the annotation holds the hub's own name for the user, the
/// label an escaped form of it.
pub fn user_of(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Option<String> {
    let annotated = meta.annotations.as_ref().and_then(|a| a.get(USERNAME_KEY));
    let labelled = meta.labels.as_ref().and_then(|l| l.get(USERNAME_KEY));
    annotated.or(labelled).cloned()
}

impl PodRow {
    pub fn from_pod(pod: &Pod) -> Self {
        let meta = &pod.metadata;
        let labels = meta.labels.as_ref();
        let label = |k: &str| labels.and_then(|l| l.get(k)).map(CompactString::from);
        let component = label("component").or_else(|| label("app.kubernetes.io/component"));
        let app = label("app").or_else(|| label("app.kubernetes.io/name"));
        let status = pod.status.as_ref();
        let columns = kubectl_columns(pod);
        let group = PodGroup::classify(component.as_deref(), app.as_deref());
        PodRow {
            name: compact(&meta.name),
            namespace: compact(&meta.namespace),
            uid: meta.uid.as_deref().filter(|u| !u.is_empty()).map(Uid::new),
            group,
            release: matches!(group, PodGroup::Hub | PodGroup::Proxy | PodGroup::Chart)
                .then(|| label("release"))
                .flatten(),
            phase: status
                .and_then(|s| s.phase.as_deref())
                .unwrap_or("Unknown")
                .into(),
            ready: columns.ready,
            containers: columns.total,
            status: columns.status.into(),
            restarts: columns.restarts,
            created: meta.creation_timestamp.as_ref().and_then(|t| to_utc(&t.0)),
            node: pod
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .filter(|n| !n.is_empty())
                .map(CompactString::from),
            pod_ip: status
                .and_then(|s| s.pod_ip.as_deref())
                .filter(|ip| !ip.is_empty())
                .map(CompactString::from),
            deleting: meta.deletion_timestamp.is_some(),
            requests: pod_requests(pod),
            resource_version: compact(&meta.resource_version),
            user: user_of(meta).map(CompactString::from),
            pulls: component
                .as_deref()
                .is_some_and(|c| IMAGE_PULLERS.contains(&c))
                .then(|| {
                    pod.spec
                        .iter()
                        .flat_map(|s| s.init_containers.iter().flatten())
                        .filter_map(|c| c.image.clone())
                        .collect()
                }),
            component,
        }
    }

    /// Running with every container ready, or finished successfully. A pod
    /// being deleted is never healthy: it is going away, and when it hangs
    /// there (finalizers, a lost node) that is worth a diagnosis.
    pub fn is_healthy(&self) -> bool {
        if self.deleting {
            return false;
        }
        match self.phase.as_str() {
            "Succeeded" => true,
            "Running" => self.containers > 0 && self.ready == self.containers,
            _ => false,
        }
    }

    pub fn sort_key(&self) -> (PodGroup, CompactString) {
        (self.group, self.name.clone())
    }
}

/// An API string field as kept in a row: empty when absent.
fn compact(field: &Option<String>) -> CompactString {
    field
        .as_deref()
        .map(CompactString::from)
        .unwrap_or_default()
}

/// A k8s-openapi time (a jiff timestamp) as chrono's, which the rest of the
/// cockpit uses. None only for instants chrono cannot represent.
pub fn to_utc(ts: &Timestamp) -> Option<DateTime<Utc>> {
    let nanos = ts.as_nanosecond();
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    let sub = u32::try_from(nanos.rem_euclid(1_000_000_000)).ok()?;
    DateTime::from_timestamp(secs, sub)
}

/// The READY, STATUS and RESTARTS columns of `kubectl get pods`.
struct KubectlColumns {
    ready: u32,
    total: u32,
    status: String,
    restarts: u32,
}

/// A sidecar: an init container that keeps running beside the main ones.
fn is_restartable_init(c: Option<&Container>) -> bool {
    c.and_then(|c| c.restart_policy.as_deref()) == Some("Always")
}

fn restart_count(cs: &ContainerStatus) -> u32 {
    u32::try_from(cs.restart_count).unwrap_or(0)
}

/// A transcription of kubectl's `printPod` (pkg/printers/internalversion),
/// so that the cockpit and `kubectl get pods` never disagree.
fn kubectl_columns(pod: &Pod) -> KubectlColumns {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let empty_containers: Vec<Container> = Vec::new();
    let empty_statuses: Vec<ContainerStatus> = Vec::new();
    let containers = spec.map(|s| &s.containers).unwrap_or(&empty_containers);
    let init_containers = spec
        .and_then(|s| s.init_containers.as_ref())
        .unwrap_or(&empty_containers);
    let init_statuses = status
        .and_then(|s| s.init_container_statuses.as_ref())
        .unwrap_or(&empty_statuses);
    let statuses = status
        .and_then(|s| s.container_statuses.as_ref())
        .unwrap_or(&empty_statuses);
    let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("");
    let pod_reason = status.and_then(|s| s.reason.as_deref()).unwrap_or("");

    let mut reason = if pod_reason.is_empty() {
        phase.to_owned()
    } else {
        pod_reason.to_owned()
    };
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".into();
    }

    let init_by_name: BTreeMap<&str, &Container> = init_containers
        .iter()
        .map(|c| (c.name.as_str(), c))
        .collect();
    let mut total = u32::try_from(containers.len()).unwrap_or(u32::MAX);
    total = total.saturating_add(
        u32::try_from(
            init_containers
                .iter()
                .filter(|c| is_restartable_init(Some(c)))
                .count(),
        )
        .unwrap_or(u32::MAX),
    );
    let mut ready = 0u32;
    let mut restarts = 0u32;
    let mut sidecar_restarts = 0u32;

    let mut initializing = false;
    for (i, cs) in init_statuses.iter().enumerate() {
        let sidecar = is_restartable_init(init_by_name.get(cs.name.as_str()).copied());
        restarts = restarts.saturating_add(restart_count(cs));
        if sidecar {
            sidecar_restarts = sidecar_restarts.saturating_add(restart_count(cs));
        }
        let state = cs.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting = state.and_then(|s| s.waiting.as_ref());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if sidecar && cs.started == Some(true) {
            if cs.ready {
                ready = ready.saturating_add(1);
            }
            continue;
        }
        if let Some(t) = terminated {
            reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => match t.signal {
                    Some(sig) if sig != 0 => format!("Init:Signal:{sig}"),
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(r) = waiting
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{r}");
        } else {
            reason = format!("Init:{i}/{}", init_containers.len());
        }
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .any(|c| c.type_ == "Initialized" && c.status == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        let mut has_running = false;
        // Backwards, so that the first container's reason wins, as in kubectl.
        for cs in statuses.iter().rev() {
            restarts = restarts.saturating_add(restart_count(cs));
            let state = cs.state.as_ref();
            let waiting = state.and_then(|s| s.waiting.as_ref());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            let running = state.and_then(|s| s.running.as_ref());
            if let Some(r) = waiting
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty())
            {
                reason = r.to_owned();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref() {
                    Some(r) if !r.is_empty() => r.to_owned(),
                    _ => match t.signal {
                        Some(sig) if sig != 0 => format!("Signal:{sig}"),
                        _ => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if cs.ready && running.is_some() {
                has_running = true;
                ready = ready.saturating_add(1);
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.into();
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        if pod_reason == "NodeLost" {
            reason = "Unknown".into();
        } else if !matches!(phase, "Succeeded" | "Failed") {
            reason = "Terminating".into();
        }
    }

    KubectlColumns {
        ready,
        total,
        status: reason,
        restarts,
    }
}

fn request_of(
    requests: Option<&BTreeMap<String, Quantity>>,
    name: &str,
    parse: fn(&Quantity) -> Option<u64>,
) -> u64 {
    requests
        .and_then(|r| r.get(name))
        .and_then(parse)
        .unwrap_or(0)
}

/// What the scheduler reserves for a pod on its node, per resource: the
/// larger of the main containers' sum (sidecars included) and the largest
/// init container (plus the sidecars started before it), replaced by the
/// pod-level request when one is set, plus the runtime's overhead. This is
/// `resourcehelper.PodRequests`, which `kubectl describe node` also uses.
pub fn pod_requests(pod: &Pod) -> Resources {
    let Some(spec) = pod.spec.as_ref() else {
        return Resources::default();
    };
    let one = |name: &str, parse: fn(&Quantity) -> Option<u64>| -> u64 {
        let container_req = |c: &Container| {
            request_of(
                c.resources.as_ref().and_then(|r| r.requests.as_ref()),
                name,
                parse,
            )
        };
        let mut sum = spec
            .containers
            .iter()
            .map(&container_req)
            .fold(0u64, u64::saturating_add);
        let mut sidecars = 0u64;
        let mut init_max = 0u64;
        for ic in spec.init_containers.iter().flatten() {
            let req = container_req(ic);
            let during = if is_restartable_init(Some(ic)) {
                sum = sum.saturating_add(req);
                sidecars = sidecars.saturating_add(req);
                sidecars
            } else {
                req.saturating_add(sidecars)
            };
            init_max = init_max.max(during);
        }
        let mut effective = sum.max(init_max);
        let pod_level = spec.resources.as_ref().and_then(|r| r.requests.as_ref());
        if let Some(v) = pod_level.and_then(|r| r.get(name)).and_then(parse) {
            effective = v;
        }
        effective.saturating_add(request_of(spec.overhead.as_ref(), name, parse))
    };
    Resources {
        cpu_millis: one("cpu", quantity::cpu_millis),
        memory_bytes: one("memory", quantity::memory_bytes),
    }
}

/// Loading the YAML fixtures under tests/fixtures/objects/, shared by the
/// tests of the kube module.
#[cfg(test)]
pub(crate) mod fixtures {
    use serde::de::DeserializeOwned;

    fn path(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/objects")
            .join(name)
    }

    /// Every document of a multi-document YAML file.
    pub fn all<T: DeserializeOwned>(name: &str) -> Vec<T> {
        let text = std::fs::read_to_string(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_yaml::Deserializer::from_str(&text)
            .map(|doc| T::deserialize(doc).unwrap_or_else(|e| panic!("{name}: {e}")))
            .collect()
    }

    pub fn one<T: DeserializeOwned>(name: &str) -> T {
        let mut docs = all(name);
        assert_eq!(docs.len(), 1, "{name} should hold one object");
        docs.remove(0)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures;
    use super::*;

    fn row(name: &str) -> PodRow {
        PodRow::from_pod(&fixtures::one::<Pod>(name))
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn running_hub() {
        let r = row("pod-hub-running.yaml");
        assert_eq!(r.name, "hub-7d9c6b5f8-x2x7q");
        assert_eq!(r.namespace, "jhub");
        assert_eq!(
            r.uid,
            Some(Uid::new("0b3f7d2e-5c1a-4d8e-9f2b-6a7c8d9e0f11"))
        );
        assert!(matches!(r.uid, Some(Uid::Uuid(_))), "kept as its 16 bytes");
        assert_eq!(r.component.as_deref(), Some("hub"));
        assert_eq!(r.group, PodGroup::Hub);
        assert_eq!(r.phase, "Running");
        assert_eq!((r.ready, r.containers), (1, 1));
        assert_eq!(r.status, "Running");
        assert_eq!(r.restarts, 0);
        assert_eq!(r.created, Some(at("2026-06-01T09:58:02Z")));
        assert_eq!(
            r.node.as_deref(),
            Some("gke-jhub-default-pool-3f1c2d4e-k8s1")
        );
        assert_eq!(r.pod_ip.as_deref(), Some("10.8.0.12"));
        assert!(!r.deleting);
        assert_eq!(
            r.requests,
            Resources {
                cpu_millis: 200,
                memory_bytes: 512 << 20
            }
        );
        assert_eq!(r.resource_version, "48213");
        assert!(r.is_healthy());
        assert_eq!(r.sort_key(), (PodGroup::Hub, "hub-7d9c6b5f8-x2x7q".into()));
    }

    #[test]
    fn pending_unschedulable_is_pending() {
        let r = row("pod-pending-insufficient-memory.yaml");
        assert_eq!(r.group, PodGroup::User);
        assert_eq!(r.status, "Pending");
        assert_eq!((r.ready, r.containers), (0, 1));
        assert_eq!(r.node, None);
        assert_eq!(r.pod_ip, None);
        assert_eq!(r.requests.memory_bytes, 14 << 30);
        assert_eq!(r.requests.cpu_millis, 500);
        assert!(!r.is_healthy());
    }

    #[test]
    fn image_pull_backoff_status() {
        let r = row("pod-image-pull-backoff.yaml");
        assert_eq!(r.status, "ImagePullBackOff");
        assert_eq!(r.phase, "Pending");
        assert_eq!((r.ready, r.containers), (0, 1));
        assert!(!r.is_healthy());
    }

    #[test]
    fn crash_loop_status_and_restarts() {
        let r = row("pod-crashloop-hub.yaml");
        assert_eq!(r.status, "CrashLoopBackOff");
        assert_eq!(r.phase, "Running");
        assert_eq!(r.restarts, 5);
        assert_eq!((r.ready, r.containers), (0, 1));
        assert!(!r.is_healthy());
    }

    #[test]
    fn terminating_wins_over_running() {
        let r = row("pod-terminating.yaml");
        assert_eq!(r.status, "Terminating");
        assert_eq!(r.group, PodGroup::Proxy);
        assert!(r.deleting);
        assert_eq!((r.ready, r.containers), (1, 1));
        assert!(!r.is_healthy());
    }

    #[test]
    fn init_container_progress() {
        let r = row("pod-init-container.yaml");
        assert_eq!(r.group, PodGroup::Chart);
        assert_eq!(r.component.as_deref(), Some("hook-image-puller"));
        assert_eq!(r.status, "Init:1/2");
        assert_eq!((r.ready, r.containers), (0, 1));
        assert_eq!(r.phase, "Pending");
        // The chart's pullers request nothing (prePuller.resources is {}).
        assert_eq!(r.requests, Resources::default());
    }

    #[test]
    fn init_container_crash_loop() {
        let mut pod: Pod = fixtures::one("pod-init-container.yaml");
        let status = pod.status.as_mut().unwrap();
        let ics = status.init_container_statuses.as_mut().unwrap();
        ics[1].restart_count = 3;
        let state = ics[1].state.as_mut().unwrap();
        state.running = None;
        state.waiting = Some(k8s_openapi::api::core::v1::ContainerStateWaiting {
            reason: Some("CrashLoopBackOff".into()),
            message: None,
        });
        let r = PodRow::from_pod(&pod);
        assert_eq!(r.status, "Init:CrashLoopBackOff");
        assert_eq!(r.restarts, 3);
    }

    #[test]
    fn init_container_failed_without_reason() {
        let mut pod: Pod = fixtures::one("pod-init-container.yaml");
        let ics = pod
            .status
            .as_mut()
            .unwrap()
            .init_container_statuses
            .as_mut()
            .unwrap();
        ics[1].state = Some(k8s_openapi::api::core::v1::ContainerState {
            terminated: Some(k8s_openapi::api::core::v1::ContainerStateTerminated {
                exit_code: 2,
                ..Default::default()
            }),
            ..Default::default()
        });
        assert_eq!(PodRow::from_pod(&pod).status, "Init:ExitCode:2");
    }

    #[test]
    fn terminated_reasons_and_evicted() {
        let mut pod: Pod = fixtures::one("pod-hub-running.yaml");
        let set_terminated = |pod: &mut Pod, reason: Option<&str>, exit_code: i32| {
            let cs = &mut pod
                .status
                .as_mut()
                .unwrap()
                .container_statuses
                .as_mut()
                .unwrap()[0];
            cs.ready = false;
            cs.state = Some(k8s_openapi::api::core::v1::ContainerState {
                terminated: Some(k8s_openapi::api::core::v1::ContainerStateTerminated {
                    exit_code,
                    reason: reason.map(Into::into),
                    ..Default::default()
                }),
                ..Default::default()
            });
        };
        set_terminated(&mut pod, Some("OOMKilled"), 137);
        assert_eq!(PodRow::from_pod(&pod).status, "OOMKilled");
        set_terminated(&mut pod, Some("Completed"), 0);
        assert_eq!(PodRow::from_pod(&pod).status, "Completed");
        set_terminated(&mut pod, None, 3);
        assert_eq!(PodRow::from_pod(&pod).status, "ExitCode:3");

        let status = pod.status.as_mut().unwrap();
        status.phase = Some("Failed".into());
        status.reason = Some("Evicted".into());
        status.container_statuses = None;
        let r = PodRow::from_pod(&pod);
        assert_eq!(r.status, "Evicted");
        assert!(!r.is_healthy());
    }

    #[test]
    fn succeeded_is_healthy_and_terminal_pods_are_not_terminating() {
        let mut pod: Pod = fixtures::one("pod-terminating.yaml");
        let status = pod.status.as_mut().unwrap();
        status.phase = Some("Succeeded".into());
        status.container_statuses = None;
        let r = PodRow::from_pod(&pod);
        assert_eq!(r.status, "Succeeded");
        pod.metadata.deletion_timestamp = None;
        assert!(PodRow::from_pod(&pod).is_healthy());
    }

    #[test]
    fn groups_order_hub_proxy_chart_user_other() {
        assert!(PodGroup::Hub < PodGroup::Proxy);
        assert!(PodGroup::Proxy < PodGroup::Chart);
        assert!(PodGroup::Chart < PodGroup::User);
        assert!(PodGroup::User < PodGroup::Other);
        assert_eq!(PodGroup::classify(Some("autohttps"), None), PodGroup::Chart);
        assert_eq!(
            PodGroup::classify(Some("user-placeholder"), Some("jupyterhub")),
            PodGroup::Chart
        );
        assert_eq!(
            PodGroup::classify(Some("something-new"), Some("jupyterhub")),
            PodGroup::Chart
        );
        assert_eq!(
            PodGroup::classify(Some("database"), Some("postgres")),
            PodGroup::Other
        );
        assert_eq!(PodGroup::classify(None, None), PodGroup::Other);
    }

    #[test]
    fn app_kubernetes_io_component_is_a_fallback() {
        let mut pod: Pod = fixtures::one("pod-hub-running.yaml");
        let labels = pod.metadata.labels.as_mut().unwrap();
        labels.remove("component");
        labels.insert("app.kubernetes.io/component".into(), "proxy".into());
        let r = PodRow::from_pod(&pod);
        assert_eq!(r.component.as_deref(), Some("proxy"));
        assert_eq!(r.group, PodGroup::Proxy);
    }

    fn container(name: &str, cpu: &str, mem: &str, restart: Option<&str>) -> Container {
        let mut requests = BTreeMap::new();
        requests.insert("cpu".to_owned(), Quantity(cpu.into()));
        requests.insert("memory".to_owned(), Quantity(mem.into()));
        Container {
            name: name.into(),
            resources: Some(k8s_openapi::api::core::v1::ResourceRequirements {
                requests: Some(requests),
                ..Default::default()
            }),
            restart_policy: restart.map(Into::into),
            ..Default::default()
        }
    }

    fn pod_with(containers: Vec<Container>, init: Vec<Container>) -> Pod {
        Pod {
            spec: Some(k8s_openapi::api::core::v1::PodSpec {
                containers,
                init_containers: Some(init),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn effective_requests_take_the_largest_init_container() {
        let pod = pod_with(
            vec![
                container("a", "100m", "100Mi", None),
                container("b", "200m", "100Mi", None),
            ],
            vec![container("init", "1", "50Mi", None)],
        );
        assert_eq!(
            pod_requests(&pod),
            Resources {
                cpu_millis: 1000,
                memory_bytes: 200 << 20
            }
        );
    }

    #[test]
    fn effective_requests_count_sidecars_in_both() {
        // A sidecar of 100m runs beside the main containers and beside any
        // init container that comes after it.
        let pod = pod_with(
            vec![container("main", "300m", "1Gi", None)],
            vec![
                container("sidecar", "100m", "64Mi", Some("Always")),
                container("late-init", "500m", "64Mi", None),
            ],
        );
        assert_eq!(
            pod_requests(&pod),
            Resources {
                cpu_millis: 600,
                memory_bytes: (1 << 30) + (64 << 20)
            }
        );
        let r = PodRow::from_pod(&pod);
        assert_eq!(r.containers, 2);
    }

    #[test]
    fn pod_level_requests_and_overhead() {
        let mut pod = pod_with(vec![container("main", "300m", "1Gi", None)], vec![]);
        let spec = pod.spec.as_mut().unwrap();
        let mut pod_level = BTreeMap::new();
        pod_level.insert("cpu".to_owned(), Quantity("2".into()));
        spec.resources = Some(k8s_openapi::api::core::v1::ResourceRequirements {
            requests: Some(pod_level),
            ..Default::default()
        });
        let mut overhead = BTreeMap::new();
        overhead.insert("memory".to_owned(), Quantity("120Mi".into()));
        spec.overhead = Some(overhead);
        assert_eq!(
            pod_requests(&pod),
            Resources {
                cpu_millis: 2000,
                memory_bytes: (1 << 30) + (120 << 20)
            }
        );
    }

    #[test]
    fn unparsable_requests_count_as_zero() {
        let pod = pod_with(vec![container("main", "lots", "1Gi", None)], vec![]);
        assert_eq!(pod_requests(&pod).cpu_millis, 0);
        assert_eq!(pod_requests(&Pod::default()), Resources::default());
    }

    #[test]
    fn empty_pod_does_not_panic() {
        let r = PodRow::from_pod(&Pod::default());
        assert_eq!(r.name, "");
        assert_eq!(r.phase, "Unknown");
        assert_eq!(r.status, "");
        assert_eq!(r.group, PodGroup::Other);
        assert!(!r.is_healthy());
    }

    #[test]
    fn jiff_to_chrono() {
        let ts: Timestamp = "2026-06-01T09:58:02.5Z".parse().unwrap();
        assert_eq!(to_utc(&ts), Some(at("2026-06-01T09:58:02.5Z")));
        let before_epoch: Timestamp = "1969-12-31T23:59:59.25Z".parse().unwrap();
        assert_eq!(to_utc(&before_epoch), Some(at("1969-12-31T23:59:59.25Z")));
    }
}
