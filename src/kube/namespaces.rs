//! The cluster's namespaces, each with the helm release it holds (if any),
//! for the namespace picker: an operator with several hubs on one cluster
//! (a test hub, a course hub) looks for the namespaces that hold a
//! JupyterHub release, not for `kube-system`.
//!
//! Helm keeps a release as one Secret per revision, each holding the chart
//! and values (the real chart's is about 100 KB). So the Secrets are listed
//! as metadata only, and only each release's latest revision is read whole.

use std::collections::BTreeMap;

use anyhow::Result;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::{Api, ListParams};

use crate::helm::release;

/// A namespace, and the release in it the picker shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceEntry {
    pub name: String,
    /// The namespace's JupyterHub release, else its first release.
    pub release: Option<ReleaseSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseSummary {
    pub name: String,
    pub chart: String,
    pub chart_version: String,
    pub status: String,
    pub revision: u32,
}

impl ReleaseSummary {
    pub fn is_jupyterhub(&self) -> bool {
        self.chart.contains("jupyterhub")
    }
}

/// What could be read: the namespaces, and why the releases could not be
/// read when they could not (the namespaces are still worth showing).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Namespaces {
    pub entries: Vec<NamespaceEntry>,
    pub releases_unknown: Option<String>,
}

/// Every namespace, each with its release; an account that cannot list
/// namespaces gets the error (the palette's `ns NAME` still works for it).
pub async fn list(client: &kube::Client) -> Result<Namespaces> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let names: Vec<String> = namespaces
        .list_metadata(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    let (releases, releases_unknown) = match latest_releases(client).await {
        Ok(r) => (r, None),
        Err(e) => (BTreeMap::new(), Some(format!("{e:#}"))),
    };
    let entries = names
        .into_iter()
        .map(|name| NamespaceEntry {
            release: releases.get(&name).cloned(),
            name,
        })
        .collect();
    Ok(Namespaces {
        entries,
        releases_unknown,
    })
}

/// Per namespace, its JupyterHub release (else its first by name), from
/// the latest revision of each release.
async fn latest_releases(client: &kube::Client) -> Result<BTreeMap<String, ReleaseSummary>> {
    let secrets: Api<Secret> = Api::all(client.clone());
    let listed = secrets
        .list_metadata(&ListParams::default().labels(crate::kube::watch::HELM_RELEASE_SELECTOR))
        .await?;
    // (namespace, release) → (latest revision, its Secret's name)
    let mut latest: BTreeMap<(String, String), (u32, String)> = BTreeMap::new();
    for meta in listed.items.into_iter().map(|s| s.metadata) {
        let (Some(ns), Some(secret_name)) = (meta.namespace, meta.name) else {
            continue;
        };
        let Some((name, revision)) = release::parse_secret_name(&secret_name) else {
            continue;
        };
        let slot = latest.entry((ns, name)).or_insert((0, String::new()));
        if revision >= slot.0 {
            *slot = (revision, secret_name);
        }
    }
    let mut found: BTreeMap<String, ReleaseSummary> = BTreeMap::new();
    for ((ns, _), (_, secret_name)) in latest {
        let secret = Api::<Secret>::namespaced(client.clone(), &ns)
            .get(&secret_name)
            .await?;
        let Ok(record) = release::from_secret(&secret) else {
            continue;
        };
        let summary = ReleaseSummary {
            name: record.name,
            chart: record.chart_name,
            chart_version: record.chart_version,
            status: record.status.as_str().to_owned(),
            revision: record.revision,
        };
        // A JupyterHub release wins over another chart's in the same
        // namespace; otherwise the first by name stays.
        match found.get(&ns) {
            Some(kept) if kept.is_jupyterhub() || !summary.is_jupyterhub() => {}
            _ => {
                found.insert(ns, summary);
            }
        }
    }
    Ok(found)
}
