//! What each write action will do and how sure the operator must be, decided
//! once for both front ends. A [`Plan`] holds the action, the lines that
//! say what will happen, the values diff of an upgrade and the confirmation
//! it needs (`y`, or a name typed). The cockpit shows a plan as its dialog
//! (`app::write_flow`, `app::gke_view`); the headless subcommands print the
//! same lines and ask the same question on the terminal, or take `--yes`
//! (`headless`). Neither words a confirmation of its own, so the two cannot
//! disagree about what an action does or how it is confirmed.
//!
//! Plain functions of what the front end has found out (the prepared
//! deploy, whether a release is on a cluster); no I/O.

use std::path::PathBuf;

use crate::actions::{
    Action, Confirmation, PendingConfirm, PreparedDeploy, PreparedMove, declined,
};
use crate::gke::ClusterSpec;
use crate::values::DiffLine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub action: Action,
    /// What will happen, line by line: the command first where there is
    /// one, then what follows from it. A line starting with ⚠ is a warning.
    pub explain: Vec<String>,
    /// Deployed values → the values the files give now, for an upgrade.
    pub diff: Vec<DiffLine>,
    pub confirmation: Confirmation,
    /// Only makes what was not there (nothing replaced, removed or sent):
    /// a subcommand typed out in full is intent enough and runs without a
    /// question, while a single key, which a slip can press, still asks.
    pub creates_only: bool,
    /// What stays as it was when the operator declines: "nothing was
    /// changed", or for a cluster not created, "nothing was sent".
    pub kept: &'static str,
}

impl Plan {
    fn new(action: Action, explain: Vec<String>, confirmation: Confirmation) -> Plan {
        Plan {
            action,
            explain,
            diff: Vec::new(),
            confirmation,
            creates_only: false,
            kept: "nothing was changed",
        }
    }

    /// The question, one line: the action's title.
    pub fn question(&self) -> String {
        format!("{}?", self.action.title())
    }

    /// What the operator is told after declining: any answer but yes
    /// (`mismatched` false), or a typed name that is not the one asked for.
    pub fn declined(&self, mismatched: bool) -> String {
        declined(mismatched, self.kept)
    }

    /// The dialog the cockpit shows for it.
    pub fn into_dialog(self) -> PendingConfirm {
        PendingConfirm {
            action: self.action,
            explain: self.explain,
            diff: self.diff,
            confirmation: self.confirmation,
            kept: self.kept,
            scroll: 0,
        }
    }
}

fn typed(name: impl Into<String>) -> Confirmation {
    Confirmation::Typed {
        expected: name.into(),
        typed: String::new(),
    }
}

/// `S` / `secrets generate`: a new secrets file, or one replaced (which
/// logs every user out, so its name is typed).
pub fn generate_secrets(path: PathBuf, exists: bool) -> Plan {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut explain = vec![
        format!(
            "Writes two random 64-hex values to {} (mode 0600):",
            path.display()
        ),
        "hub.cookieSecret and proxy.secretToken. helm gets it after config.yaml.".into(),
    ];
    let confirmation = if exists {
        explain.push(format!(
            "{} EXISTS: replacing it logs every user out.",
            path.display()
        ));
        typed(name)
    } else {
        Confirmation::YesNo
    };
    let action = Action::GenerateSecrets {
        path,
        overwrite: exists,
    };
    let mut plan = Plan::new(action, explain, confirmation);
    plan.creates_only = !exists;
    plan
}

/// `M` / `secrets move`: the secret keys out of config.yaml, comments kept.
pub fn move_secrets(prepared: PreparedMove) -> Plan {
    let (from, to) = (prepared.from.display(), prepared.to.display());
    let explain = vec![
        format!("Moves {} from {from}", prepared.keys.join(", ")),
        format!(
            "to {to} (mode 0600), which {}.",
            if prepared.secrets_exists {
                "gets them added beside what it holds"
            } else {
                "is created"
            }
        ),
        format!("The rest of {from} stays as it is, comments included;"),
        "sections left empty go. Nothing reaches the cluster until i or u.".into(),
    ];
    let action = Action::MoveSecrets {
        from: prepared.from,
        to: prepared.to,
    };
    Plan::new(action, explain, Confirmation::YesNo)
}

/// `i` / `u` / `deploy`: helm's command line, the warnings, and for an
/// upgrade the values diff against the deployed revision.
pub fn deploy(prepared: PreparedDeploy, installed: bool) -> Plan {
    let mut explain = vec![prepared.command_line];
    explain.extend(prepared.notes);
    explain.extend(prepared.warnings.iter().map(|w| format!("⚠ {w}")));
    if installed && prepared.diff.is_empty() {
        explain.push("The values are the same as the deployed revision's.".into());
    } else if installed {
        explain.push("Values: deployed revision → your files now:".into());
    } else {
        explain.push("Installs a new release with these values.".into());
    }
    let mut plan = Plan::new(Action::Deploy, explain, Confirmation::YesNo);
    // An install has nothing to compare with; the diff is for upgrades.
    if installed {
        plan.diff = prepared.diff;
    }
    plan
}

/// `r` / `rollback`: `current` is the release's newest revision when it is
/// known (the rollback makes the one after it).
pub fn rollback(release: &str, namespace: &str, revision: u32, current: Option<u32>) -> Plan {
    let makes = match current {
        Some(current) => format!("revision {}", current + 1),
        None => "a new revision".into(),
    };
    Plan::new(
        Action::Rollback { revision },
        vec![
            format!("helm rollback {release} {revision} --namespace {namespace}"),
            format!("Makes {makes} with revision {revision}'s values and chart."),
        ],
        Confirmation::YesNo,
    )
}

/// `X` / `uninstall`: the release's name typed.
pub fn uninstall(release: &str, namespace: &str) -> Plan {
    Plan::new(
        Action::Uninstall,
        vec![
            format!("helm uninstall {release} --namespace {namespace}"),
            "The hub, the proxy and the users' servers stop.".into(),
            "Afterwards you are offered to delete the namespace: the LoadBalancer".into(),
            "and the disks stay (and cost money) until it is deleted.".into(),
        ],
        typed(release),
    )
}

/// After an uninstall: the namespace too, its name typed.
pub fn delete_namespace(namespace: &str) -> Plan {
    Plan::new(
        Action::DeleteNamespace,
        vec![
            format!("Delete namespace {namespace} too?"),
            "Its LoadBalancer and persistent disks are not removed by uninstall".into(),
            "and keep costing money; deleting the namespace removes them.".into(),
            "Esc keeps it.".into(),
        ],
        typed(namespace),
    )
}

/// `A` in the users view: the service and role the cockpit's hub views
/// need, added to config.yaml; the upgrade after it makes the token.
pub fn add_hub_access(prepared: crate::actions::PreparedAccess) -> Plan {
    let path = prepared.path.display().to_string();
    let mut plan = Plan::new(
        Action::AddHubAccess {
            path: prepared.path,
        },
        vec![
            format!("Adds the hub service jhub-cockpit and its role to {path}, comments kept:"),
            "the role grants only listing and reading users and their servers, and".into(),
            "stopping a server. Then u upgrades: the chart makes the service's token".into(),
            "and keeps it in the Secret hub, where the cockpit reads it.".into(),
        ],
        Confirmation::YesNo,
    );
    plan.diff = prepared.diff;
    plan
}

/// The image form's Enter, `image set NAME:TAG`: config.yaml gets the
/// image; the upgrade that applies it is the next step, with its own diff
/// and the registry asked again.
pub fn set_image(prepared: crate::actions::PreparedImage) -> Plan {
    let path = prepared.path.display().to_string();
    let image = format!("{}:{}", prepared.name, prepared.tag);
    let mut explain = vec![format!(
        "Sets singleuser.image to {image} in {path}, comments kept."
    )];
    explain.extend(prepared.notes);
    explain.extend(prepared.warnings.iter().map(|w| format!("⚠ {w}")));
    explain
        .push("Then the upgrade is offered, with its diff: nothing is applied before it.".into());
    let mut plan = Plan::new(
        Action::SetImage {
            path: prepared.path,
            name: prepared.name,
            tag: prepared.tag,
        },
        explain,
        Confirmation::YesNo,
    );
    plan.diff = prepared.diff;
    plan
}

/// `s` in the users view, `users stop NAME`: the hub stops the server and
/// KubeSpawner deletes the pod; the user's files stay on their claim.
pub fn stop_server(user: &str, hub_url: &str, base_url: &str) -> Plan {
    Plan::new(
        Action::StopServer {
            user: user.into(),
            hub_url: hub_url.into(),
            base_url: base_url.into(),
        },
        vec![
            format!("Stop {user}'s server: DELETE /hub/api/users/{user}/server at {hub_url}"),
            "Unsaved work in their notebooks is lost; their files stay on their".into(),
            "claim, and they can start the server again from the hub.".into(),
        ],
        Confirmation::YesNo,
    )
}

/// A new GKE cluster's account lacks cluster-admin: the z2jh guide's
/// binding.
pub fn bind_cluster_admin(user: &str, binding: &str) -> Plan {
    Plan::new(
        Action::BindClusterAdmin { user: user.into() },
        vec![
            format!("{user} is not cluster-admin on this cluster, which the z2jh guide"),
            "asks for (the chart makes Roles and RoleBindings). Create:".into(),
            format!(
                "kubectl create clusterrolebinding {binding} --clusterrole=cluster-admin --user={user}"
            ),
            "y creates it; anything else skips (the install may then fail on RBAC).".into(),
        ],
        Confirmation::YesNo,
    )
}

/// `c` / `cluster create`: the pools the spec makes.
pub fn create_cluster(spec: ClusterSpec, project: &str) -> Plan {
    let explain = vec![
        format!("Creates {} in {}/{}:", spec.name, project, spec.location),
        format!("default-pool: {} x {}", spec.node_count, spec.machine_type),
        match &spec.user_pool {
            Some(p) => format!(
                "user-pool: autoscaling {}..{}, label hub.jupyter.org/node-purpose=user, taint hub.jupyter.org_dedicated=user:NoSchedule",
                p.min_nodes, p.max_nodes
            ),
            None => "no user pool".into(),
        },
        "It takes a few minutes; the cockpit stays usable. When it runs, its".into(),
        "kubeconfig context is written and the panes switch to it.".into(),
    ];
    let mut plan = Plan::new(Action::CreateCluster(spec), explain, Confirmation::YesNo);
    plan.kept = "nothing was sent";
    plan
}

/// What is known of a JupyterHub release on a cluster about to be deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseOnCluster {
    /// Installed: it goes first, with its namespace.
    Installed {
        release: String,
        namespace: String,
    },
    NotInstalled,
    /// Not known: `why` (a sentence), and what the operator can do first.
    NotKnown {
        why: String,
        instead: String,
    },
}

/// What would outlive a deleted cluster and keep costing money, read from
/// the cluster through its context before the dialog opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Survivors {
    /// Every namespace the operator can read was looked at (`unread` names
    /// the namespaces that could not be).
    Listed {
        /// `namespace/name (address)` of each LoadBalancer Service: a
        /// forwarding rule and an external IP each.
        load_balancers: Vec<String>,
        /// `namespace/name (size, storage class)` of each claim: a
        /// persistent disk each, which GKE keeps after the cluster.
        claims: Vec<String>,
        unread: Vec<String>,
    },
    /// Not read (no context for the cluster, no answer): why.
    NotKnown(String),
}

/// `D` / `cluster delete`: the cluster's name typed; a release on it goes
/// first, because its LoadBalancer and disks outlive the cluster, and
/// everything else that would outlive it is named.
pub fn delete_cluster(
    cluster: &str,
    location: &str,
    release: ReleaseOnCluster,
    survivors: &Survivors,
) -> Plan {
    let mut explain = vec![format!(
        "Deletes GKE cluster {cluster} ({location}) and its nodes."
    )];
    match &release {
        ReleaseOnCluster::Installed { release, namespace } => {
            explain.push(format!(
                "First uninstalls release {release} and deletes namespace {namespace}:"
            ));
            explain
                .push("the LoadBalancer and persistent disks made after cluster creation".into());
            explain.push("are NOT deleted with the cluster, and would keep costing money.".into());
        }
        ReleaseOnCluster::NotInstalled => {
            explain.push("No JupyterHub release is installed in this namespace.".into())
        }
        ReleaseOnCluster::NotKnown { why, instead } => {
            explain.push(format!(
                "{why}: a release installed there is NOT uninstalled,"
            ));
            explain.push(format!(
                "and its LoadBalancer and disks would outlive the cluster ({instead})."
            ));
        }
    }
    let going = match &release {
        ReleaseOnCluster::Installed { namespace, .. } => Some(format!("{namespace}/")),
        _ => None,
    };
    let stays = |item: &String| going.as_ref().is_none_or(|ns| !item.starts_with(ns));
    match survivors {
        Survivors::Listed {
            load_balancers,
            claims,
            unread,
        } => {
            let lbs: Vec<&String> = load_balancers.iter().filter(|i| stays(i)).collect();
            let pvcs: Vec<&String> = claims.iter().filter(|i| stays(i)).collect();
            if lbs.is_empty() && pvcs.is_empty() {
                explain.push("Nothing else on it outlives the cluster: no other LoadBalancer Service or claim.".into());
            } else {
                explain.push(
                    "⚠ These outlive the cluster and keep costing money (delete them first, or in the console after):".into(),
                );
                explain.extend(lbs.iter().map(|i| format!("  LoadBalancer {i}")));
                explain.extend(pvcs.iter().map(|i| format!("  disk of claim {i}")));
            }
            if !unread.is_empty() {
                explain.push(format!(
                    "⚠ Not readable, so not checked: namespace {}",
                    unread.join(", ")
                ));
            }
        }
        Survivors::NotKnown(why) => explain.push(format!(
            "⚠ What else outlives it is not known ({why}): LoadBalancer Services and disks of claims are not deleted with the cluster."
        )),
    }
    let action = Action::DeleteCluster {
        name: cluster.into(),
        location: location.into(),
        uninstall_first: matches!(release, ReleaseOnCluster::Installed { .. }),
    };
    Plan::new(action, explain, typed(cluster))
}

/// Offered after a cluster is deleted: its kubeconfig context points at
/// nothing now. Nothing is removed without the `y`.
pub fn remove_context(path: PathBuf, context: &str) -> Plan {
    let shown = path.display().to_string();
    Plan::new(
        Action::RemoveContext {
            path,
            context: context.into(),
        },
        vec![
            format!("Removes context {context} from {shown},"),
            "with its cluster and user entries; the file's other entries and comments stay.".into(),
        ],
        Confirmation::YesNo,
    )
}

/// `A` in the clusters view: the z2jh guide's user pool on an existing
/// cluster. Creates only, but costs money once it scales up: asked.
pub fn add_user_pool(cluster: &str, location: &str, pool: crate::gke::UserPoolSpec) -> Plan {
    let (label, taint) = (
        crate::gke::types::USER_POOL_LABEL,
        crate::gke::types::USER_POOL_TAINT,
    );
    let explain = vec![
        format!(
            "Adds node pool {} to {cluster} ({location}): {} machines, autoscaling {}..{}.",
            pool.name, pool.machine_type, pool.min_nodes, pool.max_nodes
        ),
        format!(
            "Its nodes get the label {}={} and the taint {}={}:NoSchedule,",
            label.0, label.1, taint.0, taint.1
        ),
        "so that only user pods (which the chart makes tolerate it) land there.".into(),
        "Then config.yaml's change that requires it for user pods is offered.".into(),
    ];
    Plan::new(
        Action::AddUserPool {
            cluster: cluster.into(),
            location: location.into(),
            pool,
        },
        explain,
        Confirmation::YesNo,
    )
}

/// `a` on a pool in the cluster's details: new autoscaling bounds.
pub fn set_pool_autoscaling(
    cluster: &str,
    location: &str,
    pool: &str,
    now: Option<(i32, i32)>,
    (min, max): (i32, i32),
) -> Plan {
    let was = now.map_or("autoscaling off".to_owned(), |(lo, hi)| {
        format!("{lo}..{hi}")
    });
    let mut explain = vec![format!(
        "Sets node pool {pool} of {cluster} ({location}) to autoscale {min}..{max} (was {was})."
    )];
    // Only a lower maximum takes nodes away; a pool that did not scale has
    // as many nodes as GKE keeps, which a maximum below them drains.
    if now.is_some_and(|(_, hi)| max < hi) {
        explain
            .push("Nodes above the new maximum are drained and removed by the autoscaler:".into());
        explain.push("user servers on them are stopped.".into());
    } else if now.is_none() {
        explain.push(
            "Nodes above the new maximum, if the pool has more, are drained and removed.".into(),
        );
    }
    Plan::new(
        Action::SetPoolAutoscaling {
            cluster: cluster.into(),
            location: location.into(),
            pool: pool.into(),
            min,
            max,
        },
        explain,
        Confirmation::YesNo,
    )
}

/// `d` on a pool: its nodes are drained and deleted; the pool's name typed.
pub fn delete_node_pool(cluster: &str, location: &str, pool: &str, user_pool: bool) -> Plan {
    let mut explain = vec![format!(
        "Deletes node pool {pool} of {cluster} ({location}): its nodes are drained and deleted."
    )];
    if user_pool {
        explain
            .push("User servers on it stop; with matchNodePurpose: require in config.yaml,".into());
        explain.push("new ones stay Pending until a user pool exists again.".into());
    }
    Plan::new(
        Action::DeleteNodePool {
            cluster: cluster.into(),
            location: location.into(),
            pool: pool.into(),
        },
        explain,
        typed(pool),
    )
}

/// After a user pool is added: config.yaml requires it for user pods.
pub fn require_user_nodes(prepared: crate::actions::PreparedAccess) -> Plan {
    let path = prepared.path.display().to_string();
    let mut plan = Plan::new(
        Action::RequireUserNodes {
            path: prepared.path,
        },
        vec![
            format!(
                "Sets {}: {} in {path}, comments kept:",
                crate::user_pool_config::KEY,
                crate::user_pool_config::REQUIRE
            ),
            "user pods then go only to nodes of the user pool (prefer, the chart's".into(),
            "default, lets them land anywhere). u applies it, with its diff.".into(),
        ],
        Confirmation::YesNo,
    );
    plan.diff = prepared.diff;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_cannot_be_undone_asks_for_the_name() {
        let typed_name = |plan: &Plan| match &plan.confirmation {
            Confirmation::Typed { expected, .. } => Some(expected.clone()),
            Confirmation::YesNo => None,
        };
        assert_eq!(
            typed_name(&uninstall("jhub", "t2")).as_deref(),
            Some("jhub")
        );
        assert_eq!(typed_name(&delete_namespace("t2")).as_deref(), Some("t2"));
        assert_eq!(
            typed_name(&delete_cluster(
                "c1",
                "us-central1-b",
                ReleaseOnCluster::NotInstalled,
                &Survivors::NotKnown("no context".into())
            ))
            .as_deref(),
            Some("c1")
        );
        assert_eq!(
            typed_name(&generate_secrets("/w/secrets.yaml".into(), true)).as_deref(),
            Some("secrets.yaml")
        );
        assert_eq!(
            typed_name(&generate_secrets("/w/secrets.yaml".into(), false)),
            None
        );
        assert_eq!(typed_name(&rollback("jhub", "t2", 1, Some(3))), None);
    }

    #[test]
    fn a_release_on_the_cluster_goes_first() {
        let plan = delete_cluster(
            "c1",
            "europe-west1",
            ReleaseOnCluster::Installed {
                release: "jhub".into(),
                namespace: "t2".into(),
            },
            &Survivors::Listed {
                load_balancers: vec![
                    "t2/proxy-public (34.1.2.3)".into(),
                    "grafana/grafana (34.9.9.9)".into(),
                ],
                claims: vec!["t2/claim-alice (10Gi, standard-rwo)".into()],
                unread: vec![],
            },
        );
        assert_eq!(
            plan.action,
            Action::DeleteCluster {
                name: "c1".into(),
                location: "europe-west1".into(),
                uninstall_first: true
            }
        );
        assert!(plan.explain.iter().any(|l| l.contains("NOT deleted")));
        // What the uninstall removes with its namespace is not listed as
        // surviving; the other namespace's LoadBalancer is.
        assert!(
            plan.explain
                .iter()
                .any(|l| l == "  LoadBalancer grafana/grafana (34.9.9.9)")
        );
        assert!(
            !plan.explain.iter().any(|l| l.contains("t2/")),
            "{:?}",
            plan.explain
        );
    }

    #[test]
    fn declining_says_what_stays() {
        assert_eq!(
            uninstall("jhub", "t2").declined(true),
            "the name did not match; nothing was changed"
        );
        assert_eq!(
            create_cluster(crate::gke::ClusterSpec::default(), "demo").declined(false),
            "cancelled; nothing was sent"
        );
        assert_eq!(
            rollback("jhub", "t2", 1, None).declined(false),
            "cancelled; nothing was changed"
        );
        assert_eq!(
            rollback("jhub", "t2", 1, None).explain[1],
            "Makes a new revision with revision 1's values and chart."
        );
    }
}
