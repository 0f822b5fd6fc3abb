//! Carries out update()'s commands and owns what they start: the connection
//! (with its watchers), the log stream and the scoped events' watch.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::actions::Action;
use crate::app::{Command, Msg, State};
use crate::deploy::{self, DeployConfig};
use crate::hub::HubClient;
use crate::kube::lists_thread::{self, ListsClient};
use crate::kube::watched::EventScope;
use crate::kube::{client, logs, watch};

pub struct Executor {
    tx: UnboundedSender<Msg>,
    deploy: DeployConfig,
    kubeconfig: Option<PathBuf>,
    gke_poller: Option<JoinHandle<()>>,
    /// Set while a GKE operation runs: the list refreshes faster then.
    gke_busy: std::sync::Arc<std::sync::atomic::AtomicBool>,
    namespace: String,
    /// The target's generation (`State::target_generation`): the
    /// connection's messages carry it.
    generation: u64,
    /// Where `Command::SaveTarget` writes (the settings file read at
    /// start, else jhub-cockpit.yaml in the working directory).
    settings_file: PathBuf,
    client: std::sync::Arc<tokio::sync::OnceCell<kube::Client>>,
    connector: JoinHandle<()>,
    /// Keeps the context's token file fresh, when it has one the cockpit
    /// keeps (a GKE cluster reached without gke-gcloud-auth-plugin).
    token_refresher: Option<JoinHandle<()>>,
    logs: Option<JoinHandle<()>>,
    /// The connection's client for the lists' thread, once it is made: the
    /// scoped events' watch reads with it, beside the pods' and events'.
    lists: tokio::sync::watch::Receiver<Option<ListsClient>>,
    /// The events' watch an open view asked for (`Command::WatchEvents`).
    scoped_events: Option<JoinHandle<()>>,
    /// The port-forward to the hub pod, when the hub has no public address;
    /// dropped (closing its port) with the executor or when replaced.
    hub_forward: std::sync::Arc<std::sync::Mutex<Option<crate::kube::port_forward::LocalForward>>>,
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.connector.abort();
        if let Some(t) = &self.token_refresher {
            t.abort();
        }
        if let Some(p) = &self.gke_poller {
            p.abort();
        }
        if let Some(l) = &self.logs {
            l.abort();
        }
        if let Some(s) = &self.scoped_events {
            s.abort();
        }
    }
}

impl Executor {
    /// Connects in the background: a kubeconfig that cannot be used, or an
    /// API server that does not answer, is reported and retried with backoff
    /// until it works; then the watchers start.
    pub fn start(
        tx: UnboundedSender<Msg>,
        kubeconfig: Option<PathBuf>,
        context: Option<String>,
        namespace: String,
        deploy: DeployConfig,
    ) -> Self {
        let cell = std::sync::Arc::new(tokio::sync::OnceCell::new());
        let (lists_tx, lists) = tokio::sync::watch::channel(None);
        let token_refresher = spawn_token_refresher(&tx, kubeconfig.as_deref(), context.as_deref());
        let connector = spawn_connector(
            TargetTx {
                tx: tx.clone(),
                generation: 0,
            },
            kubeconfig.clone(),
            context,
            namespace.clone(),
            cell.clone(),
            lists_tx,
        );
        let gke_busy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let gke_poller = deploy
            .gke
            .clone()
            .map(|gke| tokio::spawn(poll_gke(gke, tx.clone(), gke_busy.clone())));
        Executor {
            tx,
            deploy,
            kubeconfig,
            gke_poller,
            gke_busy,
            namespace,
            generation: 0,
            settings_file: PathBuf::from(crate::profile::FILE_NAME),
            client: cell,
            connector,
            token_refresher,
            logs: None,
            lists,
            scoped_events: None,
            hub_forward: Default::default(),
        }
    }

    /// A sender whose messages carry the current target's generation: for
    /// answers about the panes' namespace (the hub, a pod), which must not
    /// land after a switch to another.
    fn target_tx(&self) -> TargetTx {
        TargetTx {
            tx: self.tx.clone(),
            generation: self.generation,
        }
    }

    /// The scoped events' watch, in a task that owns it (aborting the task
    /// drops it, which stops the watch). Asked for before the connection is
    /// made, it starts once it is; a retarget drops the connection's client
    /// with the task.
    fn watch_events(&self, stream: u64, scope: EventScope) -> JoinHandle<()> {
        let mut lists = self.lists.clone();
        let namespace = self.namespace.clone();
        let tx = ScopedTx {
            target: self.target_tx(),
            stream,
        };
        tokio::spawn(async move {
            // Err: the connection was dropped (a retarget) before it was made.
            let Some(client) = lists
                .wait_for(Option::is_some)
                .await
                .ok()
                .and_then(|c| c.clone())
            else {
                return;
            };
            let _watch = watch::events_in(&client, &namespace, &scope, tx);
            std::future::pending::<()>().await
        })
    }

    /// Where the operator's settings are written when asked.
    pub fn with_settings_file(mut self, path: PathBuf) -> Self {
        self.settings_file = path;
        self
    }

    /// Drops the watchers of the old target (the connector task owns them,
    /// and aborting it drops them, which aborts each watch) and connects to
    /// the new one; its messages carry the new generation.
    fn retarget(&mut self, to: crate::app::command::Retarget) {
        let crate::app::command::Retarget {
            context,
            namespace,
            release,
            generation,
        } = to;
        self.connector.abort();
        if let Some(l) = self.logs.take() {
            l.abort();
        }
        if let Some(s) = self.scoped_events.take() {
            s.abort();
        }
        self.hub_forward
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        self.generation = generation;
        self.namespace = namespace.clone();
        self.deploy.namespace = namespace;
        if let Some(r) = release {
            self.deploy.release = r;
        }
        self.client = std::sync::Arc::new(tokio::sync::OnceCell::new());
        let (lists_tx, lists) = tokio::sync::watch::channel(None);
        self.lists = lists;
        if context.is_some() {
            self.deploy.kube.context = context;
        }
        let context = self.deploy.kube.context.clone();
        if let Some(t) = self.token_refresher.take() {
            t.abort();
        }
        self.token_refresher =
            spawn_token_refresher(&self.tx, self.kubeconfig.as_deref(), context.as_deref());
        self.connector = spawn_connector(
            TargetTx {
                tx: self.tx.clone(),
                generation,
            },
            self.kubeconfig.clone(),
            context,
            self.namespace.clone(),
            self.client.clone(),
            lists_tx,
        );
    }

    pub fn deploy_config(&self) -> &DeployConfig {
        &self.deploy
    }

    /// After the editor closes: the same checks as before a deploy (off the
    /// loop's thread: the chart's schema may have to be pulled).
    pub fn check_config(&self) {
        let config = self.deploy.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let checked = config.clone();
            let prepared =
                tokio::task::spawn_blocking(move || deploy::prepare_deploy(&checked, None))
                    .await
                    .map_err(|e| deploy::Failure::from(anyhow::Error::from(e)))
                    .and_then(|r| r);
            // A tag just typed is asked about now, not at the upgrade: a
            // missing one is a warning here (nothing is applied yet).
            let result = match prepared {
                Ok(p) => {
                    let report = deploy::check_images(&config, &p).await;
                    let mut warnings = p.warnings;
                    warnings.extend(report.into_warnings());
                    Ok(warnings)
                }
                Err(e) => Err(e),
            };
            let _ = tx.send(Msg::ConfigChecked(result));
        });
    }

    /// On start: secrets left in config.yaml are pointed out (M moves them).
    pub fn check_secrets_in_config(&self) {
        if let Some(warning) = deploy::secrets_warning(&self.deploy) {
            let _ = self.tx.send(Msg::ConfigChecked(Ok(vec![warning])));
        }
    }

    pub fn run(&mut self, command: Command, state: &State) {
        match command {
            Command::Quit => {}
            // The event loop handles it: it needs the terminal.
            Command::EditConfig => {}
            Command::Retarget(to) => self.retarget(to),
            Command::ReadNamespaces => {
                let cell = self.client.clone();
                let tx = self.tx.clone();
                let generation = self.generation;
                tokio::spawn(async move {
                    let read = match cell.get() {
                        Some(client) => tokio::time::timeout(
                            Duration::from_secs(15),
                            crate::kube::namespaces::list(client),
                        )
                        .await
                        .map_err(|_| "no answer in 15 s".to_owned())
                        .and_then(|r| r.map_err(|e| format!("{e:#}"))),
                        None => Err("not connected to the cluster yet".to_owned()),
                    };
                    let _ = tx.send(Msg::Targeted {
                        generation,
                        msg: Box::new(Msg::Namespaces(read)),
                    });
                });
            }
            Command::SaveTarget {
                context,
                namespace,
                release,
            } => {
                let result = crate::profile::save_target(
                    &self.settings_file,
                    &crate::profile::SavedTarget {
                        context,
                        namespace,
                        release,
                    },
                );
                let _ = self.tx.send(Msg::TargetSaved(result));
            }
            Command::PollGke(gke) => {
                if let Some(old) = self.gke_poller.take() {
                    old.abort();
                }
                self.deploy.gke = Some(gke.clone());
                self.gke_poller = Some(tokio::spawn(poll_gke(
                    gke,
                    self.tx.clone(),
                    self.gke_busy.clone(),
                )));
            }
            Command::CheckClusterAdmin { context } => {
                let tx = self.tx.clone();
                let kubeconfig = self.kubeconfig.clone();
                tokio::spawn(async move {
                    match check_cluster_admin(kubeconfig, &context).await {
                        Ok((allowed, user)) => {
                            let _ = tx.send(Msg::ClusterAdmin {
                                context,
                                allowed,
                                user,
                            });
                        }
                        // Not knowing is no reason to offer a write: the
                        // install says so if RBAC stops it.
                        Err(e) => {
                            tracing::warn!(error = %format!("{e:#}"), "cluster-admin check failed")
                        }
                    }
                });
            }
            Command::RevealSecrets => {
                let path = self.deploy.secrets_file.clone();
                let shown = std::fs::read_to_string(&path)
                    .map(|text| {
                        (
                            format!("{} (shown on request; Esc hides)", path.display()),
                            text.lines()
                                .filter(|l| !l.trim_start().starts_with('#'))
                                .map(str::to_owned)
                                .collect(),
                        )
                    })
                    .map_err(|e| format!("cannot read {}: {e} (S generates it)", path.display()));
                let _ = self.tx.send(Msg::ShowText(shown));
            }
            Command::PrepareSecrets => {
                let path = self.deploy.secrets_file.clone();
                let exists = path.exists();
                let _ = self.tx.send(Msg::SecretsPrepared { path, exists });
            }
            Command::PrepareHubAccess => {
                let result = deploy::prepare_hub_access(&self.deploy);
                let _ = self.tx.send(Msg::HubAccessPrepared(result));
            }
            Command::ReadImageConfig => {
                let _ = self
                    .tx
                    .send(Msg::ImageConfigRead(deploy::configured_image(&self.deploy)));
            }
            Command::PrepareImage { name, tag } => {
                let config = self.deploy.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = deploy::prepare_image(&config, &name, &tag).await;
                    let _ = tx.send(Msg::ImagePrepared(result));
                });
            }
            Command::ConnectCluster { name, location } => {
                let config = self.deploy.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = deploy::connect_cluster(&config, &location, &name).await;
                    let _ = tx.send(Msg::ClusterConnected {
                        name,
                        location,
                        result,
                    });
                });
            }
            Command::ReadContexts => {
                let _ = self
                    .tx
                    .send(Msg::Contexts(read_contexts(self.kubeconfig.as_deref())));
            }
            Command::SurveyCluster { name, location } => {
                let config = self.deploy.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let (release, survivors) =
                        deploy::survey_cluster(&config, &location, &name).await;
                    let _ = tx.send(Msg::ClusterSurveyed {
                        name,
                        location,
                        release,
                        survivors,
                    });
                });
            }
            Command::PrepareUserNodes => {
                let result = deploy::prepare_user_nodes(&self.deploy);
                let _ = self.tx.send(Msg::UserNodesPrepared(result));
            }
            Command::PrepareMoveSecrets => {
                let result = deploy::prepare_move(&self.deploy);
                let _ = self.tx.send(Msg::MoveSecretsPrepared(result));
            }
            Command::PrepareDeploy { deployed } => {
                let config = self.deploy.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = deploy::prepare_checked(&config, deployed).await;
                    let _ = tx.send(Msg::DeployPrepared(result));
                });
            }
            Command::Run(action) => {
                let config = self.deploy.clone();
                let tx = self.tx.clone();
                let waiting_hooks = waiting_hook_pods(state);
                tracing::info!(action = %action.title(), "running");
                let busy = self.gke_busy.clone();
                let is_gke = matches!(
                    action,
                    Action::CreateCluster(_)
                        | Action::DeleteCluster { .. }
                        | Action::AddUserPool { .. }
                        | Action::SetPoolAutoscaling { .. }
                        | Action::DeleteNodePool { .. }
                );
                if is_gke {
                    busy.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::spawn(async move {
                    let line_tx = tx.clone();
                    let result = deploy::run(&action, &config, waiting_hooks, move |line| {
                        let _ = line_tx.send(Msg::OperationLine(line));
                    })
                    .await;
                    if let Err(f) = &result {
                        tracing::warn!(action = %action.title(), error = %f.error, "failed");
                    }
                    if is_gke {
                        busy.store(false, std::sync::atomic::Ordering::Relaxed);
                    }
                    let _ = tx.send(Msg::OperationDone(result));
                });
            }
            Command::FollowLogs {
                stream,
                pod,
                request,
            } => {
                if let Some(old) = self.logs.take() {
                    old.abort();
                }
                match self.client.get() {
                    Some(c) => {
                        self.logs = Some(logs::stream(
                            c.clone(),
                            &self.namespace,
                            pod,
                            request,
                            stream,
                            self.tx.clone(),
                        ))
                    }
                    None => {
                        let _ = self.tx.send(Msg::Log(logs::LogEvent::Ended {
                            stream,
                            error: Some("not connected to the cluster yet".into()),
                        }));
                    }
                }
            }
            Command::ForwardHub { pod } => {
                let tx = self.target_tx();
                let namespace = self.namespace.clone();
                let slot = self.hub_forward.clone();
                let Some(client) = self.client.get().cloned() else {
                    return;
                };
                tokio::spawn(async move {
                    let port = crate::app::hub_state::HUB_PORT;
                    let result = crate::kube::port_forward::forward(client, &namespace, &pod, port)
                        .await
                        .map(|forward| {
                            let url = forward.url.clone();
                            // The old forward (another hub pod) closes here.
                            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(forward);
                            url
                        })
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::HubForwarded { pod, result });
                });
            }
            Command::CheckHub(address) => {
                let tx = self.target_tx();
                tokio::spawn(async move {
                    let result = HubClient::check(&address.url, &address.base_url)
                        .await
                        .map(|h| h.latency_ms);
                    if let Err(e) = &result {
                        tracing::info!(url = %address.url, error = %e, "hub health check failed");
                    }
                    let _ = tx.send(Msg::HubHealth {
                        url: address.url,
                        result: result.map_err(|e| e.to_string()),
                    });
                });
            }
            Command::ReadHubUsers(address) => {
                let tx = self.target_tx();
                let namespace = self.namespace.clone();
                let client = self.client.get().cloned();
                tokio::spawn(async move {
                    let result = read_hub_users(client, &namespace, &address).await;
                    let _ = tx.send(Msg::HubUsers(result));
                });
            }
            Command::FollowSpawn { user, address } => {
                let tx = self.target_tx();
                let namespace = self.namespace.clone();
                let Some(client) = self.client.get().cloned() else {
                    return;
                };
                tokio::spawn(async move {
                    let Ok(token) = crate::hub::token::read(&client, &namespace).await else {
                        return;
                    };
                    let Ok(hub) = HubClient::new(&address.url, &address.base_url) else {
                        return;
                    };
                    let events = tx.clone();
                    let name = user.clone();
                    let followed = hub
                        .progress(&token, &user, move |event| {
                            let _ = events.send(Msg::HubProgress {
                                user: name.clone(),
                                event,
                            });
                        })
                        .await;
                    if let Err(e) = followed {
                        tracing::info!(%user, error = %e, "spawn progress ended");
                    }
                });
            }
            Command::SaveLog { stem, lines, text } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = super::saved_logs::save(&stem, &text).map(|path| {
                        format!("saved {lines} lines to {} (mode 0600)", path.display())
                    });
                    let _ = tx.send(Msg::LogSaved(result));
                });
            }
            Command::FetchCrashLog(run) => {
                let tx = self.target_tx();
                let namespace = self.namespace.clone();
                let Some(client) = self.client.get().cloned() else {
                    return;
                };
                tokio::spawn(async move {
                    let request = logs::LogRequest {
                        previous: run.previous,
                        tail: Some(crate::app::crash_logs::LINES_READ),
                        ..logs::LogRequest::default()
                    };
                    let lines =
                        logs::read(client, &namespace, &run.pod, &run.container, &request).await;
                    let _ = tx.send(Msg::CrashLog { run, lines });
                });
            }
            Command::FetchPod { name } => {
                let tx = self.target_tx();
                let namespace = self.namespace.clone();
                match self.client.get() {
                    Some(c) => {
                        let client = c.clone();
                        tokio::spawn(async move {
                            let result = client::get_pod(&client, &namespace, &name).await;
                            let _ = tx.send(Msg::PodFetched { name, result });
                        });
                    }
                    None => {
                        let _ = tx.send(Msg::PodFetched {
                            name,
                            result: Err("not connected to the cluster yet".into()),
                        });
                    }
                }
            }
            Command::StopLogs => {
                if let Some(old) = self.logs.take() {
                    old.abort();
                }
            }
            Command::WatchEvents { stream, scope } => {
                if let Some(old) = self.scoped_events.take() {
                    old.abort();
                }
                if let Some(scope) = scope {
                    self.scoped_events = Some(self.watch_events(stream, scope));
                }
            }
        }
    }
}

/// The scoped events' watch's messages: tagged with its stream, and with
/// its target's generation.
#[derive(Clone)]
struct ScopedTx {
    target: TargetTx,
    stream: u64,
}

impl watch::WatchSink for ScopedTx {
    fn send(&self, watch: crate::kube::watched::WatchMsg) -> bool {
        self.target.send(Msg::ScopedEvents {
            stream: self.stream,
            watch,
        })
    }
}

/// The hub's users, with the token read from the release's Secret for this
/// one read (it is kept nowhere else).
async fn read_hub_users(
    client: Option<kube::Client>,
    namespace: &str,
    address: &crate::app::hub_view::HubAddress,
) -> Result<Vec<crate::hub::HubUser>, String> {
    let client = client.ok_or("not connected to the cluster yet")?;
    let token = crate::hub::token::read(&client, namespace)
        .await
        .map_err(|e| e.to_string())?;
    let hub = HubClient::new(&address.url, &address.base_url).map_err(|e| e.to_string())?;
    hub.users(&token).await.map_err(|e| e.to_string())
}

/// The connection's messages, tagged with its target's generation.
#[derive(Clone)]
struct TargetTx {
    tx: UnboundedSender<Msg>,
    generation: u64,
}

impl TargetTx {
    fn send(&self, msg: Msg) -> bool {
        self.tx
            .send(Msg::Targeted {
                generation: self.generation,
                msg: Box::new(msg),
            })
            .is_ok()
    }
}

impl watch::WatchSink for TargetTx {
    fn send(&self, msg: crate::kube::watched::WatchMsg) -> bool {
        TargetTx::send(self, Msg::Watch(msg))
    }
}

fn spawn_connector(
    tx: TargetTx,
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
    namespace: String,
    cell: std::sync::Arc<tokio::sync::OnceCell<kube::Client>>,
    lists_tx: tokio::sync::watch::Sender<Option<ListsClient>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let (connected, server_version) = connect_until_answered(&tx, kubeconfig, context).await;
        let _ = cell.set(connected.client.clone());
        let lists = match lists_thread::client(connected.config.clone()) {
            Ok(lists) => lists,
            // The panes' client was made from the same configuration,
            // so this is not expected; it is said, not retried.
            Err(e) => {
                tracing::error!(error = ?e, "no client for the pods' and events' watches");
                let said = format!(
                    "cannot make a client for the pods' and events' watches ({e}): restart the cockpit; if it recurs, the log file says more"
                );
                let _ = tx.send(Msg::ConnectFailed(said));
                return;
            }
        };
        let _watchers = watch::start_with(
            &connected.client,
            &lists,
            &namespace,
            tx.clone(),
            kube::runtime::watcher::Config::default(),
        );
        // Dropped with this task: a scoped events' watch then stops waiting.
        let _ = lists_tx.send(Some(lists));
        // The watchers live as long as this task.
        probe_reads(&connected.client, &namespace, server_version, &tx).await;
    })
}

/// Whether the account is cluster-admin on `context`, and its user name:
/// the API server's (a SelfSubjectReview; on GKE the Google account's
/// email), else the ADC service account's.
async fn check_cluster_admin(
    kubeconfig: Option<PathBuf>,
    context: &str,
) -> anyhow::Result<(bool, Option<String>)> {
    let connected = client::connect(kubeconfig.as_ref(), Some(context)).await?;
    if crate::kube::access::has_cluster_admin(&connected.client).await? {
        return Ok((true, None));
    }
    let user = match crate::kube::access::user_name(&connected.client).await {
        Ok(Some(u)) => Some(u),
        _ => crate::gke::client::adc_account(),
    };
    Ok((false, user))
}

/// Starts keeping the context's token file fresh when it is one the
/// cockpit keeps; the panes' client reads the same file (kube re-reads it
/// at most a minute apart), so their watches outlive each token.
fn spawn_token_refresher(
    tx: &UnboundedSender<Msg>,
    kubeconfig: Option<&std::path::Path>,
    context: Option<&str>,
) -> Option<JoinHandle<()>> {
    let path = crate::gke::token::managed_token_file(kubeconfig, context)?;
    let tx = tx.clone();
    Some(tokio::spawn(crate::gke::token::keep_fresh(
        crate::gke::token::AdcTokenSource::new(),
        path,
        crate::gke::token::RefreshPolicy::default(),
        move |report| {
            let _ = tx.send(Msg::GkeToken(report));
        },
    )))
}

/// How often the API server's reads are probed, and how long one may take:
/// together under the 2 s in which an outage must show in the header.
const PROBE_EVERY: Duration = Duration::from_millis(400);
const PROBE_TIMEOUT: Duration = Duration::from_millis(1_000);

/// Probes reads for as long as the watchers run: an outage the watches do
/// not see (etcd down behind a live API server) shows as reconnecting, and
/// the recovery as connected again. A failure is repeated on every probe,
/// so that a stray watch event cannot make the header say live meanwhile.
async fn probe_reads(
    client: &kube::Client,
    namespace: &str,
    server_version: String,
    tx: &TargetTx,
) {
    let mut healthy = true;
    loop {
        tokio::time::sleep(PROBE_EVERY).await;
        let msg = match client::probe_reads(client, namespace, PROBE_TIMEOUT).await {
            Ok(()) if healthy => continue,
            Ok(()) => {
                tracing::info!("the API server reads again");
                healthy = true;
                Msg::Connected {
                    server_version: server_version.clone(),
                }
            }
            Err(e) => {
                if healthy {
                    tracing::warn!(error = %e, "API server probe failed");
                }
                healthy = false;
                Msg::ConnectFailed(e)
            }
        };
        if !tx.send(msg) {
            return;
        }
    }
}

/// The kubeconfig's contexts (the one file, or KUBECONFIG's merged).
fn read_contexts(
    kubeconfig: Option<&std::path::Path>,
) -> Result<Vec<crate::app::gke_state::KubeContext>, String> {
    let entries = crate::gke::connect::contexts(kubeconfig).map_err(|e| format!("{e:#}"))?;
    Ok(entries
        .into_iter()
        .map(|c| crate::app::gke_state::KubeContext {
            name: c.name,
            cluster: c.cluster,
            namespace: c.namespace,
        })
        .collect())
}

/// The GKE API has no watch: the cluster list is refreshed every 10 s, and
/// every 2 s while a cluster operation runs.
async fn poll_gke(
    gke: crate::gke::GkeConfig,
    tx: UnboundedSender<Msg>,
    busy: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    let client = loop {
        match crate::deploy::gke_client(&gke).await {
            Ok(c) => break c,
            Err(f) => {
                if tx.send(Msg::GkeClusters(Err(f.to_string()))).is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
        }
    };
    loop {
        let result = client
            .list_clusters_answered(&gke.project, "-")
            .await
            .map_err(|e| e.to_string());
        let (result, unanswered) = match result {
            Ok((clusters, unanswered)) => (Ok(clusters), Some(unanswered)),
            Err(e) => (Err(e), None),
        };
        if tx.send(Msg::GkeClusters(result)).is_err() {
            return;
        }
        if let Some(locations) = unanswered
            && tx.send(Msg::GkeUnanswered(locations)).is_err()
        {
            return;
        }
        let fast = busy.load(std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs(if fast { 2 } else { 10 })).await;
    }
}

/// hook-image-puller pods not yet Ready: what a helm timeout usually waits on.
fn waiting_hook_pods(state: &State) -> usize {
    state
        .resources
        .pods
        .iter()
        .filter(|e| e.row.component.as_deref() == Some("hook-image-puller") && !e.row.is_healthy())
        .count()
}

/// Connects, retrying every 1-2 s until the API server answers `/version`;
/// returns the client and the server's version. The retry is capped at the
/// watchers' 2 s, so a cockpit started before its API server connects
/// within a couple of seconds of it appearing.
async fn connect_until_answered(
    tx: &TargetTx,
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
) -> (client::Connected, String) {
    let mut attempt = 0u32;
    loop {
        match client::connect(kubeconfig.as_ref(), context.as_deref()).await {
            Ok(connected) => match connected.client.apiserver_version().await {
                Ok(info) => {
                    let _ = tx.send(Msg::Connected {
                        server_version: info.git_version.clone(),
                    });
                    return (connected, info.git_version);
                }
                Err(e) => {
                    let _ = tx.send(Msg::ConnectFailed(format!(
                        "the API server of context '{}' does not answer: {e}",
                        connected.context
                    )));
                }
            },
            Err(e) => {
                let _ = tx.send(Msg::ConnectFailed(format!("{e:#}")));
            }
        }
        attempt += 1;
        tokio::time::sleep(Duration::from_millis((500u64 << attempt.min(2)).min(2_000))).await;
    }
}
