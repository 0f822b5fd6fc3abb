//! What the write actions do through the Kubernetes API itself rather
//! than helm: delete the release's namespace (and wait for it to go before
//! its cluster is deleted), and bind cluster-admin. Each call uses a client
//! on the context helm is pointed at, so it lands on the same cluster.

use super::{CLUSTER_ADMIN_BINDING, DeployConfig, Failure};
use crate::helm::cli::KubeTarget;

/// A kube client for the context helm is pointed at, so that what the
/// cockpit does beside helm lands on the same cluster.
async fn connect_target(target: &KubeTarget) -> Result<crate::kube::client::Connected, Failure> {
    Ok(crate::kube::client::connect(target.kubeconfig.as_ref(), target.context.as_deref()).await?)
}

pub async fn bind_cluster_admin(
    config: &DeployConfig,
    user: &str,
    on_line: &mut impl FnMut(String),
) -> Result<(), Failure> {
    let connected = connect_target(&config.kube).await?;
    on_line(format!(
        "kubectl create clusterrolebinding {CLUSTER_ADMIN_BINDING} --clusterrole=cluster-admin --user={user}"
    ));
    crate::kube::access::create_cluster_admin_binding(
        &connected.client,
        CLUSTER_ADMIN_BINDING,
        user,
    )
    .await
    .map_err(|e| Failure {
        error: format!("{e:#}"),
        hint: Some(
            "the binding needs an account that may create ClusterRoleBindings (the cluster's creator on GKE); see the Kubernetes Engine IAM roles".into(),
        ),
    })
}

/// Stops a user's server with the cockpit service's token, read from the
/// release's Secret for this one call.
pub async fn stop_server(
    config: &DeployConfig,
    user: &str,
    hub_url: &str,
    base_url: &str,
    on_line: &mut impl FnMut(String),
) -> Result<(), Failure> {
    let connected = connect_target(&config.kube).await?;
    let token = crate::hub::token::read(&connected.client, &config.namespace)
        .await
        .map_err(|e| Failure {
            error: e.to_string(),
            hint: None,
        })?;
    let hub = crate::hub::HubClient::new(hub_url, base_url).map_err(hub_failure)?;
    on_line(format!("DELETE {}api/users/{user}/server", hub.url()));
    hub.stop_server(&token, user).await.map_err(hub_failure)
}

fn hub_failure(e: crate::hub::HubError) -> Failure {
    Failure {
        error: e.to_string(),
        hint: None,
    }
}

/// How long the namespace may take to go before the cluster is deleted:
/// its LoadBalancer must be released by the cluster, or it outlives it.
pub const NAMESPACE_GONE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// Waits until the namespace is gone (its finalizers done), streaming
/// a line now and then.
pub async fn wait_namespace_gone(
    config: &DeployConfig,
    timeout: std::time::Duration,
    on_line: &mut impl FnMut(String),
) -> Result<(), Failure> {
    use k8s_openapi::api::core::v1::Namespace;
    use kube::api::Api;
    let connected = connect_target(&config.kube).await?;
    let api = Api::<Namespace>::all(connected.client);
    let started = tokio::time::Instant::now();
    let mut said = 0u64;
    loop {
        match api.get_opt(&config.namespace).await {
            Ok(None) => {
                on_line(format!("namespace {} is gone", config.namespace));
                return Ok(());
            }
            Ok(Some(_)) => {}
            Err(e) => {
                return Err(Failure {
                    error: format!("cannot read namespace {}: {e}", config.namespace),
                    hint: None,
                });
            }
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(Failure {
                error: format!(
                    "namespace {} is still terminating after {} s; the cluster was not deleted",
                    config.namespace,
                    waited.as_secs()
                ),
                hint: Some(format!(
                    "see what holds it (kubectl get namespace {} -o yaml: status.conditions), then delete the cluster again",
                    config.namespace
                )),
            });
        }
        if waited.as_secs() / 15 > said {
            said = waited.as_secs() / 15;
            on_line(format!(
                "waiting for namespace {} to go ({} s)",
                config.namespace,
                waited.as_secs()
            ));
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

pub async fn delete_namespace(
    config: &DeployConfig,
    on_line: &mut impl FnMut(String),
) -> Result<(), Failure> {
    use k8s_openapi::api::core::v1::Namespace;
    use kube::api::{Api, DeleteParams};
    let connected = connect_target(&config.kube).await?;
    on_line(format!("deleting namespace {}", config.namespace));
    Api::<Namespace>::all(connected.client)
        .delete(&config.namespace, &DeleteParams::background())
        .await
        .map_err(|e| Failure {
            error: format!("cannot delete namespace {}: {e}", config.namespace),
            hint: None,
        })?;
    Ok(())
}
