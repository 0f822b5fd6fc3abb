//! Making a kube client from a kubeconfig the way kubectl reads it:
//! `--kubeconfig`, else KUBECONFIG (several files merged), else
//! ~/.kube/config; `--context`, else the current context. The client is
//! kube-client's stack over the cockpit's own connections (`connection`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};
use kube::config::{KubeConfigOptions, Kubeconfig};

/// A client and what the header shows about where it points.
#[derive(Clone)]
pub struct Connected {
    pub client: kube::Client,
    /// What the client was made from: the large lists get a client of
    /// their own from it (`lists_thread`).
    pub config: kube::Config,
    pub context: String,
    /// The context's namespace, used when none is given.
    pub namespace: Option<String>,
    pub insecure: bool,
}

/// Where the kubeconfig came from, for error messages.
pub fn describe_source(explicit: Option<&Path>) -> String {
    match explicit {
        Some(p) => p.display().to_string(),
        None => match std::env::var_os("KUBECONFIG") {
            Some(v) if !v.is_empty() => format!("KUBECONFIG={}", v.to_string_lossy()),
            _ => "~/.kube/config".into(),
        },
    }
}

pub fn read_kubeconfig(explicit: Option<&Path>) -> Result<Kubeconfig> {
    match explicit {
        Some(path) => Kubeconfig::read_from(path).with_context(|| {
            format!(
                "cannot read the kubeconfig {}: check the path given to --kubeconfig",
                path.display()
            )
        }),
        None => Kubeconfig::read().with_context(|| {
            format!(
                "cannot read a kubeconfig from {}: point --kubeconfig or KUBECONFIG at one (for the local rig: eval \"$(dev/cluster env)\")",
                describe_source(None)
            )
        }),
    }
}

/// Resolves the context (the named one, or the current one) and builds a
/// client for it. No request is made here: an unreachable server shows up
/// as watch failures, which the cockpit retries.
pub async fn connect(kubeconfig: Option<&PathBuf>, context: Option<&str>) -> Result<Connected> {
    let config_file = read_kubeconfig(kubeconfig.map(PathBuf::as_path))?;
    let name = match context {
        Some(c) => c.to_owned(),
        None => config_file.current_context.clone().ok_or_else(|| {
            anyhow!(
                "the kubeconfig ({}) has no current context: pass --context NAME, connect to a GKE cluster (K, then C on it) or create one (c)",
                describe_source(kubeconfig.map(PathBuf::as_path))
            )
        })?,
    };
    let named = config_file
        .contexts
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = config_file
                .contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            anyhow!(
                "context '{name}' is not in the kubeconfig ({}); known contexts: {}",
                describe_source(kubeconfig.map(PathBuf::as_path)),
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            )
        })?;
    let namespace = named.context.as_ref().and_then(|c| c.namespace.clone());
    let cluster_name = named.context.as_ref().map(|c| c.cluster.clone());
    let insecure = config_file
        .clusters
        .iter()
        .find(|c| Some(&c.name) == cluster_name.as_ref())
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.insecure_skip_tls_verify)
        .unwrap_or(false);
    let options = KubeConfigOptions {
        context: Some(name.clone()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(config_file, &options)
        .await
        .with_context(|| format!("cannot use context '{name}'"))?;
    let client = build(config.clone())
        .with_context(|| format!("cannot make a client for context '{name}'"))?;
    Ok(Connected {
        client,
        config,
        context: name,
        namespace,
        insecure,
    })
}

/// A client for `config`: what kube-client puts over its connections (TLS,
/// timeouts, the base URI, retries where asked, the kubeconfig's
/// credentials and their refresh, extra headers; not its debug tracing of
/// each request) over the cockpit's, whose reads can gather a list's bytes
/// (`connection`). A kubeconfig that names a proxy gets kube-client's
/// client, which refuses it with the reason (this build has no proxy
/// support).
pub fn build(config: kube::Config) -> Result<kube::Client, kube::Error> {
    use super::connection;
    use kube::client::ConfigExt;
    use tower::ServiceBuilder;

    if config.proxy_url.is_some() {
        return kube::Client::try_from(config);
    }
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // What kube-client does before its own: an error means another
        // thread installed one meanwhile, which serves as well.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    let tls = config.rustls_https_connector_with_connector(connection::Connector::new(http))?;
    let mut timed = hyper_timeout::TimeoutConnector::new(tls);
    timed.set_connect_timeout(config.connect_timeout);
    timed.set_read_timeout(config.read_timeout);
    timed.set_write_timeout(config.write_timeout);
    timed.set_reset_reader_on_write(config.reset_reader_on_write);
    let http_client: hyper_util::client::legacy::Client<_, kube::client::Body> =
        hyper_util::client::legacy::Builder::new(hyper_util::rt::TokioExecutor::new()).build(timed);
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(config.default_retry.then(|| {
            tower::retry::RetryLayer::new(kube::client::retry::RetryPolicy::server_retry())
        }))
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(tower::BoxError::from)
        .service(http_client);
    Ok(kube::client::ClientBuilder::new(service, config.default_namespace.clone()).build())
}

/// Whether the API server can read fresh data: a metadata GET of a pod
/// name no pod has (a read of etcd; the answer is 404, with the permission
/// the pods' details need anyway). The watches alone cannot tell: while
/// etcd is down the API server keeps them open from its watch cache and
/// they just go quiet. An API error below 500 (403, 429, ...) is an
/// answer too.
///
/// A GET, not a one-item list: the probe runs every 400 ms, and an API
/// server that serves lists from its watch cache (1.31 on) walks the whole
/// namespace's pods for a list of one. On the rig at 20,000 pods a list of
/// one cost the API server 74-155 ms of CPU (18-39 % of a core at this
/// rate, taken from the lists and the writes the panes wait for); the GET
/// costs it 2 ms (bench/README.md, "The reads' probe is a GET").
pub async fn probe_reads(
    client: &kube::Client,
    namespace: &str,
    timeout: std::time::Duration,
) -> Result<(), String> {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::Api;
    let pods = Api::<Pod>::namespaced(client.clone(), namespace);
    match tokio::time::timeout(timeout, pods.get_metadata_opt(PROBE_POD)).await {
        Err(_) => Err(format!(
            "the API server did not answer a read within {} ms",
            timeout.as_millis()
        )),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(kube::Error::Api(s))) if s.code < 500 => Ok(()),
        Ok(Err(e)) => Err(format!("the API server cannot read: {e}")),
    }
}

/// The pod [`probe_reads`] asks for. Either answer will do: a pod of that
/// name is found, and its absence is a 404 that only etcd could give.
const PROBE_POD: &str = "jhub-cockpit.reads-probe";

/// One pod, whole (for the details view; the watch keeps healthy pods as
/// rows only), slimmed as the watched ones are.
pub async fn get_pod(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<std::sync::Arc<k8s_openapi::api::core::v1::Pod>, String> {
    use k8s_openapi::api::core::v1::Pod;
    let pods = kube::Api::<Pod>::namespaced(client.clone(), namespace);
    let mut pod = pods.get(name).await.map_err(|e| e.to_string())?;
    super::trim::slim(&mut pod);
    Ok(std::sync::Arc::new(pod))
}
