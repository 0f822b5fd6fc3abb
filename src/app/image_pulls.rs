//! "Is the class ready?": per node, whether the new notebook image is
//! there. Read from two things the cluster already says: the chart's image
//! puller pods (one per node, whose init containers pull the image: done
//! when the pod is running) and the kubelet's Pulling / Pulled / Failed
//! events of any pod on the node (with how long the pull took). Pure:
//! worked out from the state when the view draws.

use crate::kube::event_record::{EventRecord, quoted_image};
use chrono::{DateTime, Utc};

use super::state::State;

/// Where a node stands with the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodePull {
    /// Pulled here: `took` as the kubelet reported it (`4.2s`), None when
    /// only the image puller says so.
    Pulled { took: Option<String> },
    /// It was there already when a pod asked for it.
    Present,
    /// A pull under way since `since`.
    Pulling { since: Option<DateTime<Utc>> },
    /// The last pull failed: the kubelet's words.
    Failed { why: String },
    /// The node's image puller still has an older image: its new pod has
    /// not started here yet.
    Waiting,
    /// Nothing on this node has asked for the image yet (no puller pod:
    /// `prePuller.continuous.enabled` is off, or the node is not for users).
    NotAsked,
}

impl NodePull {
    pub fn has_image(&self) -> bool {
        matches!(self, NodePull::Pulled { .. } | NodePull::Present)
    }
}

/// One node's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRow {
    pub node: String,
    pub pull: NodePull,
    /// The pod that says so (an image puller's or a user's).
    pub pod: Option<String>,
}

/// The view: the image, and every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulls {
    pub image: String,
    pub rows: Vec<NodeRow>,
}

impl Pulls {
    pub fn ready_nodes(&self) -> usize {
        self.rows.iter().filter(|r| r.pull.has_image()).count()
    }

    /// The nodes that pull the image: those with a puller pod or a pull of
    /// it. A node nothing asks (a system pool, a pool for other work) would
    /// keep the class from ever reading ready.
    pub fn asked_nodes(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.pull != NodePull::NotAsked)
            .count()
    }
}

/// The users' image of the release's current revision: what its image
/// puller pulls (rendered, so the chart's defaults are in it), else the
/// name and tag config.yaml gave (a release without pullers). None before
/// an install, or when neither says.
pub fn release_image(state: &State) -> Option<String> {
    let record = super::lists::current_record(state)?;
    record.users_image.clone().or_else(|| {
        crate::image::keys::image_at(&record.config, crate::image::keys::SINGLEUSER.path)
    })
}

/// `in 4.2s` of a Pulled message (the duration as Go prints it).
fn took(message: &str) -> Option<String> {
    let rest = message.split(" in ").nth(1)?;
    let end = rest.find([' ', '.', ')']).map(|i| {
        // `4.2s` has a dot inside the number: cut at the first space.
        rest.find(' ').unwrap_or(i)
    })?;
    Some(rest[..end].trim_end_matches('.').to_owned())
}

/// What one kubelet event says about the image, if it names it.
fn from_event(event: &EventRecord, image: &str) -> Option<NodePull> {
    // The reason first: most events are not the kubelet's pulls.
    let reason = event.reason.as_deref()?;
    if !matches!(reason, "Pulling" | "Pulled" | "Failed") {
        return None;
    }
    let message = event.message.as_deref()?;
    if quoted_image(message)? != image {
        return None;
    }
    match reason {
        "Pulling" => Some(NodePull::Pulling {
            since: event.last_seen,
        }),
        "Pulled" if message.contains("already present") => Some(NodePull::Present),
        "Pulled" => Some(NodePull::Pulled {
            took: took(message),
        }),
        "Failed" => Some(NodePull::Failed {
            why: message.to_owned(),
        }),
        _ => None,
    }
}

/// The node an event happened on: the kubelet's own name for itself, else
/// the node of the pod it is about.
fn node_of(event: &EventRecord, state: &State) -> Option<String> {
    event.node.as_deref().map(str::to_owned).or_else(|| {
        let pod = event.involved_object.name.as_deref()?;
        let row = &state.resources.pods.get(pod)?.row;
        row.node.as_deref().map(str::to_owned)
    })
}

/// How far a puller pod got: done, under way (or failed), not started.
fn progress(pull: &NodePull) -> u8 {
    match pull {
        NodePull::Pulled { .. } | NodePull::Present => 3,
        NodePull::Pulling { .. } | NodePull::Failed { .. } => 2,
        NodePull::Waiting => 1,
        NodePull::NotAsked => 0,
    }
}

/// Ranks what a node's sources say: a success anywhere wins; among the
/// rest the newest event counts (a Pulling after a Failed is a retry).
fn better(a: &NodePull, b: &NodePull) -> bool {
    let rank = |p: &NodePull| match p {
        NodePull::Pulled { took: Some(_) } => 6,
        NodePull::Pulled { took: None } => 5,
        NodePull::Present => 4,
        _ => 0,
    };
    rank(a) > rank(b)
}

/// Per node, where the image stands.
pub fn pulls(state: &State, image: &str) -> Pulls {
    use std::collections::BTreeMap;
    let mut rows: BTreeMap<String, NodeRow> = state
        .resources
        .nodes
        .keys()
        .map(|n| {
            (
                n.clone(),
                NodeRow {
                    node: n.clone(),
                    pull: NodePull::NotAsked,
                    pod: None,
                },
            )
        })
        .collect();
    // The pullers first: one pod per node.
    for entry in state.resources.pods.iter() {
        let row = &entry.row;
        let (Some(pulls), Some(node)) = (&row.pulls, &row.node) else {
            continue;
        };
        let pull = if !pulls.iter().any(|p| p == image) {
            NodePull::Waiting
        } else if row.is_healthy() {
            NodePull::Pulled { took: None }
        } else if row.status.contains("ErrImagePull") || row.status.contains("ImagePullBackOff") {
            NodePull::Failed {
                why: entry
                    .diagnosis
                    .as_ref()
                    .map(|d| d.line.clone())
                    .unwrap_or_else(|| row.status.to_string()),
            }
        } else {
            NodePull::Pulling { since: row.created }
        };
        let slot = rows.entry(node.to_string()).or_insert_with(|| NodeRow {
            node: node.to_string(),
            pull: NodePull::NotAsked,
            pod: None,
        });
        // A node's old puller pod may linger beside the new one, and the
        // hook's puller runs beside the continuous one: the furthest wins.
        if slot.pod.is_none() || progress(&pull) > progress(&slot.pull) {
            slot.pull = pull;
            slot.pod = Some(row.name.to_string());
        }
    }
    // Then the kubelet's events, newest last so they win among equals.
    let mut events: Vec<(&EventRecord, NodePull)> = super::scoped_events::namespace_events(state)
        .0
        .iter()
        .filter_map(|e| from_event(e, image).map(|p| (e, p)))
        .collect();
    events.sort_by_key(|(e, _)| e.last_seen);
    for (event, pull) in events {
        let Some(node) = node_of(event, state) else {
            continue;
        };
        let slot = rows.entry(node.clone()).or_insert_with(|| NodeRow {
            node,
            pull: NodePull::NotAsked,
            pod: None,
        });
        if slot.pull.has_image() && !better(&pull, &slot.pull) {
            continue;
        }
        slot.pull = pull;
        slot.pod = event.involved_object.name.as_deref().map(str::to_owned);
    }
    Pulls {
        image: image.to_owned(),
        rows: rows.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_messages_are_read() {
        let pulled = "Successfully pulled image \"r/course:w2\" in 4.21s (4.21s including waiting). Image size: 1204 bytes.";
        assert_eq!(quoted_image(pulled), Some("r/course:w2"));
        assert_eq!(took(pulled).as_deref(), Some("4.21s"));
        assert_eq!(
            took("Successfully pulled image \"x\" in 1m2.5s (1m3s including waiting)").as_deref(),
            Some("1m2.5s")
        );
        assert_eq!(
            quoted_image("Container image \"r/course:w2\" already present on machine"),
            Some("r/course:w2")
        );
    }
}
