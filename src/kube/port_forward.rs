//! A local port that reaches a pod's port through the API server, as
//! `kubectl port-forward` does: the cockpit's way to the hub when
//! proxy-public has no address (its IP still pending, or
//! `proxy.service.type: ClusterIP`). It listens on 127.0.0.1 only, and
//! each connection to it opens its own forward (kube's Portforwarder, a
//! WebSocket to the API server), so one broken request breaks nothing else.

use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running forward; dropping it closes the port.
pub struct LocalForward {
    pub pod: String,
    pub port: u16,
    /// `http://127.0.0.1:<local port>`.
    pub url: String,
    task: JoinHandle<()>,
}

impl Drop for LocalForward {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Listens on a free loopback port and forwards every connection to
/// `port` of `pod`.
pub async fn forward(
    client: kube::Client,
    namespace: &str,
    pod: &str,
    port: u16,
) -> std::io::Result<LocalForward> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let local = listener.local_addr()?.port();
    let api: Api<Pod> = Api::namespaced(client, namespace);
    let name = pod.to_owned();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut connection, _)) = listener.accept().await else {
                return;
            };
            let api = api.clone();
            let name = name.clone();
            tokio::spawn(async move {
                let mut forwarder = match api.portforward(&name, &[port]).await {
                    Ok(f) => f,
                    Err(e) => {
                        tracing::info!(pod = %name, port, error = %e, "port-forward failed");
                        return;
                    }
                };
                let Some(mut upstream) = forwarder.take_stream(port) else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut connection, &mut upstream).await;
                drop(upstream);
                let _ = forwarder.join().await;
            });
        }
    });
    Ok(LocalForward {
        pod: pod.to_owned(),
        port,
        url: format!("http://127.0.0.1:{local}"),
        task,
    })
}
