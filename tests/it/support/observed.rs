//! The cockpit as the TUI runs it, minus the terminal: the real executor
//! (its connector and watchers) feeds update() through the message channel,
//! commands go back to the executor, and a clock ticks. Tests read the
//! state, render it on a TestBackend, and send keys, while rig components
//! are stopped and started under it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::{Node, Pod, Service};
use kube::api::{Api, ListParams};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use jhub_cockpit::app::{self, Command, Connection, Kind, Msg, State, Target, WatchMsg};
use jhub_cockpit::deploy::DeployConfig;
use jhub_cockpit::helm::cli::{ChartSource, KubeTarget};
use jhub_cockpit::kube::service_row::ServiceRow;
use jhub_cockpit::runtime::executor::Executor;

/// A message the cockpit received, kept for the assertions on how it got
/// where it is (a watch failure, a relist).
#[derive(Debug, Clone)]
pub enum Seen {
    Failed(Kind, String),
    Relisted(Kind, usize),
    Connected,
    ConnectFailed(String),
}

pub struct Observed {
    state: Arc<Mutex<State>>,
    seen: Arc<Mutex<Vec<(Instant, Seen)>>>,
    tx: UnboundedSender<Msg>,
    pump: JoinHandle<()>,
}

impl Drop for Observed {
    fn drop(&mut self) {
        // Dropping the pump drops the executor, which stops its watchers
        // and kills a helm it started.
        self.pump.abort();
    }
}

/// What the write actions use: the fixture chart, values files in `dir`.
pub fn deploy_config(kubeconfig: &Path, namespace: &str, dir: &Path) -> DeployConfig {
    DeployConfig {
        helm: Some(crate::support::helm()),
        kube: KubeTarget {
            kubeconfig: Some(kubeconfig.to_path_buf()),
            context: None,
        },
        namespace: namespace.into(),
        release: "jhub".into(),
        chart: ChartSource::Local(crate::support::fixture_chart()),
        chart_version: None,
        values: vec![dir.join("config.yaml"), dir.join("secrets.yaml")],
        secrets_file: dir.join("secrets.yaml"),
        timeout: "2m".into(),
        gke: None,
        // The fixture chart's images are quay.io's: the tests send nothing
        // off this machine. The registry check has tests of its own, on a
        // registry on loopback (tests/it/image/).
        image_check: false,
    }
}

/// What feeds the cockpit: the executor (as in the TUI), or the watchers
/// alone with a watcher configuration of the test's.
pub enum Source {
    Executor {
        kubeconfig: PathBuf,
        deploy: Box<DeployConfig>,
    },
    Watchers {
        client: kube::Client,
        lists: Box<jhub_cockpit::kube::lists_thread::ListsClient>,
        config: kube::runtime::watcher::Config,
    },
}

/// Owns what the source started, for as long as the pump runs.
enum Running {
    Executor(Box<Executor>),
    Watchers(jhub_cockpit::kube::watch::Watchers),
}

impl Observed {
    /// The cockpit as the TUI runs it.
    pub fn start(kubeconfig: PathBuf, namespace: &str, deploy: DeployConfig) -> Observed {
        Self::start_from(
            namespace,
            Source::Executor {
                kubeconfig,
                deploy: Box::new(deploy),
            },
        )
    }

    pub fn start_from(namespace: &str, source: Source) -> Observed {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut state = State::new(
            Target {
                context: "rig".into(),
                namespace: namespace.into(),
                ..Default::default()
            },
            chrono::Utc::now(),
        );
        state.monochrome = true;
        app::update(&mut state, Msg::Resize(120, 30));
        let state = Arc::new(Mutex::new(state));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut running = match source {
            Source::Executor { kubeconfig, deploy } => {
                Running::Executor(Box::new(Executor::start(
                    tx.clone(),
                    Some(kubeconfig),
                    None,
                    namespace.into(),
                    *deploy,
                )))
            }
            Source::Watchers {
                client,
                lists,
                config,
            } => {
                let _ = tx.send(Msg::Connected {
                    server_version: "rig".into(),
                });
                Running::Watchers(jhub_cockpit::kube::watch::start_with(
                    &client,
                    &lists,
                    namespace,
                    tx.clone(),
                    config,
                ))
            }
        };
        let (pump_state, pump_seen) = (state.clone(), seen.clone());
        let pump = tokio::spawn(async move {
            let mut clock = tokio::time::interval(Duration::from_millis(250));
            loop {
                let msg = tokio::select! {
                    msg = rx.recv() => match msg {
                        Some(m) => m,
                        None => return,
                    },
                    _ = clock.tick() => Msg::Tick(chrono::Utc::now()),
                };
                if let Some(s) = summary(&msg) {
                    pump_seen.lock().unwrap().push((Instant::now(), s));
                }
                let mut state = pump_state.lock().unwrap();
                for command in app::update(&mut state, msg) {
                    match (&mut running, command) {
                        (_, Command::Quit | Command::EditConfig) => {}
                        (Running::Executor(executor), other) => executor.run(other, &state),
                        (Running::Watchers(_), other) => {
                            panic!("no executor to run {other:?}")
                        }
                    }
                }
            }
        });
        Observed {
            state,
            seen,
            tx,
            pump,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub fn seen(&self) -> Vec<(Instant, Seen)> {
        self.seen.lock().unwrap().clone()
    }

    /// A message as the runtime would send it (a start-up answer).
    pub fn send(&self, msg: Msg) {
        let _ = self.tx.send(msg);
    }

    pub fn key(&self, code: KeyCode) {
        let _ = self
            .tx
            .send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// The whole screen at 120x30, as the operator would see it.
    pub fn screen(&self) -> String {
        draw(&self.state())
    }

    /// The header line.
    pub fn header(&self) -> String {
        self.screen().lines().next().unwrap_or_default().to_owned()
    }

    /// Polls `check` on the state every 20 ms until it holds; returns when
    /// it first did, or None at the deadline.
    pub async fn until(
        &self,
        deadline: Instant,
        check: impl Fn(&State) -> bool,
    ) -> Option<Instant> {
        loop {
            if check(&self.state()) {
                return Some(Instant::now());
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Observed {
    /// Waits for a message matching `check` received after `after`;
    /// returns when it was received.
    pub async fn until_seen(
        &self,
        after: Instant,
        deadline: Instant,
        check: impl Fn(&Seen) -> bool,
    ) -> Option<Instant> {
        loop {
            if let Some(at) = self
                .seen()
                .iter()
                .find(|(at, s)| *at > after && check(s))
                .map(|(at, _)| *at)
            {
                return Some(at);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn summary(msg: &Msg) -> Option<Seen> {
    match msg {
        // The connection's messages come tagged with their target.
        Msg::Targeted { msg, .. } => summary(msg),
        Msg::Watch(WatchMsg::Failed(kind, e)) => Some(Seen::Failed(*kind, e.clone())),
        Msg::Watch(WatchMsg::Relisted(kind, objects)) => Some(Seen::Relisted(*kind, objects.len())),
        Msg::Connected { .. } => Some(Seen::Connected),
        Msg::ConnectFailed(e) => Some(Seen::ConnectFailed(e.clone())),
        _ => None,
    }
}

pub fn draw(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    terminal
        .draw(|f| jhub_cockpit::ui::render(f, state))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let width = buffer.area.width as usize;
    buffer
        .content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn is_live(state: &State) -> bool {
    state.connection == Connection::Live && state.stale.is_empty()
}

/// How the cockpit's objects differ from the API server's list of them:
/// `stale` are held but gone or at another resourceVersion (another row,
/// for services and nodes); `missing` are listed but not held.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Difference {
    pub pods: usize,
    pub services: usize,
    pub nodes: usize,
    pub stale: Vec<String>,
    pub missing: Vec<String>,
}

impl Difference {
    pub fn is_none(&self) -> bool {
        self.stale.is_empty() && self.missing.is_empty()
    }
}

fn diff<V: PartialEq>(
    what: &str,
    held: &BTreeMap<String, V>,
    listed: &BTreeMap<String, V>,
    d: &mut Difference,
) {
    for (name, v) in held {
        if listed.get(name) != Some(v) {
            d.stale.push(format!("{what}/{name}"));
        }
    }
    for name in listed.keys() {
        if !held.contains_key(name) {
            d.missing.push(format!("{what}/{name}"));
        }
    }
}

/// Lists pods, services (in `namespace`) and nodes from the API server —
/// a consistent read from etcd, not the watch cache — and compares them
/// with what the cockpit holds. None when the API does not answer.
pub async fn compare(
    client: &kube::Client,
    namespace: &str,
    observed: &Observed,
) -> Option<Difference> {
    let lp = ListParams::default();
    let pods = Api::<Pod>::namespaced(client.clone(), namespace)
        .list(&lp)
        .await
        .ok()?;
    let services = Api::<Service>::namespaced(client.clone(), namespace)
        .list(&lp)
        .await
        .ok()?;
    let nodes = Api::<Node>::all(client.clone()).list(&lp).await.ok()?;
    let state = observed.state();
    let mut d = Difference {
        pods: pods.items.len(),
        services: services.items.len(),
        nodes: nodes.items.len(),
        ..Default::default()
    };
    let listed_pods: BTreeMap<String, Option<String>> = pods
        .items
        .iter()
        .map(|p| {
            (
                p.metadata.name.clone().unwrap_or_default(),
                p.metadata.resource_version.clone(),
            )
        })
        .collect();
    let held_pods: BTreeMap<String, Option<String>> = state
        .resources
        .pods
        .iter()
        .map(|e| {
            (
                e.row.name.to_string(),
                Some(e.row.resource_version.to_string()),
            )
        })
        .collect();
    diff("pod", &held_pods, &listed_pods, &mut d);
    let listed_services: BTreeMap<String, ServiceRow> = services
        .items
        .iter()
        .map(ServiceRow::from_service)
        .map(|r| (r.name.clone(), r))
        .collect();
    diff(
        "service",
        &state.resources.services,
        &listed_services,
        &mut d,
    );
    let listed_nodes: BTreeMap<String, bool> = nodes
        .items
        .iter()
        .map(|n| {
            let row = jhub_cockpit::kube::node_row::NodeRow::from_node(n);
            (row.name, row.ready)
        })
        .collect();
    let held_nodes: BTreeMap<String, bool> = state
        .resources
        .nodes
        .values()
        .map(|r| (r.name.clone(), r.ready))
        .collect();
    diff("node", &held_nodes, &listed_nodes, &mut d);
    Some(d)
}

/// Waits until the cockpit is live and holds exactly what the API lists;
/// returns when, and the comparison that held. None at the deadline (with
/// the last comparison).
pub async fn converged(
    client: &kube::Client,
    namespace: &str,
    observed: &Observed,
    deadline: Instant,
) -> Result<(Instant, Difference), Option<Difference>> {
    let mut last = None;
    loop {
        if is_live(&observed.state())
            && let Some(d) = compare(client, namespace, observed).await
        {
            // Live before and after the lists: the state compared is the
            // one the watchers keep current.
            if d.is_none() && is_live(&observed.state()) {
                return Ok((Instant::now(), d));
            }
            last = Some(d);
        }
        if Instant::now() >= deadline {
            return Err(last);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Milliseconds between two instants, for the FAULT-TIMING lines.
pub fn ms(from: Instant, to: Instant) -> u128 {
    to.saturating_duration_since(from).as_millis()
}
