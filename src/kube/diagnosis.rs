//! Why a pod is not Running and Ready, in one line, from what the API
//! already says: the pod's status, its events, its claims and the
//! StorageClasses. The scheduler's own words (and numbers) are quoted rather
//! than paraphrased, so the operator can search for them.
//!
//! What the scheduler does not say is read from the watched nodes and the
//! namespace's scheduler pods: the taints a pod does not tolerate
//! (`placement`), and why a pod that no scheduler spoke about is waiting
//! (`waiting`).

mod placement;
mod waiting;

pub use placement::{parse_taint, tolerates};
pub use waiting::{PLACEHOLDER_COMPONENT, SCHEDULER_COMPONENT, WAITING_PREFIX};

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{ContainerStatus, Event, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use serde::Serialize;

use super::node_row::NodeRow;
use super::pod_row::{PodRow, pod_requests, to_utc};
use super::quantity::{fmt_bytes, fmt_cpu_millis};
use crate::time_text::{format_age, rfc3339};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub kind: DiagnosisKind,
    /// At most [`SHORT_MAX`] characters, for the pods table.
    pub short: String,
    /// The full one-liner, for the details view.
    pub line: String,
}

pub const SHORT_MAX: usize = 24;

impl Diagnosis {
    /// The line as the views show it at `now`: a pod waiting for its
    /// scheduler says for how long (its age), which a stored line cannot.
    pub fn line_at(&self, created: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
        match (self.kind, created, self.line.strip_prefix(WAITING_PREFIX)) {
            (DiagnosisKind::WaitingForScheduler, Some(_), Some(rest)) => {
                format!("Waiting {} for scheduler {rest}", format_age(created, now))
            }
            _ => self.line.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisKind {
    InsufficientResources,
    UnboundClaim,
    NodeSelectorMismatch,
    UntoleratedTaint,
    VolumeNodeAffinity,
    ImagePull,
    CrashLoop,
    ContainerCreating,
    Unschedulable,
    Terminating,
    /// Pending with no word from its (non-default) scheduler.
    WaitingForScheduler,
    /// Not Running, and meant to be so: a user placeholder.
    ByDesign,
    Other,
}

impl DiagnosisKind {
    /// Whether the views mark it as something wrong (⚠).
    pub fn is_warning(self) -> bool {
        self != DiagnosisKind::ByDesign
    }
}

/// A user-scheduler pod as the state keeps it: its row and its own
/// diagnosis (between restarts a crash loop shows only there).
#[derive(Debug, Clone, Copy)]
pub struct SchedulerPod<'a> {
    pub row: &'a PodRow,
    pub diagnosis: Option<&'a Diagnosis>,
}

pub struct DiagnosisInput<'a> {
    pub pod: &'a Pod,
    /// The pod's row, made once by the caller (the state keeps it).
    pub row: &'a PodRow,
    /// Events whose involvedObject is this pod, in any order. Events of an
    /// earlier pod of the same name (a user's previous server) are ignored
    /// by uid.
    pub events: &'a [&'a Event],
    /// Looks a claim up by name in the pod's namespace.
    pub claims: &'a dyn Fn(&str) -> Option<&'a PersistentVolumeClaim>,
    /// All StorageClasses, to tell which one is the default.
    pub storage_classes: &'a [StorageClass],
    /// The crash-looping container's last log lines, when the caller has them.
    pub last_log_lines: &'a [String],
    /// The watched nodes: their taints (named where the scheduler no longer
    /// names them), labels and pod limits. Empty when nodes are not watched.
    pub nodes: &'a [&'a NodeRow],
    /// The namespace's scheduler pods (component=user-scheduler), for a pod
    /// waiting on a scheduler that said nothing. Other rows are ignored.
    pub scheduler_pods: &'a [SchedulerPod<'a>],
}

/// None for a healthy pod (Running and Ready, or Succeeded), and for a pod
/// about which nothing is known yet (just created, not yet looked at by the
/// scheduler).
pub fn diagnose(input: &DiagnosisInput) -> Option<Diagnosis> {
    let pod = input.pod;
    if pod.metadata.deletion_timestamp.is_some() {
        return terminating(pod);
    }
    let row = input.row;
    if row.is_healthy() {
        return None;
    }
    if row.phase == "Failed" {
        return Some(failed(pod, row));
    }
    if row.node.is_none() {
        return scheduling(input);
    }
    if let Some(d) = containers(input, row) {
        return Some(d);
    }
    if row.phase == "Running" {
        return Some(not_ready(input, row));
    }
    Some(fallback(pod, row))
}

// ---------------------------------------------------------------------------
// Scheduler messages

/// What a scheduler's "0/3 nodes are available: ..." message says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchedulingFailure {
    pub available: u32,
    pub total: u32,
    /// (number of nodes, reason), in the scheduler's order. A PreFilter
    /// message ("pod has unbound immediate PersistentVolumeClaims") applies
    /// to every node and carries no count: it is given `total` nodes.
    pub reasons: Vec<(u32, String)>,
    /// The reasons come from a PreFilter plugin (no per-node counts).
    pub pre_filter: bool,
    /// What PostFilter plugins (preemption, DRA) added, verbatim.
    pub post_filter: Option<String>,
}

const NO_NODES: &str = "no nodes available to schedule pods";
const NODES_AVAILABLE: &str = " nodes are available";

/// Parses the FitError text kube-scheduler 1.28-1.36 puts in the
/// PodScheduled condition and in FailedScheduling events:
/// `0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2
/// Insufficient cpu. preemption: 0/3 nodes are available: ...`. None when
/// the text is not of that shape; never panics.
pub fn parse_scheduling_message(message: &str) -> Option<SchedulingFailure> {
    let message = message.trim();
    if message.starts_with(NO_NODES) {
        return Some(SchedulingFailure {
            available: 0,
            total: 0,
            reasons: vec![(0, NO_NODES.to_owned())],
            pre_filter: true,
            post_filter: None,
        });
    }
    let at = message.find(NODES_AVAILABLE)?;
    let fraction = message[..at].split_whitespace().last()?;
    let (available, total) = fraction.split_once('/')?;
    let available: u32 = available.parse().ok()?;
    let total: u32 = total.parse().ok()?;
    let rest = &message[at + NODES_AVAILABLE.len()..];
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim();

    // FitError.Error() writes each part as " <part>.": the PreFilter
    // message or the filter histogram, then what PostFilter plugins said.
    let sentences: Vec<&str> = split_top_level(rest, ". ")
        .into_iter()
        .map(|s| s.trim().trim_end_matches('.').trim())
        .filter(|s| !s.is_empty())
        .collect();
    let (first, post) = match sentences.split_first() {
        Some((first, post)) if !is_post_filter(first) => (Some(*first), post),
        _ => (None, &sentences[..]),
    };
    let post_filter = (!post.is_empty()).then(|| post.join(". "));

    let mut reasons: Vec<(u32, String)> = Vec::new();
    let mut pre_filter = false;
    for piece in first.map(|f| split_top_level(f, ", ")).unwrap_or_default() {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        match leading_count(piece) {
            Some((n, text)) => reasons.push((n, text.to_owned())),
            None => match reasons.last_mut() {
                // Before 1.25: "3 node(s) had taint {k: v}, that the pod
                // didn't tolerate": the tail belongs to the reason before it.
                Some(last) => {
                    last.1.push_str(", ");
                    last.1.push_str(piece);
                }
                None => {
                    pre_filter = true;
                    reasons.push((total, piece.to_owned()));
                }
            },
        }
    }
    Some(SchedulingFailure {
        available,
        total,
        reasons,
        pre_filter,
        post_filter,
    })
}

fn is_post_filter(sentence: &str) -> bool {
    sentence.starts_with("preemption:") || sentence.starts_with("no new claims to deallocate")
}

/// "3 Insufficient memory" → (3, "Insufficient memory").
fn leading_count(piece: &str) -> Option<(u32, &str)> {
    let (count, text) = piece.split_once(' ')?;
    if count.is_empty() || count.len() > 10 || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((count.parse().ok()?, text.trim()))
}

/// Splits on `sep` outside brackets, so that a taint "{key: value}" or a
/// plugin list "[A, B]" stays whole.
fn split_top_level<'s>(s: &'s str, sep: &str) -> Vec<&'s str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut skip_to = 0;
    for (i, c) in s.char_indices() {
        if i < skip_to {
            continue;
        }
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && s[i..].starts_with(sep) {
            parts.push(&s[start..i]);
            start = i + sep.len();
            skip_to = start;
        }
    }
    parts.push(&s[start.min(s.len())..]);
    parts
}

fn reason_kind(reason: &str) -> DiagnosisKind {
    let r = reason.to_ascii_lowercase();
    if r.starts_with("insufficient ") || r.starts_with("too many pods") {
        DiagnosisKind::InsufficientResources
    } else if r.contains("volume node affinity conflict")
        || r.contains("persistentvolume's node affinity")
    {
        DiagnosisKind::VolumeNodeAffinity
    } else if r.contains("persistentvolumeclaim")
        || r.contains("persistent volumes to bind")
        || r.contains("ephemeral volume controller")
    {
        DiagnosisKind::UnboundClaim
    } else if r.contains("node affinity/selector") || r.contains("didn't match node selector") {
        DiagnosisKind::NodeSelectorMismatch
    } else if r.contains("untolerated taint")
        || r.contains("didn't tolerate")
        || r.contains("had taint")
    {
        DiagnosisKind::UntoleratedTaint
    } else {
        DiagnosisKind::Unschedulable
    }
}

/// Among reasons that hit the same number of nodes, the one more likely to
/// be the operator's to fix wins.
fn kind_priority(kind: DiagnosisKind) -> u8 {
    match kind {
        DiagnosisKind::UnboundClaim => 5,
        DiagnosisKind::InsufficientResources => 4,
        DiagnosisKind::NodeSelectorMismatch => 3,
        DiagnosisKind::UntoleratedTaint => 2,
        DiagnosisKind::VolumeNodeAffinity => 1,
        _ => 0,
    }
}

fn scheduling(input: &DiagnosisInput) -> Option<Diagnosis> {
    let pod = input.pod;
    let said = scheduler_said(input);
    if waiting::is_placeholder(pod) {
        return Some(waiting::placeholder(pod, said.map(|d| d.line)));
    }
    if said.is_some() {
        return said;
    }
    let scheduler = waiting::custom_scheduler(pod)?;
    Some(waiting::waiting_for(pod, scheduler, input.scheduler_pods))
}

/// What the scheduler (and the cluster autoscaler) said about the pod: None
/// when neither the PodScheduled condition nor an event has a word.
fn scheduler_said(input: &DiagnosisInput) -> Option<Diagnosis> {
    let pod = input.pod;
    let condition = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        });
    if condition.is_some_and(|c| c.reason.as_deref() == Some("SchedulingGated")) {
        let gates: Vec<&str> = pod
            .spec
            .as_ref()
            .and_then(|s| s.scheduling_gates.as_ref())
            .map(|g| g.iter().map(|g| g.name.as_str()).collect())
            .unwrap_or_default();
        return Some(Diagnosis {
            kind: DiagnosisKind::Unschedulable,
            short: "SchedulingGated".into(),
            line: if gates.is_empty() {
                "SchedulingGated: waiting for its scheduling gates to be removed".into()
            } else {
                format!(
                    "SchedulingGated: waiting for scheduling gates {}",
                    gates.join(", ")
                )
            },
        });
    }
    let events = own_events(input);
    let message = condition
        .and_then(|c| c.message.as_deref())
        .filter(|m| !m.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| {
            newest(&events, |e| e.reason.as_deref() == Some("FailedScheduling"))
                .and_then(|e| e.message.clone())
        })?;
    let message = one_line(&message);
    let autoscaler = newest(&events, |e| {
        matches!(
            e.reason.as_deref(),
            Some("NotTriggerScaleUp" | "TriggeredScaleUp" | "FailedScaleUp")
        )
    });
    let autoscaler_note = autoscaler
        .and_then(|e| e.message.as_deref())
        .map(|m| format!("; autoscaler: {}", one_line(m)))
        .unwrap_or_default();
    let scaling_up = autoscaler.is_some_and(|e| e.reason.as_deref() == Some("TriggeredScaleUp"));
    // When the autoscaler says why it will not add a node, that is the
    // operator's fix (raise the pool's maximum, the quota), and the short
    // form says it.
    let no_scale_up = autoscaler.and_then(autoscaler_short);

    let Some(failure) = parse_scheduling_message(&message) else {
        return Some(Diagnosis {
            kind: DiagnosisKind::Unschedulable,
            short: match no_scale_up {
                _ if scaling_up => "Scale-up triggered",
                Some(s) => s,
                None => "Unschedulable",
            }
            .into(),
            line: format!("Unschedulable: {message}{autoscaler_note}"),
        });
    };
    let kinds: Vec<(u32, DiagnosisKind)> = failure
        .reasons
        .iter()
        .map(|(n, r)| (*n, reason_kind(r)))
        .filter(|(_, k)| *k != DiagnosisKind::Unschedulable)
        .collect();
    let has = |kind: DiagnosisKind| kinds.iter().any(|(_, k)| *k == kind);
    let taints = if has(DiagnosisKind::UntoleratedTaint) {
        placement::untolerated_taints(pod, input.nodes)
    } else {
        placement::TaintFindings::default()
    };
    let kind = kinds
        .iter()
        .filter(|(_, k)| !beside_the_point(*k, &kinds, &taints, input.nodes))
        .max_by_key(|(n, k)| (*n, kind_priority(*k)))
        .map(|(_, k)| *k)
        .unwrap_or(DiagnosisKind::Unschedulable);

    if kind == DiagnosisKind::UnboundClaim
        && let Some((short, detail)) = claim_problem(input)
    {
        return Some(Diagnosis {
            kind,
            short: short.into(),
            line: format!("Unschedulable: {detail}{autoscaler_note}"),
        });
    }

    let mut line = format!("Unschedulable: {}", summarize(&failure));
    let mut short = match kind {
        DiagnosisKind::InsufficientResources => {
            let resources = insufficient_resources(&failure);
            if let Some(requests) = requests_phrase(pod, &resources) {
                line.push_str(&format!(" (requests {requests})"));
            }
            let too_many_pods = failure
                .reasons
                .iter()
                .any(|(_, r)| r.starts_with("Too many pods"));
            let limits = pod_limits(pod, input.nodes);
            if too_many_pods && !limits.is_empty() {
                let unit = if limits == [1] { "pod" } else { "pods" };
                let limits: Vec<String> = limits.iter().map(u32::to_string).collect();
                line.push_str(&format!(
                    " (nodes hold at most {} {unit} each)",
                    limits.join(" or ")
                ));
            }
            match (resources.is_empty(), limits.as_slice()) {
                // GKE's 110 pods per node: its own short form.
                (true, [one]) => format!("Too many pods ({one}/node)"),
                (true, _) => "Too many pods".to_owned(),
                (false, _) if too_many_pods => {
                    format!("Too many pods, {}", resources.join(", "))
                }
                (false, _) => format!("Insufficient {}", resources.join(", ")),
            }
        }
        DiagnosisKind::NodeSelectorMismatch => {
            if let Some(wants) = node_constraints(pod) {
                line.push_str(&format!(" (pod wants {wants})"));
            }
            "Node selector mismatch".to_owned()
        }
        DiagnosisKind::UntoleratedTaint => {
            placement::taint_short(&taints).unwrap_or_else(|| "Taint mismatch".to_owned())
        }
        DiagnosisKind::VolumeNodeAffinity => "Volume node affinity".to_owned(),
        DiagnosisKind::UnboundClaim => "PVC unbound".to_owned(),
        _ => "Unschedulable".to_owned(),
    };
    // Since 1.34 the scheduler no longer names the taints: the nodes do.
    if let Some(phrase) = placement::taints_phrase(&taints) {
        line.push_str(&format!("; {phrase}"));
    }
    if scaling_up {
        // The autoscaler is already adding the node that will fit: the
        // operator's job is to wait, not to fix.
        short = "Scale-up triggered".to_owned();
    } else if let Some(s) = no_scale_up {
        short = s.to_owned();
    }
    line.push_str(&autoscaler_note);
    Some(Diagnosis {
        kind,
        short: truncate(&short, SHORT_MAX),
        line,
    })
}

/// A reason that does not explain why the pod waits, though the scheduler
/// gave it. kube-scheduler reports, per node, the first filter that failed,
/// in the order TaintToleration, NodeAffinity, then resources and volumes:
/// a node that failed on its labels is one the pod does not want, so when
/// other nodes failed a later filter (they were wanted, and full), the
/// selector is beside the point. Between taints and labels the nodes
/// decide: a tainted node the pod wants makes the taint the point; tainted
/// nodes it does not want make it beside the point.
fn beside_the_point(
    kind: DiagnosisKind,
    kinds: &[(u32, DiagnosisKind)],
    taints: &placement::TaintFindings,
    nodes: &[&NodeRow],
) -> bool {
    use DiagnosisKind::{NodeSelectorMismatch, UntoleratedTaint};
    let has = |k: DiagnosisKind| kinds.iter().any(|(_, x)| *x == k);
    match kind {
        NodeSelectorMismatch => {
            taints.on_wanted_nodes
                || kinds
                    .iter()
                    .any(|(_, k)| !matches!(k, NodeSelectorMismatch | UntoleratedTaint))
        }
        UntoleratedTaint => {
            has(NodeSelectorMismatch) && !nodes.is_empty() && !taints.on_wanted_nodes
        }
        _ => false,
    }
}

/// The pod limits (allocatable pods) of the nodes the pod wants (of all
/// nodes when it wants none), distinct, smallest first.
fn pod_limits(pod: &Pod, nodes: &[&NodeRow]) -> Vec<u32> {
    let wanted: Vec<&NodeRow> = nodes
        .iter()
        .copied()
        .filter(|n| placement::wants(pod, n))
        .collect();
    let nodes = if wanted.is_empty() { nodes } else { &wanted };
    let mut limits: Vec<u32> = nodes.iter().map(|n| n.pods_allocatable).collect();
    limits.sort_unstable();
    limits.dedup();
    limits
}

/// The short form of a cluster-autoscaler event that says it will not (or
/// could not) add a node: None for TriggeredScaleUp and unknown reasons.
fn autoscaler_short(event: &Event) -> Option<&'static str> {
    let message = event.message.as_deref().unwrap_or("").to_ascii_lowercase();
    match event.reason.as_deref()? {
        "NotTriggerScaleUp" => Some(if message.contains("max node group size reached") {
            "No scale-up: pool at max"
        } else if message.contains("quota") {
            "No scale-up: quota"
        } else if message.contains("limit reached") {
            "No scale-up: cluster max"
        } else if message.contains("backoff") {
            "Scale-up in backoff"
        } else {
            "No scale-up"
        }),
        "FailedScaleUp" => Some(if message.contains("quota") {
            "Scale-up failed: quota"
        } else if message.contains("out of resources") || message.contains("stockout") {
            "Scale-up: zone stockout"
        } else {
            "Scale-up failed"
        }),
        _ => None,
    }
}

/// "0/3 nodes: 1 node(s) had untolerated taint {…}, 2 Insufficient cpu".
fn summarize(f: &SchedulingFailure) -> String {
    if f.total == 0 && f.available == 0 && f.pre_filter {
        return f
            .reasons
            .first()
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| NO_NODES.to_owned());
    }
    let reasons: Vec<String> = f
        .reasons
        .iter()
        .map(|(n, r)| {
            if f.pre_filter {
                r.clone()
            } else {
                format!("{n} {r}")
            }
        })
        .collect();
    if reasons.is_empty() {
        format!("{}/{} nodes available", f.available, f.total)
    } else {
        format!("{}/{} nodes: {}", f.available, f.total, reasons.join(", "))
    }
}

/// The resource names of "Insufficient X" reasons, cpu and memory first.
fn insufficient_resources(f: &SchedulingFailure) -> Vec<String> {
    let mut names: Vec<String> = f
        .reasons
        .iter()
        .filter_map(|(_, r)| r.strip_prefix("Insufficient "))
        .map(|r| r.trim().to_owned())
        .collect();
    names.sort_by_key(|n| match n.as_str() {
        "cpu" => 0,
        "memory" => 1,
        _ => 2,
    });
    names.dedup();
    names
}

/// "2 cpu, 14Gi memory": what the pod asks for, of the resources that ran
/// short.
fn requests_phrase(pod: &Pod, resources: &[String]) -> Option<String> {
    let requests = pod_requests(pod);
    let mut parts = Vec::new();
    for r in resources {
        match r.as_str() {
            "cpu" => parts.push(format!("{} cpu", fmt_cpu_millis(requests.cpu_millis))),
            "memory" => parts.push(format!("{} memory", fmt_bytes(requests.memory_bytes))),
            _ => {}
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The pod's nodeSelector and required node affinity, briefly:
/// "hub.jupyter.org/node-purpose In [user]".
fn node_constraints(pod: &Pod) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    let mut parts: Vec<String> = spec
        .node_selector
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let terms = placement::required_terms(spec).unwrap_or_default();
    let mut alternatives = Vec::new();
    for term in terms {
        let expressions: Vec<String> = term
            .match_expressions
            .iter()
            .flatten()
            .map(|e| match e.values.as_deref() {
                Some(values) if !values.is_empty() => {
                    format!("{} {} [{}]", e.key, e.operator, values.join(","))
                }
                _ => format!("{} {}", e.key, e.operator),
            })
            .collect();
        if !expressions.is_empty() {
            alternatives.push(expressions.join(", "));
        }
    }
    if !alternatives.is_empty() {
        parts.push(alternatives.join(" or "));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The first claim of the pod that is missing or not Bound, as (short,
/// detail). None when every claim is fine (the scheduler's message is older
/// than the binding).
fn claim_problem(input: &DiagnosisInput) -> Option<(&'static str, String)> {
    let pod = input.pod;
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    let volumes = pod.spec.as_ref().and_then(|s| s.volumes.as_ref())?;
    for v in volumes {
        let name = if let Some(pvc) = &v.persistent_volume_claim {
            pvc.claim_name.clone()
        } else if v.ephemeral.is_some() {
            // The ephemeral volume controller names the claim it makes.
            format!("{pod_name}-{}", v.name)
        } else {
            continue;
        };
        let Some(claim) = (input.claims)(&name) else {
            return Some(("PVC missing", format!("PVC \"{name}\" does not exist")));
        };
        let phase = claim
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or("Pending");
        if phase == "Bound" {
            continue;
        }
        if phase == "Lost" {
            return Some((
                "PVC lost",
                format!("PVC \"{name}\" is Lost: its PersistentVolume no longer exists"),
            ));
        }
        let class = claim
            .spec
            .as_ref()
            .and_then(|s| s.storage_class_name.as_deref());
        return Some(match class {
            Some("") => (
                "PVC unbound",
                format!(
                    "PVC \"{name}\" is {phase}: storageClassName \"\" binds only to a pre-made PersistentVolume, and none matches"
                ),
            ),
            Some(class) => match input
                .storage_classes
                .iter()
                .find(|c| c.metadata.name.as_deref() == Some(class))
            {
                Some(sc) => (
                    "PVC unbound",
                    format!(
                        "PVC \"{name}\" is {phase} (StorageClass \"{class}\", provisioner {}, binding {})",
                        sc.provisioner,
                        sc.volume_binding_mode.as_deref().unwrap_or("Immediate")
                    ),
                ),
                None => (
                    "StorageClass missing",
                    format!("PVC \"{name}\" is {phase}: StorageClass \"{class}\" does not exist"),
                ),
            },
            None => match default_storage_class(input.storage_classes) {
                Some(default) => (
                    "PVC unbound",
                    format!(
                        "PVC \"{name}\" is {phase}: it names no StorageClass and the default \"{default}\" has not been assigned yet"
                    ),
                ),
                None => (
                    "No default StorageClass",
                    format!(
                        "PVC \"{name}\" is {phase}: it names no StorageClass and none is default"
                    ),
                ),
            },
        });
    }
    None
}

const DEFAULT_CLASS_ANNOTATIONS: &[&str] = &[
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
];

/// The default StorageClass's name, as the DefaultStorageClass admission
/// plugin picks it (the newest, when several claim to be default).
pub fn default_storage_class(classes: &[StorageClass]) -> Option<&str> {
    classes
        .iter()
        .filter(|c| {
            let annotations = c.metadata.annotations.as_ref();
            DEFAULT_CLASS_ANNOTATIONS
                .iter()
                .any(|a| annotations.and_then(|m| m.get(*a)).map(String::as_str) == Some("true"))
        })
        .max_by_key(|c| c.metadata.creation_timestamp.clone())
        .and_then(|c| c.metadata.name.as_deref())
}

// ---------------------------------------------------------------------------
// Containers

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
/// and the line before it, usually.
const LOG_LINES: usize = 2;

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

fn containers(input: &DiagnosisInput, row: &PodRow) -> Option<Diagnosis> {
    let status = input.pod.status.as_ref()?;
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
    let worst = all
        .filter_map(|(cs, init)| container_trouble(cs).map(|t| (t, init, cs)))
        .min_by_key(|(t, _, _)| *t);
    if let Some((trouble, init, cs)) = worst {
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
    let latest = newest(&events, |_| true);
    let short = match latest.and_then(|e| e.reason.as_deref()) {
        Some("Pulling") => "Pulling image",
        _ if initializing => "Initializing",
        _ => "ContainerCreating",
    };
    let line = match latest.and_then(|e| e.message.as_deref()) {
        Some(m) => format!("{status}: {}", one_line(m)),
        None => format!(
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

fn not_ready(input: &DiagnosisInput, row: &PodRow) -> Diagnosis {
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

// ---------------------------------------------------------------------------
// Whole-pod states

fn terminating(pod: &Pod) -> Option<Diagnosis> {
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

fn failed(pod: &Pod, row: &PodRow) -> Diagnosis {
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

fn fallback(pod: &Pod, row: &PodRow) -> Diagnosis {
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

// ---------------------------------------------------------------------------
// Events and text

/// An event's latest sighting, whichever fields its reporter filled: the
/// scheduler writes eventTime and series, the kubelet lastTimestamp.
pub fn event_time(e: &Event) -> Option<DateTime<Utc>> {
    [
        e.series
            .as_ref()
            .and_then(|s| s.last_observed_time.as_ref())
            .map(|t| &t.0),
        e.last_timestamp.as_ref().map(|t| &t.0),
        e.event_time.as_ref().map(|t| &t.0),
        e.first_timestamp.as_ref().map(|t| &t.0),
        e.metadata.creation_timestamp.as_ref().map(|t| &t.0),
    ]
    .into_iter()
    .flatten()
    .filter_map(to_utc)
    .max()
}

/// The events about this very pod: a user's server pod keeps its name from
/// one spawn to the next, and the previous pod's events must not explain
/// the current one.
fn own_events<'a>(input: &DiagnosisInput<'a>) -> Vec<&'a Event> {
    let uid = input.pod.metadata.uid.as_deref();
    input
        .events
        .iter()
        .copied()
        .filter(|e| match (uid, e.involved_object.uid.as_deref()) {
            (Some(pod), Some(about)) => pod == about,
            _ => true,
        })
        .collect()
}

fn newest<'a>(events: &[&'a Event], pred: impl Fn(&Event) -> bool) -> Option<&'a Event> {
    events
        .iter()
        .copied()
        .filter(|e| pred(e))
        .max_by_key(|e| event_time(e))
}

/// Newlines and runs of whitespace as single spaces: a diagnosis is one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters, the last one an ellipsis when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::kube::pod_row::fixtures;

    struct World {
        pod: Pod,
        events: Vec<Event>,
        claims: BTreeMap<String, PersistentVolumeClaim>,
        classes: Vec<StorageClass>,
        logs: Vec<String>,
        nodes: Vec<NodeRow>,
        scheduler_pods: Vec<PodRow>,
    }

    impl World {
        fn new(pod_fixture: &str) -> Self {
            World {
                pod: fixtures::one(pod_fixture),
                events: Vec::new(),
                claims: BTreeMap::new(),
                classes: Vec::new(),
                logs: Vec::new(),
                nodes: Vec::new(),
                scheduler_pods: Vec::new(),
            }
        }

        fn events(mut self, fixture: &str) -> Self {
            self.events = fixtures::all(fixture);
            self
        }

        fn claim(mut self, fixture: &str) -> Self {
            let claim: PersistentVolumeClaim = fixtures::one(fixture);
            self.claims
                .insert(claim.metadata.name.clone().unwrap_or_default(), claim);
            self
        }

        fn classes(mut self, fixture: &str) -> Self {
            self.classes = fixtures::all(fixture);
            self
        }

        fn diagnose(&self) -> Option<Diagnosis> {
            let events: Vec<&Event> = self.events.iter().collect();
            let claims = |name: &str| self.claims.get(name);
            let scheduler_pods: Vec<SchedulerPod> = self
                .scheduler_pods
                .iter()
                .map(|row| SchedulerPod {
                    row,
                    diagnosis: None,
                })
                .collect();
            diagnose(&DiagnosisInput {
                pod: &self.pod,
                row: &PodRow::from_pod(&self.pod),
                events: &events,
                claims: &claims,
                storage_classes: &self.classes,
                last_log_lines: &self.logs,
                nodes: &self.nodes.iter().collect::<Vec<_>>(),
                scheduler_pods: &scheduler_pods,
            })
        }
    }

    fn d(kind: DiagnosisKind, short: &str, line: &str) -> Option<Diagnosis> {
        Some(Diagnosis {
            kind,
            short: short.into(),
            line: line.into(),
        })
    }

    fn drop_scheduled_condition(pod: &mut Pod) {
        pod.status
            .as_mut()
            .unwrap()
            .conditions
            .as_mut()
            .unwrap()
            .retain(|c| c.type_ != "PodScheduled");
    }

    // --- the parser ------------------------------------------------------

    #[test]
    fn parses_insufficient_memory_with_preemption() {
        let f = parse_scheduling_message(
            "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
        )
        .unwrap();
        assert_eq!(
            f,
            SchedulingFailure {
                available: 0,
                total: 3,
                reasons: vec![(3, "Insufficient memory".into())],
                pre_filter: false,
                post_filter: Some(
                    "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod"
                        .into()
                ),
            }
        );
    }

    #[test]
    fn parses_taint_and_cpu_keeping_braces_whole() {
        let f = parse_scheduling_message(
            "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
        )
        .unwrap();
        assert_eq!(
            f.reasons,
            vec![
                (
                    1,
                    "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
                        .into()
                ),
                (2, "Insufficient cpu".into()),
            ]
        );
        assert_eq!((f.available, f.total, f.pre_filter), (0, 3, false));
    }

    #[test]
    fn parses_pre_filter_message_without_count() {
        let f = parse_scheduling_message(
            "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
        )
        .unwrap();
        assert_eq!(
            f.reasons,
            vec![(1, "pod has unbound immediate PersistentVolumeClaims".into())]
        );
        assert!(f.pre_filter);
    }

    #[test]
    fn parses_newer_taint_wording_and_dra_post_filter() {
        let f = parse_scheduling_message(
            "0/17 nodes are available: 17 node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/17 nodes are available: 17 Preemption is not helpful for scheduling.",
        )
        .unwrap();
        assert_eq!(
            f.reasons,
            vec![(17, "node(s) had untolerated taint(s)".into())]
        );
        assert_eq!(
            f.post_filter.as_deref(),
            Some(
                "no new claims to deallocate, preemption: 0/17 nodes are available: 17 Preemption is not helpful for scheduling"
            )
        );
    }

    #[test]
    fn parses_double_period_and_volume_affinity_wordings() {
        let f = parse_scheduling_message(
            "0/1 nodes are available: 1 node(s) had untolerated taint {node.cloudprovider.kubernetes.io/uninitialized: true}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..",
        )
        .unwrap();
        assert_eq!(
            f.reasons,
            vec![(
                1,
                "node(s) had untolerated taint {node.cloudprovider.kubernetes.io/uninitialized: true}".into()
            )]
        );
        let f = parse_scheduling_message(
            "0/3 nodes are available: 1 node(s) didn't match PersistentVolume's node affinity, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        )
        .unwrap();
        assert_eq!(
            reason_kind(&f.reasons[0].1),
            DiagnosisKind::VolumeNodeAffinity
        );
        assert_eq!(
            reason_kind(&f.reasons[1].1),
            DiagnosisKind::NodeSelectorMismatch
        );
        assert_eq!(
            reason_kind("node(s) had volume node affinity conflict"),
            DiagnosisKind::VolumeNodeAffinity
        );
    }

    #[test]
    fn parses_pre_1_25_taint_wording() {
        let f = parse_scheduling_message(
            "0/3 nodes are available: 1 Insufficient memory, 2 node(s) had taint {hub.jupyter.org_dedicated: user}, that the pod didn't tolerate.",
        )
        .unwrap();
        assert_eq!(
            f.reasons,
            vec![
                (1, "Insufficient memory".into()),
                (
                    2,
                    "node(s) had taint {hub.jupyter.org_dedicated: user}, that the pod didn't tolerate".into()
                ),
            ]
        );
        assert_eq!(f.post_filter, None);
    }

    #[test]
    fn parses_no_nodes() {
        let f = parse_scheduling_message("no nodes available to schedule pods").unwrap();
        assert_eq!((f.available, f.total), (0, 0));
        assert_eq!(f.reasons, vec![(0, NO_NODES.to_owned())]);
        assert_eq!(summarize(&f), NO_NODES);
    }

    #[test]
    fn rejects_what_is_not_a_fit_error() {
        for s in [
            "",
            "0/",
            " nodes are available",
            "x/y nodes are available: 1 a",
            "0/4294967296 nodes are available: 1 a",
            "running PreBind plugin \"VolumeBinding\": binding volumes: timed out waiting for the condition",
        ] {
            assert_eq!(parse_scheduling_message(s), None, "{s:?}");
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "0/3 nodes are available",
            "0/3 nodes are available:",
            "0/3 nodes are available: ",
            "0/3 nodes are available: .",
            "0/3 nodes are available: , , . . ,",
            "0/3 nodes are available: }}}]]) 1 x, {{{ 2 y. ",
            "ü/ß nodes are available: 1 é",
            "1/2 nodes are available: 99999999999 huge, 1 ok",
            "0/3 nodes are available: preemption: 0/3 nodes are available: 3 x.",
            "é0/3 nodes are availableé: 1 ü, ü",
        ] {
            let _ = parse_scheduling_message(s);
        }
        let f =
            parse_scheduling_message("1/2 nodes are available: 99999999999 huge, 1 ok").unwrap();
        assert_eq!(
            f.reasons,
            vec![(2, "99999999999 huge".into()), (1, "ok".into())]
        );
        let f = parse_scheduling_message(
            "0/3 nodes are available: preemption: 0/3 nodes are available: 3 x.",
        )
        .unwrap();
        assert!(f.reasons.is_empty());
        assert_eq!(summarize(&f), "0/3 nodes available");
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in ".{0,200}") {
            let _ = parse_scheduling_message(&s);
        }

        #[test]
        fn parser_never_panics_near_the_format(
            a in 0u32..5, t in 0u32..5,
            body in "[0-9a-z (){}\\[\\],.:/'-]{0,120}",
        ) {
            let _ = parse_scheduling_message(&format!("{a}/{t} nodes are available: {body}"));
        }
    }

    // --- diagnoses from fixtures ------------------------------------------

    #[test]
    fn insufficient_memory_quotes_the_scheduler_and_the_autoscaler() {
        let w = World::new("pod-pending-insufficient-memory.yaml")
            .events("events-insufficient-memory.yaml");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "No scale-up: pool at max",
                "Unschedulable: 0/3 nodes: 3 Insufficient memory (requests 14Gi memory); autoscaler: pod didn't trigger scale-up: 1 max node group size reached"
            )
        );
    }

    #[test]
    fn without_the_condition_the_newest_failed_scheduling_event_counts() {
        let mut w = World::new("pod-pending-insufficient-memory.yaml")
            .events("events-insufficient-memory.yaml");
        drop_scheduled_condition(&mut w.pod);
        w.events
            .retain(|e| e.reason.as_deref() == Some("FailedScheduling"));
        assert_eq!(w.events.len(), 2);
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "Insufficient memory",
                "Unschedulable: 0/3 nodes: 3 Insufficient memory (requests 14Gi memory)"
            )
        );
    }

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
    fn no_scheduler_word_yet_means_no_diagnosis() {
        let mut w = World::new("pod-pending-insufficient-memory.yaml");
        drop_scheduled_condition(&mut w.pod);
        w.pod.spec.as_mut().unwrap().scheduler_name = Some("default-scheduler".into());
        assert_eq!(w.diagnose(), None);
        w.pod.spec.as_mut().unwrap().scheduler_name = None;
        assert_eq!(w.diagnose(), None);
    }

    #[test]
    fn cpu_and_memory_both_short() {
        let mut w = World::new("pod-pending-insufficient-memory.yaml");
        let c = &mut w.pod.status.as_mut().unwrap().conditions.as_mut().unwrap()[0];
        c.message = Some("0/3 nodes are available: 1 Insufficient cpu, 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.".into());
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "Insufficient cpu, memory",
                "Unschedulable: 0/3 nodes: 1 Insufficient cpu, 3 Insufficient memory (requests 500m cpu, 14Gi memory)"
            )
        );
    }

    #[test]
    fn unparsable_scheduler_message_is_quoted() {
        let mut w = World::new("pod-pending-insufficient-memory.yaml");
        let c = &mut w.pod.status.as_mut().unwrap().conditions.as_mut().unwrap()[0];
        c.message =
            Some("running PreBind plugin \"VolumeBinding\": binding volumes:\n timed out".into());
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::Unschedulable,
                "Unschedulable",
                "Unschedulable: running PreBind plugin \"VolumeBinding\": binding volumes: timed out"
            )
        );
    }

    #[test]
    fn scheduling_gated() {
        let mut w = World::new("pod-pending-insufficient-memory.yaml");
        let status = w.pod.status.as_mut().unwrap();
        let c = &mut status.conditions.as_mut().unwrap()[0];
        c.reason = Some("SchedulingGated".into());
        c.message = Some("Scheduling is blocked due to non-empty scheduling gates".into());
        w.pod.spec.as_mut().unwrap().scheduling_gates =
            Some(vec![k8s_openapi::api::core::v1::PodSchedulingGate {
                name: "example.com/quota".into(),
            }]);
        assert_eq!(PodRow::from_pod(&w.pod).status, "SchedulingGated");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::Unschedulable,
                "SchedulingGated",
                "SchedulingGated: waiting for scheduling gates example.com/quota"
            )
        );
    }

    #[test]
    fn taint_mismatch() {
        let w = World::new("pod-taint-mismatch.yaml");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::UntoleratedTaint,
                "Taint mismatch",
                "Unschedulable: 0/2 nodes: 2 node(s) had untolerated taint {hub.jupyter.org_dedicated: user}"
            )
        );
    }

    #[test]
    fn node_selector_mismatch_while_the_autoscaler_adds_a_node() {
        let w = World::new("pod-node-selector-mismatch.yaml")
            .events("events-node-selector-mismatch.yaml");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::NodeSelectorMismatch,
                "Scale-up triggered",
                "Unschedulable: 0/3 nodes: 3 node(s) didn't match Pod's node affinity/selector (pod wants hub.jupyter.org/node-purpose In [user]); autoscaler: pod triggered scale-up: [{https://www.googleapis.com/compute/v1/projects/demo-project/zones/us-central1-b/instanceGroups/gke-jhub-user-pool-8e2a41c3-grp 0->1 (max: 3)}]"
            )
        );
    }

    #[test]
    fn node_selector_mismatch_without_autoscaler() {
        let mut w = World::new("pod-node-selector-mismatch.yaml");
        w.pod.spec.as_mut().unwrap().node_selector = Some(BTreeMap::from([(
            "cloud.google.com/gke-nodepool".to_owned(),
            "user-pool".to_owned(),
        )]));
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::NodeSelectorMismatch,
                "Node selector mismatch",
                "Unschedulable: 0/3 nodes: 3 node(s) didn't match Pod's node affinity/selector (pod wants cloud.google.com/gke-nodepool=user-pool, hub.jupyter.org/node-purpose In [user])"
            )
        );
    }

    #[test]
    fn unbound_claim_with_a_missing_storage_class() {
        let w = World::new("pod-unbound-claim.yaml")
            .claim("pvc-hub-db-dir-pending.yaml")
            .classes("storageclasses.yaml");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::UnboundClaim,
                "StorageClass missing",
                "Unschedulable: PVC \"hub-db-dir\" is Pending: StorageClass \"ssd\" does not exist"
            )
        );
    }

    #[test]
    fn unbound_claim_without_a_default_storage_class() {
        let mut w = World::new("pod-unbound-claim.yaml")
            .claim("pvc-hub-db-dir-pending.yaml")
            .classes("storageclasses.yaml");
        for c in w.claims.values_mut() {
            c.spec.as_mut().unwrap().storage_class_name = None;
        }
        // With "standard" as default, the claim would have had it assigned.
        assert_eq!(
            w.diagnose().unwrap().line,
            "Unschedulable: PVC \"hub-db-dir\" is Pending: it names no StorageClass and the default \"standard\" has not been assigned yet"
        );
        for class in &mut w.classes {
            class.metadata.annotations = None;
        }
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::UnboundClaim,
                "No default StorageClass",
                "Unschedulable: PVC \"hub-db-dir\" is Pending: it names no StorageClass and none is default"
            )
        );
    }

    #[test]
    fn unbound_claim_of_an_existing_class_and_a_missing_claim() {
        let mut w = World::new("pod-unbound-claim.yaml")
            .claim("pvc-hub-db-dir-pending.yaml")
            .classes("storageclasses.yaml");
        for c in w.claims.values_mut() {
            c.spec.as_mut().unwrap().storage_class_name = Some("standard-rwo".into());
        }
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::UnboundClaim,
                "PVC unbound",
                "Unschedulable: PVC \"hub-db-dir\" is Pending (StorageClass \"standard-rwo\", provisioner pd.csi.storage.gke.io, binding WaitForFirstConsumer)"
            )
        );
        w.claims.clear();
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::UnboundClaim,
                "PVC missing",
                "Unschedulable: PVC \"hub-db-dir\" does not exist"
            )
        );
    }

    #[test]
    fn unbound_claim_message_but_claim_now_bound_quotes_the_scheduler() {
        let mut w = World::new("pod-unbound-claim.yaml")
            .claim("pvc-hub-db-dir-pending.yaml")
            .classes("storageclasses.yaml");
        for c in w.claims.values_mut() {
            c.status.as_mut().unwrap().phase = Some("Bound".into());
        }
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::UnboundClaim,
                "PVC unbound",
                "Unschedulable: 0/3 nodes: pod has unbound immediate PersistentVolumeClaims"
            )
        );
    }

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
                "CrashLoopBackOff: container \"hub\" exited with code 1 (Error), 5 restarts; last log: File \"/usr/local/lib/python3.12/site-packages/sqlalchemy/engine/base.py\", line 146, in __init__ | sqlite3.OperationalError: unable to open database file"
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
    fn failed_mount_explains_container_creating() {
        let mut w = World::new("pod-init-container.yaml").events("events-init-container.yaml");
        let mut e = w.events[0].clone();
        e.metadata.name = Some("hook-image-puller-7xk9q.18a4c3f0c0ffee01".into());
        e.metadata.uid = Some("failed-mount".into());
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
    fn healthy_pods_have_no_diagnosis() {
        assert_eq!(World::new("pod-hub-running.yaml").diagnose(), None);
        let mut w = World::new("pod-hub-running.yaml");
        w.pod.status.as_mut().unwrap().phase = Some("Succeeded".into());
        w.pod.status.as_mut().unwrap().container_statuses = None;
        assert_eq!(w.diagnose(), None);
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
        w.events.push(probe);
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::Other,
                "Readiness probe failing",
                "Not ready: container \"hub\": Readiness probe failed: Get \"http://10.8.0.12:8081/hub/health\": dial tcp 10.8.0.12:8081: connect: connection refused"
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

    // --- what the scheduler does not say -----------------------------------

    fn scheduler_pod() -> PodRow {
        PodRow::from_pod(&fixtures::one::<Pod>("pod-user-scheduler-running.yaml"))
    }

    fn user_node(name: &str, taints: &[&str]) -> NodeRow {
        let mut n = NodeRow::from_node(&fixtures::one("node-kwok.yaml"));
        n.name = name.into();
        n.labels
            .insert("kubernetes.io/hostname".into(), name.to_owned());
        n.taints = taints.iter().map(|t| (*t).to_owned()).collect();
        n
    }

    fn set_scheduler_message(pod: &mut Pod, message: &str) {
        let status = pod.status.as_mut().unwrap();
        status.conditions = Some(vec![k8s_openapi::api::core::v1::PodCondition {
            type_: "PodScheduled".into(),
            status: "False".into(),
            reason: Some("Unschedulable".into()),
            message: Some(message.into()),
            ..Default::default()
        }]);
    }

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

    #[test]
    fn untolerated_taints_are_named_from_the_nodes() {
        // Kubernetes 1.34+ no longer names the taint.
        let mut w = World::new("pod-taint-mismatch.yaml");
        set_scheduler_message(
            &mut w.pod,
            "0/3 nodes are available: 2 node(s) had untolerated taint(s), 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        );
        w.nodes = vec![
            user_node("user-1", &["hub.jupyter.org_dedicated=user:NoSchedule"]),
            user_node(
                "user-2",
                &[
                    "hub.jupyter.org_dedicated=user:NoSchedule",
                    "example.com/soft:PreferNoSchedule",
                ],
            ),
            // Tolerated by the proxy (its chart toleration), and no matter.
            user_node("core-1", &["hub.jupyter.org/dedicated=core:NoSchedule"]),
        ];
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::UntoleratedTaint,
                "Taint dedicated=user",
                "Unschedulable: 0/3 nodes: 2 node(s) had untolerated taint(s), 1 node(s) didn't match Pod's node affinity/selector; hub.jupyter.org_dedicated=user:NoSchedule on 2 nodes not tolerated"
            )
        );
    }

    #[test]
    fn a_taint_on_the_one_node_the_pod_wants_outranks_the_selector_count() {
        let mut w = World::new("pod-taint-mismatch.yaml");
        w.pod.spec.as_mut().unwrap().node_selector = Some(BTreeMap::from([(
            "kubernetes.io/hostname".to_owned(),
            "wanted".to_owned(),
        )]));
        set_scheduler_message(
            &mut w.pod,
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
        );
        // Without the nodes, the scheduler's counts decide.
        assert_eq!(
            w.diagnose().unwrap().kind,
            DiagnosisKind::NodeSelectorMismatch
        );
        w.nodes = vec![
            user_node("a", &[]),
            user_node("b", &[]),
            user_node("c", &["example.com/elsewhere=x:NoExecute"]),
            user_node("wanted", &["example.com/test-only=yes:NoSchedule"]),
        ];
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::UntoleratedTaint,
                "Taint test-only=yes",
                "Unschedulable: 0/4 nodes: 1 node(s) had untolerated taint(s), 3 node(s) didn't match Pod's node affinity/selector; example.com/test-only=yes:NoSchedule on wanted not tolerated"
            )
        );
        // The tainted nodes are not the ones it wants: the selector it is.
        w.nodes[3].taints.clear();
        assert_eq!(
            w.diagnose().unwrap().kind,
            DiagnosisKind::NodeSelectorMismatch
        );
    }

    #[test]
    fn full_wanted_nodes_outrank_the_ones_the_selector_excludes() {
        let mut w = World::new("pod-pending-insufficient-memory.yaml");
        set_scheduler_message(
            &mut w.pod,
            "0/4 nodes are available: 1 Insufficient memory, 3 node(s) didn't match Pod's node affinity/selector.",
        );
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "Insufficient memory",
                "Unschedulable: 0/4 nodes: 1 Insufficient memory, 3 node(s) didn't match Pod's node affinity/selector (requests 14Gi memory)"
            )
        );
    }

    #[test]
    fn too_many_pods_has_its_own_short_form() {
        let mut w = World::new("pod-pending-insufficient-memory.yaml");
        set_scheduler_message(
            &mut w.pod,
            "0/3 nodes are available: 3 Too many pods. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
        );
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "Too many pods",
                "Unschedulable: 0/3 nodes: 3 Too many pods"
            )
        );
        w.nodes = vec![
            user_node("a", &[]),
            user_node("b", &[]),
            user_node("c", &[]),
        ];
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "Too many pods (110/node)",
                "Unschedulable: 0/3 nodes: 3 Too many pods (nodes hold at most 110 pods each)"
            )
        );
        w.nodes[0].pods_allocatable = 1;
        set_scheduler_message(
            &mut w.pod,
            "0/3 nodes are available: 1 Too many pods, 2 Insufficient memory.",
        );
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "Too many pods, memory",
                "Unschedulable: 0/3 nodes: 1 Too many pods, 2 Insufficient memory (requests 14Gi memory) (nodes hold at most 1 or 110 pods each)"
            )
        );
        // The limit is that of the nodes the pod wants.
        w.pod.spec.as_mut().unwrap().node_selector = Some(BTreeMap::from([(
            "kubernetes.io/hostname".to_owned(),
            "a".to_owned(),
        )]));
        set_scheduler_message(
            &mut w.pod,
            "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't match Pod's node affinity/selector.",
        );
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "Too many pods (1/node)",
                "Unschedulable: 0/3 nodes: 1 Too many pods, 2 node(s) didn't match Pod's node affinity/selector (nodes hold at most 1 pod each)"
            )
        );
    }

    #[test]
    fn the_autoscaler_refusing_is_the_short_form() {
        let mut w =
            World::new("pod-pending-insufficient-memory.yaml").events("events-no-scale-up.yaml");
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "No scale-up: pool at max",
                "Unschedulable: 0/3 nodes: 3 Insufficient memory (requests 14Gi memory); autoscaler: pod didn't trigger scale-up: 3 node(s) didn't match Pod's node affinity/selector, 1 max node group size reached"
            )
        );
        // Only the older FailedScaleUp: GCE quota.
        w.events
            .retain(|e| e.reason.as_deref() == Some("FailedScaleUp"));
        assert_eq!(
            w.diagnose(),
            d(
                DiagnosisKind::InsufficientResources,
                "Scale-up failed: quota",
                "Unschedulable: 0/3 nodes: 3 Insufficient memory (requests 14Gi memory); autoscaler: Node scale up in zones us-central1-b associated with this pod failed: GCE quota exceeded. Pod is at risk of not being scheduled."
            )
        );
        let mut e = w.events[0].clone();
        e.reason = Some("NotTriggerScaleUp".into());
        e.message = Some("pod didn't trigger scale-up: 2 Insufficient memory".into());
        assert_eq!(autoscaler_short(&e), Some("No scale-up"));
        e.message =
            Some("pod didn't trigger scale-up: 1 max cluster cpu, memory limit reached".into());
        assert_eq!(autoscaler_short(&e), Some("No scale-up: cluster max"));
        e.reason = Some("TriggeredScaleUp".into());
        assert_eq!(autoscaler_short(&e), None);
    }

    #[test]
    fn shorts_fit_the_table() {
        for s in [
            "Insufficient memory",
            "Insufficient cpu, memory",
            "PVC unbound",
            "PVC missing",
            "StorageClass missing",
            "No default StorageClass",
            "Taint mismatch",
            "Node selector mismatch",
            "Volume node affinity",
            "Scale-up triggered",
            "Container config error",
            "Readiness probe failing",
            "Liveness probe failing",
            "Waiting on finalizers",
            "CrashLoop OOMKilled",
            "No scheduler pods",
            "Scheduler crash-looping",
            "Scheduler not ready",
            "Scheduler hasn't bound",
            "Placeholder, by design",
            "Too many pods (110/node)",
            "No scale-up: pool at max",
            "No scale-up: quota",
            "No scale-up: cluster max",
            "Scale-up in backoff",
            "Scale-up failed: quota",
            "Scale-up: zone stockout",
        ] {
            assert!(s.chars().count() <= SHORT_MAX, "{s}");
        }
        assert_eq!(
            truncate("Insufficient example.com/gpu", SHORT_MAX),
            "Insufficient example.co…"
        );
        assert_eq!(
            truncate("Insufficient example.com/gpu", SHORT_MAX)
                .chars()
                .count(),
            SHORT_MAX
        );
    }

    #[test]
    fn diagnosis_kind_serializes_snake_case() {
        let json =
            serde_json::to_string(&d(DiagnosisKind::InsufficientResources, "a", "b")).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"insufficient_resources","short":"a","line":"b"}"#
        );
        assert_eq!(
            serde_json::to_string(&DiagnosisKind::UnboundClaim).unwrap(),
            "\"unbound_claim\""
        );
    }

    #[test]
    fn event_time_takes_the_latest_sighting() {
        let events: Vec<Event> = fixtures::all("events-insufficient-memory.yaml");
        let times: Vec<String> = events
            .iter()
            .map(|e| event_time(e).map(rfc3339).unwrap_or_default())
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
