//! What each write action does (the I/O side of crate::actions). The TUI's
//! executor and the headless subcommands call these same functions.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::Value;

use crate::actions::{Action, failure_hint};
// The plain data the core shares with this module lives below both; named
// here too, so `deploy::Failure` and friends read as before.
pub use crate::actions::{Failure, PreparedDeploy, PreparedMove};
pub use crate::gke::GkeConfig;
use crate::helm::chart_files::{self, ChartFiles};
use crate::helm::cli::{self, ChartSource, DeployPlan, Helm, KubeTarget};
pub use crate::kube::access::CLUSTER_ADMIN_BINDING;
pub use crate::secrets::mask_secrets;
use crate::secrets::{self, ChartSecrets};
use crate::values;

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

    /// The chart's values.yaml and values.schema.json: read from a local
    /// directory or packaged chart in place, else pulled with helm (and
    /// cached per chart and exact version).
    fn chart_files(&self) -> ChartCheck {
        let ChartSource::Local(path) = &self.chart else {
            return self.pulled_files();
        };
        let read = if path.is_dir() {
            chart_files::from_dir(path)
        } else if path.is_file() {
            chart_files::from_archive(path)
        } else {
            return ChartCheck::Unavailable(format!("{} does not exist", path.display()));
        };
        match read {
            Ok(files) => ChartCheck::Found(files),
            Err(e) => ChartCheck::Broken(Failure {
                error: e,
                hint: Some("fix the chart, or point --chart at another one".into()),
            }),
        }
    }

    fn pulled_files(&self) -> ChartCheck {
        let helm = self.helm.clone().or_else(|| cli::which("helm"));
        let Some(helm) = helm else {
            return ChartCheck::Unavailable("helm is not on PATH to pull the chart".into());
        };
        let version = self.chart_version.as_deref();
        let cache = chart_files::cache_dir();
        match chart_files::pull(&helm, &self.chart, version, cache.as_deref()) {
            Ok(files) => ChartCheck::Found(files),
            Err(e) => ChartCheck::Unavailable(e),
        }
    }
}

/// What the values can be checked against.
enum ChartCheck {
    Found(ChartFiles),
    /// A local chart whose files cannot be read or parsed: refused, as
    /// helm would refuse it.
    Broken(Failure),
    /// The chart could not be had (helm's words): only a warning, since
    /// helm itself checks the schema again when it installs.
    Unavailable(String),
}

/// Reads, merges and checks the values files; nothing reaches helm unless
/// this passes. `deployed` is the current revision's user values.
pub fn prepare_deploy(
    config: &DeployConfig,
    deployed: Option<&Value>,
) -> Result<PreparedDeploy, Failure> {
    let (merged, sources) =
        values::read_all_with_sources(&config.effective_values()).map_err(|e| Failure {
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
    match config.chart_files() {
        ChartCheck::Found(ChartFiles {
            schema: Some(schema),
            defaults,
            source,
        }) => {
            // helm validates the chart's defaults with the files over them,
            // not the files alone: the schema requires keys that only the
            // chart's values.yaml provides.
            let effective = values::coalesce(&defaults, &merged);
            let mut violations = values::validate(&effective, &schema);
            if !violations.is_empty() {
                values::locate(&mut violations, &sources);
                let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
                return Err(Failure {
                    error: format!(
                        "the values break the chart's schema ({source}):\n{}",
                        list.join("\n")
                    ),
                    hint: Some(
                        "fix those keys in config.yaml (e opens it); nothing was applied".into(),
                    ),
                });
            }
        }
        ChartCheck::Found(_) => {
            warnings.push("schema not checked: the chart has no values.schema.json".into())
        }
        ChartCheck::Broken(failure) => return Err(failure),
        ChartCheck::Unavailable(why) => warnings.push(format!("schema not checked: {why}")),
    }
    warnings.extend(secrets_warning(config));
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

/// The warning when config.yaml holds secrets, with the way to move them.
pub fn secrets_warning(config: &DeployConfig) -> Option<String> {
    let first = config.config_file()?;
    let found = secrets::secrets_in(&values::read(first).ok()?);
    (!found.is_empty()).then(|| {
        format!(
            "{} holds secrets ({}): keep them in {} instead; M moves them (headless: jhub-cockpit secrets move)",
            first.display(),
            found.join(", "),
            config.secrets_file.display()
        )
    })
}

/// Works the move out without writing anything: refused when there is
/// nothing to move, a value conflicts, or helm would never read the
/// secrets file (the secrets would then silently leave the release).
pub fn prepare_move(config: &DeployConfig) -> Result<PreparedMove, Failure> {
    let from = config.config_file().ok_or_else(|| Failure {
        error: "no config.yaml is among the values files: there is nothing to move secrets out of"
            .into(),
        hint: Some("pass -f config.yaml (or set `values` in the settings)".into()),
    })?;
    let to = &config.secrets_file;
    if !config.values.contains(to) {
        return Err(Failure {
            error: format!(
                "{} is not among the values files helm gets: secrets moved there would drop out of the release; nothing was changed",
                to.display()
            ),
            hint: Some(format!(
                "add it after {} (-f {} -f {}, or `values` in the settings)",
                from.display(),
                from.display(),
                to.display()
            )),
        });
    }
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|e| Failure {
            error: format!("cannot read {}: {e}", p.display()),
            hint: None,
        })
    };
    let config_text = read(from)?;
    let secrets_text = if to.exists() { Some(read(to)?) } else { None };
    let moved =
        secrets::move_secrets(from, &config_text, to, secrets_text.as_deref()).map_err(|e| {
            Failure {
                error: e.to_string(),
                hint: None,
            }
        })?;
    Ok(PreparedMove {
        from: from.to_path_buf(),
        to: to.clone(),
        keys: moved.moved,
        secrets_exists: secrets_text.is_some(),
    })
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
            let checked = config.clone();
            tokio::task::spawn_blocking(move || prepare_deploy(&checked, None))
                .await
                .map_err(|e| Failure::from(anyhow::Error::from(e)))??;
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
                // The release on the cluster being deleted, whatever the
                // panes point at.
                let on_cluster = cluster_config(config, name)?;
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
            delete_cluster(config, name, &mut on_line).await
        }
        Action::BindClusterAdmin { user } => {
            bind_cluster_admin(config, user, &mut on_line).await?;
            Ok(format!(
                "ClusterRoleBinding {CLUSTER_ADMIN_BINDING} made: {user} is cluster-admin"
            ))
        }
    }
}

/// A kube client for the context helm is pointed at, so that what the
/// cockpit does beside helm lands on the same cluster.
async fn connect_target(target: &KubeTarget) -> Result<crate::kube::client::Connected, Failure> {
    Ok(crate::kube::client::connect(target.kubeconfig.as_ref(), target.context.as_deref()).await?)
}

async fn bind_cluster_admin(
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

/// How long the namespace may take to go before the cluster is deleted:
/// its LoadBalancer must be released by the cluster, or it outlives it.
pub const NAMESPACE_GONE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

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

/// Waits until the namespace is gone (its finalizers done), streaming
/// a line now and then.
async fn wait_namespace_gone(
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

async fn delete_cluster(
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

async fn delete_namespace(
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

/// The values files helm gets by default: config.yaml, then the secrets
/// file (skipped while it does not exist).
pub fn default_values(cwd: &Path, secrets_file: &Path) -> Vec<PathBuf> {
    vec![cwd.join("config.yaml"), secrets_file.to_path_buf()]
}
