//! What each write action does (the I/O side of app::actions). The TUI's
//! executor and the headless subcommands call these same functions.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::app::actions::{Action, failure_hint};
use crate::helm::cli::{self, ChartSource, DeployPlan, Helm, KubeTarget};
use crate::secrets::{self, ChartSecrets};
use crate::values::{self, DiffLine};

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GkeConfig {
    pub project: String,
    pub location: String,
    /// Another endpoint (the emulator), with anonymous credentials.
    pub endpoint: Option<String>,
    /// Where the cluster's kubeconfig context is written.
    pub kubeconfig: PathBuf,
}

impl GkeConfig {
    pub async fn client(&self) -> Result<crate::gke::GkeClient, Failure> {
        let made = match &self.endpoint {
            Some(url) => crate::gke::GkeClient::with_endpoint(url).await,
            None => crate::gke::GkeClient::new(crate::gke::GkeClientOptions::default()).await,
        };
        made.map_err(gke_failure)
    }
}

fn gke_failure(e: crate::gke::GkeError) -> Failure {
    Failure {
        error: format!("{}: {}", e.summary(), e.gcp_message),
        hint: Some(e.next_step()),
    }
}

/// Why an action failed: helm's (or the file's) own words, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  next: {h}")?;
        }
        Ok(())
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure {
            error: format!("{e:#}"),
            hint: None,
        }
    }
}

/// A checked deploy, ready to confirm.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedDeploy {
    pub values: Value,
    /// Deployed user values → the values the files give now.
    pub diff: Vec<DiffLine>,
    pub warnings: Vec<String>,
    pub command_line: String,
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

    /// The chart's values.schema.json, when the chart is a local directory.
    fn local_schema(&self) -> Option<(PathBuf, Result<Value>)> {
        let ChartSource::Local(dir) = &self.chart else {
            return None;
        };
        let path = dir.join("values.schema.json");
        path.is_file().then(|| {
            let parsed = std::fs::read_to_string(&path)
                .context("cannot read it")
                .and_then(|t| serde_json::from_str(&t).context("it is not JSON"));
            (path, parsed)
        })
    }
}

/// Reads, merges and checks the values files; nothing reaches helm unless
/// this passes. `deployed` is the current revision's user values.
pub fn prepare_deploy(
    config: &DeployConfig,
    deployed: Option<&Value>,
) -> Result<PreparedDeploy, Failure> {
    let merged = values::read_all(&config.effective_values()).map_err(|e| Failure {
        error: e.to_string(),
        hint: None,
    })?;
    let mut warnings = Vec::new();
    if config.values.contains(&config.secrets_file) && !config.secrets_file.exists() {
        warnings.push(format!(
            "{} does not exist yet: the chart makes its own secrets (S pins them in that file)",
            config.secrets_file.display()
        ));
    }
    if let Some((path, schema)) = config.local_schema() {
        let schema = schema.map_err(|e| Failure {
            error: format!("{}: {e:#}", path.display()),
            hint: Some("fix the chart's schema file".into()),
        })?;
        let violations = values::validate(&merged, &schema);
        if !violations.is_empty() {
            let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
            return Err(Failure {
                error: format!(
                    "the values break the chart's schema ({}):\n{}",
                    path.display(),
                    list.join("\n")
                ),
                hint: Some(
                    "fix those keys in config.yaml (e opens it); nothing was applied".into(),
                ),
            });
        }
    } else {
        warnings.push(
            "schema not checked here (the chart is not a local directory); helm checks it".into(),
        );
    }
    if let Some(first) = config.values.first()
        && first != &config.secrets_file
        && let Ok(config_values) = values::read(first)
    {
        let found = secrets::secrets_in(&config_values);
        if !found.is_empty() {
            warnings.push(format!(
                "{} holds secrets ({}): keep them in {} instead",
                first.display(),
                found.join(", "),
                config.secrets_file.display()
            ));
        }
    }
    // Both sides are masked: the deployed values include the secrets file.
    let old = mask_secrets(
        deployed
            .cloned()
            .unwrap_or(Value::Object(Default::default())),
    );
    let diff = values::diff(&old, &mask_secrets(merged.clone()));
    Ok(PreparedDeploy {
        values: merged,
        diff,
        warnings,
        command_line: format!("helm {}", config.plan().args().join(" ")),
    })
}

/// Values shown on screen have their secret values masked.
pub fn mask_secrets(mut values: Value) -> Value {
    for path in secrets::SECRET_KEYS {
        let pointer = format!("/{}", path.join("/"));
        if let Some(v) = values.pointer_mut(&pointer)
            && let Some(s) = v.as_str()
        {
            *v = Value::String(mask(s));
        }
    }
    values
}

fn mask(s: &str) -> String {
    let head: String = s.chars().take(4).collect();
    format!("{head}…({} chars)", s.chars().count())
}

async fn helm(config: &DeployConfig) -> Result<Helm, Failure> {
    cli::find(config.helm.as_deref())
        .await
        .map_err(Failure::from)
}

/// `helm repo add` when a repo chart's repository is not known to helm yet
/// (as the z2jh guide does), so the operator need not do it by hand.
async fn ensure_repo(
    helm: &Helm,
    chart: &ChartSource,
    mut on_line: impl FnMut(String),
) -> Result<(), Failure> {
    let ChartSource::Repo { repo, url, .. } = chart else {
        return Ok(());
    };
    let list = tokio::process::Command::new(&helm.path)
        .args(["repo", "list", "-o", "json"])
        .output()
        .await
        .map_err(|e| Failure::from(anyhow::Error::from(e)))?;
    let known: Value = serde_json::from_slice(&list.stdout).unwrap_or(Value::Null);
    let present = known
        .as_array()
        .is_some_and(|a| a.iter().any(|r| r["name"] == repo.as_str()));
    if present {
        return Ok(());
    }
    let Some(url) = url else {
        return Err(Failure {
            error: format!("helm does not know the chart repository '{repo}'"),
            hint: Some("set chart.repo to its URL in the settings file".into()),
        });
    };
    for args in [
        vec!["repo", "add", repo.as_str(), url.as_str()],
        vec!["repo", "update", repo.as_str()],
    ] {
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        on_line(format!("$ helm {}", args.join(" ")));
        let result = cli::run(helm, &args, &KubeTarget::default(), &mut on_line).await?;
        if !result.success {
            return Err(Failure {
                error: result.error_tail.join("\n"),
                hint: Some(format!(
                    "check that {url} is reachable and is a helm repository"
                )),
            });
        }
    }
    Ok(())
}

async fn run_helm(
    config: &DeployConfig,
    args: Vec<String>,
    waiting_hook_pods: usize,
    mut on_line: impl FnMut(String),
) -> Result<(), Failure> {
    let helm = helm(config).await?;
    if args.first().map(String::as_str) == Some("upgrade") {
        ensure_repo(&helm, &config.chart, &mut on_line).await?;
    }
    on_line(format!("$ helm {}", args.join(" ")));
    let result = cli::run(&helm, &args, &config.kube, &mut on_line).await?;
    if result.success {
        return Ok(());
    }
    let verb = args.first().map(String::as_str).unwrap_or("helm");
    if let Some(signal) = result.signal {
        return Err(killed(verb, signal, &result.error_tail));
    }
    let error = if result.error_tail.is_empty() {
        format!("helm exited with {:?}", result.code)
    } else {
        result.error_tail.join("\n")
    };
    let hint = failure_hint(&error, waiting_hook_pods);
    Err(Failure { error, hint })
}

/// helm ended by a signal (killed, OOM, the machine going down) before it
/// could record how the run ended: an upgrade, install or rollback leaves
/// the release pending-*, and helm refuses every later upgrade until a
/// rollback. Say so, rather than "exited with None".
fn killed(verb: &str, signal: i32, tail: &[String]) -> Failure {
    let mut error = format!("helm {verb} was killed (signal {signal}) before it finished");
    if let Some(last) = tail.last() {
        error.push_str(&format!("; its last words: {last}"));
    }
    let hint = match verb {
        "upgrade" | "rollback" => {
            "the release is left pending (see the Release pane) and helm refuses to upgrade it: roll back (r, then r on the last deployed revision), then upgrade again"
        }
        "uninstall" => "the release may be half removed: press X to uninstall again",
        _ => "run it again",
    };
    Failure {
        error,
        hint: Some(hint.into()),
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
        Action::Deploy => {
            // Checked again right before running: the files may have
            // changed since the diff was shown.
            prepare_deploy(config, None)?;
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
            uninstall_first,
        } => {
            if *uninstall_first {
                on_line(format!(
                    "uninstalling {} first: its LoadBalancer and disks are not deleted with the cluster",
                    config.release
                ));
                let args = cli::uninstall_args(&config.release, &config.namespace, &config.timeout);
                run_helm(config, args, 0, &mut on_line).await?;
                delete_namespace(config, &mut on_line).await?;
            }
            delete_cluster(config, name, &mut on_line).await
        }
    }
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

async fn create_cluster(
    config: &DeployConfig,
    spec: &crate::gke::ClusterSpec,
    on_line: &mut impl FnMut(String),
) -> Result<String, Failure> {
    let gke = gke_config(config)?;
    spec.validate().map_err(|e| Failure {
        error: e,
        hint: Some("fix the field in the form; nothing was sent".into()),
    })?;
    let client = gke.client().await?;
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
    Ok(format!(
        "cluster {} is {}; context {context} written to {} and made current",
        cluster.name,
        cluster.status,
        gke.kubeconfig.display()
    ))
}

async fn delete_cluster(
    config: &DeployConfig,
    name: &str,
    on_line: &mut impl FnMut(String),
) -> Result<String, Failure> {
    let gke = gke_config(config)?;
    let client = gke.client().await?;
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
    let client = gke.client().await?;
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
    Ok(crate::gke::connect::write_context(
        &gke.kubeconfig,
        &gke.project,
        &gke.location,
        &cluster,
    )?)
}

async fn delete_namespace(
    config: &DeployConfig,
    on_line: &mut impl FnMut(String),
) -> Result<(), Failure> {
    use k8s_openapi::api::core::v1::Namespace;
    use kube::api::{Api, DeleteParams};
    let connected = crate::kube::client::connect(
        config.kube.kubeconfig.as_ref(),
        config.kube.context.as_deref(),
    )
    .await?;
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

/// The values files helm gets by default: config.yaml, then the secrets
/// file (skipped while it does not exist).
pub fn default_values(cwd: &Path, secrets_file: &Path) -> Vec<PathBuf> {
    vec![cwd.join("config.yaml"), secrets_file.to_path_buf()]
}
