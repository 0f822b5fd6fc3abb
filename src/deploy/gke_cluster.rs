//! GKE clusters: create and delete them (polling the long operation, since
//! the API has no watch), connect to one by writing its kubeconfig context,
//! and keep that context's token file fresh. Apart from helm and the
//! Kubernetes API because it speaks to GCP, with GCP's errors and retries.

use super::{DeployConfig, Failure, GkeConfig};
use crate::helm::cli::KubeTarget;

/// The GKE client for the project and location: Application Default
/// Credentials, or anonymous against another endpoint (the emulator).
pub async fn gke_client(gke: &GkeConfig) -> Result<crate::gke::GkeClient, Failure> {
    let made = match &gke.endpoint {
        Some(url) => crate::gke::GkeClient::with_endpoint(url).await,
        None => crate::gke::GkeClient::new(crate::gke::GkeClientOptions::default()).await,
    };
    made.map_err(gke_failure)
}

fn gke_failure(e: crate::gke::GkeError) -> Failure {
    Failure {
        error: format!("{}: {}", e.summary(), e.gcp_message),
        hint: Some(e.next_step()),
    }
}

/// `config` aimed at cluster `name`'s kubeconfig context (as
/// `cluster create` writes it), which must exist.
pub fn cluster_config(config: &DeployConfig, name: &str) -> Result<DeployConfig, Failure> {
    let gke = gke_config(config)?;
    let context = crate::gke::connect::context_name(&gke.project, &gke.location, name);
    let known = crate::kube::client::read_kubeconfig(Some(&gke.kubeconfig))
        .map(|k| k.contexts.iter().any(|c| c.name == context))
        .unwrap_or(false);
    if !known {
        return Err(Failure {
            error: format!(
                "the kubeconfig {} has no context {context} for cluster {name}",
                gke.kubeconfig.display()
            ),
            hint: Some(format!(
                "connect to the cluster first (its context is written when it is created, or by gcloud container clusters get-credentials {name} --location {})",
                gke.location
            )),
        });
    }
    let mut on_cluster = config.clone();
    on_cluster.kube = KubeTarget {
        kubeconfig: Some(gke.kubeconfig.clone()),
        context: Some(context),
    };
    Ok(on_cluster)
}

/// Writes a fresh ADC token into the context's token file when it has one
/// the cockpit keeps; what a headless command does before helm or a kube
/// client reads it. Ok(false): the context needs none.
pub async fn refresh_token_file(kube: &KubeTarget) -> Result<bool, Failure> {
    let Some(path) =
        crate::gke::token::managed_token_file(kube.kubeconfig.as_deref(), kube.context.as_deref())
    else {
        return Ok(false);
    };
    let mut source = crate::gke::token::AdcTokenSource::new();
    crate::gke::token::write_once(&mut source, &path)
        .await
        .map_err(|error| Failure {
            error,
            hint: Some(crate::gke::token::LOGIN_HINT.into()),
        })?;
    Ok(true)
}

fn gke_config(config: &DeployConfig) -> Result<&GkeConfig, Failure> {
    config.gke.as_ref().ok_or_else(|| Failure {
        error: "no GCP project and location are known".into(),
        hint: Some("pass --project and --location, set gcp.project and gcp.location in the settings, or set CLOUDSDK_CORE_PROJECT".into()),
    })
}

/// Poll failures in a row that a wait rides out (GKE's 5xx and timeouts
/// come and go during a long operation), with a growing pause: 2, 4, 8 s.
const POLL_RETRIES: u32 = 3;

/// Whether a failed poll may succeed if asked again.
fn transient(e: &crate::gke::GkeError) -> bool {
    e.kind == crate::gke::GkeErrorKind::Unavailable || e.http_status.is_some_and(|s| s >= 500)
}

/// Polls a GKE operation until DONE (the API has no watch), streaming its
/// status and progress. A poll that fails for good does not hide that the
/// operation was accepted and may still be running.
async fn wait_for(
    gke: &GkeConfig,
    client: &crate::gke::GkeClient,
    mut op: crate::gke::ClusterOperation,
    on_line: &mut impl FnMut(String),
) -> Result<crate::gke::ClusterOperation, Failure> {
    let mut last = String::new();
    let mut failures = 0u32;
    loop {
        let progress = op
            .progress
            .map(|(done, total)| format!(" · nodes {done}/{total}"))
            .unwrap_or_default();
        let line = format!("{} {}{progress}", op.kind, op.status);
        if line != last {
            on_line(line.clone());
            last = line;
        }
        if op.is_done() {
            return match op.failure(&gke.project) {
                Some(e) => Err(gke_failure(e)),
                None => Ok(op),
            };
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        match client
            .get_operation(&gke.project, &gke.location, &op.name)
            .await
        {
            Ok(next) => {
                op = next;
                failures = 0;
            }
            Err(e) if transient(&e) && failures < POLL_RETRIES => {
                failures += 1;
                let pause = 1u64 << failures;
                on_line(format!(
                    "cannot read the operation's progress ({}: {}); asking again in {pause} s ({failures}/{POLL_RETRIES})",
                    e.summary(),
                    e.gcp_message
                ));
                tokio::time::sleep(std::time::Duration::from_secs(pause)).await;
            }
            Err(e) => return Err(unfinished(&op, e)),
        }
    }
}

/// A create or delete request that got no answer (a timeout, a dropped
/// connection) may still have reached GKE and started: say so, rather than
/// let a retry make a second request (ALREADY_EXISTS) or hide a cluster
/// that is being made and billed.
fn unanswered(verb: &str, cluster: &str, e: crate::gke::GkeError) -> Failure {
    if e.kind != crate::gke::GkeErrorKind::Unavailable {
        return gke_failure(e);
    }
    Failure {
        error: format!(
            "GKE did not answer the request to {verb} cluster {cluster}: {}",
            e.gcp_message
        ),
        hint: Some(format!(
            "the request may have reached GKE and be running: the Cluster pane's GKE list shows whether {cluster} is changing; try again only once it shows the request did not happen"
        )),
    }
}

/// An operation GKE accepted whose end is unknown: it may be running still.
fn unfinished(op: &crate::gke::ClusterOperation, e: crate::gke::GkeError) -> Failure {
    Failure {
        error: format!(
            "GKE accepted the {} (operation {}, last seen {}), but its progress cannot be read: {}: {}",
            op.kind,
            op.name,
            op.status,
            e.summary(),
            e.gcp_message
        ),
        hint: Some(
            "it may still be running at GKE: the Cluster pane's GKE list shows the cluster and its status; do not create it again (wait for RUNNING, or delete it with D)".into(),
        ),
    }
}

pub async fn create_cluster(
    config: &DeployConfig,
    spec: &crate::gke::ClusterSpec,
    on_line: &mut impl FnMut(String),
) -> Result<String, Failure> {
    let gke = gke_config(config)?;
    spec.validate().map_err(|e| Failure {
        error: e,
        hint: Some("fix the field in the form; nothing was sent".into()),
    })?;
    let client = gke_client(gke).await?;
    on_line(format!(
        "creating {} in {} ({} x {}){}",
        spec.name,
        spec.location,
        spec.node_count,
        spec.machine_type,
        if spec.user_pool.is_some() {
            " with a user pool"
        } else {
            ""
        }
    ));
    let op = client
        .create_cluster(&gke.project, spec)
        .await
        .map_err(|e| unanswered("create", &spec.name, e))?;
    wait_for(gke, &client, op, on_line).await?;
    let cluster = client
        .get_cluster(&gke.project, &spec.location, &spec.name)
        .await
        .map_err(gke_failure)?;
    let context = crate::gke::connect::write_context(
        &gke.kubeconfig,
        &gke.project,
        &spec.location,
        &cluster,
    )?;
    refresh_token_file(&KubeTarget {
        kubeconfig: Some(gke.kubeconfig.clone()),
        context: Some(context.clone()),
    })
    .await?;
    Ok(format!(
        "cluster {} is {}; context {context} written to {} and made current",
        cluster.name,
        cluster.status,
        gke.kubeconfig.display()
    ))
}

pub async fn delete_cluster(
    config: &DeployConfig,
    name: &str,
    on_line: &mut impl FnMut(String),
) -> Result<String, Failure> {
    let gke = gke_config(config)?;
    let client = gke_client(gke).await?;
    let op = client
        .delete_cluster(&gke.project, &gke.location, name)
        .await
        .map_err(|e| unanswered("delete", name, e))?;
    wait_for(gke, &client, op, on_line).await?;
    Ok(format!("cluster {name} deleted"))
}

/// Connects to an existing RUNNING cluster: writes its context.
pub async fn connect_cluster(config: &DeployConfig, name: &str) -> Result<String, Failure> {
    let gke = gke_config(config)?;
    let client = gke_client(gke).await?;
    let cluster = client
        .get_cluster(&gke.project, &gke.location, name)
        .await
        .map_err(gke_failure)?;
    if !cluster.is_connectable() {
        return Err(Failure {
            error: format!("cluster {name} is {}, not RUNNING", cluster.status),
            hint: Some("wait for it to be RUNNING".into()),
        });
    }
    let context =
        crate::gke::connect::write_context(&gke.kubeconfig, &gke.project, &gke.location, &cluster)?;
    refresh_token_file(&KubeTarget {
        kubeconfig: Some(gke.kubeconfig.clone()),
        context: Some(context.clone()),
    })
    .await?;
    Ok(context)
}
