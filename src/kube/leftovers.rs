//! What outlives a GKE cluster when it is deleted and keeps costing money:
//! each LoadBalancer Service (a forwarding rule and an external IP) and
//! each PersistentVolumeClaim (a persistent disk, which GKE keeps when
//! its reclaim policy says Retain, and always when the cluster goes first)
//! in every namespace the operator can read. Read once, before the delete
//! dialog opens.

use anyhow::{Context, Result};
use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim, Service};
use kube::api::{Api, ListParams};

/// What was found, as `namespace/name (detail)` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leftovers {
    pub load_balancers: Vec<String>,
    pub claims: Vec<String>,
    /// Namespaces whose Services or claims could not be read.
    pub unread: Vec<String>,
}

fn is_forbidden(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 403)
}

/// Lists cluster-wide when allowed; an operator bound to some namespaces
/// only gets each namespace it can list read one by one.
pub async fn costly_leftovers(client: &kube::Client) -> Result<Leftovers> {
    let mut found = Leftovers::default();
    let all_services: Api<Service> = Api::all(client.clone());
    let all_claims: Api<PersistentVolumeClaim> = Api::all(client.clone());
    let lp = ListParams::default();
    match (all_services.list(&lp).await, all_claims.list(&lp).await) {
        (Ok(services), Ok(claims)) => {
            add_services(&mut found, services.items);
            add_claims(&mut found, claims.items);
        }
        (Err(e), _) | (_, Err(e)) if is_forbidden(&e) => {
            let namespaces: Api<Namespace> = Api::all(client.clone());
            let names = namespaces.list(&lp).await.context(
                "cannot list Services cluster-wide, nor the namespaces to read one by one",
            )?;
            for ns in names.items.into_iter().filter_map(|n| n.metadata.name) {
                let services: Api<Service> = Api::namespaced(client.clone(), &ns);
                let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &ns);
                // What can be read of a namespace is named, even when the
                // other list is refused.
                let mut read_all = true;
                match services.list(&lp).await {
                    Ok(s) => add_services(&mut found, s.items),
                    Err(_) => read_all = false,
                }
                match claims.list(&lp).await {
                    Ok(c) => add_claims(&mut found, c.items),
                    Err(_) => read_all = false,
                }
                if !read_all {
                    found.unread.push(ns);
                }
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            return Err(e).context("cannot list Services and claims");
        }
    }
    found.load_balancers.sort();
    found.claims.sort();
    Ok(found)
}

fn add_services(found: &mut Leftovers, services: Vec<Service>) {
    for s in services {
        let spec = s.spec.unwrap_or_default();
        if spec.type_.as_deref() != Some("LoadBalancer") {
            continue;
        }
        let address = s
            .status
            .and_then(|st| st.load_balancer)
            .and_then(|lb| lb.ingress)
            .and_then(|i| i.into_iter().find_map(|i| i.ip.or(i.hostname)))
            .unwrap_or_else(|| "no address yet".into());
        found.load_balancers.push(format!(
            "{}/{} ({address})",
            s.metadata.namespace.unwrap_or_default(),
            s.metadata.name.unwrap_or_default()
        ));
    }
}

fn add_claims(found: &mut Leftovers, claims: Vec<PersistentVolumeClaim>) {
    for c in claims {
        let spec = c.spec.unwrap_or_default();
        let size = c
            .status
            .and_then(|s| s.capacity)
            .and_then(|cap| cap.get("storage").map(|q| q.0.clone()))
            .or_else(|| {
                spec.resources
                    .and_then(|r| r.requests)
                    .and_then(|r| r.get("storage").map(|q| q.0.clone()))
            })
            .unwrap_or_else(|| "size unknown".into());
        let class = spec
            .storage_class_name
            .unwrap_or_else(|| "default class".into());
        found.claims.push(format!(
            "{}/{} ({size}, {class})",
            c.metadata.namespace.unwrap_or_default(),
            c.metadata.name.unwrap_or_default()
        ));
    }
}
