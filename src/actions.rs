//! Every write the cockpit can make, and the one path each takes: request
//! → (read-only check) → confirmation → run → progress → outcome. Keys and
//! headless subcommands both end in [`Action`], so read-only mode,
//! confirmations and progress are the same for all of them.

use std::collections::VecDeque;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use serde_json::Value;

use crate::values::DiffLine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write a new secrets values file (replacing one needs `overwrite`).
    GenerateSecrets {
        path: PathBuf,
        overwrite: bool,
    },
    /// Take the secret keys out of config.yaml (`from`) into the secrets
    /// file (`to`), keeping config.yaml's comments.
    MoveSecrets {
        from: PathBuf,
        to: PathBuf,
    },
    /// `helm upgrade --install` with the values files as they are now.
    Deploy,
    Rollback {
        revision: u32,
    },
    Uninstall,
    DeleteNamespace,
    /// Create a GKE cluster, wait for it, and connect to it.
    CreateCluster(crate::gke::ClusterSpec),
    /// Delete a GKE cluster; with `uninstall_first`, the release and its
    /// namespace go first (their LoadBalancer and disks outlive the cluster).
    DeleteCluster {
        name: String,
        location: String,
        uninstall_first: bool,
    },
    /// Add the z2jh user pool (labelled and tainted for user pods) to an
    /// existing cluster.
    AddUserPool {
        cluster: String,
        location: String,
        pool: crate::gke::UserPoolSpec,
    },
    /// Change a node pool's autoscaling bounds.
    SetPoolAutoscaling {
        cluster: String,
        location: String,
        pool: String,
        min: i32,
        max: i32,
    },
    DeleteNodePool {
        cluster: String,
        location: String,
        pool: String,
    },
    /// Set `scheduling.userPods.nodeAffinity.matchNodePurpose: require` in
    /// config.yaml (`path`), its comments kept: user pods then go only to
    /// the user pool's nodes.
    RequireUserNodes {
        path: PathBuf,
    },
    /// Remove a deleted cluster's context (and its cluster and user
    /// entries) from the kubeconfig at `path`.
    RemoveContext {
        path: PathBuf,
        context: String,
    },
    /// The z2jh guide's ClusterRoleBinding `cluster-admin-binding` for the
    /// operator's account, which a new GKE cluster lacks.
    BindClusterAdmin {
        user: String,
    },
    /// Add the hub service `jhub-cockpit` and its role to config.yaml
    /// (`path`), its comments kept; the upgrade is the operator's next step.
    AddHubAccess {
        path: PathBuf,
    },
    /// Set the users' notebook image (`singleuser.image.name` and `.tag`)
    /// in config.yaml (`path`), its comments kept; the upgrade with its
    /// diff is offered after it.
    SetImage {
        path: PathBuf,
        name: String,
        tag: String,
    },
    /// Stop a user's server through the hub's API (at `hub_url`, the hub's
    /// address as the users view read it); its pod goes.
    StopServer {
        user: String,
        hub_url: String,
        base_url: String,
    },
}

impl Action {
    pub fn title(&self) -> String {
        match self {
            Action::GenerateSecrets { path, .. } => {
                format!("generate secrets into {}", path.display())
            }
            Action::MoveSecrets { from, to } => {
                format!("move secrets from {} to {}", from.display(), to.display())
            }
            Action::Deploy => "install / upgrade the release".into(),
            Action::Rollback { revision } => format!("roll back to revision {revision}"),
            Action::Uninstall => "uninstall the release".into(),
            Action::DeleteNamespace => "delete the namespace".into(),
            Action::CreateCluster(spec) => format!("create GKE cluster {}", spec.name),
            Action::DeleteCluster { name, .. } => format!("delete GKE cluster {name}"),
            Action::AddUserPool { cluster, pool, .. } => {
                format!("add node pool {} to {cluster}", pool.name)
            }
            Action::SetPoolAutoscaling {
                cluster,
                pool,
                min,
                max,
                ..
            } => format!("scale node pool {pool} of {cluster} {min}..{max}"),
            Action::DeleteNodePool { cluster, pool, .. } => {
                format!("delete node pool {pool} of {cluster}")
            }
            Action::RequireUserNodes { path } => {
                format!("require the user pool for user pods in {}", path.display())
            }
            Action::RemoveContext { context, .. } => {
                format!("remove context {context} from the kubeconfig")
            }
            Action::BindClusterAdmin { user } => format!("make {user} cluster-admin"),
            Action::StopServer { user, .. } => format!("stop {user}'s server"),
            Action::AddHubAccess { path } => {
                format!("add the jhub-cockpit hub service to {}", path.display())
            }
            Action::SetImage { name, tag, .. } => format!("set the notebook image to {name}:{tag}"),
        }
    }
}

/// How sure the operator must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// `y` confirms; anything else cancels.
    YesNo,
    /// The exact name, typed, then Enter: for what cannot be undone.
    Typed { expected: String, typed: String },
}

/// A dialog waiting for the operator's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingConfirm {
    pub action: Action,
    /// What will happen, line by line.
    pub explain: Vec<String>,
    /// The values diff of an upgrade (empty for other actions).
    pub diff: Vec<DiffLine>,
    pub confirmation: Confirmation,
    /// What stays as it was when the operator declines (see `plan::Plan`).
    pub kept: &'static str,
    pub scroll: u16,
}

impl PendingConfirm {
    /// What the operator is told after declining: any key but `y`
    /// (`mismatched` false), or a typed name that is not the one asked for.
    pub fn declined(&self, mismatched: bool) -> String {
        declined(mismatched, self.kept)
    }
}

/// The one wording of a declined confirmation, for both front ends.
pub fn declined(mismatched: bool, kept: &str) -> String {
    if mismatched {
        format!("the name did not match; {kept}")
    } else {
        format!("cancelled; {kept}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Succeeded { summary: String },
    Failed { error: String, hint: Option<String> },
}

/// The one operation that may run at a time, with its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub action: Action,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    pub lines: VecDeque<String>,
    pub outcome: Option<Outcome>,
    /// Esc hides the panel; the work goes on and the footer shows it.
    pub hidden: bool,
}

/// Output lines kept in the progress panel.
pub const OPERATION_LINES: usize = 500;

impl Operation {
    pub fn new(action: Action, now: DateTime<Utc>) -> Self {
        Operation {
            action,
            started: now,
            finished: None,
            lines: VecDeque::new(),
            outcome: None,
            hidden: false,
        }
    }

    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }

    pub fn push(&mut self, line: String) {
        if self.lines.len() == OPERATION_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
    }
}

/// What the next step is after a helm failure, from its message and what
/// the panes show.
pub fn failure_hint(error: &str, waiting_hook_pods: usize) -> Option<String> {
    let e = error.to_ascii_lowercase();
    if e.contains("another operation") && e.contains("in progress") {
        return Some(
            "the release is stuck in a pending state (an earlier helm run was interrupted): roll back (r in the history) to its last good revision".into(),
        );
    }
    if e.contains("timed out") || e.contains("context deadline exceeded") {
        return Some(if waiting_hook_pods > 0 {
            format!(
                "{waiting_hook_pods} hook-image-puller pod(s) are still waiting (see the Pods pane): give the pull more time (--timeout) or disable prePuller.hook.enabled"
            )
        } else {
            "helm timed out waiting for pods: check the Pods pane for the one that is not Ready and its diagnosis".into()
        });
    }
    if e.contains("values don't meet the specifications of the schema") || e.contains("schema") {
        return Some("fix the value named above in config.yaml (e opens it) and try again".into());
    }
    if e.contains("invalid release name") || e.contains("release name") && e.contains("invalid") {
        return Some("release names are lowercase letters, digits and '-', at most 53 characters: change `release` in the settings or pass --release".into());
    }
    if e.contains("not found") && (e.contains("chart") || e.contains("repo")) {
        return Some("check the chart reference and version in the settings (chart.reference, chart.version)".into());
    }
    if e.contains("cannot re-use a name that is still in use") {
        return Some("a release of that name exists in another state: see the history (Enter on the Release pane)".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_next_step() {
        let hint = failure_hint(
            "Error: UPGRADE FAILED: timed out waiting for the condition",
            2,
        )
        .unwrap();
        assert!(hint.contains("hook-image-puller"), "{hint}");
        let hint = failure_hint(
            "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress",
            0,
        )
        .unwrap();
        assert!(hint.contains("roll back"), "{hint}");
        assert!(failure_hint("Error: something unheard of", 0).is_none());
    }

    #[test]
    fn output_is_bounded() {
        let mut op = Operation::new(Action::Deploy, Utc::now());
        for i in 0..OPERATION_LINES + 3 {
            op.push(i.to_string());
        }
        assert_eq!(op.lines.len(), OPERATION_LINES);
        assert_eq!(op.lines.front().unwrap(), "3");
    }
}

/// Why an action failed: helm's (or the file's) own words, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  next: {h}")?;
        }
        Ok(())
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure {
            error: format!("{e:#}"),
            hint: None,
        }
    }
}

/// A checked deploy, ready to confirm.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedDeploy {
    pub values: Value,
    /// Deployed user values → the values the files give now.
    pub diff: Vec<DiffLine>,
    pub warnings: Vec<String>,
    pub command_line: String,
    /// The images the files set (`singleuser.image`, ...), with the chart's
    /// defaults filled in: what the registry check asks about.
    pub images: Vec<crate::image::ImageChange>,
    /// What the registry check found, one line per image (`✓ ...`).
    pub notes: Vec<String>,
}

/// A change to config.yaml worked out for its dialog: the hub service and
/// role, or the user pool required for user pods.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedAccess {
    pub path: PathBuf,
    /// config.yaml's values now → with the change.
    pub diff: Vec<DiffLine>,
}

/// What config.yaml sets as the users' image now, for the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredImage {
    pub path: PathBuf,
    pub name: Option<String>,
    pub tag: Option<String>,
}

/// The image form's change to config.yaml, for the dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedImage {
    pub path: PathBuf,
    pub name: String,
    pub tag: String,
    /// config.yaml's values now → with the image set.
    pub diff: Vec<DiffLine>,
    /// The registry's answer about the image (`✓ ...`), when it was asked.
    pub notes: Vec<String>,
    /// A missing tag, an unreachable registry, a platform GKE cannot run.
    pub warnings: Vec<String>,
}

/// What moving the secrets out of config.yaml will do, for the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedMove {
    pub from: PathBuf,
    pub to: PathBuf,
    /// Dotted paths of the keys that move.
    pub keys: Vec<String>,
    pub secrets_exists: bool,
}
