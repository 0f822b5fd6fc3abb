//! What each write action does (the I/O side of crate::actions). The TUI's
//! executor and the headless subcommands call these same functions.
//!
//! This file holds what every action shares (the resolved [`DeployConfig`])
//! and [`run`], which hands each action to the child that does it: the
//! plans shown before a write (`prepare`, and `image_check` for the
//! registry's answer about each image), helm runs (`helm_run`), the
//! cockpit's own calls to the Kubernetes API (`kube_api`), and GKE clusters
//! (`gke_cluster`).

mod gke_cluster;
mod helm_run;
mod image_check;
mod kube_api;
mod prepare;

use std::path::{Path, PathBuf};

use crate::actions::Action;
// The plain data the core shares with this module lives below both; named
// here too, so `deploy::Failure` and friends read as before.
pub use crate::actions::{Failure, PreparedDeploy, PreparedMove};
pub use crate::gke::GkeConfig;
use crate::helm::cli::{self, ChartSource, DeployPlan, KubeTarget};
pub use crate::kube::access::CLUSTER_ADMIN_BINDING;
pub use crate::secrets::mask_secrets;
use crate::secrets::{self, ChartSecrets};
use gke_cluster::{PoolChange, create_cluster, delete_cluster, node_pool_operation};
pub use gke_cluster::{
    cluster_config, connect_cluster, gke_client, locate_cluster, refresh_token_file, survey_cluster,
};
use helm_run::run_helm;
pub use image_check::{ImageReport, ask_about as ask_about_images, check_images, prepare_checked};
pub use kube_api::NAMESPACE_GONE_TIMEOUT;
use kube_api::{bind_cluster_admin, delete_namespace, stop_server, wait_namespace_gone};
pub use prepare::{
    configured_image, prepare_deploy, prepare_hub_access, prepare_image, prepare_move,
    prepare_user_nodes, secrets_warning,
};

/// Everything the write actions need to know, resolved from flags and the
/// settings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployConfig {
    pub helm: Option<PathBuf>,
    pub kube: KubeTarget,
    pub namespace: String,
    pub release: String,
    pub chart: ChartSource,
    pub chart_version: Option<String>,
    /// Values files in helm's order.
    pub values: Vec<PathBuf>,
    pub secrets_file: PathBuf,
    pub timeout: String,
    /// The GKE project and location, when known.
    pub gke: Option<GkeConfig>,
    /// Ask each image's registry before a deploy applies it (off:
    /// `--skip-image-check`, for air-gapped operators).
    pub image_check: bool,
}

impl DeployConfig {
    /// The values files helm gets: all of them, except a secrets file that
    /// does not exist yet (the chart then makes its own secrets).
    pub fn effective_values(&self) -> Vec<PathBuf> {
        self.values
            .iter()
            .filter(|p| **p != self.secrets_file || p.exists())
            .cloned()
            .collect()
    }

    /// config.yaml: the first values file, unless that is the secrets file.
    pub fn config_file(&self) -> Option<&Path> {
        self.values
            .first()
            .filter(|p| **p != self.secrets_file)
            .map(PathBuf::as_path)
    }

    pub fn plan(&self) -> DeployPlan {
        DeployPlan {
            release: self.release.clone(),
            namespace: self.namespace.clone(),
            chart: self.chart.clone(),
            version: self.chart_version.clone(),
            values: self.effective_values(),
            timeout: self.timeout.clone(),
        }
    }
}

/// Carries out one action, streaming progress lines. Returns a one-line
/// summary of what was done.
pub async fn run(
    action: &Action,
    config: &DeployConfig,
    waiting_hook_pods: usize,
    mut on_line: impl FnMut(String),
) -> Result<String, Failure> {
    match action {
        Action::GenerateSecrets { path, overwrite } => {
            let secrets = ChartSecrets::generate()?;
            secrets::write_private(path, &secrets.to_values_yaml(), *overwrite)?;
            Ok(format!(
                "wrote {} (mode 0600): hub.cookieSecret {}, proxy.secretToken {}",
                path.display(),
                secrets.cookie_secret.masked(),
                secrets.secret_token.masked()
            ))
        }
        Action::MoveSecrets { from, to } => {
            // Worked out again from the files as they are now.
            let moved = secrets::move_into_file(from, to)?;
            Ok(format!(
                "moved {} from {} to {} (mode 0600); the rest of {} is as it was",
                moved.moved.join(", "),
                from.display(),
                to.display(),
                from.display()
            ))
        }
        Action::Deploy => {
            // Checked again right before running: the files may have
            // changed since the diff was shown. Off the async threads: the
            // chart may be pulled for its schema.
            // And the registry again: a tag may have been typed since.
            // (Its warnings were in the plan the operator confirmed.)
            prepare_checked(config, None).await?;
            run_helm(
                config,
                config.plan().args(),
                waiting_hook_pods,
                &mut on_line,
            )
            .await?;
            Ok(format!("helm upgrade --install {} done", config.release))
        }
        Action::Rollback { revision } => {
            let args = cli::rollback_args(
                &config.release,
                &config.namespace,
                *revision,
                &config.timeout,
            );
            run_helm(config, args, waiting_hook_pods, &mut on_line).await?;
            Ok(format!(
                "rolled {} back to revision {revision}",
                config.release
            ))
        }
        Action::Uninstall => {
            let args = cli::uninstall_args(&config.release, &config.namespace, &config.timeout);
            run_helm(config, args, 0, &mut on_line).await?;
            Ok(format!("uninstalled {}", config.release))
        }
        Action::DeleteNamespace => {
            delete_namespace(config, &mut on_line).await?;
            Ok(format!("namespace {} is being deleted", config.namespace))
        }
        Action::CreateCluster(spec) => create_cluster(config, spec, &mut on_line).await,
        Action::DeleteCluster {
            name,
            location,
            uninstall_first,
        } => {
            if *uninstall_first {
                // The release on the cluster being deleted, whatever the
                // panes point at.
                let on_cluster = cluster_config(config, location, name)?;
                refresh_token_file(&on_cluster.kube).await?;
                on_line(format!(
                    "uninstalling {} first: its LoadBalancer and disks are not deleted with the cluster",
                    config.release
                ));
                let args = cli::uninstall_args(
                    &on_cluster.release,
                    &on_cluster.namespace,
                    &on_cluster.timeout,
                );
                run_helm(&on_cluster, args, 0, &mut on_line).await?;
                delete_namespace(&on_cluster, &mut on_line).await?;
                wait_namespace_gone(&on_cluster, NAMESPACE_GONE_TIMEOUT, &mut on_line).await?;
            }
            delete_cluster(config, location, name, &mut on_line).await
        }
        Action::AddUserPool {
            cluster,
            location,
            pool,
        } => {
            let change = PoolChange::Add(pool);
            node_pool_operation(config, location, cluster, change, &mut on_line).await
        }
        Action::SetPoolAutoscaling {
            cluster,
            location,
            pool,
            min,
            max,
        } => {
            let change = PoolChange::Autoscaling {
                pool,
                min: *min,
                max: *max,
            };
            node_pool_operation(config, location, cluster, change, &mut on_line).await
        }
        Action::DeleteNodePool {
            cluster,
            location,
            pool,
        } => {
            let change = PoolChange::Delete { pool };
            node_pool_operation(config, location, cluster, change, &mut on_line).await
        }
        Action::RequireUserNodes { path } => {
            // Worked out again from the file as it is now.
            let (checked, _, edited) = prepare::user_nodes_edit(config)?;
            crate::secrets::replace_keeping_mode(&checked, &edited)?;
            Ok(format!(
                "{} requires the user pool for user pods; u applies it",
                path.display()
            ))
        }
        Action::RemoveContext { path, context } => {
            let removed = crate::gke::connect::remove_context(path, context)?;
            Ok(if removed.is_empty() {
                format!("{} has no context {context} any more", path.display())
            } else {
                removed.to_string()
            })
        }
        Action::BindClusterAdmin { user } => {
            bind_cluster_admin(config, user, &mut on_line).await?;
            Ok(format!(
                "ClusterRoleBinding {CLUSTER_ADMIN_BINDING} made: {user} is cluster-admin"
            ))
        }
        Action::AddHubAccess { path } => {
            // Worked out again from the file as it is now.
            let (checked, _, edited) = prepare::hub_access_edit(config)?;
            crate::secrets::replace_keeping_mode(&checked, &edited)?;
            Ok(format!(
                "{} has the jhub-cockpit hub service and role: u upgrades, then U lists the users",
                path.display()
            ))
        }
        Action::SetImage { path, name, tag } => {
            // Worked out again from the file as it is now.
            let (checked, _, edited) = prepare::image_edit(config, name, tag)?;
            crate::secrets::replace_keeping_mode(&checked, &edited)?;
            Ok(format!(
                "{} sets singleuser.image to {name}:{tag}; the upgrade applies it",
                path.display()
            ))
        }
        Action::StopServer {
            user,
            hub_url,
            base_url,
        } => {
            stop_server(config, user, hub_url, base_url, &mut on_line).await?;
            Ok(format!("{user}'s server is stopping; its pod goes"))
        }
    }
}

/// The values files helm gets by default: config.yaml, then the secrets
/// file (skipped while it does not exist).
pub fn default_values(cwd: &Path, secrets_file: &Path) -> Vec<PathBuf> {
    vec![cwd.join("config.yaml"), secrets_file.to_path_buf()]
}
