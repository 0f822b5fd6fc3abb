//! Following one pod's log, batched into messages so a chatty pod costs
//! one message per burst, not per line.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// What a log stream says: a burst of lines, or its end (with why, when it
/// broke). The caller's message type wraps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    Lines { pod: String, lines: Vec<String> },
    Ended { pod: String, error: Option<String> },
}

/// Lines fetched from before the moment the viewer opens.
const TAIL_LINES: i64 = 1_000;

/// Which log, and how much of it: what `kubectl logs` takes as flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRequest {
    /// None: the pod's default container (the API server picks it).
    pub container: Option<String>,
    /// The container's previous run: why it crashed.
    pub previous: bool,
    /// The last N lines only.
    pub tail: Option<i64>,
    /// Keep reading until the container stops or the pod goes.
    pub follow: bool,
}

/// The log viewer's stream: the last lines, then what follows.
pub fn follow<M: From<LogEvent> + Send + 'static>(
    client: kube::Client,
    namespace: &str,
    pod: String,
    container: Option<String>,
    tx: UnboundedSender<M>,
) -> JoinHandle<()> {
    let request = LogRequest {
        container,
        tail: Some(TAIL_LINES),
        follow: true,
        ..LogRequest::default()
    };
    stream(client, namespace, pod, request, tx)
}

/// Reads one pod's log as `request` says, sending bursts of lines and then
/// the end. The viewer and `jhub-cockpit logs` both read logs this way.
pub fn stream<M: From<LogEvent> + Send + 'static>(
    client: kube::Client,
    namespace: &str,
    pod: String,
    request: LogRequest,
    tx: UnboundedSender<M>,
) -> JoinHandle<()> {
    let api: Api<Pod> = Api::namespaced(client, namespace);
    tokio::spawn(async move {
        let params = LogParams {
            follow: request.follow,
            tail_lines: request.tail,
            container: request.container,
            previous: request.previous,
            ..LogParams::default()
        };
        let error = match api.log_stream(&pod, &params).await {
            Err(e) => Some(format!("cannot read logs: {e}")),
            Ok(reader) => {
                let mut chunks = reader.lines().ready_chunks(512);
                let mut error = None;
                while let Some(chunk) = chunks.next().await {
                    let mut lines = Vec::with_capacity(chunk.len());
                    for line in chunk {
                        match line {
                            Ok(l) => lines.push(l),
                            Err(e) => error = Some(format!("log stream broke: {e}")),
                        }
                    }
                    if !lines.is_empty()
                        && tx
                            .send(M::from(LogEvent::Lines {
                                pod: pod.clone(),
                                lines,
                            }))
                            .is_err()
                    {
                        return;
                    }
                    if error.is_some() {
                        break;
                    }
                }
                error
            }
        };
        let _ = tx.send(M::from(LogEvent::Ended { pod, error }));
    })
}
