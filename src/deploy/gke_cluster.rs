//! GKE clusters: create and delete them and add, rescale and delete their
//! node pools (polling the long operation, since the API has no watch),
//! find a cluster's location, look inside one before its delete, connect
//! to one by writing its kubeconfig context, and keep that context's token
//! file fresh. Apart from helm and the
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

/// `config` aimed at the kubeconfig context of cluster `name` in
/// `location` (as `cluster create` and connect write it), which must exist.
pub fn cluster_config(
    config: &DeployConfig,
    location: &str,
    name: &str,
) -> Result<DeployConfig, Failure> {
    let gke = gke_config(config)?;
    let context = crate::gke::connect::context_name(&gke.project, location, name);
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
                "connect to the cluster first (K, then C on it; or jhub-cockpit cluster connect --name {name} --location {location}; or gcloud container clusters get-credentials {name} --location {location})"
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

/// The location of the project's cluster `name`: found in the list of
/// every location; when several locations have one of that name, the
/// configured location (`--location`) decides.
pub async fn locate_cluster(config: &DeployConfig, name: &str) -> Result<String, Failure> {
    let gke = gke_config(config)?;
    let client = gke_client(gke).await?;
    let clusters = client
        .list_clusters(&gke.project, "-")
        .await
        .map_err(gke_failure)?;
    let found: Vec<&str> = clusters
        .iter()
        .filter(|c| c.name == name)
        .map(|c| c.location.as_str())
        .collect();
    match found.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(Failure {
            error: format!("project {} has no cluster {name}", gke.project),
            hint: Some(if clusters.is_empty() {
                "it has no cluster at all: cluster create makes one".into()
            } else {
                format!(
                    "its clusters: {}",
                    clusters
                        .iter()
                        .map(|c| format!("{} ({})", c.name, c.location))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }),
        }),
        several if several.contains(&gke.location.as_str()) => Ok(gke.location.clone()),
        several => Err(Failure {
            error: format!("clusters named {name} are in {}", several.join(", ")),
            hint: Some("pass --location to say which".into()),
        }),
    }
}

/// How long each step of the look inside a cluster may take.
const SURVEY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// A look inside cluster `name` before it is deleted, through its own
/// context: whether the release is installed there (it goes first), and
/// what else on it would outlive it. What cannot be read is said, not
/// guessed.
pub async fn survey_cluster(
    config: &DeployConfig,
    location: &str,
    name: &str,
) -> (crate::plan::ReleaseOnCluster, crate::plan::Survivors) {
    use crate::plan::{ReleaseOnCluster, Survivors};
    let read = async {
        let on_cluster = cluster_config(config, location, name).map_err(|f| f.to_string())?;
        refresh_token_file(&on_cluster.kube)
            .await
            .map_err(|f| f.to_string())?;
        let connected = crate::kube::client::connect(
            on_cluster.kube.kubeconfig.as_ref(),
            on_cluster.kube.context.as_deref(),
        )
        .await
        .map_err(|e| format!("{e:#}"))?;
        Ok::<_, String>((on_cluster, connected.client))
    };
    let not_known = |why: String| {
        (
            ReleaseOnCluster::NotKnown {
                why: format!("Cannot check {name} for a JupyterHub release ({why})"),
                instead: format!("connect to {name} first (K, C on it), then D again"),
            },
            Survivors::NotKnown(format!("{name} could not be read")),
        )
    };
    // An unreachable API server must not hold the dialog for the client's
    // own minutes-long timeouts.
    let (on_cluster, client) = match tokio::time::timeout(SURVEY_TIMEOUT, read).await {
        Ok(Ok(found)) => found,
        Ok(Err(why)) => return not_known(why),
        Err(_) => return not_known(format!("no answer in {} s", SURVEY_TIMEOUT.as_secs())),
    };
    let history = tokio::time::timeout(
        SURVEY_TIMEOUT,
        crate::helm::release::read_history(&client, &on_cluster.namespace, &on_cluster.release),
    )
    .await
    .unwrap_or_else(|_| {
        Err(anyhow::anyhow!(
            "no answer in {} s",
            SURVEY_TIMEOUT.as_secs()
        ))
    });
    let release = match history {
        Ok(records) if !records.is_empty() => ReleaseOnCluster::Installed {
            release: on_cluster.release.clone(),
            namespace: on_cluster.namespace.clone(),
        },
        Ok(_) => ReleaseOnCluster::NotInstalled,
        Err(e) => ReleaseOnCluster::NotKnown {
            why: format!("Cannot read the release's Secrets on {name} ({e:#})"),
            instead: format!("uninstall it first, with the panes on {name}"),
        },
    };
    let leftovers = tokio::time::timeout(
        SURVEY_TIMEOUT,
        crate::kube::leftovers::costly_leftovers(&client),
    )
    .await;
    let survivors = match leftovers {
        Ok(Ok(l)) => Survivors::Listed {
            load_balancers: l.load_balancers,
            claims: l.claims,
            unread: l.unread,
        },
        Ok(Err(e)) => Survivors::NotKnown(format!("{e:#}")),
        Err(_) => Survivors::NotKnown(format!("no answer in {} s", SURVEY_TIMEOUT.as_secs())),
    };
    (release, survivors)
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
    location: &str,
    client: &crate::gke::GkeClient,
    mut op: crate::gke::ClusterOperation,
    on_line: &mut impl FnMut(String),
) -> Result<crate::gke::ClusterOperation, Failure> {
    let mut last = String::new();
    let mut failures = 0u32;
    loop {
        let line = progress_line(&op);
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
        match client.get_operation(&gke.project, location, &op.name).await {
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
    wait_for(gke, &spec.location, &client, op, on_line).await?;
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
    location: &str,
    name: &str,
    on_line: &mut impl FnMut(String),
) -> Result<String, Failure> {
    let gke = gke_config(config)?;
    let client = gke_client(gke).await?;
    let op = client
        .delete_cluster(&gke.project, location, name)
        .await
        .map_err(|e| unanswered("delete", name, e))?;
    wait_for(gke, location, &client, op, on_line).await?;
    Ok(format!("cluster {name} deleted"))
}

/// What a node pool operation does, for [`node_pool_operation`].
pub enum PoolChange<'a> {
    Add(&'a crate::gke::UserPoolSpec),
    Autoscaling { pool: &'a str, min: i32, max: i32 },
    Delete { pool: &'a str },
}

/// Adds, rescales or deletes a node pool of cluster `name` in `location`,
/// and waits for GKE's operation as for a cluster's.
pub async fn node_pool_operation(
    config: &DeployConfig,
    location: &str,
    cluster: &str,
    change: PoolChange<'_>,
    on_line: &mut impl FnMut(String),
) -> Result<String, Failure> {
    let gke = gke_config(config)?;
    let client = gke_client(gke).await?;
    let (started, summary) = match change {
        PoolChange::Add(spec) => {
            on_line(format!(
                "adding node pool {} to {cluster} ({}, autoscaling {}..{})",
                spec.name, spec.machine_type, spec.min_nodes, spec.max_nodes
            ));
            (
                client
                    .create_node_pool(&gke.project, location, cluster, spec)
                    .await,
                format!(
                    "node pool {} added to {cluster}: user pods can be scheduled there once config.yaml requires it",
                    spec.name
                ),
            )
        }
        PoolChange::Autoscaling { pool, min, max } => {
            on_line(format!(
                "setting autoscaling of {pool} in {cluster} to {min}..{max}"
            ));
            (
                client
                    .set_node_pool_autoscaling(&gke.project, location, cluster, pool, (min, max))
                    .await,
                format!("node pool {pool} of {cluster} now scales {min}..{max}"),
            )
        }
        PoolChange::Delete { pool } => {
            on_line(format!(
                "deleting node pool {pool} of {cluster}: its nodes are drained first"
            ));
            (
                client
                    .delete_node_pool(&gke.project, location, cluster, pool)
                    .await,
                format!("node pool {pool} of {cluster} deleted"),
            )
        }
    };
    let op = started.map_err(|e| unanswered_pool(cluster, e))?;
    wait_for(gke, location, &client, op, on_line).await?;
    Ok(summary)
}

/// A node pool request that got no answer may have started all the same.
fn unanswered_pool(cluster: &str, e: crate::gke::GkeError) -> Failure {
    if e.kind != crate::gke::GkeErrorKind::Unavailable {
        return gke_failure(e);
    }
    Failure {
        error: format!(
            "GKE did not answer the node pool request for {cluster}: {}",
            e.gcp_message
        ),
        hint: Some(format!(
            "the request may have reached GKE: the clusters view (K, Enter on {cluster}) shows its node pools; try again only once it shows the change did not happen"
        )),
    }
}

/// One progress line of an operation: its kind and status, GKE's own words
/// (`detail`, `statusMessage`, what gcloud prints) and the node counts.
fn progress_line(op: &crate::gke::ClusterOperation) -> String {
    let mut line = format!("{} {}", op.kind, op.status);
    for words in [&op.detail, &op.status_message] {
        let words = words.trim();
        if !words.is_empty() && !line.contains(words) {
            line.push_str(" · ");
            line.push_str(words);
        }
    }
    // GKE's detail often counts the nodes itself ("nodes 1 of 3").
    if let Some((done, total)) = op.progress.filter(|_| !line.contains("nodes ")) {
        line.push_str(&format!(" · nodes {done}/{total}"));
    }
    line
}

/// Connects to an existing RUNNING cluster: writes its context.
pub async fn connect_cluster(
    config: &DeployConfig,
    location: &str,
    name: &str,
) -> Result<String, Failure> {
    let gke = gke_config(config)?;
    let client = gke_client(gke).await?;
    let cluster = client
        .get_cluster(&gke.project, location, name)
        .await
        .map_err(gke_failure)?;
    if !cluster.is_connectable() {
        return Err(Failure {
            error: format!("cluster {name} is {}, not RUNNING", cluster.status),
            hint: Some("wait for it to be RUNNING".into()),
        });
    }
    let context =
        crate::gke::connect::write_context(&gke.kubeconfig, &gke.project, location, &cluster)?;
    refresh_token_file(&KubeTarget {
        kubeconfig: Some(gke.kubeconfig.clone()),
        context: Some(context.clone()),
    })
    .await?;
    Ok(context)
}

#[cfg(test)]
mod tests {
    use super::progress_line;
    use crate::gke::{ClusterOperation, OperationKind, OperationStatus};

    fn op(detail: &str, status_message: &str, progress: Option<(i64, i64)>) -> ClusterOperation {
        ClusterOperation {
            name: "operation-1".into(),
            kind: OperationKind::CreateCluster,
            status: OperationStatus::Running,
            detail: detail.into(),
            status_message: status_message.into(),
            error: None,
            progress,
            started: None,
            ended: None,
            target: String::new(),
            location: "us-central1".into(),
        }
    }

    #[test]
    fn the_line_carries_gkes_words_and_the_node_count_once() {
        assert_eq!(progress_line(&op("", "", None)), "CREATE_CLUSTER RUNNING");
        // GKE's detail and statusMessage, as gcloud prints them.
        assert_eq!(
            progress_line(&op("Creating cluster hub", "", Some((1, 3)))),
            "CREATE_CLUSTER RUNNING · Creating cluster hub · nodes 1/3"
        );
        assert_eq!(
            progress_line(&op(" ", "Waiting for the control plane", None)),
            "CREATE_CLUSTER RUNNING · Waiting for the control plane"
        );
        // The same words twice are said once; a detail that counts the
        // nodes itself is not followed by a second count.
        assert_eq!(
            progress_line(&op(
                "nodes 2 of 3 created",
                "nodes 2 of 3 created",
                Some((2, 3))
            )),
            "CREATE_CLUSTER RUNNING · nodes 2 of 3 created"
        );
    }
}
