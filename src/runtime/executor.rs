//! Carries out update()'s commands and owns what they start: the connection
//! (with its watchers) and the log stream.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::{Command, Msg, State};
use crate::kube::{client, logs, watch};

pub struct Executor {
    tx: UnboundedSender<Msg>,
    namespace: String,
    client: std::sync::Arc<tokio::sync::OnceCell<kube::Client>>,
    connector: JoinHandle<()>,
    logs: Option<JoinHandle<()>>,
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.connector.abort();
        if let Some(l) = &self.logs {
            l.abort();
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
    ) -> Self {
        let cell = std::sync::Arc::new(tokio::sync::OnceCell::new());
        let connector = {
            let tx = tx.clone();
            let cell = cell.clone();
            let namespace = namespace.clone();
            tokio::spawn(async move {
                let connected = connect_until_answered(&tx, kubeconfig, context).await;
                let _ = cell.set(connected.client.clone());
                let _watchers = watch::start(&connected.client, &namespace, tx.clone());
                // The watchers live as long as this task.
                std::future::pending::<()>().await;
            })
        };
        Executor {
            tx,
            namespace,
            client: cell,
            connector,
            logs: None,
        }
    }

    pub fn run(&mut self, command: Command, _state: &State) {
        match command {
            Command::Quit => {}
            Command::FollowLogs { pod, container } => {
                if let Some(old) = self.logs.take() {
                    old.abort();
                }
                match self.client.get() {
                    Some(c) => {
                        self.logs = Some(logs::follow(
                            c.clone(),
                            &self.namespace,
                            pod,
                            container,
                            self.tx.clone(),
                        ))
                    }
                    None => {
                        let _ = self.tx.send(Msg::LogEnded {
                            pod,
                            error: Some("not connected to the cluster yet".into()),
                        });
                    }
                }
            }
            Command::StopLogs => {
                if let Some(old) = self.logs.take() {
                    old.abort();
                }
            }
        }
    }
}

pub async fn connect_until_answered(
    tx: &UnboundedSender<Msg>,
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
) -> client::Connected {
    let mut attempt = 0u32;
    loop {
        match client::connect(kubeconfig.as_ref(), context.as_deref()).await {
            Ok(connected) => match connected.client.apiserver_version().await {
                Ok(info) => {
                    let _ = tx.send(Msg::Connected {
                        server_version: info.git_version,
                    });
                    return connected;
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
        tokio::time::sleep(Duration::from_millis((500u64 << attempt.min(4)).min(5_000))).await;
    }
}
