//! Reading one pod's log through the API as `kubectl logs` does: the
//! container chosen the way kubectl chooses it, the flags kubectl takes, and
//! the lines batched into messages so a chatty pod costs one message per
//! burst, not per line.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// The annotation naming the container `kubectl logs` reads by default.
pub const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// What a log stream says, tagged with the id its opener gave it so that a
/// replaced stream's last messages are told apart from the new one's. The
/// caller's message type wraps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// The container being read and all of the pod's containers, to choose
    /// another from.
    Opened {
        stream: u64,
        container: String,
        containers: Vec<ContainerName>,
    },
    Lines {
        stream: u64,
        lines: Vec<String>,
    },
    /// The stream is over; with why, when it broke or could not start.
    Ended {
        stream: u64,
        error: Option<String>,
    },
}

/// A container of the pod; init containers are listed after the others,
/// as kubectl lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerName {
    pub name: String,
    pub init: bool,
}

impl std::fmt::Display for ContainerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.init {
            write!(f, "{} (init)", self.name)
        } else {
            f.write_str(&self.name)
        }
    }
}

/// Which log, and how much of it: what `kubectl logs` takes as flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRequest {
    /// None: the pod's default container, chosen as kubectl chooses it.
    pub container: Option<String>,
    /// The container's previous run: why it crashed.
    pub previous: bool,
    /// The last N lines only.
    pub tail: Option<i64>,
    /// Keep reading until the container stops or the pod goes.
    pub follow: bool,
    /// Each line starts with the time the runtime read it (RFC 3339, in
    /// nanoseconds), then a space.
    pub timestamps: bool,
    /// Only lines from this second on (the API takes whole seconds).
    pub since: Option<jiff::Timestamp>,
}

/// The pod's containers, then its init containers.
pub fn containers_of(pod: &Pod) -> Vec<ContainerName> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    let main = spec.containers.iter().map(|c| ContainerName {
        name: c.name.clone(),
        init: false,
    });
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| ContainerName {
            name: c.name.clone(),
            init: true,
        });
    main.chain(init).collect()
}

/// The container kubectl reads when none is named: the one the pod's
/// default-container annotation names, when the pod has it, else the first.
pub fn default_container(pod: &Pod) -> Option<String> {
    let containers = containers_of(pod);
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
        .filter(|name| containers.iter().any(|c| &c.name == *name));
    annotated
        .cloned()
        .or_else(|| containers.iter().find(|c| !c.init).map(|c| c.name.clone()))
}

/// The container `request` asks for, checked against the pod's: the
/// answer says which ones there are when it names none of them.
fn choose_container(
    pod_name: &str,
    pod: &Pod,
    asked: Option<&str>,
) -> Result<(String, Vec<ContainerName>), String> {
    let containers = containers_of(pod);
    let listed = || {
        containers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match asked {
        Some(name) if containers.iter().any(|c| c.name == name) => name.to_owned(),
        Some(name) => {
            return Err(format!(
                "cannot read logs: pod {pod_name} has no container \"{name}\"; choose one of: {}",
                listed()
            ));
        }
        None => default_container(pod)
            .ok_or_else(|| format!("cannot read logs: pod {pod_name} has no containers"))?,
    };
    Ok((chosen, containers))
}

fn params(request: &LogRequest, container: String) -> LogParams {
    LogParams {
        follow: request.follow,
        tail_lines: request.tail,
        container: Some(container),
        previous: request.previous,
        timestamps: request.timestamps,
        since_time: request.since,
        ..LogParams::default()
    }
}

/// Reads one pod's log as `request` says: first which container (sent as
/// [`LogEvent::Opened`]), then bursts of lines, then the end. The log view
/// and `jhub-cockpit logs` both read logs this way.
pub fn stream<M: From<LogEvent> + Send + 'static>(
    client: kube::Client,
    namespace: &str,
    pod: String,
    request: LogRequest,
    stream: u64,
    tx: UnboundedSender<M>,
) -> JoinHandle<()> {
    let api: Api<Pod> = Api::namespaced(client, namespace);
    tokio::spawn(async move {
        let error = read_into(&api, &pod, &request, stream, &tx).await;
        let _ = tx.send(M::from(LogEvent::Ended { stream, error }));
    })
}

/// The stream's body; returns why it ended, if it broke.
async fn read_into<M: From<LogEvent>>(
    api: &Api<Pod>,
    pod: &str,
    request: &LogRequest,
    stream: u64,
    tx: &UnboundedSender<M>,
) -> Option<String> {
    let found = match api.get(pod).await {
        Ok(found) => found,
        Err(e) => return Some(format!("cannot read logs: {e}")),
    };
    let (container, containers) = match choose_container(pod, &found, request.container.as_deref())
    {
        Ok(chosen) => chosen,
        Err(e) => return Some(e),
    };
    let opened = LogEvent::Opened {
        stream,
        container: container.clone(),
        containers,
    };
    if tx.send(M::from(opened)).is_err() {
        return None;
    }
    let reader = match api.log_stream(pod, &params(request, container)).await {
        Ok(reader) => reader,
        Err(e) => return Some(format!("cannot read logs: {e}")),
    };
    let mut chunks = reader.lines().ready_chunks(512);
    while let Some(chunk) = chunks.next().await {
        let mut lines = Vec::with_capacity(chunk.len());
        let mut error = None;
        for line in chunk {
            match line {
                Ok(l) => lines.push(l),
                Err(e) => error = Some(format!("log stream broke: {e}")),
            }
        }
        if !lines.is_empty() && tx.send(M::from(LogEvent::Lines { stream, lines })).is_err() {
            return None;
        }
        if error.is_some() {
            return error;
        }
    }
    None
}

/// The whole answer to a log request that does not follow, for a container
/// already known: what the crash-loop diagnosis quotes.
pub async fn read(
    client: kube::Client,
    namespace: &str,
    pod: &str,
    container: &str,
    request: &LogRequest,
) -> Result<Vec<String>, String> {
    let api: Api<Pod> = Api::namespaced(client, namespace);
    let params = LogParams {
        follow: false,
        ..params(request, container.to_owned())
    };
    api.logs(pod, &params)
        .await
        .map(|text| text.lines().map(str::to_owned).collect())
        .map_err(|e| format!("cannot read logs: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(yaml: &str) -> Pod {
        serde_yaml::from_str(yaml).unwrap()
    }

    const PROXY: &str = r#"
metadata:
  name: proxy-1
  annotations:
    kubectl.kubernetes.io/default-container: chp
spec:
  initContainers: [{name: init-perms}]
  containers: [{name: traefik}, {name: chp}]
"#;

    #[test]
    fn the_annotation_chooses_else_the_first_container() {
        assert_eq!(default_container(&pod(PROXY)).as_deref(), Some("chp"));
        let plain = PROXY.replace("kubectl.kubernetes.io/default-container", "other");
        assert_eq!(default_container(&pod(&plain)).as_deref(), Some("traefik"));
        // An annotation naming no container of the pod is ignored, as kubectl does.
        let wrong = PROXY.replace(": chp\n", ": gone\n");
        assert_eq!(default_container(&pod(&wrong)).as_deref(), Some("traefik"));
    }

    #[test]
    fn containers_list_init_ones_last_and_say_so() {
        let names: Vec<String> = containers_of(&pod(PROXY))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["traefik", "chp", "init-perms (init)"]);
    }

    #[test]
    fn a_container_the_pod_lacks_is_refused_with_the_ones_it_has() {
        let err = choose_container("proxy-1", &pod(PROXY), Some("nosuch")).unwrap_err();
        assert_eq!(
            err,
            "cannot read logs: pod proxy-1 has no container \"nosuch\"; choose one of: traefik, chp, init-perms (init)"
        );
        let (chosen, _) = choose_container("proxy-1", &pod(PROXY), Some("init-perms")).unwrap();
        assert_eq!(chosen, "init-perms");
    }
}
