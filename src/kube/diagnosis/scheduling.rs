//! What the scheduler (and the cluster autoscaler) said about a pod that
//! has no node: its FitError message parsed into counts and reasons, the
//! reason that explains the wait picked among them, and unbound claims
//! followed to their StorageClass. Its own part for the message grammar it
//! reads, which no other part needs.

use k8s_openapi::api::core::v1::Pod;

use crate::kube::event_record::EventRecord;
use k8s_openapi::api::storage::v1::StorageClass;
use serde::Serialize;

use super::events::{newest, one_line, own_events, truncate};
use super::{Diagnosis, DiagnosisInput, DiagnosisKind, SHORT_MAX, placement, waiting};
use crate::kube::node_row::NodeRow;
use crate::kube::pod_row::pod_requests;
use crate::kube::quantity::{fmt_bytes, fmt_cpu_millis};

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

pub fn scheduling(input: &DiagnosisInput) -> Option<Diagnosis> {
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
                .and_then(|e| e.message.as_deref().map(str::to_owned))
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
fn autoscaler_short(event: &EventRecord) -> Option<&'static str> {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::tests::{
        World, d, drop_scheduled_condition, set_scheduler_message, user_node,
    };
    use super::*;
    use crate::kube::pod_row::PodRow;

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
}
