//! Which nodes a pod may go to, read from the watched nodes the way
//! kube-scheduler's TaintToleration and NodeAffinity filters read them.
//! Since Kubernetes 1.34 the scheduler says only "N node(s) had untolerated
//! taint(s)": the taints themselves are named here, from the nodes' taints
//! against the pod's tolerations.

use k8s_openapi::api::core::v1::{NodeSelectorRequirement, NodeSelectorTerm, Pod, Toleration};

use crate::kube::node_row::NodeRow;

/// A taint as NodeRow keeps it (`key=value:Effect` or `key:Effect`), taken
/// apart. Taint keys and values cannot hold `=` or `:` (they are label
/// keys and values), so the split is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaintRef<'a> {
    pub key: &'a str,
    pub value: &'a str,
    pub effect: &'a str,
}

pub fn parse_taint(s: &str) -> Option<TaintRef<'_>> {
    let (rest, effect) = s.rsplit_once(':')?;
    let (key, value) = rest.split_once('=').unwrap_or((rest, ""));
    (!key.is_empty()).then_some(TaintRef { key, value, effect })
}

/// Kubernetes' `Toleration.ToleratesTaint`: an empty effect matches every
/// effect, an empty key (only valid with Exists) every key; Exists ignores
/// the value, Equal (or no operator) compares it.
pub fn tolerates(t: &Toleration, taint: &TaintRef) -> bool {
    if let Some(effect) = t.effect.as_deref().filter(|e| !e.is_empty())
        && effect != taint.effect
    {
        return false;
    }
    if let Some(key) = t.key.as_deref().filter(|k| !k.is_empty())
        && key != taint.key
    {
        return false;
    }
    match t.operator.as_deref().unwrap_or("") {
        "" | "Equal" => t.value.as_deref().unwrap_or("") == taint.value,
        "Exists" => true,
        _ => false,
    }
}

/// Only these effects keep a pod off a node; PreferNoSchedule is a wish.
fn blocks_scheduling(effect: &str) -> bool {
    matches!(effect, "NoSchedule" | "NoExecute")
}

/// The node's taints that keep this pod off it, in kubectl's form.
pub fn untolerated<'n>(pod: &Pod, node: &'n NodeRow) -> Vec<&'n str> {
    let tolerations: &[Toleration] = pod
        .spec
        .as_ref()
        .and_then(|s| s.tolerations.as_deref())
        .unwrap_or_default();
    node.taints
        .iter()
        .filter(|s| {
            parse_taint(s).is_some_and(|t| {
                blocks_scheduling(t.effect) && !tolerations.iter().any(|tol| tolerates(tol, &t))
            })
        })
        .map(String::as_str)
        .collect()
}

/// The pod's nodeSelector and required node affinity hold for this node,
/// as the NodeAffinity filter decides it. A node whose labels the cockpit
/// does not know matches nothing but an empty constraint.
pub fn wants(pod: &Pod, node: &NodeRow) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return true;
    };
    let label = |k: &str| node.labels.get(k).map(String::as_str);
    if let Some(selector) = &spec.node_selector
        && !selector.iter().all(|(k, v)| label(k) == Some(v.as_str()))
    {
        return false;
    }
    match required_terms(spec) {
        // The terms are ORed; the requirements within a term ANDed.
        Some(terms) => terms.iter().any(|t| term_matches(t, node)),
        None => true,
    }
}

fn term_matches(term: &NodeSelectorTerm, node: &NodeRow) -> bool {
    let expressions = term.match_expressions.as_deref().unwrap_or_default();
    let fields = term.match_fields.as_deref().unwrap_or_default();
    // An empty term matches no node.
    if expressions.is_empty() && fields.is_empty() {
        return false;
    }
    expressions
        .iter()
        .all(|e| requirement_matches(e, node.labels.get(&e.key).map(String::as_str)))
        && fields.iter().all(|f| {
            // metadata.name is the only field the scheduler supports.
            f.key == "metadata.name" && requirement_matches(f, Some(node.name.as_str()))
        })
}

fn requirement_matches(r: &NodeSelectorRequirement, value: Option<&str>) -> bool {
    let values = r.values.as_deref().unwrap_or_default();
    let number = |s: &str| s.parse::<i64>().ok();
    match r.operator.as_str() {
        "In" => value.is_some_and(|v| values.iter().any(|x| x == v)),
        "NotIn" => value.is_none_or(|v| values.iter().all(|x| x != v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(v), Some(bound)) = (
                value.and_then(number),
                values.first().and_then(|b| number(b)),
            ) else {
                return false;
            };
            if r.operator == "Gt" {
                v > bound
            } else {
                v < bound
            }
        }
        _ => false,
    }
}

/// What the nodes' taints say about this pod.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaintFindings {
    /// Each untolerated taint with the nodes that carry it, in the order the
    /// nodes came: the nodes the pod wants when some do, else all nodes.
    pub taints: Vec<(String, Vec<String>)>,
    /// Some node the pod's selector and affinity want carries one of them:
    /// the taint, not the selector, is what keeps the pod off that node.
    pub on_wanted_nodes: bool,
}

pub fn untolerated_taints(pod: &Pod, nodes: &[&NodeRow]) -> TaintFindings {
    let wanted: Vec<&NodeRow> = nodes.iter().copied().filter(|n| wants(pod, n)).collect();
    let on_wanted_nodes = wanted.iter().any(|n| !untolerated(pod, n).is_empty());
    let looked_at = if on_wanted_nodes { &wanted[..] } else { nodes };
    let mut taints: Vec<(String, Vec<String>)> = Vec::new();
    for node in looked_at {
        for t in untolerated(pod, node) {
            match taints.iter_mut().find(|(s, _)| s == t) {
                Some((_, names)) => names.push(node.name.clone()),
                None => taints.push((t.to_owned(), vec![node.name.clone()])),
            }
        }
    }
    TaintFindings {
        taints,
        on_wanted_nodes,
    }
}

/// "hub.jupyter.org/dedicated=user:NoSchedule on rig-node-4, x:NoExecute
/// on 3 nodes not tolerated".
pub fn taints_phrase(findings: &TaintFindings) -> Option<String> {
    if findings.taints.is_empty() {
        return None;
    }
    let parts: Vec<String> = findings
        .taints
        .iter()
        .map(|(t, nodes)| match nodes.as_slice() {
            [one] => format!("{t} on {one}"),
            many => format!("{t} on {} nodes", many.len()),
        })
        .collect();
    Some(format!("{} not tolerated", parts.join(", ")))
}

/// "Taint dedicated=user": the first taint, its key without the prefix,
/// whether `hub.jupyter.org/dedicated` or GKE's `hub.jupyter.org_dedicated`
/// (node pool taint keys cannot hold a slash there).
pub fn taint_short(findings: &TaintFindings) -> Option<String> {
    let (first, _) = findings.taints.first()?;
    let t = parse_taint(first)?;
    let key = t.key.rsplit('/').next().unwrap_or(t.key);
    let key = match key.rsplit_once('_') {
        Some((prefix, rest)) if prefix.contains('.') && !rest.is_empty() => rest,
        _ => key,
    };
    Some(if t.value.is_empty() {
        format!("Taint {key}")
    } else {
        format!("Taint {key}={}", t.value)
    })
}

/// The pod's required node-affinity terms, when it has any: read here for
/// matching and by the diagnosis to name them.
pub fn required_terms(spec: &k8s_openapi::api::core::v1::PodSpec) -> Option<&[NodeSelectorTerm]> {
    spec.affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()
        .map(|r| r.node_selector_terms.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toleration(key: &str, operator: &str, value: &str, effect: &str) -> Toleration {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Toleration {
            key: opt(key),
            operator: opt(operator),
            value: opt(value),
            effect: opt(effect),
            toleration_seconds: None,
        }
    }

    const DEDICATED: TaintRef = TaintRef {
        key: "hub.jupyter.org/dedicated",
        value: "user",
        effect: "NoSchedule",
    };

    #[test]
    fn parses_kubectl_taint_forms() {
        assert_eq!(
            parse_taint("hub.jupyter.org/dedicated=user:NoSchedule"),
            Some(DEDICATED)
        );
        assert_eq!(
            parse_taint("node.kubernetes.io/unschedulable:NoSchedule"),
            Some(TaintRef {
                key: "node.kubernetes.io/unschedulable",
                value: "",
                effect: "NoSchedule"
            })
        );
        assert_eq!(parse_taint("no-effect"), None);
        assert_eq!(parse_taint(":NoSchedule"), None);
    }

    #[test]
    fn toleration_rules_of_kubernetes() {
        let cases = [
            // The chart's own toleration for user pods.
            (
                toleration("hub.jupyter.org/dedicated", "Equal", "user", "NoSchedule"),
                true,
            ),
            // No operator means Equal.
            (
                toleration("hub.jupyter.org/dedicated", "", "user", "NoSchedule"),
                true,
            ),
            (
                toleration("hub.jupyter.org/dedicated", "Equal", "core", "NoSchedule"),
                false,
            ),
            (
                toleration("hub.jupyter.org/dedicated", "Exists", "", "NoSchedule"),
                true,
            ),
            // An empty effect matches every effect.
            (
                toleration("hub.jupyter.org/dedicated", "Exists", "", ""),
                true,
            ),
            (
                toleration("hub.jupyter.org/dedicated", "Exists", "", "NoExecute"),
                false,
            ),
            // An empty key with Exists tolerates everything.
            (toleration("", "Exists", "", ""), true),
            (toleration("", "Exists", "", "NoExecute"), false),
            (
                toleration("hub.jupyter.org_dedicated", "Equal", "user", "NoSchedule"),
                false,
            ),
            (
                toleration("hub.jupyter.org/dedicated", "Lt", "user", "NoSchedule"),
                false,
            ),
        ];
        for (t, expected) in cases {
            assert_eq!(tolerates(&t, &DEDICATED), expected, "{t:?}");
        }
    }

    fn node(name: &str, taints: &[&str], labels: &[(&str, &str)]) -> NodeRow {
        let mut n = NodeRow::from_node(&k8s_openapi::api::core::v1::Node::default());
        n.name = name.into();
        n.taints = taints.iter().map(|t| (*t).to_owned()).collect();
        n.labels = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        n
    }

    fn pod(yaml: &str) -> Pod {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn names_untolerated_taints_and_ignores_prefer_no_schedule() {
        let p = pod("spec:\n  containers: []\n  tolerations:\n  - {key: a, operator: Exists}\n");
        let n = node(
            "n1",
            &[
                "a=1:NoSchedule",
                "b:PreferNoSchedule",
                "c=2:NoExecute",
                "d:NoSchedule",
            ],
            &[],
        );
        assert_eq!(untolerated(&p, &n), vec!["c=2:NoExecute", "d:NoSchedule"]);
    }

    #[test]
    fn taints_on_wanted_nodes_come_first() {
        let p = pod(concat!(
            "spec:\n  containers: []\n  affinity:\n    nodeAffinity:\n",
            "      requiredDuringSchedulingIgnoredDuringExecution:\n",
            "        nodeSelectorTerms:\n",
            "        - matchExpressions:\n",
            "          - {key: hub.jupyter.org/node-purpose, operator: In, values: [user]}\n",
        ));
        let user = node(
            "user-1",
            &["hub.jupyter.org/dedicated=user:NoSchedule"],
            &[("hub.jupyter.org/node-purpose", "user")],
        );
        let core = node("core-1", &["example.com/other:NoSchedule"], &[]);
        let plain = node("core-2", &[], &[]);
        let f = untolerated_taints(&p, &[&core, &user, &plain]);
        assert!(f.on_wanted_nodes);
        assert_eq!(
            f.taints,
            vec![(
                "hub.jupyter.org/dedicated=user:NoSchedule".to_owned(),
                vec!["user-1".to_owned()]
            )]
        );
        assert_eq!(
            taints_phrase(&f).unwrap(),
            "hub.jupyter.org/dedicated=user:NoSchedule on user-1 not tolerated"
        );
        assert_eq!(taint_short(&f).unwrap(), "Taint dedicated=user");

        // No wanted node: every node's untolerated taints are named.
        let f = untolerated_taints(&p, &[&core, &plain]);
        assert!(!f.on_wanted_nodes);
        assert_eq!(
            taints_phrase(&f).unwrap(),
            "example.com/other:NoSchedule on core-1 not tolerated"
        );
        assert_eq!(taint_short(&f).unwrap(), "Taint other");
    }

    #[test]
    fn node_affinity_operators() {
        let n = node("n1", &[], &[("a", "1"), ("n", "5")]);
        let req = |op: &str, key: &str, values: &[&str]| NodeSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
        };
        let get = |k: &str| n.labels.get(k).map(String::as_str);
        assert!(requirement_matches(&req("In", "a", &["1", "2"]), get("a")));
        assert!(!requirement_matches(&req("In", "b", &["1"]), get("b")));
        assert!(requirement_matches(&req("NotIn", "b", &["1"]), get("b")));
        assert!(!requirement_matches(&req("NotIn", "a", &["1"]), get("a")));
        assert!(requirement_matches(&req("Exists", "a", &[]), get("a")));
        assert!(requirement_matches(
            &req("DoesNotExist", "b", &[]),
            get("b")
        ));
        assert!(requirement_matches(&req("Gt", "n", &["4"]), get("n")));
        assert!(!requirement_matches(&req("Lt", "n", &["4"]), get("n")));
        assert!(!requirement_matches(&req("Gt", "a", &["x"]), get("a")));

        let by_name = pod(concat!(
            "spec:\n  containers: []\n  affinity:\n    nodeAffinity:\n",
            "      requiredDuringSchedulingIgnoredDuringExecution:\n",
            "        nodeSelectorTerms:\n",
            "        - matchFields:\n",
            "          - {key: metadata.name, operator: In, values: [n1]}\n",
        ));
        assert!(wants(&by_name, &n));
        let selector = pod("spec:\n  containers: []\n  nodeSelector: {a: \"2\"}\n");
        assert!(!wants(&selector, &n));
        let empty_term = pod(concat!(
            "spec:\n  containers: []\n  affinity:\n    nodeAffinity:\n",
            "      requiredDuringSchedulingIgnoredDuringExecution:\n",
            "        nodeSelectorTerms: [{}]\n",
        ));
        assert!(!wants(&empty_term, &n));
    }
}
