//! The GKE part of the state, as data: the project's clusters as last
//! listed and the create form. Apart from the keys and messages that change
//! them (`gke_view`), so that the state can hold them without importing the
//! code that updates it.

use chrono::{DateTime, Utc};

use crate::gke::{ClusterSpec, GkeCluster, UserPoolSpec};

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
}

impl GkeView {
    /// The cluster the keys act on: the one in the settings, else the only
    /// one, else the first.
    pub fn chosen(&self) -> Option<&GkeCluster> {
        self.preferred
            .as_deref()
            .and_then(|p| self.clusters.iter().find(|c| c.name == p))
            .or_else(|| self.clusters.first())
    }
}

/// The create form's fields, in Tab order.
pub const FIELDS: [&str; 6] = [
    "name",
    "zone",
    "machine type",
    "nodes",
    "user pool (max nodes, 0 = none)",
    "release channel",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateForm {
    pub values: [String; 6],
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
                d.release_channel.to_string(),
            ],
            focused: 0,
            error: None,
        }
    }

    /// The spec, or what is wrong (checked before anything is sent).
    pub fn spec(&self) -> Result<ClusterSpec, String> {
        let nodes: i32 = self.values[3]
            .trim()
            .parse()
            .map_err(|_| format!("nodes: '{}' is not a number", self.values[3]))?;
        let pool_max: i32 = self.values[4]
            .trim()
            .parse()
            .map_err(|_| format!("user pool: '{}' is not a number", self.values[4]))?;
        let channel = crate::gke::ReleaseChannel::from_name(
            self.values[5].trim().to_ascii_uppercase().as_str(),
        )
        .ok_or_else(|| {
            format!(
                "release channel: '{}' is not one of RAPID, REGULAR, STABLE, NONE",
                self.values[5].trim()
            )
        })?;
        let spec = ClusterSpec {
            name: self.values[0].trim().to_owned(),
            location: self.values[1].trim().to_owned(),
            machine_type: self.values[2].trim().to_owned(),
            node_count: nodes,
            user_pool: (pool_max > 0).then(|| UserPoolSpec {
                max_nodes: pool_max,
                machine_type: self.values[2].trim().to_owned(),
                ..Default::default()
            }),
            release_channel: channel,
        };
        spec.validate()?;
        Ok(spec)
    }
}
