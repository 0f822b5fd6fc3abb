//! The GKE part of the state, as data: the project's clusters as last
//! listed (every location), the kubeconfig's contexts (kept in `State`,
//! as a cluster without GKE has them too), the create form and the node
//! pool forms. Apart from the keys and messages that change them
//! (`gke_view`, `clusters_view`, `pool_form`), so that the state can hold
//! them without importing the code that updates it.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::state::Filter;
use crate::gke::{ClusterSpec, GkeCluster, UserPoolSpec};

/// One context of the kubeconfig, for the context list and the clusters
/// view's "has a context" column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeContext {
    pub name: String,
    pub cluster: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GkeView {
    pub project: String,
    pub location: String,
    pub clusters: Vec<GkeCluster>,
    pub error: Option<String>,
    pub refreshed: Option<DateTime<Utc>>,
    /// The cluster named in the settings (gcp.cluster), if any.
    pub preferred: Option<String>,
    /// The GKE context whose cluster-admin binding was checked (once per
    /// context, at its first connection).
    pub admin_checked: Option<String>,
    /// The kubeconfig file contexts are written to and removed from.
    pub kubeconfig: PathBuf,
    /// The cluster a delete is looking into (`Command::SurveyCluster`):
    /// only its answer opens the dialog.
    pub surveying: Option<(String, String)>,
    /// The cluster a connect is writing the context of: a later connect or
    /// context switch supersedes it, and its answer then moves nothing.
    pub connecting: Option<(String, String)>,
    /// The clusters view's filter (`/` there): on name, location and status.
    pub filter: Filter,
    /// Locations the last list did not reach: their clusters are missing.
    pub unanswered: Vec<String>,
}

impl GkeView {
    /// gcloud's context name for a cluster of this project.
    pub fn context_of(&self, cluster: &GkeCluster) -> String {
        crate::gke::names::context_name(&self.project, &cluster.location, &cluster.name)
    }

    /// Whether the kubeconfig (its `contexts`) has one for the cluster.
    pub fn has_context(&self, cluster: &GkeCluster, contexts: &[KubeContext]) -> bool {
        let name = self.context_of(cluster);
        contexts.iter().any(|c| c.name == name)
    }

    /// The cluster the panes are on (its context is the panes').
    pub fn connected<'a>(&'a self, context: &str) -> Option<&'a GkeCluster> {
        self.clusters.iter().find(|c| self.context_of(c) == context)
    }

    /// The cluster the main screen's keys act on: the one the panes are
    /// on, else the one named in the settings. Never just the first of
    /// several: `D` must not pick a cluster the operator did not mean.
    pub fn chosen(&self, context: &str) -> Option<&GkeCluster> {
        self.connected(context).or_else(|| {
            self.preferred
                .as_deref()
                .and_then(|p| self.clusters.iter().find(|c| c.name == p))
        })
    }

    /// A cluster by name and location.
    pub fn find(&self, name: &str, location: &str) -> Option<&GkeCluster> {
        self.clusters
            .iter()
            .find(|c| c.name == name && c.location == location)
    }

    /// The clusters the view lists: those its filter passes, in the
    /// project's order. Its selection is an index into these.
    pub fn visible(&self) -> Vec<&GkeCluster> {
        self.clusters
            .iter()
            .filter(|c| self.filter.matches(&cluster_fields(c)))
            .collect()
    }
}

/// What the clusters view's filter matches, name first (the highlighted
/// columns are the name and the location).
pub fn cluster_fields(c: &GkeCluster) -> [&str; 3] {
    [&c.name, &c.location, c.status.as_str()]
}

/// What the context list's filter matches: the context's name, then its
/// cluster.
pub fn context_fields(c: &KubeContext) -> [&str; 2] {
    [&c.name, &c.cluster]
}

/// Which node pool form is open, and on what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolFormKind {
    /// The z2jh user pool, added to an existing cluster.
    Add { cluster: String, location: String },
    /// New autoscaling bounds for a pool (`now`: its current ones).
    Autoscaling {
        cluster: String,
        location: String,
        pool: String,
        now: Option<(i32, i32)>,
    },
}

/// A node pool form: fields in Tab order ([`PoolForm::labels`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolForm {
    pub kind: PoolFormKind,
    pub values: Vec<String>,
    pub focused: usize,
    pub error: Option<String>,
}

impl PoolForm {
    /// The user pool of the z2jh guide: `user-pool`, scaled 0..3.
    pub fn add(cluster: &str, location: &str) -> Self {
        let d = UserPoolSpec::default();
        PoolForm {
            kind: PoolFormKind::Add {
                cluster: cluster.into(),
                location: location.into(),
            },
            values: vec![
                d.name,
                d.machine_type,
                d.min_nodes.to_string(),
                d.max_nodes.to_string(),
            ],
            focused: 0,
            error: None,
        }
    }

    pub fn autoscaling(cluster: &str, location: &str, pool: &str, now: Option<(i32, i32)>) -> Self {
        let (min, max) = now.unwrap_or((0, 3));
        PoolForm {
            kind: PoolFormKind::Autoscaling {
                cluster: cluster.into(),
                location: location.into(),
                pool: pool.into(),
                now,
            },
            values: vec![min.to_string(), max.to_string()],
            focused: 0,
            error: None,
        }
    }

    pub fn labels(&self) -> &'static [&'static str] {
        match self.kind {
            PoolFormKind::Add { .. } => &["pool name", "machine type", "min nodes", "max nodes"],
            PoolFormKind::Autoscaling { .. } => &["min nodes", "max nodes"],
        }
    }
}

/// A number typed in a form, or what is wrong with it.
pub fn parse_count(label: &str, text: &str) -> Result<i32, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{label}: '{}' is not a number", text.trim()))
}

/// The create form's fields, in Tab order.
pub const FIELDS: [&str; 8] = [
    "name",
    "zone",
    "machine type",
    "nodes",
    "user pool (max nodes, 0 = none)",
    "user pool min nodes",
    "user pool machine type",
    "release channel",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateForm {
    pub values: [String; 8],
    pub focused: usize,
    pub error: Option<String>,
}

impl CreateForm {
    /// The tutorial's defaults.
    pub fn new(location: &str) -> Self {
        let d = ClusterSpec::default();
        CreateForm {
            values: [
                d.name,
                if location.is_empty() {
                    d.location
                } else {
                    location.to_owned()
                },
                d.machine_type,
                d.node_count.to_string(),
                "0".into(),
                UserPoolSpec::default().min_nodes.to_string(),
                UserPoolSpec::default().machine_type,
                d.release_channel.to_string(),
            ],
            focused: 0,
            error: None,
        }
    }

    /// The spec, or what is wrong (checked before anything is sent).
    pub fn spec(&self) -> Result<ClusterSpec, String> {
        let nodes = parse_count("nodes", &self.values[3])?;
        let pool_max = parse_count("user pool", &self.values[4])?;
        let pool_min = parse_count("user pool min nodes", &self.values[5])?;
        let channel = crate::gke::ReleaseChannel::from_name(
            self.values[7].trim().to_ascii_uppercase().as_str(),
        )
        .ok_or_else(|| {
            format!(
                "release channel: '{}' is not one of RAPID, REGULAR, STABLE, NONE",
                self.values[7].trim()
            )
        })?;
        let spec = ClusterSpec {
            name: self.values[0].trim().to_owned(),
            location: self.values[1].trim().to_owned(),
            machine_type: self.values[2].trim().to_owned(),
            node_count: nodes,
            user_pool: (pool_max > 0).then(|| UserPoolSpec {
                max_nodes: pool_max,
                min_nodes: pool_min,
                machine_type: self.values[6].trim().to_owned(),
                ..Default::default()
            }),
            release_channel: channel,
        };
        spec.validate()?;
        Ok(spec)
    }
}
