//! `jhub-cockpit status`: one snapshot, printed, built by the same update()
//! and rows as the cockpit's panes.

use std::sync::Arc;

use anyhow::{Context, Result};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolumeClaim, Pod, Secret, Service};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams};
use serde::Serialize;

use crate::app::{self, Kind, Msg, Object, State, WatchMsg, lists};
use crate::kube::client::Connected;
use crate::kube::event_record::EventRecord;
use crate::kube::watch::HELM_RELEASE_SELECTOR;

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub context: String,
    pub server_version: Option<String>,
    pub namespace: String,
    pub release: Option<ReleaseSummary>,
    pub nodes: Vec<NodeSummary>,
    pub pods: Vec<PodSummary>,
    pub services: Vec<ServiceSummary>,
    /// The release's Deployments, StatefulSets, DaemonSets and Jobs (all
    /// of the namespace's when no release is followed), hooks first.
    pub workloads: Vec<WorkloadSummary>,
    pub public_url: Option<String>,
    /// The hub's health at the public URL; absent until it has one.
    pub hub: Option<HubSummary>,
}

#[derive(Debug, Serialize)]
pub struct HubSummary {
    pub url: String,
    /// `public` (proxy-public's address) or `port-forward` (to the hub
    /// pod's 8081 through the API server).
    pub route: String,
    /// `ok` or `failing`.
    pub health: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct WorkloadSummary {
    /// Deployment, StatefulSet, DaemonSet or Job.
    pub kind: String,
    pub name: String,
    /// Ready replicas (ready nodes of a DaemonSet, succeeded pods of a Job).
    pub ready: i32,
    /// Desired replicas (nodes that should run a DaemonSet's pod, a Job's
    /// completions).
    pub desired: i32,
    /// `ready`, `rolling out`, `running`, `complete` or `failed`.
    pub state: String,
    /// A helm hook's weight; absent for the release's own workloads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_weight: Option<i32>,
    /// Why it cannot create its pods (a FailedCreate warning, e.g. a
    /// ResourceQuota) or what its failed condition says; absent when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ReleaseSummary {
    pub name: String,
    pub revision: u32,
    pub status: String,
    pub chart_version: String,
    pub app_version: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NodeSummary {
    pub name: String,
    pub ready: bool,
}

#[derive(Debug, Serialize)]
pub struct PodSummary {
    pub name: String,
    pub component: Option<String>,
    pub phase: String,
    pub ready: String,
    pub reason: String,
    pub diagnosis: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ServiceSummary {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub external_ip: Option<String>,
}

async fn list<K, F>(api: Api<K>, params: &ListParams, wrap: F) -> Result<Vec<Object>>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
    F: Fn(Arc<K>) -> Object,
{
    let list = api.list(params).await?;
    Ok(list.items.into_iter().map(|o| wrap(Arc::new(o))).collect())
}

/// A list of workloads, turned into rows as the watchers do.
async fn rows<K>(api: Api<K>, params: &ListParams, row: fn(K) -> Object) -> Result<Vec<Object>>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let list = api.list(params).await?;
    Ok(list.items.into_iter().map(row).collect())
}

/// Lists every kind once and feeds the lists to update() as relists.
pub async fn snapshot(connected: &Connected, state: &mut State) -> Result<()> {
    let c = &connected.client;
    let ns = state.target.namespace.clone();
    let version = c.apiserver_version().await.with_context(|| {
        format!(
            "the API server of context '{}' does not answer",
            connected.context
        )
    })?;
    app::update(
        state,
        Msg::Connected {
            server_version: version.git_version,
        },
    );
    let all = ListParams::default();
    let helm = ListParams::default().labels(HELM_RELEASE_SELECTOR);
    let lists: Vec<(Kind, Vec<Object>)> = vec![
        (
            Kind::Node,
            list::<Node, _>(Api::all(c.clone()), &all, Object::Node).await?,
        ),
        (
            Kind::StorageClass,
            list::<StorageClass, _>(Api::all(c.clone()), &all, Object::StorageClass).await?,
        ),
        (
            Kind::Claim,
            list::<PersistentVolumeClaim, _>(Api::namespaced(c.clone(), &ns), &all, Object::Claim)
                .await?,
        ),
        (
            Kind::Event,
            rows::<Event>(Api::namespaced(c.clone(), &ns), &all, |e| {
                Object::Event(Arc::new(EventRecord::from(e)))
            })
            .await?,
        ),
        (
            Kind::Pod,
            list::<Pod, _>(Api::namespaced(c.clone(), &ns), &all, Object::Pod).await?,
        ),
        (
            Kind::Service,
            list::<Service, _>(Api::namespaced(c.clone(), &ns), &all, Object::Service).await?,
        ),
        (
            Kind::Release,
            list::<Secret, _>(Api::namespaced(c.clone(), &ns), &helm, Object::Release).await?,
        ),
    ];
    let workload_lists: Vec<(Kind, Vec<Object>)> = vec![
        (
            Kind::Deployment,
            rows::<Deployment>(Api::namespaced(c.clone(), &ns), &all, Object::deployment).await?,
        ),
        (
            Kind::StatefulSet,
            rows::<StatefulSet>(Api::namespaced(c.clone(), &ns), &all, Object::stateful_set)
                .await?,
        ),
        (
            Kind::DaemonSet,
            rows::<DaemonSet>(Api::namespaced(c.clone(), &ns), &all, Object::daemon_set).await?,
        ),
        (
            Kind::Job,
            rows::<Job>(Api::namespaced(c.clone(), &ns), &all, Object::job).await?,
        ),
    ];
    for (kind, objects) in lists.into_iter().chain(workload_lists) {
        app::update(state, Msg::Watch(WatchMsg::Relisted(kind, objects)));
    }
    Ok(())
}

pub fn report(state: &State) -> StatusReport {
    let releases = &state.resources.releases;
    let release = releases
        .chosen(state.target.release.as_deref())
        .and_then(|n| releases.current(n))
        .map(|r| ReleaseSummary {
            name: r.name.clone(),
            revision: r.revision,
            status: r.status.to_string(),
            chart_version: r.chart_version.clone(),
            app_version: r.app_version.clone(),
        });
    StatusReport {
        context: state.target.context.clone(),
        server_version: state.server_version.clone(),
        namespace: state.target.namespace.clone(),
        release,
        nodes: lists::nodes(state)
            .map(|n| NodeSummary {
                name: n.name.clone(),
                ready: n.ready,
            })
            .collect(),
        pods: lists::pods(state)
            .map(|e| PodSummary {
                name: e.row.name.to_string(),
                component: e.row.component.as_ref().map(|c| c.to_string()),
                phase: e.row.phase.to_string(),
                ready: format!("{}/{}", e.row.ready, e.row.containers),
                reason: e.row.status.to_string(),
                diagnosis: e
                    .diagnosis
                    .as_ref()
                    .map(|d| d.line_at(e.row.created, state.now)),
            })
            .collect(),
        services: lists::services(state)
            .map(|s| ServiceSummary {
                name: s.name.clone(),
                type_: s.type_.clone(),
                external_ip: s.external_ip.clone(),
            })
            .collect(),
        workloads: app::workloads::of_release(state)
            .into_iter()
            .map(|w| WorkloadSummary {
                kind: w.kind.as_str().into(),
                name: w.name.clone(),
                ready: w.ready,
                desired: w.desired,
                state: w.state.as_str().into(),
                hook_weight: w.hook_weight,
                problem: app::workloads::problem(state, w, state.now),
            })
            .collect(),
        public_url: state.resources.public_url(),
        hub: state.hub.health.as_ref().map(|h| HubSummary {
            url: h.url.clone(),
            route: h.route.label().into(),
            health: if h.ok() { "ok" } else { "failing" }.into(),
            latency_ms: h.result.as_ref().ok().copied(),
            error: h.result.as_ref().err().cloned(),
        }),
    }
}

/// Where the hub answers for a one-off command: the public URL, else a
/// port-forward to the hub pod, kept open as long as the returned guard.
pub async fn reach_hub(
    client: &kube::Client,
    state: &mut State,
) -> Option<(
    app::hub_view::HubAddress,
    Option<crate::kube::port_forward::LocalForward>,
)> {
    if let Some(address) = app::hub_view::address(state) {
        return Some((address, None));
    }
    let pod = app::hub_view::hub_pod(state)?;
    let namespace = state.target.namespace.clone();
    let forward = crate::kube::port_forward::forward(
        client.clone(),
        &namespace,
        &pod,
        app::hub_state::HUB_PORT,
    )
    .await;
    let forward = match forward {
        Ok(f) => f,
        Err(e) => {
            app::update(
                state,
                Msg::HubForwarded {
                    pod,
                    result: Err(e.to_string()),
                },
            );
            return None;
        }
    };
    app::update(
        state,
        Msg::HubForwarded {
            pod,
            result: Ok(forward.url.clone()),
        },
    );
    app::hub_view::address(state).map(|a| (a, Some(forward)))
}

/// The hub's health, checked once the snapshot says where it answers.
pub async fn check_hub(client: &kube::Client, state: &mut State) {
    let Some((address, _forward)) = reach_hub(client, state).await else {
        return;
    };
    let result = crate::hub::HubClient::check(&address.url, &address.base_url)
        .await
        .map(|h| h.latency_ms);
    app::update(
        state,
        Msg::HubHealth {
            url: address.url,
            result: result.map_err(|e| e.to_string()),
        },
    );
}

/// The plain-text form, for a terminal.
pub fn text(report: &StatusReport) -> String {
    let mut out = format!(
        "context {}  server {}  namespace {}\n",
        report.context,
        report.server_version.as_deref().unwrap_or("?"),
        report.namespace
    );
    match &report.release {
        Some(r) => out.push_str(&format!(
            "release {} rev {} {} chart {} app {}\n",
            r.name,
            r.revision,
            r.status,
            r.chart_version,
            r.app_version.as_deref().unwrap_or("-")
        )),
        None => out.push_str("release: none\n"),
    }
    let ready = report.nodes.iter().filter(|n| n.ready).count();
    out.push_str(&format!("nodes {ready}/{} Ready\n", report.nodes.len()));
    for p in &report.pods {
        out.push_str(&format!("pod {:<40} {:<5} {}", p.name, p.ready, p.reason));
        if let Some(d) = &p.diagnosis {
            out.push_str(&format!("  ⚠ {d}"));
        }
        out.push('\n');
    }
    for s in &report.services {
        out.push_str(&format!(
            "service {:<20} {:<12} {}\n",
            s.name,
            s.type_,
            s.external_ip.as_deref().unwrap_or("-")
        ));
    }
    for w in &report.workloads {
        let hook = w
            .hook_weight
            .map(|h| format!(" (hook {h})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "workload {:<11} {:<28} {}/{} {}{hook}",
            w.kind, w.name, w.ready, w.desired, w.state
        ));
        if let Some(p) = &w.problem {
            out.push_str(&format!("  ⚠ {p}"));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "public url {}\n",
        report.public_url.as_deref().unwrap_or("<pending>")
    ));
    if let Some(hub) = &report.hub {
        match (&hub.latency_ms, &hub.error) {
            (Some(ms), _) => out.push_str(&format!("hub ✓ {ms} ms\n")),
            (None, Some(e)) => out.push_str(&format!("hub ✗ {e}\n")),
            (None, None) => {}
        }
    }
    out
}
